package world

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// hp is the half-plane dot(n, x) >= c, n a unit inward normal.
type hp struct {
	n pt
	c float64
}

func halfPlanes(p poly) []hp {
	e := make([]hp, len(p))
	for i := range p {
		a, b := p[i], p[(i+1)%len(p)]
		n := unitv(perp(sub(b, a)))
		e[i] = hp{n, dot(n, a)}
	}
	return e
}

func insideHP(e []hp, x, y float64) bool {
	for _, h := range e {
		if h.n[0]*x+h.n[1]*y < h.c {
			return false
		}
	}
	return true
}

// edgeDist is the distance from (x, y) to the nearest edge in e.
func edgeDist(e []hp, x, y float64) float64 {
	d := math.Inf(1)
	for _, h := range e {
		d = math.Min(d, h.n[0]*x+h.n[1]*y-h.c)
	}
	return d
}

// rowRange returns the rows of l whose centres lie within [y0, y1].
func rowRange(l *surface.Layers, y0, y1 float64) (j0, j1 int) {
	j0 = int(math.Ceil((l.Y1-y1)/l.Res - 0.5))
	j1 = int(math.Floor((l.Y1-y0)/l.Res - 0.5))
	return max(j0, 0), min(j1, l.H-1)
}

// spans calls fn for every row of l crossed by the convex polygon e (bbox
// bb) with the inclusive range of columns whose centres are inside. The
// range is found analytically and then settled by the exact per-cell test,
// so membership depends only on the cell centre, never on the window.
func spans(l *surface.Layers, e []hp, bb box, fn func(j, i0, i1 int, y float64)) {
	j0, j1 := rowRange(l, bb.y0, bb.y1)
	for j := j0; j <= j1; j++ {
		y := l.Y(j)
		xl, xr := bb.x0, bb.x1
		empty := false
		for _, h := range e {
			a, r := h.n[0], h.c-h.n[1]*y
			switch {
			case a > 1e-12:
				xl = math.Max(xl, r/a)
			case a < -1e-12:
				xr = math.Min(xr, r/a)
			case r > 0:
				empty = true
			}
		}
		if empty || xl > xr+l.Res {
			continue
		}
		i0 := max(int(math.Ceil((xl-l.X0)/l.Res-0.5))-1, 0)
		i1 := min(int(math.Floor((xr-l.X0)/l.Res-0.5))+1, l.W-1)
		for i0 <= i1 && !insideHP(e, l.X(i0), y) {
			i0++
		}
		for i1 >= i0 && !insideHP(e, l.X(i1), y) {
			i1--
		}
		if i0 <= i1 {
			fn(j, i0, i1, y)
		}
	}
}

// disc calls fn for every cell of l whose centre lies within r of c, with
// the squared distance.
func disc(l *surface.Layers, c pt, r float64, fn func(k int, d2 float64)) {
	j0, j1 := rowRange(l, c[1]-r, c[1]+r)
	r2 := r * r
	for j := j0; j <= j1; j++ {
		dy := l.Y(j) - c[1]
		if dy*dy > r2 {
			continue
		}
		hx := math.Sqrt(r2 - dy*dy)
		i0 := max(int(math.Ceil((c[0]-hx-l.X0)/l.Res-0.5))-1, 0)
		i1 := min(int(math.Floor((c[0]+hx-l.X0)/l.Res-0.5))+1, l.W-1)
		row := j * l.W
		for i := i0; i <= i1; i++ {
			dx := l.X(i) - c[0]
			if d2 := dx*dx + dy*dy; d2 <= r2 {
				fn(row+i, d2)
			}
		}
	}
}
