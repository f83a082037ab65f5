package changemap

import "math"

// Standard orthophotos are rectified on the terrain, not on the buildings:
// a roof h metres up appears displaced by h·k away from the photo's nadir,
// where k is the ground distance from the nadir over the flying height (up
// to ~0.4 at a frame photo's corner). A 2D label drawn on the DSM's
// footprint then misses the roof the network sees. Within a 200 m tile, k
// is nearly constant (one photo, far from its nadir compared with the
// tile), so it is estimated per tile and epoch from the DSM and the
// orthophoto themselves: the k that puts the DSM's roof edges, displaced by
// their height, on the orthophoto's strongest edges.

// Lean is a relief displacement per metre of height above ground, in
// metres east and north.
type Lean struct {
	E, N float64
	// Edges is how many roof-edge cells the estimate rests on; Gain is
	// how much stronger the orthophoto's edges are under the displaced
	// roof edges than under the undisplaced ones (1: no better).
	Edges int
	Gain  float64
}

// OK says whether the estimate rests on enough roof edges, and clearly
// beats no displacement, to be used.
func (l Lean) OK() bool { return l.Edges >= minLeanEdges && l.Gain > 1.05 }

const (
	// MaxLean bounds the search: a frame photo's corner at 60° field of view.
	MaxLean = 0.45
	// minLeanEdges is the fewest roof-edge cells a lean is estimated on.
	minLeanEdges = 200
	// edgeHeight and edgeStep define a roof edge: a cell this high above
	// the ground with a 4-neighbour this much lower.
	edgeHeight = 2.5
	edgeStep   = 2.0
)

// Ground estimates the ground under a w×h DSM as the lowest valid value
// within r cells (a square window, separable), nodata where a window has
// no valid value.
func Ground(ground, dsm []float32, nd Nodata, w, h, r int) {
	inf := float32(math.Inf(1))
	tmp := make([]float32, w*h)
	// A window of 2r+1 is 81 cells at the usual radius: running minima
	// (van Herk / Gil-Werman) cost three comparisons a cell whatever r is,
	// and give the same minimum as scanning the window.
	line := make([]float32, max(w, h))
	out := make([]float32, max(w, h))
	sc := newRunMin(max(w, h), r)
	for y := 0; y < h; y++ {
		row := dsm[y*w : (y+1)*w]
		for x, v := range row {
			if nd.Is(v) {
				v = inf
			}
			line[x] = v
		}
		sc.run(tmp[y*w:(y+1)*w], line[:w])
	}
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			line[y] = tmp[y*w+x]
		}
		sc.run(out[:h], line[:h])
		for y, m := range out[:h] {
			if m == inf {
				m = NoData
			}
			ground[y*w+x] = m
		}
	}
}

// runMin computes the minimum of every window of 2r+1 values (clipped at
// the ends) along a line, from block-wise prefix and suffix minima.
type runMin struct {
	r            int
	pre, suf, in []float32
}

func newRunMin(n, r int) *runMin {
	// The line is padded with r values of +Inf at each end, so every window
	// is whole; blocks of 2r+1 then cover any window in two pieces.
	m := n + 2*r
	return &runMin{r: r, pre: make([]float32, m), suf: make([]float32, m), in: make([]float32, m)}
}

func (s *runMin) run(out, line []float32) {
	r, k := s.r, 2*s.r+1
	inf := float32(math.Inf(1))
	m := len(line) + 2*r
	in, pre, suf := s.in[:m], s.pre[:m], s.suf[:m]
	for i := range r {
		in[i], in[m-1-i] = inf, inf
	}
	copy(in[r:], line)
	// Each running minimum stays in a register (read back from pre or suf,
	// each step would wait for the store before it), and a block's prefix
	// and suffix minima, two independent chains of dependent steps, are
	// computed side by side.
	for b := 0; b < m; b += k {
		e := min(b+k, m)
		p, q := in[b], in[e-1]
		pre[b], suf[e-1] = p, q
		for j := 1; j < e-b; j++ {
			p = min(p, in[b+j])
			q = min(q, in[e-1-j])
			pre[b+j], suf[e-1-j] = p, q
		}
	}
	// The window of out[x] is in[x : x+k]: suffix of its first block,
	// prefix of the next.
	for x := range out {
		out[x] = min(suf[x], pre[x+k-1])
	}
}

// EstimateLean finds the lean of an orthophoto over a DSM covering the same
// extent: dsm and ground are w×h cells of res metres, grey is the
// orthophoto's luminance, gw×gh pixels of ores metres.
func EstimateLean(dsm, ground []float32, nd Nodata, w, h int, res float64, grey []float32, gw, gh int, ores float64) Lean {
	// The search reads, for one edge, the gradient at many rows of the same
	// two columns: column-major, those reads are a few cache lines instead
	// of one per row.
	grad := gradientColumns(grey, gw, gh)
	var all leanEdges
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			v, g := dsm[i], ground[i]
			if nd.Is(v) || g == NoData || v-g < edgeHeight {
				continue
			}
			// The edge lies on the cell's side towards the lower
			// neighbour: there the orthophoto's edge is, displaced.
			for _, d := range [4][3]int{{-1, 0, -1}, {1, 0, 1}, {0, -1, -w}, {0, 1, w}} {
				if u := dsm[i+d[2]]; !nd.Is(u) && v-u > edgeStep {
					all.x = append(all.x, (float64(x)+0.5+0.5*float64(d[0]))*res/ores)
					all.y = append(all.y, (float64(y)+0.5+0.5*float64(d[1]))*res/ores)
					all.h = append(all.h, float64(v-g))
					break
				}
			}
		}
	}
	l := Lean{Edges: len(all.x)}
	if len(all.x) < minLeanEdges {
		return l
	}
	// A displacement along one axis moves every edge by the same rule,
	// whatever the other axis does: each candidate's pixels and weights
	// are computed once per axis, and the grid search only interpolates.
	// east fills one table, reused: each candidate's is used up before
	// the next is made.
	a := leanAxis{p: make([]int32, len(all.x)), w: make([]float32, len(all.x))}
	// An edge's displacement in pixels is its height times k over ores.
	// Over a power of two (an orthophoto's 0.25 or 0.5 m) that division
	// is a multiplication by the inverse, exactly, and several times
	// cheaper.
	fr, _ := math.Frexp(ores)
	inv, pow2 := 1/ores, fr == 0.5
	perOres := func(v float64) float64 {
		if pow2 {
			return v * inv
		}
		return v / ores
	}
	east := func(es leanEdges, k float64) leanAxis {
		a := leanAxis{p: a.p[:len(es.x)], w: a.w[:len(es.x)]}
		for i := range es.x {
			// Bilinear between pixel centres, at x−0.5 in pixel units.
			f := es.x[i] + perOres(es.h[i]*k) - 0.5
			p := int(math.Floor(f))
			a.p[i], a.w[i] = -1, 0
			if p >= 0 && p+1 < gw {
				a.p[i], a.w[i] = int32(p*gh), float32(f-float64(p))
			}
		}
		return a
	}
	// north holds each edge's rows and weights for all the kN candidates
	// side by side, so one edge's candidates are scored together and share
	// the rows they fall on, and the span of candidates that fall on the
	// image: f decreases as k grows (h > 0), so that span is contiguous.
	north := func(es leanEdges, ks []float64) leanRows {
		n := len(es.x) * len(ks)
		r := leanRows{c: make([]leanCell, n, n+leanPad), span: make([][2]int32, len(es.x))}
		for i := range es.x {
			lo, hi := -1, -1
			for j, k := range ks {
				f := es.y[i] - perOres(es.h[i]*k) - 0.5
				p := int(math.Floor(f))
				if p >= 0 && p+1 < gh {
					r.c[i*len(ks)+j] = leanCell{int32(p), float32(f - float64(p))}
					if lo < 0 {
						lo = j
					}
					hi = j + 1
				}
			}
			if lo < 0 {
				lo, hi = 0, 0
			}
			r.span[i] = [2]int32{int32(lo), int32(hi)}
		}
		return r
	}
	// search scores every (kE, kN) in row-major order on the edges es and
	// returns the first best. A score is the mean gradient under the
	// displaced edges, 0 when fewer than half of them fall on the image,
	// summed in edge order.
	search := func(es leanEdges, kEs, kNs []float64) (best, bE, bN float64) {
		best = -1
		ys := north(es, kNs)
		sum, cnt := make([]float64, len(kNs), len(kNs)+leanPad), make([]int, len(kNs))
		for _, kE := range kEs {
			clear(sum)
			clear(cnt)
			scoreAll(grad, gh, east(es, kE), ys, sum, cnt)
			for j, kN := range kNs {
				s := 0.0
				if cnt[j] >= len(es.x)/2 {
					s = sum[j] / float64(cnt[j])
				}
				if s > best {
					best, bE, bN = s, kE, kN
				}
			}
		}
		return best, bE, bN
	}
	// Coarse to fine: every 0.03, then every 0.005 around the best. The
	// coarse pass only has to find the right 0.03 cell, and the fine one
	// scores every edge: the coarse pass scores every s-th edge, s the
	// edges over coarseEdges, which leaves coarseEdges to twice as many of
	// a tile that has more (a city tile with its halo has 3 000–10 000).
	var coarse []float64
	for k := -MaxLean; k <= MaxLean+1e-9; k += 0.03 {
		coarse = append(coarse, k)
	}
	_, cE, cN := search(all.every(len(all.x)/coarseEdges), coarse, coarse)
	var fE, fN []float64
	for d := -0.03; d <= 0.03+1e-9; d += 0.005 {
		fE, fN = append(fE, cE+d), append(fN, cN+d)
	}
	best, bE, bN := search(all, fE, fN)
	l.E, l.N = bE, bN
	if s0, _, _ := search(all, []float64{0}, []float64{0}); s0 > 0 {
		l.Gain = best / s0
	}
	return l
}

// coarseEdges is the fewest edges the coarse pass of the lean search scores
// when a tile has more: ten times the fewest a lean is estimated on.
const coarseEdges = 10 * minLeanEdges

// leanEdges are roof edges in orthophoto pixels, with their heights above
// ground in metres.
type leanEdges struct{ x, y, h []float64 }

// every returns every s-th edge, from the first.
func (es leanEdges) every(s int) leanEdges {
	if s <= 1 {
		return es
	}
	var o leanEdges
	for i := 0; i < len(es.x); i += s {
		o.x, o.y, o.h = append(o.x, es.x[i]), append(o.y, es.y[i]), append(o.h, es.h[i])
	}
	return o
}

// leanAxis holds, for one candidate displacement east, each edge's first
// column (as an offset in the column-major gradient, -1 outside the image)
// and its bilinear weight.
type leanAxis struct {
	p []int32
	w []float32
}

// leanRows holds every edge's leanCell for each candidate displacement
// north, k cells an edge, and the span [lo, hi) of those on the image.
type leanRows struct {
	c    []leanCell
	span [][2]int32
}

// leanPad is the spare capacity the score tables keep past their
// candidates: the vector loop reads whole blocks of four.
const leanPad = 3

// leanCell is an edge's first row and bilinear weight for one candidate
// displacement north.
type leanCell struct {
	p int32
	w float32
}

// scoreAll adds, for one displacement east and every displacement north
// (len(sum) candidates), the orthophoto gradient interpolated under each
// edge to sum and counts the edges on the image in cnt. grad is
// column-major, gh rows a column.
func scoreAll(grad []float32, gh int, xs leanAxis, ys leanRows, sum []float64, cnt []int) {
	k := len(sum)
	// The vector loop scores the edges it can, the scalar one the rest.
	// Each edge on the image adds 1 to cnt over its span: counted as the
	// span's ends, then summed.
	vec := scoreAllVec(grad, gh, xs, ys, sum)
	ends := make([]int, k+1)
	for e, px := range xs.p {
		if px < 0 {
			continue
		}
		lo, hi := int(ys.span[e][0]), int(ys.span[e][1])
		if lo == hi {
			continue
		}
		ends[lo]++
		ends[hi]--
		if e >= vec {
			ax, bx := xs.w[e], 1-xs.w[e]
			scoreEdge(sum[lo:hi], ys.c[e*k+lo:e*k+hi], grad[px:int(px)+gh], grad[int(px)+gh:int(px)+2*gh], ax, bx)
		}
	}
	n := 0
	for j := range cnt[:k] {
		n += ends[j]
		cnt[j] += n
	}
}

// scoreEdge adds to s[j] the gradient interpolated under one edge for
// its candidate row[j]: bilinear between the edge's columns col0 and col1
// (weights bx and ax) and the cell's rows p and p+1.
func scoreEdge(s []float64, row []leanCell, col0, col1 []float32, ax, bx float32) {
	// Sliced to the same lengths, a cell's row below (p+1) is checked once
	// against both columns, which covers p too.
	col1 = col1[:len(col0)]
	s = s[:len(row)]
	for j, c := range row {
		p := uint(uint32(c.p))
		b0, b1 := col0[p+1], col1[p+1]
		a0, a1 := col0[p], col1[p]
		h0 := bx*a0 + ax*a1
		h1 := bx*b0 + ax*b1
		s[j] += float64((1-c.w)*h0 + c.w*h1)
	}
}

// gradientColumns is the Sobel gradient magnitude of a w×h row-major image
// (0 on the border), column-major: h values a column. It computes
// gradBand rows at a time and then writes each column's part of them at
// once, so its writes fill whole cache lines instead of one value each.
func gradientColumns(img []float32, w, h int) []float32 {
	t := make([]float32, w*h)
	buf := make([]float32, gradBand*w)
	for y0 := 1; y0 < h-1; y0 += gradBand {
		y1 := min(y0+gradBand, h-1)
		for y := y0; y < y1; y++ {
			// Rows above, at and below y, each w long: no bounds checks inside.
			r0, r1, r2 := img[(y-1)*w:y*w], img[y*w:(y+1)*w], img[(y+1)*w:(y+2)*w]
			r1, r2 = r1[:len(r0)], r2[:len(r0)]
			gr := buf[(y-y0)*w : (y-y0)*w+len(r0)]
			for x := 1; x < len(r0)-1; x++ {
				gx := r0[x+1] + 2*r1[x+1] + r2[x+1] - r0[x-1] - 2*r1[x-1] - r2[x-1]
				gy := r2[x-1] + 2*r2[x] + r2[x+1] - r0[x-1] - 2*r0[x] - r0[x+1]
				gr[x] = float32(math.Sqrt(float64(gx*gx + gy*gy)))
			}
		}
		for x := 1; x < w-1; x++ {
			col := t[x*h+y0 : x*h+y1]
			for k := range col {
				col[k] = buf[k*w+x]
			}
		}
	}
	return t
}

// gradBand is how many rows gradientColumns computes before writing them
// down the columns: 16 float32 values are a 64-byte cache line.
const gradBand = 16

// Luminance is the mean of an RGB image's bands.
func Luminance(r, g, b []uint8) []float32 {
	out := make([]float32, len(r))
	for i := range out {
		out[i] = (float32(r[i]) + float32(g[i]) + float32(b[i])) / 3
	}
	return out
}

// LeanMask2D is Mask2D with each changed building where the orthophotos
// show it: every changed cd3d cell is swept from its footprint to its
// position displaced by its height above ground times the lean of the
// epoch where it stands (the later one for a gain, the earlier for a
// loss), which covers the displaced roof and the façades between. dsm and
// ground are each epoch's surfaces on cd's w×h grid; a lean that is not
// OK leaves that epoch's changes on their footprint.
func LeanMask2D(out []uint8, ow, oh int, cd []float32, w, h int, signed bool, dsm, ground [2][]float32, nd [2]Nodata, lean [2]Lean) {
	Mask2D(out, ow, oh, cd, w, h, signed)
	fx, fy := float64(ow)/float64(w), float64(oh)/float64(h) // output pixels per cell
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if !IsChange(cd[i]) {
				continue
			}
			e, hh, ok := sweptCell(cd[i], dsm, ground, nd, i)
			if !ok || !lean[e].OK() {
				continue
			}
			c := Construction
			if e == 0 {
				c = Demolition
			}
			if !signed {
				c = Change
			}
			l := lean[e]
			// Displacement in cells (east, south).
			dx, dy := hh*l.E, -hh*l.N
			steps := int(math.Ceil(2 * math.Max(math.Abs(dx)*fx, math.Abs(dy)*fy)))
			for s := 1; s <= steps; s++ {
				t := float64(s) / float64(steps)
				ox0 := int(math.Floor((float64(x) + t*dx) * fx))
				oy0 := int(math.Floor((float64(y) + t*dy) * fy))
				for oy := oy0; oy < oy0+int(math.Ceil(fy)); oy++ {
					for ox := ox0; ox < ox0+int(math.Ceil(fx)); ox++ {
						if ox < 0 || oy < 0 || ox >= ow || oy >= oh {
							continue
						}
						if p := oy*ow + ox; out[p] == NoChange {
							out[p] = c
						}
					}
				}
			}
		}
	}
}

// LeanNeeded says which epochs' leans LeanMask2D would use on these
// surfaces: an epoch no changed cell stands in with height above its
// ground leaves that lean unread, so it need not be estimated.
func LeanNeeded(cd []float32, dsm, ground [2][]float32, nd [2]Nodata) (need [2]bool) {
	for i, v := range cd {
		if !IsChange(v) {
			continue
		}
		if e, _, ok := sweptCell(v, dsm, ground, nd, i); ok {
			need[e] = true
			if need[0] && need[1] {
				break
			}
		}
	}
	return need
}

// sweptCell says whether changed cell i, of value v (IsChange), is swept
// by a lean, the epoch whose lean it is (the later one for a gain, the
// earlier for a loss) and its height above that epoch's ground: not for a
// cell without a valid surface above a valid ground. A ground that is not
// a number (Ground never makes one) gives a height that is not either,
// swept as LeanMask2D always did. Small enough to be inlined in the
// callers' loops over every cell.
func sweptCell(v float32, dsm, ground [2][]float32, nd [2]Nodata, i int) (e int, hh float64, ok bool) {
	e = 1
	if v < 0 {
		e = 0
	}
	if nd[e].Is(dsm[e][i]) || ground[e][i] == NoData {
		return e, 0, false
	}
	hh = float64(dsm[e][i] - ground[e][i])
	return e, hh, !(hh <= 0)
}
