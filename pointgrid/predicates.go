package pointgrid

import "math"

// Robust geometric predicates: a floating-point evaluation whose error bound
// (Shewchuk's "A" bounds) proves the sign in almost every call, and an exact
// expansion evaluation when it cannot. LiDAR coordinates on a 1 cm lattice
// make exactly collinear and cocircular points common; a plain float
// predicate then answers inconsistently and corrupts the triangulation.

const (
	epsilon     = 1.0 / (1 << 53) // half an ulp of 1
	ccwErrBound = (3 + 16*epsilon) * epsilon
	iccErrBound = (10 + 96*epsilon) * epsilon

	// iccQuickBound lets legalize prove the in-circle sign without the
	// permanent's six absolute values (each a round trip through an
	// integer register in Go): by Cauchy–Schwarz |bc1|+|bc2| <=
	// sqrt(blift*clift), and so on, so permanent² <= 3*alift*blift*clift*
	// (alift+blift+clift). det² above iccErrBound² times that, with the
	// factor 4 instead of 3 covering the rounding of either side, implies
	// |det| > iccErrBound*permanent: the full filter would take det's sign
	// too. Otherwise (near-cocircular points, NaN, overflow) legalize runs
	// the full filter, so every decision is the same as with it alone.
	iccQuickBound = 4 * iccErrBound * iccErrBound
)

// orient returns a positive value when a, b, c turn counter-clockwise,
// negative when clockwise and zero when collinear. Only its sign is exact.
func orient(ax, ay, bx, by, cx, cy float64) float64 {
	l := (ax - cx) * (by - cy)
	r := (ay - cy) * (bx - cx)
	det := l - r
	bound := ccwErrBound * (math.Abs(l) + math.Abs(r))
	if det > bound || -det > bound {
		return det
	}
	return float64(orientExact(ax, ay, bx, by, cx, cy))
}

func orientExact(ax, ay, bx, by, cx, cy float64) int {
	l := mulExp(diffExp(ax, cx), diffExp(by, cy))
	r := mulExp(diffExp(ay, cy), diffExp(bx, cx))
	return signExp(sumExp(l, negExp(r)))
}

// inCircle returns a positive value when d lies strictly inside the circle
// through a, b, c (given counter-clockwise), negative when outside, zero when
// the four points are cocircular. Only its sign is exact. legalize inlines
// a copy of the filter: keep the two alike.
func inCircle(a, b, c, d xy) float64 {
	adx, ady := a.x-d.x, a.y-d.y
	bdx, bdy := b.x-d.x, b.y-d.y
	cdx, cdy := c.x-d.x, c.y-d.y
	bc1, bc2 := bdx*cdy, cdx*bdy
	ca1, ca2 := cdx*ady, adx*cdy
	ab1, ab2 := adx*bdy, bdx*ady
	alift := adx*adx + ady*ady
	blift := bdx*bdx + bdy*bdy
	clift := cdx*cdx + cdy*cdy
	det := alift*(bc1-bc2) + blift*(ca1-ca2) + clift*(ab1-ab2)
	perm := (math.Abs(bc1)+math.Abs(bc2))*alift + (math.Abs(ca1)+math.Abs(ca2))*blift + (math.Abs(ab1)+math.Abs(ab2))*clift
	if bound := iccErrBound * perm; det > bound || -det > bound {
		return det
	}
	return float64(inCircleExact(a.x, a.y, b.x, b.y, c.x, c.y, d.x, d.y))
}

func inCircleExact(ax, ay, bx, by, cx, cy, dx, dy float64) int {
	adx, ady := diffExp(ax, dx), diffExp(ay, dy)
	bdx, bdy := diffExp(bx, dx), diffExp(by, dy)
	cdx, cdy := diffExp(cx, dx), diffExp(cy, dy)
	lift := func(x, y []float64) []float64 { return sumExp(mulExp(x, x), mulExp(y, y)) }
	cross := func(x1, y1, x2, y2 []float64) []float64 {
		return sumExp(mulExp(x1, y2), negExp(mulExp(x2, y1)))
	}
	a := mulExp(lift(adx, ady), cross(bdx, bdy, cdx, cdy))
	b := mulExp(lift(bdx, bdy), cross(cdx, cdy, adx, ady))
	c := mulExp(lift(cdx, cdy), cross(adx, ady, bdx, bdy))
	return signExp(sumExp(sumExp(a, b), c))
}
