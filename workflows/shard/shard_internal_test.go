package shard

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
)

// TestPartialRoundTrip checks that a tile's result survives the partial
// manifest exactly: pointers to zero stay pointers, nil stays nil, empty
// lists stay empty, and NaN and infinite band statistics come back.
func TestPartialRoundTrip(t *testing.T) {
	zero, one := float32(0), float32(1.5)
	nd := -9999.0
	in := execute.TileResult{
		Tile:     plans.Tile{ID: "E1_N2", Col: 1, Row: 2, Extent: raster.Extent{MinX: 1, MinY: 2, MaxX: 201, MaxY: 202}},
		Products: map[string]string{"dh": "run/tiles/E1_N2/dh.tif"},
		Stats: schema.TileStats{
			TileID: "E1_N2", DHStd: &zero, DHMin: &one, QAFlags: []string{},
			DatetimeT0:  time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC),
			DHHistogram: make([]int32, 80), OrthoMeanT0: &[3]float32{1, 2, 3}, Geometry: []byte{1, 2, 3},
			ChangeFraction: 1.0 / 3,
		},
		Assets: []plugins.Asset{{Name: "dh", Bands: []plugins.BandInfo{
			{NoData: &nd, Min: math.NaN(), Max: math.NaN(), ValidPercent: 0},
			{Min: math.Inf(-1), Max: math.Inf(1), Mean: 0.1, StdDev: 1e-300, ValidPercent: 100},
		}}},
		FootprintWGS84: [][2]float64{{-4.1, 41.2}},
	}
	b, err := json.Marshal(partial{Tiles: []execute.TileResult{in}})
	if err != nil {
		t.Fatal(err)
	}
	var out partial
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	got := out.Tiles[0]
	bi := got.Assets[0].Bands
	if !math.IsNaN(bi[0].Min) || !math.IsNaN(bi[0].Max) || !math.IsInf(bi[1].Min, -1) || !math.IsInf(bi[1].Max, 1) {
		t.Fatalf("non-finite statistics lost: %+v", bi)
	}
	// NaN ≠ NaN: compare the rest with them set aside.
	for _, r := range []*execute.TileResult{&in, &got} {
		r.Assets[0].Bands[0].Min, r.Assets[0].Bands[0].Max = 0, 0
	}
	if !reflect.DeepEqual(in, got) {
		t.Errorf("round trip changed the result:\n got %+v\nwant %+v", got, in)
	}
}
