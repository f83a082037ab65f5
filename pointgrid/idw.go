package pointgrid

import (
	"container/heap"
	"context"
	"fmt"
	"math"
)

// IDWOptions configures IDW.
type IDWOptions struct {
	// Power is the distance exponent p of the weights 1/r^p (2 is usual).
	Power float64
	// Radius is the search radius around each cell centre; it must be
	// positive and finite.
	Radius float64
	// MinPoints: a cell with fewer points within Radius holds nodata.
	MinPoints int
	// MaxPoints, when positive, uses only the MaxPoints nearest points
	// within Radius (ties by input order). Zero means all of them. Unlike
	// gdal_grid's invdist max_points, which keeps the first points met in
	// input order, this picks by distance.
	MaxPoints int
}

// coincident2 is the squared distance under which a point counts as lying on
// the cell centre; it is gdal_grid's threshold, kept for agreement.
const coincident2 = 1e-13

// IDW computes, at every cell centre, the inverse distance weighted mean
// sum(z_i/r_i^p)/sum(1/r_i^p) of the points within Radius (boundary
// included), as gdal_grid -a invdist with radius1 = radius2 = Radius and
// smoothing 0. A point closer than about 3e-7 units to the centre gives its
// own value outright (the first such point in input order, as in gdal_grid),
// whatever MinPoints says. Points with a non-finite coordinate are skipped.
func IDW(ctx context.Context, g Grid, p Points, o IDWOptions, nodata float32) ([]float32, error) {
	if err := checkInputs(g, p); err != nil {
		return nil, fmt.Errorf("idw: %w", err)
	}
	switch {
	case !(o.Radius > 0) || math.IsInf(o.Radius, 0):
		return nil, fmt.Errorf("idw: radius %v must be positive and finite", o.Radius)
	case !(o.Power >= 0) || math.IsInf(o.Power, 0):
		return nil, fmt.Errorf("idw: power %v must be non-negative and finite", o.Power)
	case o.MinPoints < 0 || o.MaxPoints < 0:
		return nil, fmt.Errorf("idw: min points %d and max points %d must not be negative", o.MinPoints, o.MaxPoints)
	}
	idx := newBucketIndex(g, p, o.Radius)
	out := newFilled(g.Cells(), nodata)
	q := idwQuery{opt: o, idx: idx, r2: o.Radius * o.Radius, half: o.Power / 2}
	q.r4 = q.r2 * q.r2
	for row := 0; row < g.Height; row++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("idw: %w", err)
		}
		cy := g.CenterY(row)
		for col := 0; col < g.Width; col++ {
			if v, ok := q.at(g.CenterX(col), cy); ok {
				out[row*g.Width+col] = float32(v)
			}
		}
	}
	return out, nil
}

type idwQuery struct {
	opt        IDWOptions
	idx        *bucketIndex
	r2, r4     float64
	half       float64
	candidates nearHeap
}

// at returns the interpolated value at (cx, cy), or false for nodata.
func (q *idwQuery) at(cx, cy float64) (float64, bool) {
	b := q.idx
	hit := -1
	var num, den float64
	n := 0
	q.candidates = q.candidates[:0]
	r0, r1, c0, c1 := b.window(cx, cy, q.opt.Radius)
	for row := r0; row <= r1; row++ {
		lo, hi := b.start[row*b.nx+c0], b.start[row*b.nx+c1+1]
		for k := lo; k < hi; k++ {
			dx, dy := b.x[k]-cx, b.y[k]-cy
			// gdal_grid's search-ellipse form, so that points exactly on
			// the circle are decided identically.
			if q.r2*dx*dx+q.r2*dy*dy > q.r4 {
				continue
			}
			d2 := dx*dx + dy*dy
			if d2 < coincident2 {
				if hit < 0 || b.ids[k] < b.ids[hit] {
					hit = int(k)
				}
				continue
			}
			if q.opt.MaxPoints > 0 {
				q.candidates.offer(near{d2, b.ids[k], k}, q.opt.MaxPoints)
				continue
			}
			w := q.weight(d2)
			num += w * b.z[k]
			den += w
			n++
		}
	}
	if hit >= 0 {
		return b.z[hit], true
	}
	for _, c := range q.candidates {
		w := q.weight(c.d2)
		num += w * b.z[c.k]
		den += w
		n++
	}
	if n < q.opt.MinPoints || den == 0 {
		return 0, false
	}
	return num / den, true
}

func (q *idwQuery) weight(d2 float64) float64 {
	if q.half == 1 {
		return 1 / d2
	}
	return 1 / math.Pow(d2, q.half)
}

type near struct {
	d2 float64
	i  int32 // input index, for deterministic ties
	k  int32 // position in the bucket index
}

// nearHeap is a max-heap on distance (ties: larger index on top) holding the
// nearest candidates seen so far.
type nearHeap []near

func (h nearHeap) Len() int { return len(h) }
func (h nearHeap) Less(a, b int) bool {
	if h[a].d2 != h[b].d2 {
		return h[a].d2 > h[b].d2
	}
	return h[a].i > h[b].i
}
func (h nearHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *nearHeap) Push(v any)   { *h = append(*h, v.(near)) }
func (h *nearHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}

func (h *nearHeap) offer(c near, k int) {
	if len(*h) < k {
		heap.Push(h, c)
		return
	}
	top := (*h)[0]
	if c.d2 < top.d2 || (c.d2 == top.d2 && c.i < top.i) {
		(*h)[0] = c
		heap.Fix(h, 0)
	}
}

// bucketIndex copies the usable points into square buckets (counting sort,
// input order kept inside each bucket) covering the grid plus the search
// radius, so a query reads only the buckets its circle touches, from
// contiguous memory.
type bucketIndex struct {
	minX, maxY, size float64
	nx, ny           int
	start            []int32 // bucket b holds entries start[b]:start[b+1]
	x, y, z          []float64
	ids              []int32 // input index of each entry
}

func newBucketIndex(g Grid, p Points, radius float64) *bucketIndex {
	minX, maxY := g.MinX-radius, g.MaxY+radius
	w, h := g.MaxX()+radius-minX, maxY-(g.MinY()-radius)
	// Buckets of about the radius; coarser when that would make far more
	// buckets than points.
	size := radius
	limit := float64(max(4*p.Len(), 1024))
	if (w/size)*(h/size) > limit {
		size = math.Sqrt(w * h / limit)
	}
	b := &bucketIndex{minX: minX, maxY: maxY, size: size}
	b.nx = max(1, int(math.Ceil(w/size)))
	b.ny = max(1, int(math.Ceil(h/size)))
	cell := make([]int32, p.Len())
	counts := make([]int32, b.nx*b.ny+1)
	for i := range p.X {
		cell[i] = -1
		if !p.usable(i) {
			continue
		}
		cx, cy := b.col(p.X[i]), b.row(p.Y[i])
		if cx < 0 || cx >= b.nx || cy < 0 || cy >= b.ny {
			continue
		}
		k := int32(cy*b.nx + cx)
		cell[i] = k
		counts[k+1]++
	}
	for k := 1; k < len(counts); k++ {
		counts[k] += counts[k-1]
	}
	b.start = counts
	m := counts[len(counts)-1]
	b.x, b.y, b.z = make([]float64, m), make([]float64, m), make([]float64, m)
	b.ids = make([]int32, m)
	fill := make([]int32, b.nx*b.ny)
	copy(fill, counts[:len(fill)])
	for i, k := range cell {
		if k >= 0 {
			f := fill[k]
			b.x[f], b.y[f], b.z[f], b.ids[f] = p.X[i], p.Y[i], p.Z[i], int32(i)
			fill[k]++
		}
	}
	return b
}

// col and row clamp far-away values before the int conversion, which is
// undefined for huge floats.
func (b *bucketIndex) col(x float64) int {
	return int(max(-1, min(math.Floor((x-b.minX)/b.size), float64(b.nx))))
}

func (b *bucketIndex) row(y float64) int {
	return int(max(-1, min(math.Floor((b.maxY-y)/b.size), float64(b.ny))))
}

// window is the range of buckets touching the square of half side r around
// (x, y); rows r0..r1, columns c0..c1 (empty when r0 > r1).
func (b *bucketIndex) window(x, y, r float64) (r0, r1, c0, c1 int) {
	c0, c1 = max(b.col(x-r), 0), min(b.col(x+r), b.nx-1)
	r0, r1 = max(b.row(y+r), 0), min(b.row(y-r), b.ny-1)
	if c0 > c1 {
		r0, r1 = 0, -1
	}
	return r0, r1, c0, c1
}
