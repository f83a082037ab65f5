package camera

import "math"

// Textures of the world are keyed by the scene seed alone, so an unchanged
// roof has the same grain in both epochs; the sensor noise and the photos'
// radiometry are keyed by seed and epoch.

// mix is the splitmix64 finaliser: a cheap bijection with good avalanche.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash2 hashes a lattice point under a key; one round suffices for textures.
func hash2(key uint64, a, b int64) uint64 {
	return mix(key ^ uint64(a)*0x9e3779b97f4a7c15 ^ uint64(b)*0xc2b2ae3d27d4eb4f)
}

// strong2 is hash2 with a second round, for values measured statistically
// (sensor noise, photo jitter).
func strong2(key uint64, a, b int64) uint64 {
	return mix(mix(key^uint64(a)*0x9e3779b97f4a7c15) ^ uint64(b)*0xc2b2ae3d27d4eb4f)
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// signed maps a hash to [-1, 1).
func signed(h uint64) float64 { return 2*unit(h) - 1 }

// tri maps a hash to a triangular deviate in [-1, 1]: cheap grain with a
// softer tail than a uniform one.
func tri(h uint64) float64 { return (float64(h&0xffff)+float64(h>>16&0xffff))/65535 - 1 }

// gauss turns a hash into a standard normal deviate (Box–Muller).
func gauss(h uint64) float64 {
	u1 := (float64(h>>40) + 0.5) / (1 << 24)
	u2 := float64(h&(1<<24-1)) / (1 << 24)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// clamp3 bounds a normal deviate to ±3, so planned offsets have a hard limit
// the halo can rely on.
func clamp3(v float64) float64 { return max(-3, min(3, v)) }

// smooth is value noise in [-1, 1] on a lattice of cell metres, at world
// point (x, y).
func smooth(key uint64, x, y, cell float64) float64 {
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
	lo := v00 + (v10-v00)*tx
	hi := v01 + (v11-v01)*tx
	return 2*(lo+(hi-lo)*ty) - 1
}

// noiseCache remembers, per slot, the lattice cell of smooth noise last
// used and its corner values: neighbouring pixels mostly fall in the same
// cell of the coarser noises, which then need no hashing.
type noiseCache struct {
	e [32]noiseEntry
}

type noiseEntry struct {
	key  uint64
	cell float64
	a, b int64
	v    [4]float64
}

// smooth is smooth(key, x, y, cell), the same values, from the cache when
// it can; c may be nil.
func (c *noiseCache) smooth(key uint64, x, y, cell float64) float64 {
	if c == nil {
		return smooth(key, x, y, cell)
	}
	fx, fy := x/cell, y/cell
	ix, iy := math.Floor(fx), math.Floor(fy)
	tx, ty := fx-ix, fy-iy
	tx = tx * tx * (3 - 2*tx)
	ty = ty * ty * (3 - 2*ty)
	a, b := int64(ix), int64(iy)
	e := &c.e[(key>>40^key>>20^uint64(cell*8))&31]
	if e.key != key || e.cell != cell || e.a != a || e.b != b || e.cell == 0 {
		e.key, e.cell, e.a, e.b = key, cell, a, b
		e.v = [4]float64{unit(hash2(key, a, b)), unit(hash2(key, a+1, b)), unit(hash2(key, a, b+1)), unit(hash2(key, a+1, b+1))}
	}
	lo := e.v[0] + (e.v[1]-e.v[0])*tx
	hi := e.v[2] + (e.v[3]-e.v[2])*tx
	return 2*(lo+(hi-lo)*ty) - 1
}

// floorDiv is integer division rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
