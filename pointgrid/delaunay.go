package pointgrid

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// triangulation is a Delaunay triangulation built by a sweep-hull
// ("delaunator"-style) incremental algorithm: points are inserted in order of
// distance from a seed triangle's circumcentre, so each new point usually lies
// outside the current convex hull and is joined to the hull edges it sees;
// Lawson edge flips then restore the empty-circumcircle property. A hash of
// the hull by pseudo-angle finds a visible edge in O(1) expected time, giving
// O(n log n) overall (the sort dominates).
//
// All geometric decisions go through the exact predicates, so collinear and
// cocircular inputs (LiDAR on a 1 cm lattice) are handled consistently:
// collinear hull points become hull vertices, cocircular quads are left
// unflipped. If rounding in the sort key makes a point land inside the hull
// or on a hull edge (possible only for near-ties), it is located by a walk
// and inserted by splitting its triangle or edge, so no point is ever lost.
//
// Triangles are counter-clockwise. While building, triangle t owns the
// halfedges 4t, 4t+1 and 4t+2 of he (4t+3 is padding): halfedge h runs from
// he[h].v to he[next4(h)].v and he[h].twin is the oppositely directed
// halfedge of the neighbouring triangle, or -1 on the convex hull. Padding to
// 32 bytes puts each triangle's vertices and twins in one cache line, and the
// triangle of a halfedge is h&^3 instead of a division by 3: the Lawson
// flips, which dominate the build, chase exactly these links.
//
// materialize converts the result to the compact form tri/half, with
// halfedge h = 3t+k running from tri[h] to tri[next(h)], in the same triangle
// order and vertex rotation.
type triangulation struct {
	// pts are the points renumbered in insertion order; ids[k] is the
	// input index of point k. All other fields use the new numbers.
	pts  []xy
	ids  []int32
	he   []halfedge
	tri  []int32 // set by materialize
	half []int32 // set by materialize

	// dups lists points that repeat an earlier vertex's exact (x, y), as
	// {duplicate, vertex} pairs; they are not vertices.
	dups [][2]int32
	// skipped counts points that could not be inserted; it stays zero unless
	// coordinates overflow or underflow the exact arithmetic.
	skipped int
	// located counts points inserted by the point-location fallback.
	located int

	// Convex hull as a counter-clockwise circular list of vertices, with for
	// each hull vertex v the halfedge v→hullNext[v]. hullNext is -1 for a
	// vertex that is not on the hull.
	hullNext, hullPrev, hullTri []int32
	hullSize                    int
	hash                        []int32
	cx, cy                      float64

	stack []int32
}

type xy struct{ x, y float64 }

// halfedge is an entry of triangulation.he: the vertex it starts at and its
// twin.
type halfedge struct{ v, twin int32 }

// next4 and prev4 are next and prev for the padded numbering of he, without
// branches (k = h&3 is 0, 1 or 2).
func next4(h int32) int32 { return h + 1 - 3*(h>>1&1) }
func prev4(h int32) int32 { return h - 1 + 3*((h&3+3)>>2^1) }

// next and prev step around a triangle in the compact numbering of tri and
// half.
func next(h int32) int32 {
	if h%3 == 2 {
		return h - 2
	}
	return h + 1
}

func prev(h int32) int32 {
	if h%3 == 0 {
		return h + 2
	}
	return h - 1
}

// maxTriPoints keeps padded halfedge indices (8n) inside int32.
const maxTriPoints = 260_000_000

// triangulate is build followed by materialize.
func triangulate(ctx context.Context, x, y []float64) (*triangulation, error) {
	d, err := build(ctx, x, y)
	if err != nil {
		return nil, err
	}
	d.materialize()
	return d, nil
}

// materialize sets tri and half from he and drops he.
func (d *triangulation) materialize() {
	nt := len(d.he) / 4
	if nt == 0 {
		d.he = nil
		return
	}
	d.tri, d.half = make([]int32, 3*nt), make([]int32, 3*nt)
	for t := range nt {
		for k := range 3 {
			e := d.he[4*t+k]
			if e.twin >= 0 {
				e.twin = e.twin>>2*3 + e.twin&3
			}
			d.tri[3*t+k], d.half[3*t+k] = e.v, e.twin
		}
	}
	d.he = nil
}

// build builds the Delaunay triangulation of the finite points (x, y), in
// he. All points collinear, or fewer than three distinct points, give a
// valid triangulation without triangles.
func build(ctx context.Context, x, y []float64) (*triangulation, error) {
	n := len(x)
	if n > maxTriPoints {
		return nil, fmt.Errorf("triangulate: %d points exceed the limit of %d", n, maxTriPoints)
	}
	d := &triangulation{pts: make([]xy, n), ids: make([]int32, n)}
	identity := func() *triangulation {
		for i := range d.ids {
			d.pts[i], d.ids[i] = xy{x[i], y[i]}, int32(i)
		}
		return d
	}
	if n < 3 {
		return identity(), nil
	}
	s0, s1, s2, ok := seed(x, y)
	if !ok {
		return identity(), nil // all points collinear (or coincident)
	}
	d.cx, d.cy = circumcenter(x[s0], y[s0], x[s1], y[s1], x[s2], y[s2])
	if !finite(d.cx) || !finite(d.cy) {
		d.cx, d.cy = (x[s0]+x[s1]+x[s2])/3, (y[s0]+y[s1]+y[s2])/3
	}

	// Sort by distance from the centre; ties by (x, y) make exact duplicates
	// adjacent, so they are merged in O(1).
	order := make([]sortKey, n)
	for i := range order {
		dx, dy := x[i]-d.cx, y[i]-d.cy
		order[i] = sortKey{math.Float64bits(dx*dx + dy*dy), int32(i)}
	}
	sortKeys(order, x, y)
	// Vertices are renumbered in insertion order: a new point's neighbours
	// were inserted recently, so their coordinates are still in cache.
	var i0, i1, i2 int32
	for k, o := range order {
		d.pts[k], d.ids[k] = xy{x[o.i], y[o.i]}, o.i
		switch o.i {
		case s0:
			i0 = int32(k)
		case s1:
			i1 = int32(k)
		case s2:
			i2 = int32(k)
		}
	}
	pts := d.pts

	maxTri := 2*n - 5
	d.he = make([]halfedge, 0, 4*maxTri)
	d.hullNext = make([]int32, n)
	d.hullPrev = make([]int32, n)
	d.hullTri = make([]int32, n)
	for i := range d.hullNext {
		d.hullNext[i] = -1
	}
	hs := int(math.Ceil(math.Sqrt(float64(n))))
	d.hash = make([]int32, hs)
	for i := range d.hash {
		d.hash[i] = -1
	}

	d.newTri(i0, i1, i2)
	d.hullNext[i0], d.hullNext[i1], d.hullNext[i2] = i1, i2, i0
	d.hullPrev[i0], d.hullPrev[i1], d.hullPrev[i2] = i2, i0, i1
	d.hullTri[i0], d.hullTri[i1], d.hullTri[i2] = 0, 1, 2
	d.hullSize = 3
	for _, v := range []int32{i0, i1, i2} {
		d.hash[d.hashKey(pts[v])] = v
	}

	prevRep := int32(-1)
	for i := int32(0); i < int32(n); i++ {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("triangulate: %w", err)
			}
		}
		if i == i0 || i == i1 || i == i2 {
			prevRep = i
			continue
		}
		if prevRep >= 0 && pts[i] == pts[prevRep] {
			d.dups = append(d.dups, [2]int32{i, prevRep})
			continue
		}
		prevRep = i
		if v := d.insert(i); v >= 0 {
			d.dups = append(d.dups, [2]int32{i, v})
			prevRep = v
		}
	}
	return d, nil
}

// seed picks a first triangle: the point nearest the bounding-box centre, its
// nearest distinct neighbour, and the third point making the smallest
// circumcircle with them. ok is false when every point is collinear.
func seed(x, y []float64) (i0, i1, i2 int32, ok bool) {
	minX, maxX := slices.Min(x), slices.Max(x)
	minY, maxY := slices.Min(y), slices.Max(y)
	mx, my := minX/2+maxX/2, minY/2+maxY/2 // halves first: no overflow

	nearest := func(px, py float64, skip func(int) bool) int32 {
		best, bestD := int32(-1), math.Inf(1)
		for i := range x {
			if skip(i) {
				continue
			}
			dx, dy := x[i]-px, y[i]-py
			if dd := dx*dx + dy*dy; best < 0 || dd < bestD {
				best, bestD = int32(i), dd
			}
		}
		return best
	}
	i0 = nearest(mx, my, func(int) bool { return false })
	ax, ay := x[i0], y[i0]
	i1 = nearest(ax, ay, func(i int) bool { return x[i] == ax && y[i] == ay })
	if i1 < 0 {
		return 0, 0, 0, false
	}
	bx, by := x[i1], y[i1]
	// Smallest float circumradius first; only if that candidate turns out
	// exactly collinear does the slow scan with the exact predicate run.
	i2 = -1
	bestR := math.Inf(1)
	for i := range x {
		if r := circumradius2(ax, ay, bx, by, x[i], y[i]); r < bestR {
			i2, bestR = int32(i), r
		}
	}
	if i2 < 0 || orient(ax, ay, bx, by, x[i2], y[i2]) == 0 {
		i2 = -1
		for i := range x {
			if orient(ax, ay, bx, by, x[i], y[i]) == 0 {
				continue
			}
			r := circumradius2(ax, ay, bx, by, x[i], y[i])
			if i2 < 0 || r < bestR {
				i2, bestR = int32(i), r
			}
		}
	}
	if i2 < 0 {
		return 0, 0, 0, false
	}
	if orient(ax, ay, bx, by, x[i2], y[i2]) < 0 {
		i1, i2 = i2, i1
	}
	return i0, i1, i2, true
}

func circumradius2(ax, ay, bx, by, cx, cy float64) float64 {
	ox, oy := circumcenter(ax, ay, bx, by, cx, cy)
	dx, dy := ox-ax, oy-ay
	r := dx*dx + dy*dy
	if math.IsNaN(r) {
		return math.Inf(1)
	}
	return r
}

func circumcenter(ax, ay, bx, by, cx, cy float64) (float64, float64) {
	dx, dy := bx-ax, by-ay
	ex, ey := cx-ax, cy-ay
	bl := dx*dx + dy*dy
	cl := ex*ex + ey*ey
	dd := 0.5 / (dx*ey - dy*ex)
	return ax + (ey*bl-dy*cl)*dd, ay + (dx*cl-ex*bl)*dd
}

// hashKey maps a point to a hull-hash bucket by its pseudo-angle around the
// centre (monotone in the true angle, no trigonometry).
func (d *triangulation) hashKey(p xy) int {
	dx, dy := p.x-d.cx, p.y-d.cy
	r := dx / (math.Abs(dx) + math.Abs(dy))
	var a float64
	if dy > 0 {
		a = (3 - r) / 4
	} else {
		a = (1 + r) / 4
	}
	k := math.Floor(a * float64(len(d.hash)))
	if !(k >= 0) { // also catches NaN for the centre itself
		return 0
	}
	if k >= float64(len(d.hash)) {
		return len(d.hash) - 1
	}
	return int(k)
}

func (d *triangulation) orientV(a, b, p int32) float64 {
	pa, pb, pp := d.pts[a], d.pts[b], d.pts[p]
	return orient(pa.x, pa.y, pb.x, pb.y, pp.x, pp.y)
}

// newTri appends triangle (a, b, c) with its twins unset and returns its
// first halfedge.
func (d *triangulation) newTri(a, b, c int32) int32 {
	t := int32(len(d.he))
	d.he = append(d.he, halfedge{a, -1}, halfedge{b, -1}, halfedge{c, -1}, halfedge{})
	return t
}

func (d *triangulation) setTri(t, a, b, c int32) {
	he := d.he[t : t+3]
	he[0].v, he[1].v, he[2].v = a, b, c
}

// link makes a and b twins; b == -1 marks a as a hull edge, which the hull
// bookkeeping must then point to.
func (d *triangulation) link(a, b int32) {
	linkIn(d.he, d.hullTri, a, b)
}

// insert adds point i. It returns -1, or the vertex that i duplicates.
func (d *triangulation) insert(i int32) int32 {
	key := d.hashKey(d.pts[i])
	start := int32(-1)
	for j := range d.hash {
		k := key + j // key < len(d.hash): one wrap replaces a division
		if k >= len(d.hash) {
			k -= len(d.hash)
		}
		s := d.hash[k]
		if s >= 0 && d.hullNext[s] >= 0 {
			start = s
			break
		}
	}
	if start < 0 {
		d.skipped++ // unreachable: the hash always holds a hull vertex
		return -1
	}

	// The bucket holds a hull vertex at or just past i's angle, so the edge
	// ending there usually sees i: start one vertex back.
	start = d.hullPrev[start]
	// Find a hull edge e→next(e) that sees i strictly.
	e := start
	for steps := 0; ; steps++ {
		if d.orientV(e, d.hullNext[e], i) < 0 {
			break
		}
		e = d.hullNext[e]
		if e == start || steps > d.hullSize {
			return d.insertInside(i, start)
		}
	}
	// Back up to the first edge of the visible chain.
	for steps := 0; d.orientV(d.hullPrev[e], e, i) < 0; steps++ {
		if steps > d.hullSize {
			d.skipped++ // every edge visible: inconsistent arithmetic
			return -1
		}
		e = d.hullPrev[e]
	}

	w := d.hullNext[e]
	t := d.newTri(w, e, i)
	d.link(t, d.hullTri[e])
	d.link(t+1, -1)
	d.link(t+2, -1)
	d.hullNext[e], d.hullPrev[i] = i, e
	d.hullNext[i], d.hullPrev[w] = w, i
	d.hullSize++
	d.legalize(t)

	// Walk forward over the rest of the visible chain.
	for n := w; ; {
		nn := d.hullNext[n]
		if nn == i || d.orientV(n, nn, i) >= 0 {
			break
		}
		t := d.newTri(nn, n, i)
		d.link(t, d.hullTri[n])
		d.link(t+1, d.hullTri[i])
		d.link(t+2, -1)
		d.hullNext[i], d.hullPrev[nn] = nn, i
		d.hullNext[n] = -1
		d.hullSize--
		d.legalize(t)
		n = nn
	}
	d.hash[key] = i
	d.hash[d.hashKey(d.pts[e])] = e
	return -1
}

// insertInside handles a point that no hull edge sees: it lies inside the
// hull or on its boundary. It walks from a hull triangle to the triangle
// holding i and splits that triangle or the edge i lies on.
func (d *triangulation) insertInside(i, start int32) int32 {
	t := d.hullTri[start] &^ 3
	limit := 3*(len(d.he)/4) + 16
	rot := int32(0)
	for steps := 0; ; steps++ {
		if steps > limit {
			d.skipped++
			return -1
		}
		moved := false
		rot = (rot + 1) % 3 // vary the first edge tested so the walk cannot cycle
		for k := int32(0); k < 3; k++ {
			h := t + (k+rot)%3
			if d.orientV(d.he[h].v, d.he[next4(h)].v, i) < 0 {
				if d.he[h].twin < 0 {
					d.skipped++ // outside the hull after all: inconsistent arithmetic
					return -1
				}
				t = d.he[h].twin &^ 3
				moved = true
				break
			}
		}
		if !moved {
			break
		}
	}
	var on []int32
	for h := t; h < t+3; h++ {
		if d.orientV(d.he[h].v, d.he[next4(h)].v, i) == 0 {
			on = append(on, h)
		}
	}
	d.located++
	switch len(on) {
	case 0:
		d.splitTri(t, i)
	case 1:
		d.splitEdge(on[0], i)
	default:
		// On two edges: i is their shared vertex.
		if next4(on[0]) == on[1] {
			return d.he[on[1]].v
		}
		return d.he[on[0]].v
	}
	return -1
}

// splitTri replaces triangle t = (a, b, c) by (a, b, i), (b, c, i), (c, a, i).
func (d *triangulation) splitTri(t, i int32) {
	a, b, c := d.he[t].v, d.he[t+1].v, d.he[t+2].v
	hab, hbc, hca := d.he[t].twin, d.he[t+1].twin, d.he[t+2].twin
	d.setTri(t, a, b, i)
	u := d.newTri(b, c, i)
	v := d.newTri(c, a, i)
	d.link(t, hab)
	d.link(u, hbc)
	d.link(v, hca)
	d.link(t+1, u+2)
	d.link(u+1, v+2)
	d.link(v+1, t+2)
	d.legalize(t)
	d.legalize(u)
	d.legalize(v)
}

// splitEdge inserts i on the edge of halfedge h (a→b in triangle (a, b, c))
// and, if the edge is interior, on its twin in triangle (b, a, d).
func (d *triangulation) splitEdge(h, i int32) {
	t := h &^ 3
	g := d.he[h].twin
	a, b, c := d.he[h].v, d.he[next4(h)].v, d.he[prev4(h)].v
	hbc, hca := d.he[next4(h)].twin, d.he[prev4(h)].twin
	d.setTri(t, a, i, c) // a→i, i→c, c→a
	u := d.newTri(i, b, c)
	d.link(t+2, hca)
	d.link(u+1, hbc)
	d.link(t+1, u+2)
	if g < 0 {
		d.link(t, -1)
		d.link(u, -1)
		d.hullNext[a], d.hullPrev[i] = i, a
		d.hullNext[i], d.hullPrev[b] = b, i
		d.hullSize++
		d.hash[d.hashKey(d.pts[i])] = i
	} else {
		s := g &^ 3
		dv := d.he[prev4(g)].v
		had, hdb := d.he[next4(g)].twin, d.he[prev4(g)].twin
		d.setTri(s, b, i, dv) // b→i, i→d, d→b
		w := d.newTri(i, a, dv)
		d.link(s+2, hdb)
		d.link(w+1, had)
		d.link(s+1, w+2)
		d.link(s, u)
		d.link(w, t)
		d.legalize(s + 2)
		d.legalize(w + 1)
	}
	d.legalize(t + 2)
	d.legalize(u + 1)
}

// legalize restores the Delaunay property after an insertion: starting from
// halfedge h, whose triangle's third vertex p is the new point, it flips every
// edge whose opposite vertex lies strictly inside the circumcircle of p's
// triangle, and recursively checks the two edges the flip exposes.
func (d *triangulation) legalize(h int32) {
	// Local slice headers: the loop stores through them, and fields of d
	// would be reloaded after every store.
	he, hullTri, pts := d.he, d.hullTri, d.pts
	// Edges still to check are a stack; its top, the edge checked next,
	// stays in a: after a flip it is the one just exposed, so it needs no
	// round trip through memory.
	stack := d.stack[:0]
	a := h
	// Lawson's flips terminate with exact predicates; the budget only guards
	// against overflowed arithmetic.
	for budget := 3*len(he) + 64; budget > 0; budget-- {
		if b := he[a].twin; b >= 0 {
			t, u := a&^3, b&^3
			an, ap := next4(a), prev4(a)
			bn, bp := next4(b), prev4(b)
			va, vb, p, q := he[a].v, he[an].v, he[ap].v, he[bp].v
			pa, pb, pp, pq := pts[va], pts[vb], pts[p], pts[q]
			// inCircle(pa, pb, pp, pq) > 0, its float filter inlined: this
			// is the hottest test of the triangulation. A NaN det or bound
			// goes to the exact test, as there.
			adx, ady := pa.x-pq.x, pa.y-pq.y
			bdx, bdy := pb.x-pq.x, pb.y-pq.y
			cdx, cdy := pp.x-pq.x, pp.y-pq.y
			bc1, bc2 := bdx*cdy, cdx*bdy
			ca1, ca2 := cdx*ady, adx*cdy
			ab1, ab2 := adx*bdy, bdx*ady
			alift := adx*adx + ady*ady
			blift := bdx*bdx + bdy*bdy
			clift := cdx*cdx + cdy*cdy
			det := alift*(bc1-bc2) + blift*(ca1-ca2) + clift*(ab1-ab2)
			var flip bool
			if det*det > iccQuickBound*(alift*blift*clift*(alift+blift+clift)) {
				flip = det > 0 // |det| exceeds the error bound below
			} else {
				perm := (math.Abs(bc1)+math.Abs(bc2))*alift + (math.Abs(ca1)+math.Abs(ca2))*blift + (math.Abs(ab1)+math.Abs(ab2))*clift
				bound := iccErrBound * perm
				flip = det > bound || !(-det > bound) && inCircleExact(pa.x, pa.y, pb.x, pb.y, pp.x, pp.y, pq.x, pq.y) > 0
			}
			if flip {
				// Replace diagonal va–vb by p–q: (p, va, q) and (q, vb, p).
				hbp, hpa := he[an].twin, he[ap].twin
				haq, hqb := he[bn].twin, he[bp].twin
				he[t].v, he[t+1].v, he[t+2].v = p, va, q
				he[u].v, he[u+1].v, he[u+2].v = q, vb, p
				linkIn(he, hullTri, t, hpa)
				linkIn(he, hullTri, t+1, haq)
				linkIn(he, hullTri, u, hqb)
				linkIn(he, hullTri, u+1, hbp)
				he[t+2].twin, he[u+2].twin = u+2, t+2
				// Check u, then t+1.
				stack = append(stack, t+1)
				a = u
				continue
			}
		}
		if len(stack) == 0 {
			break
		}
		a = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
	d.stack = stack
}

// linkIn is link on explicit slices, for legalize's inner loop.
func linkIn(he []halfedge, hullTri []int32, a, b int32) {
	he[a].twin = b
	if b >= 0 {
		he[b].twin = a
	} else {
		hullTri[he[a].v] = a
	}
}
