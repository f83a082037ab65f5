//go:build !amd64 || purego

package changemap

const haveAVX2 = false

// scoreAllVec scores none: scoreAll's own loop does them all.
func scoreAllVec(grad []float32, gh int, xs leanAxis, ys leanRows, sum []float64) int {
	return 0
}
