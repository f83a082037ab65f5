package qa

import (
	"math"
	"slices"
)

const (
	// stableDH is how far from the median a ΔH may be and still be stable
	// ground: unchanged surfaces differ by the DSMs' noise, plus the bias.
	stableDH = 1.0
	// candidateDH bounds the ΔH values kept as candidates for stable
	// ground, so the median can follow a bias of up to a few metres.
	candidateDH = 5.0
	// shiftRadius is how far, in pixels, the shift search looks each way.
	shiftRadius = 4
	// shiftCap caps one pixel's contribution to the shift cost, so new
	// buildings and tall walls weigh no more than a few decimetres of slope.
	shiftCap = 2.0
	// minShiftPixels is the fewest valid pixel pairs a shift is estimated on.
	minShiftPixels = 1000
)

// stableMedian is the median of the values within stableDH of their own
// median, found by iterating from the median of all candidates (most of a
// tile is unchanged, so that one is near the bias already). It returns NaN
// and 0 when there are no values.
func stableMedian(candidates []float32) (float64, int) {
	if len(candidates) == 0 {
		return math.NaN(), 0
	}
	// Each round needs the median of a set, not its order: a selection
	// per round costs less than one sort of every candidate. The values
	// within stableDH of a median are those a sort would give as a run.
	buf := slices.Clone(candidates)
	m := selectMedian(buf)
	var sel []float32
	for range 5 {
		sel = buf[:0]
		for _, v := range candidates {
			if d := float64(v) - m; d > -stableDH && d < stableDH {
				sel = append(sel, v)
			}
		}
		if len(sel) == 0 {
			return math.NaN(), 0
		}
		next := selectMedian(sel)
		if next == m {
			break
		}
		m = next
	}
	return m, len(sel)
}

// selectMedian is median(v sorted) without sorting: it reorders v. NaNs
// count as the smallest values, as slices.Sort places them.
func selectMedian(v []float32) float64 {
	n, nan := len(v), 0
	for i, x := range v {
		if x != x {
			v[i], v[nan] = v[nan], v[i]
			nan++
		}
	}
	kth := func(k int) float32 { // k-th smallest, v[nan:k] left no greater
		if k < nan {
			return v[k]
		}
		return nthSmallest(v[nan:], k-nan)
	}
	if n%2 == 1 {
		return float64(kth(n / 2))
	}
	b := kth(n / 2)
	a := float32(math.NaN())
	if n/2-1 >= nan {
		a = slices.Max(v[nan : n/2])
	}
	return (float64(a) + float64(b)) / 2
}

// nthSmallest reorders v (no NaN) so that v[k] is its k-th smallest value,
// with nothing greater before it and nothing smaller after, and returns it.
func nthSmallest(v []float32, k int) float32 {
	lo, hi := 0, len(v)-1
	for rounds := 0; lo < hi; rounds++ {
		if rounds == 64 { // a pathological order: finish by sorting
			slices.Sort(v[lo : hi+1])
			break
		}
		a, b, c := v[lo], v[lo+(hi-lo)/2], v[hi]
		p := max(min(a, b), min(max(a, b), c)) // the median of the three
		i, j := lo, hi
		for i <= j {
			for v[i] < p {
				i++
			}
			for v[j] > p {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		// v[lo:j+1] ≤ p, v[j+1:i] = p, v[i:hi+1] ≥ p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// median of sorted values.
func median[T float32 | float64](sorted []T) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return float64(sorted[n/2])
	}
	return (float64(sorted[n/2-1]) + float64(sorted[n/2])) / 2
}

// estimateShift estimates how far the later DSM b is displaced from the
// earlier a, in pixels east (sx) and north (sy): b(col, row) ≈ a(col − sx,
// row + sy). The cost of an offset is the mean absolute difference of the
// DSMs (bias removed, capped) over the tile's valid pixels; it is minimal
// at the displacement. Point-sampled DSMs turn every wall and roof edge
// into a cost that grows linearly with the distance between offset and
// displacement, so the sub-pixel position is where the lines through the
// minimum and its neighbours meet (a V fit, exact for such a cost, where a
// parabola pulls towards whole pixels). fine is false when the tile has
// too few pixels or too little relief to tell.
func estimateShift(a, b []float32, okA, okB []bool, w, h, x0, y0, tw, th int, bias float32) (sx, sy float64, used int, fine bool) {
	const r = shiftRadius
	const side = 2*r + 1
	var cost [side][side]float64
	var known [side][side]bool
	tooFew := false
	at := func(kx, ky int) float64 {
		if known[ky+r][kx+r] {
			return cost[ky+r][kx+r]
		}
		var sum float64
		n := 0
		for row := max(y0, -ky); row < min(y0+th, h-ky); row++ {
			ra := row + ky
			lo, hi := max(x0, kx), min(x0+tw, w+kx)
			bi, ai := row*w+lo, ra*w+lo-kx
			for col := lo; col < hi; col, bi, ai = col+1, bi+1, ai+1 {
				if !okB[bi] || !okA[ai] {
					continue
				}
				d := float64(b[bi] - a[ai] - bias)
				sum += min(math.Abs(d), shiftCap)
				n++
			}
		}
		if n < minShiftPixels {
			tooFew = true
		}
		if kx == 0 && ky == 0 {
			used = n
		}
		c := math.Inf(1)
		if n > 0 {
			c = sum / float64(n)
		}
		cost[ky+r][kx+r], known[ky+r][kx+r] = c, true
		return c
	}
	// The cost falls towards the displacement from every side, so walking
	// downhill from no offset finds it in a few steps rather than trying
	// all (2r+1)² offsets.
	bx, by := 0, 0
	for {
		nx, ny := bx, by
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				x, y := bx+dx, by+dy
				if x < -r || x > r || y < -r || y > r {
					continue
				}
				if at(x, y) < at(nx, ny) {
					nx, ny = x, y
				}
			}
		}
		if tooFew {
			return 0, 0, used, false
		}
		if nx == bx && ny == by {
			break
		}
		bx, by = nx, ny
	}
	row := make([]float64, side)
	col := make([]float64, side)
	for k := -r; k <= r; k++ {
		if abs(k-bx) <= 1 {
			row[k+r] = at(k, by)
		}
		if abs(k-by) <= 1 {
			col[k+r] = at(bx, k)
		}
	}
	fx, okx := vFit(row, bx+r)
	fy, oky := vFit(col, by+r)
	if tooFew || !okx || !oky {
		return 0, 0, used, false
	}
	return float64(bx) + fx, float64(by) + fy, used, true
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// vFit returns the sub-sample offset of the minimum of a V-shaped cost at
// sample k from its neighbours, in [−0.5, 0.5]; at the edge of the search
// the offset is 0 (the shift is at least the radius). ok is false when the
// cost is flat there.
func vFit(c []float64, k int) (float64, bool) {
	if k == 0 || k == len(c)-1 {
		return 0, true
	}
	l, m, r := c[k-1], c[k], c[k+1]
	slope := max(l, r) - m
	if !(slope > 1e-6) {
		return 0, false
	}
	return max(-0.5, min(0.5, (l-r)/(2*slope))), true
}
