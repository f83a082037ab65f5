package camera

import (
	"math"
	"math/rand/v2"
	"testing"
)

// marchSun is the sun ray of old, marched through every cell towards the
// sun from (x, y, z): 0 behind a solid other than skip's, partial through
// crowns. The reference for the swept horizons.
func marchSun(g *grid, x, y, z float64, skip int, sun *sunRay) float64 {
	ox, oy := x/g.res, y/g.res
	z0 := z + 0.05
	U := (float64(g.top)-z0)/sun.s + 1e-3
	var cw walker
	var sg seg
	tau := 0.0
	// Walked backwards along the opposite direction.
	cw.init(ox, oy, -sun.dx, -sun.dy, -1/sun.dx, -1/sun.dy, 1, 0, -U, -1)
	for cw.next(&sg) {
		zIn := z0 - sun.s*sg.uIn
		k := g.index(sg.gx, sg.gy)
		if k < 0 {
			continue
		}
		if k != skip && float64(g.l.Solid[k]) > zIn {
			return 0
		}
		if ct := float64(g.l.CanopyTop[k]); ct > zIn {
			zOut := z0 - sun.s*sg.uOut
			hi, lo := min(zOut, ct), max(zIn, float64(g.l.CanopyBase[k]))
			if hi > lo {
				tau -= (hi - lo) * sun.path * keepLn[g.l.CanopyDensity[k]]
				if tau > maxTau {
					return 0
				}
			}
		}
	}
	return math.Exp(-tau)
}

// The swept horizons shade what a sun ray marched from every point does,
// but at the edges of shadows, within a cell.
func TestSweptShadowsMatchMarch(t *testing.T) {
	for e := range 2 {
		f := newTestFlight(t, 4, e, 40)
		ph := f.PhotoAt(2000, 2000)
		x0, y1 := snap(ph.X+300), snap(ph.Y+700)
		l := paintCity(x0, y1, 0.25, 640, 640)
		sun := newSunRay(f.sun, 0.25)
		g := newGrid(l, &sun)
		r := rand.New(rand.NewPCG(3, uint64(e)))
		const n = 20000
		shaded, off, far := 0, 0, 0
		sumGot, sumWant := 0.0, 0.0
		for range n {
			// Points on the tops, away from the Layers' edges the sun
			// rays would leave.
			x, y := x0+60+r.Float64()*40, y1-60-r.Float64()*40
			gx, gy := int64(math.Floor(x/0.25)), int64(math.Floor(y/0.25))
			k := g.index(gx, gy)
			z := float64(l.Solid[k])
			got, want := g.sunlight(x, y, z, k, &sun), marchSun(g, x, y, z, k, &sun)
			if want < 0.5 {
				shaded++
			}
			sumGot += got
			sumWant += want
			if math.Abs(got-want) <= 0.1 {
				continue
			}
			off++
			// A miss must be at the edge of a shadow: marched from the
			// points a cell away, the sun spans what the sweep gives.
			lo, hi := want, want
			for _, d := range [][2]float64{{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {-1, -1}, {1, 1}, {-1, 1}, {1, -1}} {
				xn, yn := x+d[0]*0.25, y+d[1]*0.25
				kn := g.index(int64(math.Floor(xn/0.25)), int64(math.Floor(yn/0.25)))
				m := marchSun(g, xn, yn, z, kn, &sun)
				lo, hi = min(lo, m), max(hi, m)
			}
			ok := got >= lo-0.1 && got <= hi+0.1
			if !ok {
				far++
				if far <= 5 {
					t.Logf("epoch %d: at %.3f, %.3f, %.2f: swept %.3f, marched %.3f", e, x-x0, y1-y, z, got, want)
				}
			}
		}
		t.Logf("epoch %d: mean sun %.4f swept, %.4f marched", e, sumGot/n, sumWant/n)
		if math.Abs(sumGot-sumWant)/n > 0.01 {
			t.Errorf("epoch %d: mean sun %.4f swept, %.4f marched", e, sumGot/n, sumWant/n)
		}
		t.Logf("epoch %d: %d of %d points shaded; the sweep differs at %d, %d of them more than a cell from a match", e, shaded, n, off, far)
		if shaded < n/10 {
			t.Errorf("epoch %d: only %d points in shadow", e, shaded)
		}
		if off > n/25 || far > n/1000 {
			t.Errorf("epoch %d: the swept shadows differ from the marched ones at %d points, %d of them more than a cell from a match", e, off, far)
		}
	}
}
