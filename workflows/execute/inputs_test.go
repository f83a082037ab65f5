package execute

import (
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/plans"
)

// TestWindowRule checks how a source window is read: RasterIO only when
// the tile falls on the source's pixel edges at its resolution or a whole
// multiple of it, GDAL's warper otherwise; the step's method when it gives
// one, else nearest (aligned, native), average (coarsening) or bilinear.
func TestWindowRule(t *testing.T) {
	// The real Mount St. Helens grids: 2004-10-13 (integer origin),
	// 2004-10-11 (2.8 mm off it) and 2000 (10 m, fractional origin).
	onGrid := [2]float64{562159, 5116591}
	offGrid := [2]float64{562292.99715909, 5116492.9971591}
	tenMetre := [2]float64{561194.99850089, 5119474.9888518}
	tests := []struct {
		name       string
		origin     [2]float64
		srcRes     float64
		res        float64
		method     string
		wantMethod string
		wantWarp   bool
	}{
		{"aligned at its resolution", onGrid, 2, 2, "", "nearest", false},
		{"2.8 mm off the grid", offGrid, 2, 2, "", "bilinear", true},
		{"10 m refined to 2 m", tenMetre, 10, 2, "", "bilinear", true},
		{"aligned, coarsened 5 times", onGrid, 2, 10, "", "average", false},
		{"off the grid, coarsened", offGrid, 2, 10, "", "average", true},
		{"step's method, aligned", onGrid, 2, 2, "bilinear", "bilinear", false},
		{"step's method, off the grid", offGrid, 2, 2, "cubic", "cubic", true},
		{"step's method, refining", tenMetre, 10, 2, "average", "average", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work := raster.Extent{MinX: 562359, MinY: 5115891, MaxX: 562459, MaxY: 5115991}
			in := &sourceInput{
				src: &plans.Source{
					Source: &workflows.Source{Kind: plugins.DSM, Name: "t0"},
					Raster: raster.Info{
						Grid: raster.Grid{GeoTransform: [6]float64{tt.origin[0], tt.srcRes, 0, tt.origin[1], 0, -tt.srcRes}},
						ResX: tt.srcRes, ResY: tt.srcRes,
					},
				},
				tile: &plugins.Tile{Extent: work, Work: work},
			}
			w, warp := in.window(tt.res, tt.method)
			if w.Method != tt.wantMethod || warp != tt.wantWarp || w.Extent != work || w.ResX != tt.res || w.ResY != tt.res {
				t.Errorf("window %+v, warp %v; want method %s, warp %v on %v at %g m", w, warp, tt.wantMethod, tt.wantWarp, work, tt.res)
			}
		})
	}
}
