package held

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
)

// TestFile puts what tiles hold on disk from several goroutines and reads
// each back, with and without the assets: every value returns exactly
// (nil and empty lists and maps, pointers, non-finite statistics, each
// asset's own CRS), and a CRS is held once, not once per asset.
func TestFile(t *testing.T) {
	wktA := "PROJCS[\"A\"," + strings.Repeat("x", 1000) + "]"
	wktB := "PROJCS[\"B\"," + strings.Repeat("y", 1000) + "]"
	nd := -9999.0
	assets := func(i int) []plugins.Asset {
		switch i % 4 {
		case 0:
			return nil
		case 1:
			return []plugins.Asset{}
		}
		return []plugins.Asset{
			{Name: "dh", Path: fmt.Sprintf("run/tiles/T%d/dh.tif", i), Kind: plugins.ElevationDifference, MediaType: plugins.MediaCOG,
				Grid:  raster.Grid{CRS: raster.CRS{WKT: wktA, EPSG: 25830}, GeoTransform: [6]float64{float64(i) * 200, 1, 0, 4e6, 0, -1}, Width: 200, Height: 200},
				Bands: []plugins.BandInfo{{NoData: &nd, Min: math.NaN(), Max: math.Inf(1), Mean: 1.0 / 3, ValidPercent: 99.5}},
				Roles: []string{}, Size: int64(i), SHA256: fmt.Sprintf("%064x", i)},
			{Name: "dsm_t0", Grid: raster.Grid{CRS: raster.CRS{WKT: wktB}}, Title: "DSM", Roles: []string{"data"}},
			{Name: "thumbnail", Preview: true, MediaType: plugins.MediaPNG},
		}
	}
	tile := func(i int) plugins.Held {
		h := plugins.Held{Assets: assets(i)}
		switch i % 3 {
		case 1:
			h.Detail = schema.TileDetail{DHHistogram: []int32{}, Counts: []schema.Count{}, QAFlags: []string{}, Assets: map[string]string{}, Geometry: []byte{}}
			h.Footprint = [][2]float64{}
		case 2:
			h.Detail = schema.TileDetail{DHHistogram: []int32{0, int32(i), 7}, Counts: []schema.Count{{Name: "dropped_pixels.min_area", N: int32(i)}},
				QAFlags: []string{"stripes"}, Assets: map[string]string{"dh": fmt.Sprintf("run/tiles/T%d/dh.tif", i)}, Geometry: []byte{1, 3, 0, byte(i)}}
			h.Footprint = [][2]float64{{-4.7, 41.6}, {-4.69, 41.6}, {-4.69, 41.61}, {-4.7, 41.6}}
		}
		return h
	}
	sp, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	const n = 200
	loads := make([]func(bool) (plugins.Held, error), n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				loads[i], errs[i] = sp.Put(tile(i))
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("tile %d: %v", i, errs[i])
		}
		got, err := loads[i](true)
		if err != nil {
			t.Fatalf("tile %d: %v", i, err)
		}
		// JSON spells out what DeepEqual cannot compare (NaN) and tells
		// nil from empty and a pointer to zero from none.
		want, _ := json.Marshal(tile(i))
		if b, _ := json.Marshal(got); string(b) != string(want) {
			t.Fatalf("tile %d came back as\n%s\nwant\n%s", i, b, want)
		}
		if i%4 > 1 && (got.Assets[0].Grid.CRS.WKT != wktA || got.Assets[1].Grid.CRS.WKT != wktB || got.Assets[2].Grid.CRS.WKT != "") {
			t.Fatalf("tile %d: CRSs not restored", i)
		}
		row, err := loads[i](false)
		if err != nil {
			t.Fatalf("tile %d without its assets: %v", i, err)
		}
		h := tile(i)
		h.Assets = nil
		want, _ = json.Marshal(h)
		if b, _ := json.Marshal(row); string(b) != string(want) {
			t.Fatalf("tile %d without its assets came back as\n%s\nwant\n%s", i, b, want)
		}
	}
	if len(sp.wkts) != 3 {
		t.Errorf("%d CRSs held, want 3 (A, B and none)", len(sp.wkts))
	}
	// Half the tiles name two CRSs of a kilobyte: written with each
	// asset, they alone would be this much.
	if perAsset := int64(n/2) * 2 * int64(len(wktA)); sp.end > perAsset {
		t.Errorf("%d bytes on disk, more than the CRSs written per asset (%d): a CRS is not held once", sp.end, perAsset)
	}
	sp.Close()
	if _, err := loads[2](true); err == nil {
		t.Error("a read after Close succeeded")
	}
}
