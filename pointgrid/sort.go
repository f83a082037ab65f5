package pointgrid

import (
	"cmp"
	"slices"
)

// sortKey orders points by a non-negative float64 (its IEEE bits, which
// sort like the value for non-negative numbers, +Inf last).
type sortKey struct {
	k uint64
	i int32
}

// sortKeys sorts by key, ties by (x, y). An LSD radix sort on 11-bit digits
// is several times faster than a comparison sort at LiDAR tile sizes; it
// skips digits that all keys share (the exponent bits mostly). Ties, rare
// and short, are then ordered by comparison.
func sortKeys(a []sortKey, x, y []float64) {
	byXY := func(p, q sortKey) int {
		if c := cmp.Compare(p.k, q.k); c != 0 {
			return c
		}
		if c := cmp.Compare(x[p.i], x[q.i]); c != 0 {
			return c
		}
		return cmp.Compare(y[p.i], y[q.i])
	}
	if len(a) < 4096 {
		slices.SortFunc(a, byXY)
		return
	}
	const bits, buckets = 11, 1 << 11
	buf := make([]sortKey, len(a))
	src, dst := a, buf
	var count [buckets]int
	for shift := 0; shift < 64; shift += bits {
		clear(count[:])
		for _, e := range src {
			count[(e.k>>shift)&(buckets-1)]++
		}
		if count[(src[0].k>>shift)&(buckets-1)] == len(src) {
			continue // every key has this digit
		}
		sum := 0
		for b, c := range count {
			count[b] = sum
			sum += c
		}
		for _, e := range src {
			b := (e.k >> shift) & (buckets - 1)
			dst[count[b]] = e
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
	for lo := 0; lo < len(a); {
		hi := lo + 1
		for hi < len(a) && a[hi].k == a[lo].k {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(a[lo:hi], byXY)
		}
		lo = hi
	}
}
