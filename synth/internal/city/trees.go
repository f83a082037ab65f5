package city

import (
	"math"
	"math/rand/v2"
)

// tree is a round crown on an invisible trunk. Between the epochs it grows or
// is pruned by up to ±2 m: real change that is not a building change, so the
// truth never contains it (and a vegetation filter must remove it).
type tree struct {
	x, y float64
	r, h [2]float64 // crown radius and top height above the ground, per epoch
	base float64    // crown base as a share of the top height
	tone uint8
}

const maxTreeChange = 2.0 // m, height change between epochs

// newTree draws a tree of crown radius in [rmin, rmax] whose crown stays
// within rmax+growth of its centre in both epochs.
func newTree(r *rand.Rand, rmin, rmax float64) tree {
	t := tree{base: 0.35 + 0.2*r.Float64(), tone: uint8(r.Uint32())}
	t.r[0] = rmin + (rmax-rmin)*r.Float64()
	t.h[0] = math.Max(5+11*r.Float64(), 1.5*t.r[0])
	dh := maxTreeChange * (2*r.Float64() - 1)
	t.h[1] = math.Max(3, t.h[0]+dh)
	t.r[1] = math.Max(1.2, t.r[0]+0.4*(t.h[1]-t.h[0]))
	return t
}

func (t *tree) reach() float64 { return math.Max(t.r[0], t.r[1]) }

// heightAt is the crown surface above the ground at distance² d2 from the centre,
// or -1 outside the crown.
func (t *tree) heightAt(epoch int, d2 float64) float64 {
	r := t.r[epoch]
	if d2 >= r*r {
		return -1
	}
	return t.h[epoch] * (t.base + (1-t.base)*math.Sqrt(1-d2/(r*r)))
}

// addTree places a tree whose crown stays inside area in both epochs.
func (c *City) addTree(r *rand.Rand, area rect, rmin, rmax float64) {
	t := newTree(r, rmin, rmax)
	in := area.inset(t.reach() + 0.5)
	u, v := r.Float64(), r.Float64()
	if in.w() <= 0 || in.h() <= 0 {
		return
	}
	t.x, t.y = in.x0+u*in.w(), in.y0+v*in.h()
	c.trees = append(c.trees, t)
}

func (c *City) plantGarden(r *rand.Rand, lr rect) {
	n := 1 + int(lr.area()/300)
	n = min(n, 8)
	for k := 0; k < n; k++ {
		c.addTree(r, lr, 2, 5)
	}
}

// plantStreetTrees lines tree-lined streets with trees on both kerbs. A crown
// reaches over the carriageway but never into a block.
func (c *City) plantStreetTrees(r *rand.Rand) {
	plant := func(s street, along []street, alongX bool, lo, hi float64) {
		for _, side := range []float64{-1, 1} {
			kerb := s.c + side*s.road/2
			for p := lo + 8*r.Float64(); p < hi; p += 8 + 3*r.Float64() {
				t := newTree(r, 1.5, math.Max(1.6, s.walk-1.1))
				if t.reach() > s.walk-0.3 || crossing(along, p, t.reach()+1) {
					continue
				}
				if alongX {
					t.x, t.y = p, kerb
				} else {
					t.x, t.y = kerb, p
				}
				c.trees = append(c.trees, t)
			}
		}
	}
	for _, s := range c.xs {
		if s.trees {
			plant(s, c.ys, false, -margin, c.h+margin)
		}
	}
	for _, s := range c.ys {
		if s.trees {
			plant(s, c.xs, true, -margin, c.w+margin)
		}
	}
}
