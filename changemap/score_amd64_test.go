//go:build !purego

package changemap

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// scoreTables makes scoreAll's tables for ne edges and k candidates the
// way EstimateLean does (spans contiguous, cells outside them zero, leanPad
// spare capacity), over a gradient of gw columns of gh rows with no zero
// anywhere, borders included, so that a value read for the wrong row,
// column or candidate changes a sum.
func scoreTables(rng *rand.Rand, ne, k, gw, gh int) (grad []float32, xs leanAxis, ys leanRows, sum []float64) {
	grad = make([]float32, gw*gh)
	for i := range grad {
		grad[i] = 0.5 + 100*rng.Float32()
	}
	xs = leanAxis{p: make([]int32, ne), w: make([]float32, ne)}
	ys = leanRows{c: make([]leanCell, ne*k, ne*k+leanPad), span: make([][2]int32, ne)}
	for e := range ne {
		xs.p[e], xs.w[e] = int32(rng.IntN(gw-1)*gh), rng.Float32()
		if rng.IntN(8) == 0 {
			xs.p[e] = -1
		}
		lo := rng.IntN(k + 1)
		hi := lo + rng.IntN(k+1-lo)
		if rng.IntN(3) == 0 {
			lo, hi = 0, k
		}
		ys.span[e] = [2]int32{int32(lo), int32(hi)}
		for j := lo; j < hi; j++ {
			ys.c[e*k+j] = leanCell{int32(rng.IntN(gh - 1)), rng.Float32()}
		}
	}
	sum = make([]float64, k, k+leanPad)
	for j, all := 0, sum[:cap(sum)]; j < len(all); j++ {
		all[j] = rng.Float64() * 1e4
	}
	return grad, xs, ys, sum
}

// scoreScalar runs scoreAll with the vector loop switched off.
func scoreScalar(grad []float32, gh int, xs leanAxis, ys leanRows, sum []float64, cnt []int) {
	defer func(v bool) { haveAVX2 = v }(haveAVX2)
	haveAVX2 = false
	scoreAll(grad, gh, xs, ys, sum, cnt)
}

// cloneSums copies sum with its spare capacity, which slices.Clone may
// round up.
func cloneSums(sum []float64) []float64 {
	c := make([]float64, len(sum), cap(sum))
	copy(c[:cap(c)], sum[:cap(sum)])
	return c
}

func sameBits(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

// TestScoreAllVector holds the vector loop to the scalar one bit for bit,
// over candidate counts on both sides of a block of four and spans that
// start and end anywhere in a block; the spare sums past k must keep their
// values.
func TestScoreAllVector(t *testing.T) {
	if !haveAVX2 {
		t.Log("this CPU has no AVX2: scoreAll runs the scalar loop only")
	}
	for _, tc := range []struct{ ne, k, gw, gh int }{
		{1, 1, 2, 2}, {3, 4, 5, 7}, {40, 5, 9, 30}, {60, 13, 20, 50}, {80, 31, 30, 64}, {7, 33, 4, 3},
	} {
		for seed := range uint64(5) {
			rng := rand.New(rand.NewPCG(seed, uint64(tc.k)))
			grad, xs, ys, sum := scoreTables(rng, tc.ne, tc.k, tc.gw, tc.gh)
			want := cloneSums(sum)
			got := sum
			cntWant, cntGot := make([]int, tc.k), make([]int, tc.k)
			scoreScalar(grad, tc.gh, xs, ys, want, cntWant)
			if haveAVX2 {
				if n := scoreAllVec(grad, tc.gh, xs, ys, cloneSums(sum)); n != tc.ne {
					t.Fatalf("%+v seed %d: the vector loop scored %d of %d edges", tc, seed, n, tc.ne)
				}
			}
			scoreAll(grad, tc.gh, xs, ys, got, cntGot)
			if !sameBits(got[:cap(got)], want[:cap(want)]) {
				t.Errorf("%+v seed %d: sums\n%v, want\n%v", tc, seed, got[:cap(got)], want[:cap(want)])
			}
			if !slices.Equal(cntGot, cntWant) {
				t.Errorf("%+v seed %d: counts %v, want %v", tc, seed, cntGot, cntWant)
			}
		}
	}
}

// TestScoreAllVectorStops checks the vector loop leaves an edge that falls
// outside the gradient, and every edge after it, to the scalar loop, which
// then fails on it as it always did.
func TestScoreAllVectorStops(t *testing.T) {
	if !haveAVX2 {
		t.Log("this CPU has no AVX2: nothing to check")
		return
	}
	const ne, k, gw, gh, bad = 12, 9, 6, 20, 7
	for _, tc := range []struct {
		name  string
		spoil func(xs leanAxis, ys leanRows)
	}{
		// In the span's first block: nothing of the edge is added.
		{"row below the columns", func(xs leanAxis, ys leanRows) { ys.c[bad*k+2].p = gh - 1 }},
		{"row above the columns", func(xs leanAxis, ys leanRows) { ys.c[bad*k+3].p = -2 }},
		{"last column", func(xs leanAxis, ys leanRows) { xs.p[bad] = int32((gw - 1) * gh) }},
		{"span past the candidates", func(xs leanAxis, ys leanRows) { ys.span[bad][1] = k + 1 }},
		{"span before the candidates", func(xs leanAxis, ys leanRows) { ys.span[bad][0] = -1 }},
		{"span backwards", func(xs leanAxis, ys leanRows) { ys.span[bad] = [2]int32{5, 3} }},
	} {
		grad, xs, ys, sum := scoreTables(rand.New(rand.NewPCG(1, 2)), ne, k, gw, gh)
		xs.p[bad], ys.span[bad] = 0, [2]int32{2, 6}
		tc.spoil(xs, ys)
		want := cloneSums(sum)
		head := leanAxis{p: xs.p[:bad], w: xs.w[:bad]}
		scoreScalar(grad, gh, head, ys, want, make([]int, k))
		if n := scoreAllVec(grad, gh, xs, ys, sum); n != bad {
			t.Errorf("%s: the vector loop scored %d edges, want it to stop at edge %d", tc.name, n, bad)
		}
		if !sameBits(sum[:cap(sum)], want[:cap(want)]) {
			t.Errorf("%s: sums\n%v, want those of the edges before %d\n%v", tc.name, sum[:cap(sum)], bad, want[:cap(want)])
		}
	}
	// Columns of one row have no row p with p+1 inside them.
	grad, xs, ys, sum := scoreTables(rand.New(rand.NewPCG(1, 2)), ne, k, gw, gh)
	if n := scoreAllVec(grad, 1, xs, ys, sum); n != 0 {
		t.Errorf("columns of one row: the vector loop scored %d edges, want 0", n)
	}
}
