package camera

import "math"

// walker visits the cells of size×size (in cell units) that a horizontal
// line crosses, in global cell coordinates: size 1 walks cells, size
// blockCells walks blocks. The line is p(u) = o + u·d, u in cells; the walk
// runs from one u down to a smaller one. Every crossing is computed from
// its integer boundary, (k·size - o)/d, and the first cell from the
// midpoint of the first segment, the next ones by stepping over the
// boundaries crossed, so the cells and crossings never depend on where a
// walk started: what makes rendering window-independent.
type walker struct {
	ox, oy float64
	ix, iy float64 // 1/dx, 1/dy: crossings multiply, the same way for cells and blocks
	dx, dy float64
	size   float64
	u, end float64
	ux, uy float64 // next boundaries ahead (below u); -Inf for none
	kx, ky int64   // their indices
	sx, sy int64   // their steps, which are also the cell's
	gx, gy int64   // the cell after u, once known
	known  bool    // whether gx, gy are
	axis   int     // boundary at u: 0 x, 1 y, -1 none
}

// seg is one cell of a walk: entered at uIn, left at uOut < uIn.
type seg struct {
	gx, gy    int64
	uIn, uOut float64
	axis      int // boundary crossed on entry: 0 x, 1 y, -1 none (walk start)
}

// init starts a walk of cells of size from u = from down to u = to; axis
// is the boundary the line crosses at from, if any. ix, iy are 1/dx, 1/dy
// as the caller computes them (the same for all its walks).
func (w *walker) init(ox, oy, dx, dy, ix, iy, size, from, to float64, axis int) {
	w.ox, w.oy, w.dx, w.dy, w.size = ox, oy, dx, dy, size
	w.ix, w.iy = ix, iy
	w.end = to
	w.u, w.axis = from, axis
	w.known = false
	w.kx, w.sx, w.ux = ahead(ox, dx, w.ix, size, from)
	w.ky, w.sy, w.uy = ahead(oy, dy, w.iy, size, from)
}

// next fills s with the next cell of the walk; false when done.
func (w *walker) next(s *seg) bool {
	for {
		if w.u <= w.end {
			return false
		}
		e, axis := w.end, -1
		if w.ux >= e {
			e, axis = w.ux, 0
		}
		if w.uy > e {
			e, axis = w.uy, 1
		}
		cx, cy := w.ux == e, w.uy == e
		if cx {
			w.kx += w.sx
			w.ux = (float64(w.kx)*w.size - w.ox) * w.ix
		}
		if cy {
			w.ky += w.sy
			w.uy = (float64(w.ky)*w.size - w.oy) * w.iy
		}
		u0, a0 := w.u, w.axis
		w.u, w.axis = e, axis
		if u0-e < 1e-9 {
			// Too short to tell its cell: step over it.
			if w.known {
				if cx {
					w.gx += w.sx
				}
				if cy {
					w.gy += w.sy
				}
			}
			continue
		}
		if !w.known {
			mid := (u0 + e) / 2
			w.gx = int64(math.Floor((w.ox + w.dx*mid) / w.size))
			w.gy = int64(math.Floor((w.oy + w.dy*mid) / w.size))
			w.known = true
		}
		s.gx, s.gy = w.gx, w.gy
		s.uIn, s.uOut, s.axis = u0, e, a0
		if cx {
			w.gx += w.sx
		}
		if cy {
			w.gy += w.sy
		}
		return true
	}
}
