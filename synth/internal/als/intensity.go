package als

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// reflectance at the scanners' 1064 nm: asphalt dark, vegetation bright in
// the near infrared, clay tiles and concrete between, glass and water
// almost nothing diffuse.
var reflectance = [surface.NumMaterials]float64{
	surface.Asphalt: 0.12, surface.Marking: 0.55, surface.Sidewalk: 0.30, surface.Paved: 0.32,
	surface.Grass: 0.50, surface.Soil: 0.28, surface.Gravel: 0.30, surface.Water: 0.05,
	surface.RoofTile: 0.40, surface.RoofFlat: 0.20, surface.RoofMetal: 0.35, surface.Parapet: 0.30,
	surface.Skylight: 0.08, surface.Equipment: 0.35, surface.Wall: 0.30, surface.Vehicle: 0.25,
	surface.Container: 0.30, surface.Scaffold: 0.25, surface.Crane: 0.30, surface.Rubble: 0.30,
	surface.BridgeDeck: 0.14, surface.Rail: 0.18,
}

const (
	leafReflectance = 0.55
	birdReflectance = 0.30
	// waterSpecular is the apparent reflectance of calm water sending a
	// near-nadir pulse straight back.
	waterSpecular = 0.8
	// gain puts a white Lambertian target at nadir, from the survey's
	// altitude, at 90 % of the digitizer's range.
	gain    = 0.9
	speckle = 0.12 // relative noise of an intensity
)

// intensity is an echo's 16-bit intensity: reflectance × the share of the
// pulse it returns × the cosine of incidence × (altitude/range)², with
// speckle, digitized on IntensityBits and scaled to 16 bits.
func (s *Survey) intensity(r *rng, p *pulse, e *echo) uint16 {
	l := p.tr.l
	rho, cosi := birdReflectance, 1.0
	if e.k >= 0 {
		m := l.Mat[e.k]
		switch e.kind {
		case echoCrown:
			rho = leafReflectance
		case echoWall:
			if l.Class[e.k] == surface.ClassBuilding {
				m = surface.Wall
			}
			rho = reflectance[m]
			cosi = math.Abs(p.dx)
			if e.axis == 1 {
				cosi = math.Abs(p.dy)
			}
		default:
			rho = reflectance[m]
			if m == surface.Water {
				rho = waterSpecular
			}
			cosi = incidence(l, e.k, p)
		}
		switch m {
		case surface.Vehicle, surface.RoofFlat, surface.RoofTile, surface.RoofMetal, surface.Container:
			rho *= 0.7 + 0.6*float64(l.Tone[e.k])/255
		}
	}
	rr := s.p.Altitude / max(e.t, 1)
	v := gain * rho * e.e * cosi * rr * rr * (1 + speckle*r.norm())
	top := float64(int(1)<<s.p.IntensityBits - 1)
	q := math.Round(min(max(v, 0), 1) * top)
	return uint16(math.Round(q * 65535 / top))
}

// incidence is the cosine between the pulse and the normal of the solid
// top of cell k, the slope taken on the gentler side so a roof edge's
// drop does not tilt it.
func incidence(l *surface.Layers, k int, p *pulse) float64 {
	i, j := k%l.W, k/l.W
	z := float64(l.Solid[k])
	gentler := func(a, b float64, okA, okB bool) float64 {
		switch {
		case okA && okB:
			if math.Abs(a) < math.Abs(b) {
				return a
			}
			return b
		case okA:
			return a
		case okB:
			return b
		}
		return 0
	}
	var e, w, n, so float64
	if i+1 < l.W {
		e = float64(l.Solid[k+1]) - z
	}
	if i > 0 {
		w = z - float64(l.Solid[k-1])
	}
	if j > 0 {
		n = float64(l.Solid[k-l.W]) - z
	}
	if j+1 < l.H {
		so = z - float64(l.Solid[k+l.W])
	}
	gx := gentler(e, w, i+1 < l.W, i > 0) / l.Res
	gy := gentler(n, so, j > 0, j+1 < l.H) / l.Res
	return math.Abs(-gx*p.dx-gy*p.dy-p.dz) / math.Sqrt(gx*gx+gy*gy+1)
}
