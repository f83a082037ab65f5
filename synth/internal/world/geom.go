package world

import "math"

// pt is a point or vector in local scene metres.
type pt = [2]float64

func add(a, b pt) pt             { return pt{a[0] + b[0], a[1] + b[1]} }
func sub(a, b pt) pt             { return pt{a[0] - b[0], a[1] - b[1]} }
func mul(a pt, s float64) pt     { return pt{a[0] * s, a[1] * s} }
func dot(a, b pt) float64        { return a[0]*b[0] + a[1]*b[1] }
func cross(a, b pt) float64      { return a[0]*b[1] - a[1]*b[0] }
func perp(a pt) pt               { return pt{-a[1], a[0]} } // left normal: inward for CCW edges
func norm(a pt) float64          { return math.Hypot(a[0], a[1]) }
func dirv(theta float64) pt      { return pt{math.Cos(theta), math.Sin(theta)} }
func lerp(a, b pt, t float64) pt { return pt{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t} }

func unitv(a pt) pt {
	n := norm(a)
	if n == 0 {
		return pt{1, 0}
	}
	return pt{a[0] / n, a[1] / n}
}

// box is an axis-aligned bounding box.
type box struct{ x0, y0, x1, y1 float64 }

func (b box) overlaps(o box) bool {
	return b.x0 <= o.x1 && o.x0 <= b.x1 && b.y0 <= o.y1 && o.y0 <= b.y1
}
func (b box) grow(d float64) box { return box{b.x0 - d, b.y0 - d, b.x1 + d, b.y1 + d} }
func (b box) has(p pt) bool      { return p[0] >= b.x0 && p[0] < b.x1 && p[1] >= b.y0 && p[1] < b.y1 }
func (b box) union(o box) box {
	return box{math.Min(b.x0, o.x0), math.Min(b.y0, o.y0), math.Max(b.x1, o.x1), math.Max(b.y1, o.y1)}
}

// poly is a convex polygon, counter-clockwise. Every area, lot and
// footprint of the world is convex: clipping, insetting and rasterizing
// convex polygons is simple and exact.
type poly []pt

func (p poly) area() float64 {
	var s float64
	for i := range p {
		s += cross(p[i], p[(i+1)%len(p)])
	}
	return s / 2
}

func (p poly) centroid() pt {
	var cx, cy, a float64
	for i := range p {
		q, r := p[i], p[(i+1)%len(p)]
		c := cross(q, r)
		cx += (q[0] + r[0]) * c
		cy += (q[1] + r[1]) * c
		a += c
	}
	if math.Abs(a) < 1e-9 {
		var m pt
		for _, q := range p {
			m = add(m, q)
		}
		return mul(m, 1/float64(len(p)))
	}
	return pt{cx / (3 * a), cy / (3 * a)}
}

func (p poly) bbox() box {
	b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, q := range p {
		b.x0, b.y0 = math.Min(b.x0, q[0]), math.Min(b.y0, q[1])
		b.x1, b.y1 = math.Max(b.x1, q[0]), math.Max(b.y1, q[1])
	}
	return b
}

// contains reports whether q is inside (or on) convex p.
func (p poly) contains(q pt) bool {
	for i := range p {
		if cross(sub(p[(i+1)%len(p)], p[i]), sub(q, p[i])) < 0 {
			return false
		}
	}
	return true
}

// depth is the distance from q to the nearest edge of p (negative outside).
func (p poly) depth(q pt) float64 {
	d := math.Inf(1)
	for i := range p {
		a, b := p[i], p[(i+1)%len(p)]
		n := unitv(perp(sub(b, a)))
		d = math.Min(d, dot(n, sub(q, a)))
	}
	return d
}

func (p poly) outline() [][2]float64 {
	o := make([][2]float64, len(p))
	copy(o, p)
	return o
}

// clip keeps the part of convex p where dot(n, x) >= c.
func clip(p poly, n pt, c float64) poly {
	if len(p) < 3 {
		return nil
	}
	out := make(poly, 0, len(p)+1)
	for i := range p {
		a, b := p[i], p[(i+1)%len(p)]
		da, db := dot(n, a)-c, dot(n, b)-c
		if da >= 0 {
			out = append(out, a)
		}
		if (da >= 0) != (db >= 0) {
			out = append(out, lerp(a, b, da/(da-db)))
		}
	}
	return tidy(out)
}

// tidy drops vertices that nearly repeat their predecessor: zero-length
// edges have no normal.
func tidy(p poly) poly {
	out := p[:0]
	for i, q := range p {
		if i > 0 && norm(sub(q, out[len(out)-1])) < 1e-6 {
			continue
		}
		out = append(out, q)
	}
	for len(out) > 1 && norm(sub(out[0], out[len(out)-1])) < 1e-6 {
		out = out[:len(out)-1]
	}
	if len(out) < 3 || out.area() < 1e-6 {
		return nil
	}
	return out
}

// insetEach moves edge i of p inward by d(i).
func insetEach(p poly, d func(i int) float64) poly {
	q := p
	for i := range p {
		a, b := p[i], p[(i+1)%len(p)]
		n := unitv(perp(sub(b, a)))
		q = clip(q, n, dot(n, a)+d(i))
		if q == nil {
			return nil
		}
	}
	return q
}

// inset shrinks p by d on every side (grows it for d < 0 only when p has
// no acute corners; it is used with d >= 0).
func inset(p poly, d float64) poly { return insetEach(p, func(int) float64 { return d }) }

// intersect clips convex p by convex by.
func intersect(p, by poly) poly {
	q := p
	for i := range by {
		a, b := by[i], by[(i+1)%len(by)]
		n := unitv(perp(sub(b, a)))
		q = clip(q, n, dot(n, a))
		if q == nil {
			return nil
		}
	}
	return q
}

// outset grows convex p by d, mitring corners (so only for modest d).
func outset(p poly, d float64) poly {
	n := len(p)
	out := make(poly, n)
	for i := range p {
		a, b, c := p[(i+n-1)%n], p[i], p[(i+1)%n]
		n1 := unitv(perp(sub(b, a)))
		n2 := unitv(perp(sub(c, b)))
		m := unitv(add(n1, n2))
		cosh := dot(m, n1)
		if cosh < 0.3 {
			cosh = 0.3
		}
		out[i] = sub(b, mul(m, d/cosh))
	}
	return out
}

// rect is the rectangle centred at c with half-length hl along unit axis u
// and half-width hw across it.
func rect(c, u pt, hl, hw float64) poly {
	v := perp(u)
	return poly{
		add(c, add(mul(u, -hl), mul(v, -hw))),
		add(c, add(mul(u, hl), mul(v, -hw))),
		add(c, add(mul(u, hl), mul(v, hw))),
		add(c, add(mul(u, -hl), mul(v, hw))),
	}
}

// regular is a convex n-gon approximating a circle.
func regular(c pt, r float64, n int) poly {
	p := make(poly, n)
	for i := range p {
		p[i] = add(c, mul(dirv(2*math.Pi*float64(i)/float64(n)), r))
	}
	return p
}

// overlap reports whether convex a and b intersect (separating axes).
func overlap(a, b poly) bool {
	if !a.bbox().overlaps(b.bbox()) {
		return false
	}
	for _, p := range [2]poly{a, b} {
		for i := range p {
			n := perp(sub(p[(i+1)%len(p)], p[i]))
			amin, amax := project(a, n)
			bmin, bmax := project(b, n)
			if amax <= bmin || bmax <= amin {
				return false
			}
		}
	}
	return true
}

func project(p poly, n pt) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, q := range p {
		d := dot(n, q)
		lo, hi = math.Min(lo, d), math.Max(hi, d)
	}
	return
}

// within reports whether every vertex of a lies inside b.
func within(a, b poly) bool {
	for _, q := range a {
		if !b.contains(q) {
			return false
		}
	}
	return true
}

// longestEdge returns the unit direction of p's longest edge.
func longestEdge(p poly) pt {
	var best pt
	bl := -1.0
	for i := range p {
		e := sub(p[(i+1)%len(p)], p[i])
		if l := norm(e); l > bl {
			bl, best = l, e
		}
	}
	return unitv(best)
}

// strips cuts p into strips across direction u, each about width wide
// (widths drawn by next).
func strips(p poly, u pt, next func() float64) []poly {
	lo, hi := project(p, u)
	var out []poly
	for a := lo; a < hi-1; {
		b := a + next()
		if hi-b < 0.5*(b-a) {
			b = hi
		}
		s := clip(clip(p, u, a), mul(u, -1), -b)
		if s != nil {
			out = append(out, s)
		}
		a = b
	}
	return out
}
