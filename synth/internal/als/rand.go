package als

import "math"

// rng is a splitmix64 stream. Each pulse seeds its own from a hash of its
// identity, so what it draws does not depend on the region that fired it nor
// on how many pulses were fired before.
type rng struct {
	s      uint64
	spare  float64
	spared bool
}

func mix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}

// hash4 folds four keys into one well-mixed word.
func hash4(a, b, c, d uint64) uint64 {
	h := mix(a + 0x9e3779b97f4a7c15)
	h = mix(h ^ b + 0x632be59bd9b4e019)
	h = mix(h ^ c + 0x85157af5a5b1e3c9)
	return mix(h ^ d + 0x2545f4914f6cdd1d)
}

func newRNG(key uint64) rng { return rng{s: key} }

func (r *rng) u64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

// float is uniform in [0, 1).
func (r *rng) float() float64 { return float64(r.u64()>>11) * 0x1p-53 }

// norm is a standard normal deviate (Box–Muller, both halves used).
func (r *rng) norm() float64 {
	if r.spared {
		r.spared = false
		return r.spare
	}
	u := 1 - r.float() // (0, 1]: the log stays finite
	v := r.float()
	m := math.Sqrt(-2 * math.Log(u))
	s, c := math.Sincos(2 * math.Pi * v)
	r.spare, r.spared = m*s, true
	return m * c
}

// exp is an exponential deviate of mean 1.
func (r *rng) exp() float64 { return -math.Log(1 - r.float()) }

// unit is a deterministic uniform in [0, 1) for a key, for one-off draws
// (a strip's offset, an object's fate) that need no stream.
func unit(key uint64) float64 { return float64(mix(key)>>11) * 0x1p-53 }
