package qa

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// TestCoversGrid checks the rectangle test against the pixel mask it
// stands for, on sheets that tile the window, leave gaps of a pixel,
// overlap, stop half a pixel short or include an unreadable file.
func TestCoversGrid(t *testing.T) {
	// A 40×30 grid of 0.5 m pixels from (1000, 2015).
	g := raster.Grid{Width: 40, Height: 30, GeoTransform: [6]float64{1000, 0.5, 0, 2015, 0, -0.5}}
	ext := func(x0, y0, x1, y1 float64) raster.Extent {
		return raster.Extent{MinX: x0, MinY: y0, MaxX: x1, MaxY: y1}
	}
	file := func(e raster.Extent) plugins.SourceFile { return plugins.SourceFile{Path: "f.tif", Extent: e} }
	bad := plugins.SourceFile{Path: "bad.tif", Extent: ext(900, 1900, 1100, 2100), Err: errors.New("cannot read")}
	cases := []struct {
		name  string
		files []plugins.SourceFile
		want  bool
	}{
		{"one sheet over all", []plugins.SourceFile{file(ext(900, 1900, 1100, 2100))}, true},
		{"four sheets meeting inside", []plugins.SourceFile{
			file(ext(900, 2005, 1010, 2100)), file(ext(1010, 2005, 1100, 2100)),
			file(ext(900, 1900, 1010, 2005)), file(ext(1010, 1900, 1100, 2005)),
		}, true},
		{"a column's centres uncovered", []plugins.SourceFile{file(ext(900, 1900, 1010, 2100)), file(ext(1010.5, 1900, 1100, 2100))}, false},
		{"sheet stops short of the last centre", []plugins.SourceFile{file(ext(1000, 2000, 1019.7, 2015))}, false},
		{"sheet reaches the last centre", []plugins.SourceFile{file(ext(1000, 2000, 1019.75, 2015))}, true},
		{"an unreadable file", []plugins.SourceFile{file(ext(900, 1900, 1100, 2100)), bad}, false},
		{"no file over the window", []plugins.SourceFile{file(ext(0, 0, 10, 10))}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := coversGrid(tc.files, g); got != tc.want {
				t.Errorf("coversGrid = %v, want %v", got, tc.want)
			}
			if tc.files[len(tc.files)-1].Err == nil {
				if mask := maskOf(tc.files, g); !slices.Contains(mask, false) != tc.want {
					t.Errorf("the pixel mask disagrees with the case: fix the case")
				}
			}
		})
	}
	// Random sheets: the test must agree with the mask.
	r := rand.New(rand.NewPCG(1, 2))
	covered := 0
	for i := range 2000 {
		var files []plugins.SourceFile
		for range 2 + r.IntN(6) {
			x0, y0 := 990+r.Float64()*20, 1990+r.Float64()*20
			files = append(files, file(ext(x0, y0, x0+15+r.Float64()*20, y0+15+r.Float64()*20)))
		}
		mask := maskOf(files, g)
		if want := !slices.Contains(mask, false); coversGrid(files, g) != want {
			t.Fatalf("case %d %v: coversGrid = %v, mask says %v", i, files, !want, want)
		}
		if !slices.Contains(mask, false) {
			covered++
		}
	}
	if covered < 100 || covered > 1900 {
		t.Errorf("%d of 2000 random cases cover the grid: too few of one kind to test", covered)
	}
}

func maskOf(files []plugins.SourceFile, g raster.Grid) []bool {
	mask := make([]bool, g.Width*g.Height)
	for _, f := range files {
		fillExtent(mask, g, f.Extent)
	}
	return mask
}
