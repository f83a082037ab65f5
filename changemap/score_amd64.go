//go:build !purego

package changemap

import "golang.org/x/sys/cpu"

// haveAVX2 selects the lean search's vector loop.
var haveAVX2 = cpu.X86.HasAVX2

// scoreAllAVX2 is scoreAll's loop over the first ne edges, without the
// counts. It returns how many edges it scored: ne, or the first whose
// columns or span fall outside grad (gradLen values) or sum (k), or that
// has a row outside the columns (gh rows).
//
//go:noescape
func scoreAllAVX2(grad *float32, gradLen, gh int, px *int32, aw *float32, span *[2]int32, cells *leanCell, k, ne int, sum *float64) int

// scoreAllVec scores the edges of xs with the vector loop where the CPU
// has one, and returns how many it scored: all of them, or 0 (no AVX2, or
// tables without leanPad spare capacity), or, on tables that do not fit,
// the first edge that does not.
func scoreAllVec(grad []float32, gh int, xs leanAxis, ys leanRows, sum []float64) int {
	ne, k := len(xs.p), len(sum)
	// The loop reads whole blocks of four: up to three cells and sums
	// past the last, in the tables' capacity (leanPad).
	if !haveAVX2 || ne == 0 || k == 0 || len(grad) == 0 ||
		len(xs.w) < ne || len(ys.span) < ne || len(ys.c) < ne*k ||
		cap(ys.c) < ne*k+leanPad || cap(sum) < k+leanPad {
		return 0
	}
	return scoreAllAVX2(&grad[0], len(grad), gh, &xs.p[0], &xs.w[0], &ys.span[0], &ys.c[0], k, ne, &sum[0])
}
