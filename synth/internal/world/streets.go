package world

import (
	"math"
	"math/rand/v2"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// streets dresses the carriageways of district i: centre lines, zebra
// crossings, medians, roundabouts, tree rows on avenues, kerbside parking.
// Every point is kept only if it lies in the district's own cell, off the
// river.
func (wd *World) streets(r, rt *rand.Rand, i int) {
	d := &wd.districts[i]
	if d.typ == dFields {
		return
	}
	n := d.n
	for a := -n; a <= n; a++ {
		for b := -n; b < n; b++ {
			wd.street(r, rt, i, d.node(a, b), d.node(a, b+1), d.wx[a+n], d.wy[b+n]/2+6, d.wy[b+1+n]/2+6)
		}
	}
	for b := -n; b <= n; b++ {
		for a := -n; a < n; a++ {
			wd.street(r, rt, i, d.node(a, b), d.node(a+1, b), d.wy[b+n], d.wx[a+n]/2+6, d.wx[a+1+n]/2+6)
		}
	}
	// Roundabouts where two avenues cross.
	for b := -n; b <= n; b++ {
		for a := -n; a <= n; a++ {
			wx, wy := d.wx[a+n], d.wy[b+n]
			if wx < 18 || wy < 18 || r.Float64() > 0.6 {
				continue
			}
			c := d.node(a, b)
			if !wd.ownPoint(i, c) {
				continue
			}
			rad := 0.4 * math.Min(wx, wy)
			wd.addCover(regular(c, rad, 20), surface.Sidewalk, 0, 3)
			wd.addCover(regular(c, rad-1, 20), surface.Grass, uint8(r.IntN(4)), 3)
			if rt.Float64() < 0.7 {
				wd.addTree(rt, c, []species{spPark, spConifer}[rt.IntN(2)])
			}
		}
	}
}

// ownPoint reports whether p lies in district i's cell, in the extended
// extent and well off the river.
func (wd *World) ownPoint(i int, p pt) bool {
	d := &wd.districts[i]
	if !wd.ext.grow(20).has(p) {
		return false
	}
	if !d.cb.has(p) || !d.cell.contains(p) {
		return false
	}
	return wd.riverDist(p) > 20
}

// Kerbside parking pitch and the car's offset from the kerb.
const (
	kerbPitch = 5.6
	kerbGap   = 1.15
)

func (wd *World) street(r, rt *rand.Rand, i int, p0, p1 pt, w, trim0, trim1 float64) {
	d := &wd.districts[i]
	length := norm(sub(p1, p0))
	if length-trim0-trim1 < 6 {
		return
	}
	u := unitv(sub(p1, p0))
	v := perp(u)
	at := func(t, off float64) pt { return add(add(p0, mul(u, t)), mul(v, off)) }
	mid := at((trim0+length-trim1)/2, 0)
	if !wd.ext.grow(60).has(mid) {
		return
	}
	span := length - trim0 - trim1
	if !wd.ownPoint(i, mid) {
		// Only the centre line's clipped parts are lost; kerbs are checked
		// point by point below.
		span = -1
	}
	avenue := w >= 18
	if span > 0 {
		switch {
		case w >= 26:
			wd.addCover(rect(mid, u, span/2, 1.8), surface.Sidewalk, 0, 3)
			wd.addCover(rect(mid, u, span/2-0.4, 1.4), surface.Grass, uint8(r.IntN(4)), 3)
			for t := trim0 + 3; t < length-trim1-3; t += 9 {
				wd.addTree(rt, at(t, 0), spStreet)
			}
		case w >= 8:
			wd.addMark(rect(mid, u, span/2, 0.08), u, 9, 4.5)
		}
		if w >= 7 {
			// Zebra crossings at both ends: stripes along the street.
			for _, t := range []float64{trim0 - 3, length - trim1 + 3} {
				wd.addMark(rect(at(t, 0), u, 1.8, w/2-0.3), v, 1.0, 0.5)
			}
		}
	}
	if avenue && d.gp.sidewalk >= 2.5 {
		off := w/2 + d.gp.sidewalk*0.45
		for _, s := range []float64{-1, 1} {
			for t := trim0 + 2; t < length-trim1-2; t += uniform(rt, 7, 9) {
				if p := at(t, s*off); wd.ownPoint(i, p) {
					wd.addTree(rt, p, spStreet)
				}
			}
		}
	}
	sides := []float64{-1, 1}
	if w < 7 {
		sides = sides[1:]
	}
	for _, s := range sides {
		run := int32(len(wd.slots))
		dir := u
		if s < 0 {
			dir = mul(u, -1)
		}
		for t := trim0 + 3; t < length-trim1-3; t += kerbPitch {
			if p := at(t, s*(w/2-kerbGap)); wd.ownPoint(i, p) {
				wd.slots = append(wd.slots, slot{c: p, u: dir, kind: slKerb, run: run})
			}
		}
		if avenue {
			for t := trim0 + uniform(r, 10, 80); t < length-trim1-10; t += uniform(r, 60, 160) {
				if p := at(t, s*w/4); wd.ownPoint(i, p) {
					wd.slots = append(wd.slots, slot{c: p, u: dir, kind: slLane, run: -1})
				}
			}
		}
	}
}

// riverTrees lines both banks with poplars and willows.
func (wd *World) riverTrees() {
	r := newRand(wd.seed, streamTrees)
	rv := &wd.land.r
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range []pt{{wd.ext.x0, wd.ext.y0}, {wd.ext.x1, wd.ext.y0}, {wd.ext.x0, wd.ext.y1}, {wd.ext.x1, wd.ext.y1}} {
		s := dot(sub(c, rv.o), rv.a)
		lo, hi = math.Min(lo, s), math.Max(hi, s)
	}
	for s := lo; s < hi; s += uniform(r, 4, 9) {
		c := rv.centre(s)
		n := perp(rv.tangent(s))
		hw := rv.halfWidth(s)
		for _, side := range []float64{-1, 1} {
			if r.Float64() < 0.25 {
				continue
			}
			p := add(c, mul(n, side*(hw+uniform(r, 2, 20))))
			if wd.ext.has(p) {
				wd.addTree(r, p, []species{spPoplar, spPoplar, spPark, spShrub}[r.IntN(4)])
			}
		}
	}
}
