package world

import (
	"math"
	"math/rand/v2"
)

// river is the Pisuerga: a meandering band 60–100 m wide crossing the scene
// roughly north–south west of the centre. Its centre line is an offset c(s)
// from a straight axis, s the coordinate along the axis.
type river struct {
	o, a, n    pt         // axis origin, direction, left normal
	mA, mK, mP [3]float64 // meanders: amplitude, wavenumber, phase
	hw0, hwA   float64    // half-width and its variation
	hwK, hwP   float64
}

func newRiver(r *rand.Rand, centre pt) river {
	theta := math.Pi/2 + uniform(r, -0.45, 0.45)
	a := dirv(theta)
	n := perp(a)
	rv := river{a: a, n: n}
	// West of the centre: n points west for a northward axis.
	rv.o = add(centre, mul(n, uniform(r, 350, 900)))
	for i := range rv.mA {
		wl := uniform(r, 1500, 3500) / float64(i+1)
		rv.mA[i] = uniform(r, 60, 200) / float64(i*i+1)
		rv.mK[i] = 2 * math.Pi / wl
		rv.mP[i] = 2 * math.Pi * r.Float64()
	}
	rv.hw0 = uniform(r, 34, 42)
	rv.hwA = uniform(r, 4, 8)
	rv.hwK = 2 * math.Pi / uniform(r, 800, 1600)
	rv.hwP = 2 * math.Pi * r.Float64()
	return rv
}

func (rv *river) offset(s float64) (c, dc float64) {
	for i := range rv.mA {
		c += rv.mA[i] * math.Sin(rv.mK[i]*s+rv.mP[i])
		dc += rv.mA[i] * rv.mK[i] * math.Cos(rv.mK[i]*s+rv.mP[i])
	}
	return
}

func (rv *river) halfWidth(s float64) float64 {
	return rv.hw0 + rv.hwA*math.Sin(rv.hwK*s+rv.hwP)
}

// centre is the point of the centre line at s.
func (rv *river) centre(s float64) pt {
	c, _ := rv.offset(s)
	return add(rv.o, add(mul(rv.a, s), mul(rv.n, c)))
}

// tangent is the unit direction of the centre line at s.
func (rv *river) tangent(s float64) pt {
	_, dc := rv.offset(s)
	return unitv(add(rv.a, mul(rv.n, dc)))
}

// locate returns the axis coordinate of p and its distance to the water's
// edge (negative on the water). The distance to the centre line is the
// offset times the cosine of the line's slope: exact enough for meanders
// this gentle.
func (rv *river) locate(x, y float64) (s, q float64) {
	d := pt{x - rv.o[0], y - rv.o[1]}
	s = dot(d, rv.a)
	c, dc := rv.offset(s)
	off := dot(d, rv.n) - c
	return s, math.Abs(off)/math.Sqrt(1+dc*dc) - rv.halfWidth(s)
}

// bridge is a deck across the river.
type bridge struct {
	p  poly
	e  []hp
	bb box
	z  float64 // deck top, absolute
	id uint32
}

// addBridges spans the river every 500–900 m within the extended extent.
func (wd *World) addBridges(r *rand.Rand) {
	rv := &wd.land.r
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range []pt{{wd.ext.x0, wd.ext.y0}, {wd.ext.x1, wd.ext.y0}, {wd.ext.x0, wd.ext.y1}, {wd.ext.x1, wd.ext.y1}} {
		s := dot(sub(c, rv.o), rv.a)
		lo, hi = math.Min(lo, s), math.Max(hi, s)
	}
	for s := lo + uniform(r, 100, 600); s < hi; s += uniform(r, 500, 900) {
		c := rv.centre(s)
		t := rv.tangent(s)
		length := 2*rv.halfWidth(s) + 28
		p := rect(c, perp(t), length/2, uniform(r, 6, 11))
		bb := p.bbox()
		if !bb.overlaps(wd.ext) {
			continue
		}
		wd.bridges = append(wd.bridges, bridge{p: p, e: halfPlanes(p), bb: bb, z: wd.land.waterLevel(s) + bankHeight + 1.3})
	}
}

// onBridge reports whether p is under or on a bridge deck (with margin).
func (wd *World) onBridge(p pt, margin float64) bool {
	for i := range wd.bridges {
		b := &wd.bridges[i]
		if b.bb.grow(margin).has(p) && edgeDist(b.e, p[0], p[1]) > -margin {
			return true
		}
	}
	return false
}
