// Package held keeps what a run holds of each finished tile outside the
// heap, so that a run's or a merge's memory does not grow with everything
// its tiles made.
package held

import (
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/fxamacker/cbor/v2"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/schema"
)

// File holds finished tiles' assets, outlines and the growing part of
// their rows (plugins.Held) in a file instead of the heap. A tile's assets
// (five products and previews, each with its grid, band statistics and
// checksum), its histogram, counters and asset paths are most of what a
// run or a merge would otherwise hold per tile; the release stage reads
// each tile's back while it writes that tile, so their memory grows only
// by the fixed-size rest of each tile.
//
// The file is removed as soon as it is created: it needs no name, and a
// run that is killed leaves nothing behind.
type File struct {
	mu  sync.Mutex
	f   *os.File
	end int64
	// wkts are the CRSs the assets name, each once: a WKT is a kilobyte,
	// and every product of every tile names the same one.
	wkts  []string
	index map[string]int
}

// record is what the file holds of a tile's assets: each asset's CRS by
// its place in wkts. The rest of what the tile holds is written before it,
// so that a reader of the row alone (the statistics, the report) decodes
// only that.
type record struct {
	CRS    []int
	Assets []plugins.Asset
}

// rest is what the file holds of a tile besides its assets.
type rest struct {
	Detail    schema.TileDetail
	Footprint [][2]float64
}

// New starts a File in dir (made if missing).
func New(dir string) (*File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := atomicfile.Unnamed(dir, ".held-*")
	if err != nil {
		return nil, err
	}
	return &File{f: f, index: map[string]int{}}, nil
}

// decodeMode reads the file back. The file holds CBOR rather than
// JSON: the release stage reads every tile back once per publisher, and
// decoding JSON was about 40 % of writing a catalog item (CBOR decodes
// the same record about 4× faster). A tile's lists (its histogram, its
// footprint) are not bounded by CBOR's default limits.
var decodeMode = sync.OnceValues(func() (cbor.DecMode, error) {
	return cbor.DecOptions{MaxArrayElements: 1<<31 - 1, MaxMapPairs: 1<<31 - 1}.DecMode()
})

// Put writes what a tile holds on disk and returns what reads it back,
// with its assets or without: the same values, since CBOR round-trips
// them exactly (floats as 64 bits, non-finite ones included; nil and
// empty lists apart).
func (s *File) Put(h plugins.Held) (func(assets bool) (plugins.Held, error), error) {
	r := record{CRS: make([]int, len(h.Assets)), Assets: slices.Clone(h.Assets)}
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
	head, err := cbor.Marshal(rest{Detail: h.Detail, Footprint: h.Footprint})
	if err != nil {
		return nil, err
	}
	tail, err := cbor.Marshal(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	off := s.end
	_, err = s.f.WriteAt(append(head, tail...), off)
	if err == nil {
		s.end += int64(len(head) + len(tail))
	}
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("hold the tile on disk: %w; free space in the output folder", err)
	}
	nh, nt := len(head), len(tail)
	return func(assets bool) (plugins.Held, error) {
		n := nh
		if assets {
			n += nt
		}
		buf := make([]byte, n)
		if _, err := s.f.ReadAt(buf, off); err != nil {
			return plugins.Held{}, fmt.Errorf("read back what the run held on disk: %w", err)
		}
		dec, err := decodeMode()
		if err != nil {
			return plugins.Held{}, fmt.Errorf("read back what the run held on disk: %w", err)
		}
		var h rest
		if err := dec.Unmarshal(buf[:nh], &h); err != nil {
			return plugins.Held{}, fmt.Errorf("read back what the run held on disk: record at byte %d: %w", off, err)
		}
		out := plugins.Held{Detail: h.Detail, Footprint: h.Footprint}
		if !assets {
			return out, nil
		}
		var r record
		if err := dec.Unmarshal(buf[nh:], &r); err != nil {
			return plugins.Held{}, fmt.Errorf("read back what the run held on disk: record at byte %d: %w", off+int64(nh), err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, k := range r.CRS {
			if i >= len(r.Assets) || k < 0 || k >= len(s.wkts) {
				return plugins.Held{}, fmt.Errorf("read back what the run held on disk: record at byte %d is damaged", off+int64(nh))
			}
			r.Assets[i].Grid.CRS.WKT = s.wkts[k]
		}
		out.Assets = r.Assets
		return out, nil
	}, nil
}

// Close closes the file; what it held is gone.
func (s *File) Close() error { return s.f.Close() }
