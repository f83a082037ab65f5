package camera

import "math"

// Rays are walked through the cells (or blocks of blockCells² cells) that
// their horizontal line p(u) = o + u·d crosses, u in cells, from one u down
// to a smaller one, in global cell coordinates. Every crossing is computed
// from its integer boundary, (k·size - o)/d, and the first cell from the
// midpoint of the first segment, the next ones by stepping over the
// boundaries crossed, so the cells and crossings never depend on where a
// walk started: what makes rendering window-independent. trace steps such
// walks inline; walker (in the tests) is the reference.

// ahead returns the first boundary of one axis strictly below u.
func ahead(o, d, inv, size, u float64) (k, step int64, uk float64) {
	if d == 0 {
		return 0, 0, math.Inf(-1)
	}
	p := o + d*u
	if size != 1 {
		p *= 1 / size // sizes are powers of two: exact
	}
	if d < 0 { // going down u, the line goes up this axis
		k, step = int64(math.Floor(p))+1, 1
	} else {
		k, step = int64(math.Ceil(p))-1, -1
	}
	uk = (float64(k)*size - o) * inv
	for uk >= u {
		k += step
		uk = (float64(k)*size - o) * inv
	}
	return k, step, uk
}
