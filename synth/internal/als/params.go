package als

import (
	"fmt"
	"math"
	"time"
)

// Params describe a survey: the flight plan, the scanner and its errors.
type Params struct {
	// Density is the nominal pulses per m² over the block, overlap
	// included: a strip's single coverage gets Density×(1−SideOverlap), the
	// bands two strips share get twice that.
	Density float64
	// Altitude is the flying height above the reference ground, m.
	Altitude float64
	// HalfAngle is the mirror's largest deflection from nadir, degrees.
	HalfAngle float64
	// SideOverlap is the share of a strip's width the next strip covers too.
	SideOverlap float64
	// Heading is the flight lines' azimuth, degrees clockwise from north;
	// lines are flown alternately in both senses.
	Heading float64
	// Speed is the ground speed, m/s.
	Speed float64
	// SigmaZ and SigmaXY are the random errors of a return (height) and of
	// a pulse (per horizontal axis), m.
	SigmaZ, SigmaXY float64
	// StripSigma is the spread of each strip's systematic misalignment
	// (dx, dy, dz), m.
	StripSigma float64
	// Outliers is the rate of gross errors per pulse: birds and wires 10–80
	// m above the surface, multipath 1–20 m below it.
	Outliers float64
	// NoiseCaught is the share of gross errors the classifier labels noise.
	NoiseCaught float64
	// MaxReturns is how many returns the receiver records per pulse: the
	// first MaxReturns−1 and the last.
	MaxReturns int
	// MinSeparation is the range two echoes need to be told apart (pulse
	// width and detector dead time), m; closer echoes merge into one.
	MinSeparation float64
	// MaxAboveGround is the height of the tallest object above the
	// reference ground (towers, cranes), m: it sizes Halo.
	MaxAboveGround float64
	// IntensityBits is the digitizer's depth; intensities are scaled to 16
	// bits as LAS 1.4 asks.
	IntensityBits int
	// Start is when the first strip over the scene began (UTC): GPS times
	// count from it.
	Start time.Time
}

// DefaultParams are PNOA-LiDAR-like surveys: epoch 0 the first coverage
// (2009–2015: 0.5 pulses/m², a Leica ALS50-II-class oscillating mirror, 4
// returns), epoch 1 the second (2015–2021: 0.5–4 pulses/m², here 2, over
// cities such as Valladolid, a newer scanner with 5 returns). Both meet the
// specification's RMSEz ≤ 0.20 m.
func DefaultParams(epoch int) Params {
	if epoch <= 0 {
		return Params{
			Density: 0.5, Altitude: 2500, HalfAngle: 25, SideOverlap: 0.25, Heading: 0, Speed: 67,
			SigmaZ: 0.15, SigmaXY: 0.30, StripSigma: 0.05,
			Outliers: 1e-4, NoiseCaught: 0.8,
			MaxReturns: 4, MinSeparation: 3.0, MaxAboveGround: 60, IntensityBits: 8,
			Start: time.Date(2010, 8, 10, 9, 30, 0, 0, time.UTC),
		}
	}
	return Params{
		Density: 2, Altitude: 2000, HalfAngle: 25, SideOverlap: 0.30, Heading: 90, Speed: 67,
		SigmaZ: 0.10, SigmaXY: 0.25, StripSigma: 0.04,
		Outliers: 1e-4, NoiseCaught: 0.8,
		MaxReturns: 5, MinSeparation: 2.0, MaxAboveGround: 60, IntensityBits: 12,
		Start: time.Date(2017, 7, 20, 9, 30, 0, 0, time.UTC),
	}
}

// check rejects parameters no scanner could fly (NaN fails every test).
func (p Params) check() error {
	bad := func(name string, v float64) error { return fmt.Errorf("als: %s %v out of range", name, v) }
	switch {
	case !(p.Density > 0 && p.Density <= 100):
		return bad("Density", p.Density)
	case !(p.Altitude >= 50 && p.Altitude <= 10000):
		return bad("Altitude", p.Altitude)
	case !(p.HalfAngle >= 1 && p.HalfAngle <= 40):
		return bad("HalfAngle", p.HalfAngle)
	case !(p.SideOverlap >= 0 && p.SideOverlap <= 0.8):
		return bad("SideOverlap", p.SideOverlap)
	case math.IsNaN(p.Heading) || math.IsInf(p.Heading, 0):
		return bad("Heading", p.Heading)
	case !(p.Speed >= 10 && p.Speed <= 200):
		return bad("Speed", p.Speed)
	case !(p.SigmaZ >= 0 && p.SigmaZ < 10):
		return bad("SigmaZ", p.SigmaZ)
	case !(p.SigmaXY >= 0 && p.SigmaXY < 10):
		return bad("SigmaXY", p.SigmaXY)
	case !(p.StripSigma >= 0 && p.StripSigma < 10):
		return bad("StripSigma", p.StripSigma)
	case !(p.Outliers >= 0 && p.Outliers <= 0.1):
		return bad("Outliers", p.Outliers)
	case !(p.NoiseCaught >= 0 && p.NoiseCaught <= 1):
		return bad("NoiseCaught", p.NoiseCaught)
	case p.MaxReturns < 1 || p.MaxReturns > 15:
		return bad("MaxReturns", float64(p.MaxReturns))
	case !(p.MinSeparation >= 0 && p.MinSeparation < 50):
		return bad("MinSeparation", p.MinSeparation)
	case !(p.MaxAboveGround >= 0 && p.MaxAboveGround < 1000):
		return bad("MaxAboveGround", p.MaxAboveGround)
	case p.IntensityBits < 1 || p.IntensityBits > 16:
		return bad("IntensityBits", float64(p.IntensityBits))
	case p.Start.Year() < 1980 || p.Start.Year() > 2200:
		return fmt.Errorf("als: Start %v outside GPS time", p.Start)
	}
	return nil
}
