package world

import (
	"math"
	"math/rand/v2"
)

// Layout decisions draw from PCG streams, one per concern, so that e.g. the
// change stream never moves a building. Per-cell values come from hashes of
// global coordinates, so a cell's value does not depend on the window.
const (
	streamLand = iota + 1
	streamLayout
	streamTrees
	streamChanges
	streamTreeChanges
	streamVehicles // + epoch
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0xa11ad0000+stream))
}

// subRand is a stream of one concern for one district, so districts do not
// depend on the order they are generated in.
func subRand(seed int64, stream uint64, key uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed)^mix64(key), 0xa11ad0000+stream))
}

// mix64 is the splitmix64 finalizer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func hash3(key uint64, a, b, c int64) uint64 {
	return mix64(mix64(key^uint64(a)*0x9e3779b97f4a7c15) ^ uint64(b)*0xc2b2ae3d27d4eb4f ^ uint64(c)*0x165667b19e3779f9)
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// uniform draws from [a, b).
func uniform(r *rand.Rand, a, b float64) float64 { return a + (b-a)*r.Float64() }

// irange draws an integer from [a, b].
func irange(r *rand.Rand, a, b int) int { return a + r.IntN(b-a+1) }

// smoothstep is 0 below 0, 1 above 1, smooth in between.
func smoothstep(t float64) float64 {
	t = math.Max(0, math.Min(1, t))
	return t * t * (3 - 2*t)
}

// valueNoise is smooth noise in [-1, 1] on a lattice of cell metres.
func valueNoise(key uint64, x, y, cell float64) float64 {
	fx, fy := x/cell, y/cell
	ix, iy := math.Floor(fx), math.Floor(fy)
	tx, ty := smoothstep(fx-ix), smoothstep(fy-iy)
	a, b := int64(ix), int64(iy)
	v00 := unit(hash3(key, a, b, 0))
	v10 := unit(hash3(key, a+1, b, 0))
	v01 := unit(hash3(key, a, b+1, 0))
	v11 := unit(hash3(key, a+1, b+1, 0))
	lo := v00 + (v10-v00)*tx
	hi := v01 + (v11-v01)*tx
	return 2*(lo+(hi-lo)*ty) - 1
}
