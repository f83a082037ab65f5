package city

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// Tests of the scene model and its rasterization, without GDAL.

func TestWindowColsRows(t *testing.T) {
	win := Window{x0: 100, y1: 300, res: 0.5, w: 20, h: 10}
	tests := []struct {
		a, b           float64
		wantI0, wantI1 int
	}{
		// Pixel centres x: 100.25, 100.75, ...
		{100, 101, 0, 2},
		{100.25, 100.75, 0, 1},
		{100.26, 100.75, 1, 1},
		{90, 200, 0, 20},
		{295, 299.25, 20, 20},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.a, tt.b), func(t *testing.T) {
			i0, i1 := win.Cols(tt.a, tt.b)
			if i0 != tt.wantI0 || i1 != tt.wantI1 {
				t.Errorf("cols(%g, %g) = %d, %d; want %d, %d", tt.a, tt.b, i0, i1, tt.wantI0, tt.wantI1)
			}
		})
	}
	// Rows: the centre of row j is at y = 299.75 - 0.5j; [298, 299.25) holds rows 2 and 3.
	if j0, j1 := win.Rows(298, 299.25); j0 != 2 || j1 != 4 {
		t.Errorf("rows(298, 299.25) = %d, %d; want 2, 4", j0, j1)
	}
	// Every pixel agrees with the rule a <= centre < b.
	for _, a := range []float64{99.9, 100.25, 101.3, 104.75} {
		for _, b := range []float64{100.25, 102, 105.01, 120} {
			i0, i1 := win.Cols(a, b)
			for i := 0; i < win.w; i++ {
				in := win.X(i) >= a && win.X(i) < b
				if in != (i >= i0 && i < i1) {
					t.Fatalf("cols(%g, %g) = [%d, %d) disagrees at pixel %d (centre %g)", a, b, i0, i1, i, win.X(i))
				}
			}
			j0, j1 := win.Rows(a+195, b+195)
			for j := 0; j < win.h; j++ {
				in := win.Y(j) >= a+195 && win.Y(j) < b+195
				if in != (j >= j0 && j < j1) {
					t.Fatalf("rows(%g, %g) = [%d, %d) disagrees at row %d (centre %g)", a+195, b+195, j0, j1, j, win.Y(j))
				}
			}
		}
	}
}

// TestSheetIndependence renders the same place through windows with
// different origins: every shared pixel must be identical, in the DSM and in
// the orthophoto, with and without the t1 shift.
func TestSheetIndependence(t *testing.T) {
	c := New(3, 400, 400)
	for _, dx := range []float64{0, 0.5, 0.3} {
		t.Run(fmt.Sprint("dx=", dx), func(t *testing.T) {
			a := Window{x0: 100, y1: 300, res: 1, w: 120, h: 120, dx: dx}
			b := Window{x0: 150, y1: 260, res: 1, w: 120, h: 120, dx: dx}
			da, db := c.DSM(1, a, 0), c.DSM(1, b, 0)
			for j := 0; j < 80; j++ {
				for i := 0; i < 70; i++ {
					if va, vb := da[(j+40)*a.w+i+50], db[j*b.w+i]; va != vb {
						t.Fatalf("DSM pixel (%d,%d) of b: %v in window a, %v in window b", i, j, va, vb)
					}
				}
			}
			oa, ob := Window{x0: 100, y1: 300, res: testOrthoRes, w: 400, h: 400, dx: dx}, Window{x0: 150, y1: 260, res: testOrthoRes, w: 400, h: 400, dx: dx}
			ca, cb := renderRGB(c, 1, oa), renderRGB(c, 1, ob)
			for j := 0; j < 240; j++ {
				for i := 0; i < 200; i++ {
					for band := 0; band < 3; band++ {
						if va, vb := ca[band][(j+160)*oa.w+i+200], cb[band][j*ob.w+i]; va != vb {
							t.Fatalf("ortho band %d pixel (%d,%d) of b: %v in window a, %v in window b", band, i, j, va, vb)
						}
					}
				}
			}
		})
	}
}

func renderRGB(c *City, epoch int, win Window) [3][]uint8 {
	l := NewLayers(win)
	c.Paint(epoch, l)
	var out [3][]uint8
	for b := range out {
		out[b] = make([]uint8, win.w*win.h)
	}
	c.Colourize(epoch, l, out)
	return out
}

// TestExcessGreen checks what the vegetation filter relies on: excess green
// on chromatic coordinates, (2G−R−B)/(R+G+B) as changemap computes
// it, is clearly above the filter's default threshold (0.1) on trees and
// grass and below it on roofs and streets, in both epochs' light.
func TestExcessGreen(t *testing.T) {
	c := New(7, 600, 600)
	win := Window{x0: 100, y1: 500, res: testOrthoRes, w: 1600, h: 1600}
	for epoch := 0; epoch < 2; epoch++ {
		l := NewLayers(win)
		c.Paint(epoch, l)
		rgb := renderRGB(c, epoch, win)
		exg := map[string][]float64{}
		for k, m := range l.mat {
			var class string
			switch m {
			case matTree:
				class = "tree"
			case matGrass:
				class = "grass"
			case matRoofFlat, matParapet, matRoofTile:
				class = "roof"
			case matRoad, matSidewalk, matMarking:
				class = "street"
			default:
				continue
			}
			r, g, b := float64(rgb[0][k]), float64(rgb[1][k]), float64(rgb[2][k])
			exg[class] = append(exg[class], (2*g-r-b)/max(1, r+g+b))
		}
		tests := []struct {
			class string
			green bool    // vegetation: the low tail must stay above limit; else the high tail below
			pct   float64 // the tail
			limit float64
		}{
			{"tree", true, 1, 0.15},
			{"grass", true, 1, 0.15},
			{"roof", false, 99, 0.05},
			{"street", false, 99, 0.05},
		}
		for _, tt := range tests {
			v := exg[tt.class]
			if len(v) < 1000 {
				t.Fatalf("t%d: only %d %s pixels in the test window", epoch, len(v), tt.class)
			}
			p := percentile(v, tt.pct)
			t.Logf("t%d %-6s ExG p50 %6.3f, p%g %6.3f", epoch, tt.class, percentile(v, 50), tt.pct, p)
			if tt.green && p < tt.limit || !tt.green && p > tt.limit {
				t.Errorf("t%d: p%g of ExG on %s = %.3f, want it beyond %g", epoch, tt.pct, tt.class, p, tt.limit)
			}
		}
	}
}

func percentile(v []float64, p float64) float64 {
	s := append([]float64(nil), v...)
	slices.Sort(s)
	k := int(math.Round(p / 100 * float64(len(s)-1)))
	return s[k]
}

// TestEventsAwayFromTreesAndCars: on a changed footprint nothing but the
// building changes, which is what makes truth dh equal the DSM difference.
func TestEventsAwayFromTreesAndCars(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		c := New(seed, 1000, 1000)
		for _, e := range c.events {
			fp := c.footprint(e)
			for _, tr := range c.trees {
				r := tr.reach()
				if (rect{tr.x - r, tr.y - r, tr.x + r, tr.y + r}).intersects(fp) {
					t.Fatalf("seed %d: tree at (%.1f, %.1f) r=%.1f overlaps %s at %v", seed, tr.x, tr.y, r, e.kind, fp)
				}
			}
			for _, cr := range c.cars {
				if cr.r.intersects(fp) {
					t.Fatalf("seed %d: car %v overlaps %s at %v", seed, cr.r, e.kind, fp)
				}
			}
			for bi := range c.buildings {
				if bi != e.before && bi != e.after && c.buildings[bi].fp.intersects(fp) {
					t.Fatalf("seed %d: building %d overlaps %s at %v", seed, bi, e.kind, fp)
				}
			}
		}
	}
}

// TestSceneContent checks the model's proportions over several seeds and
// extents: building cover, changed share, the ΔH range, footprint sizes,
// heights, and tree change.
func TestSceneContent(t *testing.T) {
	tests := []struct {
		seed int64
		w, h float64
	}{
		{1, 1000, 1000}, {2, 1000, 1000}, {3, 1200, 800}, {4, 2000, 2000}, {5, 4000, 5000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("seed%d_%gx%g", tt.seed, tt.w, tt.h), func(t *testing.T) {
			c := New(tt.seed, tt.w, tt.h)
			extent := rect{0, 0, tt.w, tt.h}
			var cover, changed float64
			dhMin, dhMax := 0.0, 0.0
			for _, b := range c.buildings {
				if b.fp.w() < minSide-1e-9 || b.fp.h() < minSide-1e-9 || b.fp.w() > maxSide+1e-9 || b.fp.h() > maxSide+1e-9 {
					t.Errorf("footprint %.1f×%.1f outside %g–%g m", b.fp.w(), b.fp.h(), minSide, maxSide)
				}
				if b.top < 3 || b.top > maxHeight+1e-9 || b.eave <= 0 || b.eave > b.top {
					t.Errorf("building heights top %.1f eave %.1f out of range", b.top, b.eave)
				}
				if b.in(0) {
					cover += clip(b.fp, extent).area()
				}
			}
			kinds := map[eventKind]int{}
			for _, e := range c.events {
				changed += c.footprint(e).area()
				kinds[e.kind]++
				dhMin, dhMax = math.Min(dhMin, c.dh(e)), math.Max(dhMax, c.dh(e))
				if !extent.contains(c.footprint(e)) {
					t.Errorf("event %v outside the extent", c.footprint(e))
				}
			}
			cover /= tt.w * tt.h
			share := changed / (tt.w * tt.h)
			t.Logf("cover %.3f, changed %.4f, events %v, ΔH %.1f … %.1f", cover, share, kinds, dhMin, dhMax)
			if cover < 0.2 || cover > 0.3 {
				t.Errorf("building cover %.3f, want about a quarter (0.2–0.3)", cover)
			}
			if share < 0.045 || share > 0.055 {
				t.Errorf("changed share %.4f, want 0.045–0.055", share)
			}
			if dhMin > -24.99 || dhMax < 34.99 {
				t.Errorf("ΔH range %.2f … %.2f, want −25 … +35", dhMin, dhMax)
			}
			for _, k := range []eventKind{construction, demolition, extension} {
				if kinds[k] < 3 {
					t.Errorf("only %d %s events", kinds[k], k)
				}
			}
			for _, tr := range c.trees {
				if d := tr.h[1] - tr.h[0]; math.Abs(d) > maxTreeChange+1e-9 && tr.h[1] != 3 {
					t.Fatalf("tree height change %.2f m beyond ±%g", d, maxTreeChange)
				}
			}
		})
	}
}

func clip(r, to rect) rect {
	r = rect{max(r.x0, to.x0), max(r.y0, to.y0), min(r.x1, to.x1), min(r.y1, to.y1)}
	if r.w() < 0 || r.h() < 0 {
		return rect{}
	}
	return r
}

// TestTruthMatchesModel: the truth rasterizer and the DSM painter agree, pixel
// by pixel and without noise, on the building height change.
func TestTruthMatchesModel(t *testing.T) {
	c := New(11, 500, 500)
	win := Window{x0: 0, y1: 500, res: 1, w: 500, h: 500}
	l0, l1 := NewLayers(win), NewLayers(win)
	c.Paint(0, l0)
	c.Paint(1, l1)
	truth := make([]float32, win.w*win.h)
	c.TruthDH(win, truth)
	var n int
	for k, v := range truth {
		if v == 0 {
			continue
		}
		n++
		if d := l1.hag[k] - l0.hag[k]; math.Abs(float64(d-v)) > 1e-4 {
			t.Fatalf("pixel %d: truth %.3f, painted difference %.3f", k, v, d)
		}
	}
	if n < 5000 {
		t.Fatalf("only %d changed pixels in a 500 m window", n)
	}
}

// TestChangesVisibleInOrtho: every changed building changes the orthophoto
// over its footprint (a roof appears, disappears or is re-roofed), well
// beyond what unchanged roofs show once the epochs' colour balance is
// matched, band by band, with a linear fit.
func TestChangesVisibleInOrtho(t *testing.T) {
	c := New(2, 600, 600)
	win := Window{x0: 0, y1: 600, res: testOrthoRes, w: 2400, h: 2400}
	o0, o1 := renderRGB(c, 0, win), renderRGB(c, 1, win)
	// Unchanged roofs are the pseudo-invariant features the fit uses.
	var gain, offset [3]float64
	for b := 0; b < 3; b++ {
		var sx, sy, sxx, sxy, n float64
		for _, bd := range c.buildings {
			if bd.epochs != bothEpochs || bd.gable {
				continue
			}
			i0, i1 := win.Cols(bd.fp.x0+1, bd.fp.x1-1)
			j0, j1 := win.Rows(bd.fp.y0+1, bd.fp.y1-1)
			for j := j0; j < j1; j++ {
				for i := i0; i < i1; i++ {
					x, y := float64(o0[b][j*win.w+i]), float64(o1[b][j*win.w+i])
					sx, sy, sxx, sxy, n = sx+x, sy+y, sxx+x*x, sxy+x*y, n+1
				}
			}
		}
		gain[b] = (n*sxy - sx*sy) / (n*sxx - sx*sx)
		offset[b] = (sy - gain[b]*sx) / n
	}
	meanDiff := func(r rect) float64 {
		i0, i1 := win.Cols(r.x0, r.x1)
		j0, j1 := win.Rows(r.y0, r.y1)
		var sum, n float64
		for j := j0; j < j1; j++ {
			for i := i0; i < i1; i++ {
				k := j*win.w + i
				for b := 0; b < 3; b++ {
					sum += math.Abs(float64(o1[b][k]) - gain[b]*float64(o0[b][k]) - offset[b])
				}
				n += 3
			}
		}
		return sum / n
	}
	var stable []float64 // flat roofs: a gable roof's faces change with the sun
	for _, b := range c.buildings {
		if b.epochs == bothEpochs && !b.gable && (rect{0, 0, 600, 600}).contains(b.fp) {
			stable = append(stable, meanDiff(b.fp.inset(1)))
		}
	}
	noise := percentile(stable, 95)
	minDiff := math.Inf(1)
	for _, e := range c.events {
		d := meanDiff(c.footprint(e).inset(1))
		minDiff = math.Min(minDiff, d)
		if d < 2*noise {
			t.Errorf("%s at %v: mean |Δ RGB| %.1f, unchanged roofs differ by up to %.1f", e.kind, c.footprint(e), d, noise)
		}
	}
	t.Logf("%d events: smallest mean |Δ RGB| over a changed footprint %.1f; unchanged roofs p95 %.1f", len(c.events), minDiff, noise)
}

// testOrthoRes is the orthophoto pixel size the generator uses.
const testOrthoRes = 0.25
