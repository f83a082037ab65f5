package camera

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The coarse blocks and their dilations only skip empty space: a grid
// without them sees exactly the same.
func TestAccelerationChangesNothing(t *testing.T) {
	f := newTestFlight(t, 4, 0, 40)
	ph := f.PhotoAt(2000, 2000)
	x0, y1 := snap(ph.X+300), snap(ph.Y+700)
	l := paintCity(x0, y1, 0.25, 480, 480)
	sun := newSunRay(f.sun, 0.25)
	g := newGrid(l, &sun)
	slow := newGrid(l, &sun)
	for _, d := range [][]float32{slow.levels[0].d, slow.levels[1].d, slow.levels[2].d, slow.hc} {
		for i := range d {
			d[i] = float32(math.Inf(1))
		}
	}
	for i := range slow.bmax {
		slow.bmax[i] = float32(math.Inf(1))
	}
	r := rand.New(rand.NewPCG(1, 2))
	hits := 0
	for range 20000 {
		x, y := x0+40+r.Float64()*40, y1-40-r.Float64()*40
		k := g.index(int64(math.Floor(x/0.25)), int64(math.Floor(y/0.25)))
		pz := float64(l.Ground[k])
		var a, b view
		g.trace(x, y, pz, ph.X, ph.Y, ph.Z, true, &a)
		slow.trace(x, y, pz, ph.X, ph.Y, ph.Z, true, &b)
		if a != b {
			t.Fatalf("view from %.3f, %.3f: %+v, without acceleration %+v", x, y, a, b)
		}
		if a.k != int(k) {
			hits++
		}
		z := float64(l.Solid[k])
		// Without the crown horizon every sun ray is marched to the
		// Layers' edge; only rounding may differ.
		if sa, sb := g.sunlight(x, y, z, k, &sun), slow.sunlight(x, y, z, k, &sun); math.Abs(sa-sb) > 1e-9 {
			t.Fatalf("sun at %.3f, %.3f, %.2f: %g, without acceleration %g", x, y, z, sa, sb)
		}
	}
	if hits < 1000 {
		t.Errorf("only %d of the rays met something above their terrain point", hits)
	}
}
