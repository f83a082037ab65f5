package city

import (
	"math"
	"math/rand/v2"
)

// terrain is the bare ground: a gentle plane around 690 m a.s.l. (the
// Valladolid plateau) with long, low undulations. It is the same in both
// epochs, so a DSM difference over bare ground is pure noise.
type terrain struct {
	base           float64     // height at the scene centre
	slopeX, slopeY float64     // m per m
	cx, cy         float64     // scene centre, local metres
	waves          [3]terrWave // undulations
}

type terrWave struct {
	amp, kx, ky, phase float64
}

func newTerrain(r *rand.Rand, w, h float64) terrain {
	t := terrain{
		base:   688 + 4*r.Float64(),
		slopeX: 0.002 + 0.002*r.Float64(),
		slopeY: -(0.001 + 0.002*r.Float64()),
		cx:     w / 2,
		cy:     h / 2,
	}
	for i := range t.waves {
		wl := 600 + 1800*r.Float64() // wavelength, m
		dir := 2 * math.Pi * r.Float64()
		t.waves[i] = terrWave{
			amp:   0.8 + 1.7*r.Float64(),
			kx:    2 * math.Pi / wl * math.Cos(dir),
			ky:    2 * math.Pi / wl * math.Sin(dir),
			phase: 2 * math.Pi * r.Float64(),
		}
	}
	return t
}

// at returns the ground height at local point (x, y).
func (t *terrain) at(x, y float64) float64 {
	z := t.base + t.slopeX*(x-t.cx) + t.slopeY*(y-t.cy)
	for _, w := range t.waves {
		z += w.amp * math.Sin(w.kx*x+w.ky*y+w.phase)
	}
	return z
}
