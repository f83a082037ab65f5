package camera

import (
	"math"
	"sync"
)

// Shadows are decided per Layers cell, once per Render, by a sweep along
// the sun's direction instead of a sun ray marched for every pixel.
//
// The sweep follows lines parallel to the sun's horizontal direction, one
// cell per step along the sun's major axis (rows when the sun is more north
// or south than east or west, columns otherwise). The lines are fixed in
// global cell coordinates: in major coordinate G (row or column), line n
// holds the cell whose minor coordinate is n + off(G), off(G) =
// ⌊½ + t·(G+½)⌋ with t the sun's minor/major ratio; every cell lies on
// exactly one line, at most half a cell from the line through its centre,
// and a line's samples move at most one cell sideways per step, so a wall
// across the sun cannot slip between them. Walking a line away from the
// sun, a running maximum of the tops met so far, lowered by the sun's rise
// per step, is each cell's horizon: the height above which a point of the
// cell sees past every solid (hs), or past every crown (hc). A cell's own
// top is not part of its horizon. A solid counts from its near edge, half
// a step closer than its centre (as a ray marched through the cells meets
// it); the crown horizon, which only decides whether a ray must be marched
// through the crowns, counts them from their far edge, to spare.
//
// Each horizon is a maximum over the cells up-sun on the cell's line of
// that cell's top less the rise over the distance between them, computed
// step by step from that cell on: it depends on no cell outside the
// Layers' lattice and on nothing of the window, so any Layers covering a
// cell's shadow reach (the Halo) give it the same value.

// sunLines is the lattice of the sweep's lines over the Layers.
type sunLines struct {
	rows   bool    // lines step along rows (else columns)
	offs   []int64 // off(G) per major index (row j or column i)
	toSun  int     // major index step towards the sun
	r      float64 // the sun's rise per step, m
	path   float64 // ray length per metre of rise
	minor0 int64   // global minor coordinate of minor index 0 (its sign: see minor)
}

// minor returns the Layers minor index of line n at major index m.
func (s *sunLines) minor(n int64, m int) int64 {
	if s.rows {
		return n + s.offs[m] - s.minor0 // column i = gx - gi0
	}
	return s.minor0 - n - s.offs[m] // row j = gj0 - gy
}

// sweepSun fills g.hs and g.hc.
func (g *grid) sweepSun(sun *sunRay) {
	l := g.l
	W, H := int(g.w), int(g.h)
	n := W * H
	g.hs, g.hc = getFloats(n), getFloats(n)
	if n == 0 {
		return
	}
	rows := math.Abs(sun.dy) >= math.Abs(sun.dx)
	var t, dmaj float64
	nmaj, nmin := H, W
	if rows {
		t, dmaj = sun.dx/sun.dy, sun.dy
	} else {
		t, dmaj = sun.dy/sun.dx, sun.dx
		nmaj, nmin = W, H
	}
	rise := sun.s * math.Sqrt(1+t*t)
	r := float32(rise) // rise per step, m
	half := r / 2
	// Global major coordinate of major index m, and line offsets.
	major := func(m int) int64 {
		if rows {
			return g.gj0 - int64(m)
		}
		return g.gi0 + int64(m)
	}
	offs := make([]int64, nmaj)
	omin, omax := int64(math.MaxInt64), int64(math.MinInt64)
	for m := range nmaj {
		o := int64(math.Floor(0.5 + t*(float64(major(m))+0.5)))
		offs[m] = o
		omin, omax = min(omin, o), max(omax, o)
	}
	// Up-sun first: the sun is towards growing G when dmaj > 0; rows grow
	// southwards, columns eastwards.
	upFirst := dmaj > 0
	if !rows {
		upFirst = !upFirst
	}
	g.lines = sunLines{rows: rows, offs: offs, r: rise, path: sun.path, toSun: 1}
	if upFirst {
		g.lines.toSun = -1
	}
	if rows {
		g.lines.minor0 = g.gi0
	} else {
		g.lines.minor0 = g.gj0
	}
	// Line index n of a cell: its global minor coordinate less off. The
	// running maxima are kept per line, shifted to start at 0.
	span := nmin + int(omax-omin)
	as := make([]float32, span)
	ac := make([]float32, span)
	for i := range as {
		as[i], ac[i] = negInf, negInf
	}
	solid, canopy, hs, hc := l.Solid[:n], l.CanopyTop[:n], g.hs, g.hc
	step := func(s int) int {
		if upFirst {
			return s
		}
		return nmaj - 1 - s
	}
	if rows {
		for s := range nmaj {
			m := step(s)
			// n = gi0 + i - off; index n - (gi0 - omax).
			b := int(omax - offs[m])
			a, c := as[b:b+W], ac[b:b+W]
			k0 := m * W
			srow, crow, hsr, hcr := solid[k0:k0+W], canopy[k0:k0+W], hs[k0:k0+W], hc[k0:k0+W]
			for i := range W {
				h := a[i] - r
				hsr[i] = h + half
				a[i] = max(h, srow[i])
				hcr[i] = c[i]
				c[i] = max(c[i]-r, crow[i])
			}
		}
		return
	}
	// Columns: swept in bands of rows, so a step touches few cache lines.
	// A line moves by a row at most per step, always the same way: the
	// bands go that way, so every line's cells are met in sweep order.
	const band = 32
	down := (t > 0) != upFirst // rows grow as the sweep goes on
	for b0 := 0; b0 < H; b0 += band {
		ja, jb := b0, min(H, b0+band)
		if !down {
			ja, jb = max(0, H-b0-band), H-b0
		}
		for s := range nmaj {
			m := step(s)
			// n = gj0 - j - off; index n - (gj0 - (H-1) - omax).
			b := H - 1 + int(omax-offs[m])
			for j := ja; j < jb; j++ {
				k := j*W + m
				h := as[b-j] - r
				hs[k] = h + half
				as[b-j] = max(h, solid[k])
				hc[k] = ac[b-j]
				ac[b-j] = max(ac[b-j]-r, canopy[k])
			}
		}
	}
}

// floatPool keeps the horizon buffers of finished Renders: they are as
// large as the Layers, and every cell of them is written before use.
var floatPool sync.Pool // of *[]float32

func getFloats(n int) []float32 {
	if p, ok := floatPool.Get().(*[]float32); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]float32, n)
}

// release hands the grid's horizon buffers back for other Renders.
func (g *grid) release() {
	for _, b := range [][]float32{g.hs, g.hc} {
		if cap(b) > 0 {
			floatPool.Put(&b)
		}
	}
	g.hs, g.hc = nil, nil
}

// sunlight returns the share of direct sun reaching (x, y, z), a point of
// Layers cell k (whose own solid top does not shadow it; k < 0: the cell
// holding the point): 0 below the cell's solid horizon; through crowns,
// the transmittance along the cell's line towards the sun, each cell the
// ray passes taking the crown between the heights at which it enters and
// leaves the cell's step.
func (g *grid) sunlight(x, y, z float64, k int, sun *sunRay) float64 {
	if k < 0 {
		if k = g.index(int64(math.Floor(x/g.res)), int64(math.Floor(y/g.res))); k < 0 {
			return 1
		}
	}
	z0 := z + 0.05 // clear the surface the point lies on
	if z0 < float64(g.hs[k]) {
		return 0
	}
	ln := &g.lines
	r := ln.r
	if z0+r/2 >= float64(g.hc[k]) && z0 >= float64(g.l.CanopyTop[k]) {
		return 1
	}
	// The cell's major and minor index, and its line.
	W := int(g.w)
	m, q := k/W, k%W
	if !ln.rows {
		m, q = q, m
	}
	line := ln.minor0 + int64(q) - ln.offs[m]
	if !ln.rows {
		line = ln.minor0 - int64(q) - ln.offs[m]
	}
	l := g.l
	tau := 0.0
	lo, hi := z0, z0+r/2
	nmaj, nmin := len(ln.offs), int64(W)
	if ln.rows {
		nmin = g.h
	}
	_ = nmin
	for {
		if ct := float64(l.CanopyTop[k]); ct > lo {
			if d := min(hi, ct) - max(lo, float64(l.CanopyBase[k])); d > 0 {
				tau -= d * ln.path * keepLn[l.CanopyDensity[k]]
				if tau > maxTau {
					return 0
				}
			}
		}
		if hi >= float64(g.hc[k]) {
			break // no crown further up-sun reaches the ray
		}
		if m += ln.toSun; m < 0 || m >= nmaj {
			break
		}
		q := ln.minor(line, m)
		if ln.rows {
			if q < 0 || q >= g.w {
				break
			}
			k = m*W + int(q)
		} else {
			if q < 0 || q >= g.h {
				break
			}
			k = int(q)*W + m
		}
		lo, hi = hi, hi+r
	}
	if tau == 0 {
		return 1
	}
	return expNeg(tau)
}
