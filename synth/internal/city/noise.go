package city

import (
	"math"
	"math/rand/v2"
)

// Randomness comes in two kinds. Layout decisions (streets, lots, buildings,
// events) draw from PCG streams seeded by the scene seed, one stream per
// concern, so adding a defect never moves a building. Per-pixel values
// (textures, DSM noise) come from a hash of the global pixel index, so a pixel
// gets the same value whichever sheet or strip computes it.

// Stream numbers of the PCG generators; changing one changes every scene.
const (
	streamLayout = iota + 1
	streamEvents
	streamCars
	streamLight
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x5eed0000+stream))
}

// mix64 is the splitmix64 finalizer: a cheap bijection with good avalanche.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash2 hashes a lattice point with a key; one mix is enough for textures.
func hash2(key uint64, a, b int64) uint64 {
	return mix64(key ^ uint64(a)*0x9e3779b97f4a7c15 ^ uint64(b)*0xc2b2ae3d27d4eb4f)
}

// strongHash2 is hash2 with a second round, for values that tests measure
// statistically (DSM noise and outliers).
func strongHash2(key uint64, a, b int64) uint64 {
	return mix64(mix64(key^uint64(a)*0x9e3779b97f4a7c15) ^ uint64(b)*0xc2b2ae3d27d4eb4f)
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// gaussian turns a hash into a standard normal deviate (Box–Muller).
func gaussian(h uint64) float64 {
	u1 := (float64(h>>40) + 0.5) / (1 << 24)
	u2 := float64(h&(1<<24-1)) / (1 << 24)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// valueNoise is smooth noise in [-1, 1] on a lattice of the given cell size
// (metres), evaluated at world point (x, y).
func valueNoise(key uint64, x, y, cell float64) float64 {
	fx, fy := x/cell, y/cell
	ix, iy := math.Floor(fx), math.Floor(fy)
	tx, ty := fx-ix, fy-iy
	tx = tx * tx * (3 - 2*tx)
	ty = ty * ty * (3 - 2*ty)
	a, b := int64(ix), int64(iy)
	v00 := unit(hash2(key, a, b))
	v10 := unit(hash2(key, a+1, b))
	v01 := unit(hash2(key, a, b+1))
	v11 := unit(hash2(key, a+1, b+1))
	top := v00 + (v10-v00)*tx
	bot := v01 + (v11-v01)*tx
	return 2*(top+(bot-top)*ty) - 1
}
