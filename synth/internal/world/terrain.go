package world

import (
	"math"
	"math/rand/v2"
)

// terrain is the Valladolid plateau: a plane near 690 m with long, low
// undulations, cut by the river valley (see river).
type terrain struct {
	base, sx, sy, cx, cy float64
	waves                [3][4]float64 // amplitude, kx, ky, phase
}

func newTerrain(r *rand.Rand, w, h float64) terrain {
	t := terrain{
		base: 689 + 3*r.Float64(),
		sx:   0.001 + 0.002*r.Float64(),
		sy:   -(0.001 + 0.002*r.Float64()),
		cx:   w / 2, cy: h / 2,
	}
	for i := range t.waves {
		wl := 700 + 2000*r.Float64()
		d := 2 * math.Pi * r.Float64()
		t.waves[i] = [4]float64{0.6 + 1.6*r.Float64(), 2 * math.Pi / wl * math.Cos(d), 2 * math.Pi / wl * math.Sin(d), 2 * math.Pi * r.Float64()}
	}
	return t
}

// plain is the height of the plateau without the river valley.
func (t *terrain) plain(x, y float64) float64 {
	z := t.base + t.sx*(x-t.cx) + t.sy*(y-t.cy)
	for _, w := range t.waves {
		z += w[0] * math.Sin(w[1]*x+w[2]*y+w[3])
	}
	return z
}

// Vertical profile of the valley.
const (
	valleyDepth = 3.0   // riverside land below the plateau, m
	bankHeight  = 2.5   // bank top above the water, m
	bankWidth   = 7.0   // horizontal extent of the bank slope, m
	valleyFlat  = 60.0  // distance from the water over which the valley is flat
	valleyEdge  = 500.0 // distance from the water where the plateau is reached
	gstep       = 2.0   // lattice step of the ground, m
)

// land is the bare earth: plateau plus river.
type land struct {
	t terrain
	r river
}

// node returns the exact ground height and the signed distance to the
// water's edge (negative on the water) at lattice node (ix, iy).
func (ld *land) node(ix, iy int64) (g, q float64) {
	x, y := float64(ix)*gstep, float64(iy)*gstep
	return ld.exact(x, y)
}

func (ld *land) exact(x, y float64) (g, q float64) {
	p := ld.t.plain(x, y)
	s, q := ld.r.locate(x, y)
	if q >= valleyEdge {
		return p, q
	}
	wl := ld.waterLevel(s)
	switch {
	case q < 0:
		return wl, q
	case q < bankWidth:
		return wl + (p-valleyDepth-wl)*q/bankWidth, q
	case q < valleyFlat:
		return p - valleyDepth, q
	}
	return p - valleyDepth*(1-smoothstep((q-valleyFlat)/(valleyEdge-valleyFlat))), q
}

// waterLevel is the river surface at along-axis coordinate s: flat across
// the river.
func (ld *land) waterLevel(s float64) float64 {
	c := ld.r.centre(s)
	return ld.t.plain(c[0], c[1]) - valleyDepth - bankHeight
}

// lattice caches node values for one window.
type lattice struct {
	a0, b0 int64
	nx, ny int
	g, q   []float64
}

func newLattice(ld *land, x0, y0, x1, y1 float64) *lattice {
	a0, b0 := int64(math.Floor(x0/gstep))-1, int64(math.Floor(y0/gstep))-1
	a1, b1 := int64(math.Floor(x1/gstep))+2, int64(math.Floor(y1/gstep))+2
	lt := &lattice{a0: a0, b0: b0, nx: int(a1-a0) + 1, ny: int(b1-b0) + 1}
	lt.g = make([]float64, lt.nx*lt.ny)
	lt.q = make([]float64, lt.nx*lt.ny)
	for b := 0; b < lt.ny; b++ {
		for a := 0; a < lt.nx; a++ {
			lt.g[b*lt.nx+a], lt.q[b*lt.nx+a] = ld.node(lt.a0+int64(a), lt.b0+int64(b))
		}
	}
	return lt
}

func (lt *lattice) gAt(ix, iy int64) float64 { return lt.g[int(iy-lt.b0)*lt.nx+int(ix-lt.a0)] }
func (lt *lattice) qAt(ix, iy int64) float64 { return lt.q[int(iy-lt.b0)*lt.nx+int(ix-lt.a0)] }
