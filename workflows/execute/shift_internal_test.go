package execute

import (
	"math"
	"testing"

	"github.com/cdflow/cdflow/raster"
)

// shiftImage moves a window's content by the shift, crops the margin away
// and keeps nodata as nodata.
func TestShiftImage(t *testing.T) {
	const w, h, margin = 8, 7, 2
	g := raster.Grid{GeoTransform: [6]float64{100, 1, 0, 200, 0, -1}, Width: w, Height: h}
	img := raster.NewImage[float32](g, 1)
	img.NoData, img.HasNoData = -9999, true
	for r := range h {
		for c := range w {
			// A plane in map coordinates: x + 10·y at the cell centre.
			x, y := 100+float64(c)+0.5, 200-float64(r)-0.5
			img.Bands[0][r*w+c] = float32(x + 10*y)
		}
	}
	img.Bands[0][3*w+4] = -9999
	out, err := shiftImage(img, [2]float64{0.25, -0.5}, margin)
	if err != nil {
		t.Fatal(err)
	}
	if out.Width != w-2*margin || out.Height != h-2*margin || out.GeoTransform[0] != 102 || out.GeoTransform[3] != 198 {
		t.Fatalf("grid %v %d×%d, want origin (102, 198), %d×%d", out.GeoTransform, out.Width, out.Height, w-2*margin, h-2*margin)
	}
	nodata := 0
	for r := range out.Height {
		for c := range out.Width {
			v := out.Bands[0][r*out.Width+c]
			if v == -9999 {
				nodata++
				continue
			}
			// value(x, y) = read(x + 0.25, y − 0.5): the plane shifted.
			x, y := 102+float64(c)+0.5, 198-float64(r)-0.5
			if want := x + 0.25 + 10*(y-0.5); math.Abs(float64(v)-want) > 1e-3 {
				t.Errorf("(%d,%d) = %g, want %g", c, r, v, want)
			}
		}
	}
	// The nodata cell (4, 3) enters the kernels of (1..2, 0..1) of the crop:
	// read columns c+2 and c+3, rows r+2 and r+3.
	if nodata != 4 {
		t.Errorf("%d nodata cells, want the 4 whose kernel holds the nodata one", nodata)
	}
	if _, err := shiftImage(img, [2]float64{0.25, 0}, 4); err == nil {
		t.Error("a margin larger than half the window: no error")
	}
}
