package camera

import (
	"math"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

const testRes = 0.25

func newTestFlight(t testing.TB, seed int64, epoch int, maxAbove float64) *Flight {
	t.Helper()
	f, err := NewFlight(seed, epoch, 4000, 4000, flat(690), maxAbove, DefaultParams(epoch))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// snap rounds v down to the pixel lattice.
func snap(v float64) float64 { return math.Floor(v/testRes) * testRes }

// A 30 m tower ~1 km from the nadir: its roof leans away from the nadir by
// h·r/H, the façades facing the nadir fill the gap, and the ground just
// behind the tower is hidden.
func TestReliefDisplacement(t *testing.T) {
	const h = 30.0
	f := newTestFlight(t, 7, 0, h)
	ph := f.PhotoAt(2000, 2000)
	xw, ys := snap(ph.X+400), snap(ph.Y+900) // tower's south-west corner
	xe, yn := xw+10, ys+10
	if p := f.PhotoAt(xe+10, yn+10); p.Strip != ph.Strip || p.Seq != ph.Seq {
		t.Fatal("the tower is not in the photo's Voronoi cell")
	}
	wd := &world{ground: flat(690), mat: func(x, y float64) surface.Material { return surface.Paved },
		boxes: []box{{x0: xw, y0: ys, x1: xe, y1: yn, h: h, mat: surface.RoofFlat, obj: 5}}}
	x0, y1 := xw-10, yn+30
	const w, hh = 200, 200
	_, obj, err := wd.render(f, x0, y1, testRes, w, hh)
	if err != nil {
		t.Fatal(err)
	}
	at := func(x, y float64) uint32 {
		i, j := int((x-x0)/testRes), int((y1-y)/testRes)
		return obj[j*w+i]
	}
	// Bounding box of the tower in the ortho: its foot on the near sides,
	// its displaced roof on the far sides.
	xlo, ylo, xhi, yhi := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for j := range hh {
		for i := range w {
			if obj[j*w+i] == 5 {
				x, y := x0+(float64(i)+0.5)*testRes, y1-(float64(j)+0.5)*testRes
				xlo, xhi, ylo, yhi = min(xlo, x), max(xhi, x), min(ylo, y), max(yhi, y)
			}
		}
	}
	H := ph.Z - 690
	// The roof's far edges, measured: displacement d = h·r/H with r the
	// displaced edge's distance from the nadir.
	dx := xhi + testRes/2 - xe
	wantDx := h * (xhi + testRes/2 - ph.X) / H
	dy := yhi + testRes/2 - yn
	wantDy := h * (yhi + testRes/2 - ph.Y) / H
	t.Logf("H %.1f m, r %.0f m: lean x %.2f (h·r/H %.2f), y %.2f (%.2f)", H, math.Hypot(xhi-ph.X, yhi-ph.Y), dx, wantDx, dy, wantDy)
	if math.Abs(dx-wantDx) > testRes || math.Abs(dy-wantDy) > testRes {
		t.Errorf("lean %.2f, %.2f m; h·r/H gives %.2f, %.2f", dx, dy, wantDx, wantDy)
	}
	if dx < 2 || dy < 5 {
		t.Errorf("lean %.2f, %.2f m is not away from the nadir", dx, dy)
	}
	// The façades facing the nadir stand on the footprint's near edges.
	if math.Abs(xlo-testRes/2-xw) > testRes || math.Abs(ylo-testRes/2-ys) > testRes {
		t.Errorf("tower starts at %.2f, %.2f; its foot is at %.2f, %.2f", xlo, ylo, xw, ys)
	}
	// Ground right behind the tower is hidden; beyond the lean it shows.
	for _, p := range [][2]float64{{xe + 0.6, ys + 5}, {xw + 5, yn + 0.6}, {xe + 1, yn + 1}} {
		if at(p[0], p[1]) != 5 {
			t.Errorf("ground at %.1f, %.1f behind the tower is visible", p[0]-xw, p[1]-ys)
		}
	}
	if at(xe+dx+1, ys+5) != 0 || at(xw+5, yn+dy+1) != 0 {
		t.Error("the ground beyond the leaning roof is hidden")
	}
}

// The flights plan the photos the brief expects: H from the GSD, overlaps,
// and a 35 m building leaning up to ~13 m at a Voronoi cell's corner.
func TestFlightPlan(t *testing.T) {
	for e := range 2 {
		f := newTestFlight(t, 3, e, 35)
		p := f.Params()
		if math.Abs(f.FlyingHeight()-p.GSD*p.FocalMM/p.PixelUM*1000) > 1e-9 {
			t.Errorf("H %.1f", f.FlyingHeight())
		}
		if len(f.Photos()) < 4 {
			t.Errorf("epoch %d: %d photos", e, len(f.Photos()))
		}
		// Every point's photo is the nearest of all planned.
		for _, q := range [][2]float64{{10, 10}, {2000, 3000}, {3990, 120}, {1234, 2345}} {
			got := f.PhotoAt(q[0], q[1])
			for _, o := range f.Photos() {
				if math.Hypot(o.X-q[0], o.Y-q[1]) < math.Hypot(got.X-q[0], got.Y-q[1])-1e-9 {
					t.Errorf("photo of %v is not the nearest", q)
				}
			}
		}
		r := math.Hypot(f.base/2, f.spacing/2)
		t.Logf("epoch %d: H %.0f m, base %.0f m, strips %.0f m apart, 35 m lean at the cell corner %.1f m, halo %.1f m",
			e, f.FlyingHeight(), f.base, f.spacing, 35*r/f.FlyingHeight(), f.Halo())
	}
}
