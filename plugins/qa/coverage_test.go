package qa

import (
	"errors"
	"fmt"
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

// randomCover is a cover of n pixels as coverage makes them: full, or a
// covered mask with (sometimes) a lost one inside it.
func randomCover(r *rand.Rand, n int) cover {
	switch r.IntN(4) {
	case 0:
		return cover{known: true, full: true}
	case 1, 2:
		c := cover{known: true, covered: make([]bool, n)}
		// Mostly covered, as a tile at a scene's edge is.
		share := r.Float64()
		for i := range c.covered {
			c.covered[i] = r.Float64() < share
		}
		if r.IntN(2) == 0 {
			c.lost = make([]bool, n)
			for i := range c.lost {
				if c.lost[i] = !c.covered[i] && r.IntN(3) == 0; c.lost[i] {
					c.covered[i] = true
				}
			}
		}
		return c
	default:
		// Every pixel covered, though the files' rectangles do not show it.
		c := cover{known: true, covered: make([]bool, n)}
		for i := range c.covered {
			c.covered[i] = true
		}
		return c
	}
}

// TestMissingCounts checks missing's count, row by row, against the rule
// pixel by pixel: inside the tile, covered by the other epoch and not by
// this one.
func TestMissingCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	s := New()
	var found, partial int
	for trial := range 500 {
		w, h := 3+r.IntN(40), 3+r.IntN(40)
		a := &analysis{w: w, h: h}
		a.tw, a.th = 1+r.IntN(w), 1+r.IntN(h)
		a.x0, a.y0 = r.IntN(w-a.tw+1), r.IntN(h-a.th+1)
		cov := [2]cover{randomCover(r, w*h), randomCover(r, w*h)}
		names := [2]string{"ortho_t0", "ortho_t1"}
		var want []plugins.Finding
		for e := range 2 {
			if cov[e].full {
				continue
			}
			n := 0
			a.eachInner(func(i int) {
				if cov[1-e].covers(i) && !cov[e].covers(i) {
					n++
				}
			})
			if n > 0 {
				frac := float64(n) / float64(a.tw*a.th)
				want = append(want, s.finding(CheckMissing, names[e], frac, fmt.Sprintf("no %s file covers %.1f %% of the tile, which %s covers", names[e], 100*frac, names[1-e])))
				if cov[1-e].full {
					found++
				} else {
					partial++
				}
			}
		}
		if got := s.missing(a, names, cov); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("trial %d (%d×%d, tile %d×%d at %d,%d):\n got %v\nwant %v", trial, w, h, a.tw, a.th, a.x0, a.y0, got, want)
		}
	}
	if found < 30 || partial < 30 {
		t.Errorf("%d findings against a full epoch and %d against a partial one: the cases test too little", found, partial)
	}
}

// TestRGBKeysCoverage checks the pixels rgbKeys skips against explained,
// pixel by pixel, on random covers.
func TestRGBKeysCoverage(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 1))
	kinds := map[[2]bool]int{}
	for trial := range 300 {
		w, h := 1+r.IntN(30), 1+r.IntN(30)
		n := w * h
		img := &raster.Image[uint8]{Grid: raster.Grid{Width: w, Height: h}}
		for range 3 {
			band := make([]uint8, n)
			for i := range band {
				band[i] = uint8(r.IntN(256))
			}
			img.Bands = append(img.Bands, band)
		}
		cov := randomCover(r, n)
		if cov.full {
			cov = cover{known: true}
		}
		kinds[[2]bool{cov.covered != nil, cov.lost != nil}]++
		got := make([]uint32, n)
		rgbKeys(got, img, cov)
		for i := range got {
			want := uint32(img.Bands[0][i]) | uint32(img.Bands[1][i])<<8 | uint32(img.Bands[2][i])<<16
			if (cov.covered != nil || cov.lost != nil) && cov.explained(i) {
				want = skipKey
			}
			if got[i] != want {
				t.Fatalf("trial %d, pixel %d: key %#x, want %#x", trial, i, got[i], want)
			}
		}
	}
	if kinds[[2]bool{true, false}] < 30 || kinds[[2]bool{true, true}] < 30 || kinds[[2]bool{false, false}] < 30 {
		t.Errorf("covers tried: %v; too few of a kind", kinds)
	}
}
