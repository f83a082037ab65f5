package shard

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/cdflow/cdflow/plugins"
)

// spill holds the merged tiles' assets in a file instead of the heap. A
// tile's assets (five products and previews, each with its grid, band
// statistics and checksum) are most of what a merge would otherwise hold
// per tile; the release stage reads each tile's back while it writes that
// tile's item, so the merge's memory no longer grows with them.
//
// The file is removed as soon as it is created: it needs no name, and a
// merge that is killed leaves nothing behind.
type spill struct {
	mu  sync.Mutex
	f   *os.File
	end int64
	// wkts are the CRSs the assets name, each once: a WKT is a kilobyte,
	// and every product of every tile names the same one.
	wkts  []string
	index map[string]int
}

// record is a tile's assets as the file holds them: each asset's CRS
// by its place in wkts.
type record struct {
	CRS    []int
	Assets []plugins.Asset
}

func newSpill(dir string) (*spill, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, ".merge-assets-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return &spill{f: f, index: map[string]int{}}, nil
}

// put writes a tile's assets and returns what reads them back: the same
// values, since JSON round-trips them exactly (as the shards' manifests do).
func (s *spill) put(assets []plugins.Asset) (func() ([]plugins.Asset, error), error) {
	r := record{CRS: make([]int, len(assets)), Assets: slices.Clone(assets)}
	s.mu.Lock()
	for i := range r.Assets {
		wkt := r.Assets[i].Grid.CRS.WKT
		k, ok := s.index[wkt]
		if !ok {
			k = len(s.wkts)
			s.index[wkt] = k
			s.wkts = append(s.wkts, wkt)
		}
		r.CRS[i] = k
		r.Assets[i].Grid.CRS.WKT = ""
	}
	s.mu.Unlock()
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	off := s.end
	_, err = s.f.WriteAt(b, off)
	if err == nil {
		s.end += int64(len(b))
	}
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("hold the assets on disk: %w; free space in the output folder", err)
	}
	n := len(b)
	return func() ([]plugins.Asset, error) {
		buf := make([]byte, n)
		if _, err := s.f.ReadAt(buf, off); err != nil {
			return nil, fmt.Errorf("read back the assets held on disk: %w", err)
		}
		var r record
		if err := json.Unmarshal(buf, &r); err != nil {
			return nil, fmt.Errorf("read back the assets held on disk: %w", err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, k := range r.CRS {
			if i >= len(r.Assets) || k < 0 || k >= len(s.wkts) {
				return nil, fmt.Errorf("read back the assets held on disk: record at byte %d is damaged", off)
			}
			r.Assets[i].Grid.CRS.WKT = s.wkts[k]
		}
		return r.Assets, nil
	}, nil
}

func (s *spill) Close() error { return s.f.Close() }
