package als

import (
	"errors"
	"math"
)

// Survey is the flight plan of one epoch over a scene: strips, the scan
// pattern and the scanner. It holds no points and is not modified by Scan,
// so regions may be scanned concurrently.
type Survey struct {
	p            Params
	seed         uint64
	epoch        int
	fx, fy       float64 // unit vector of the heading
	rx, ry       float64 // unit vector to its right
	zRef         float64 // reference plane: the scene's mean ground
	relief       float64 // largest departure of the ground from zRef
	hw           float64 // half swath on the reference plane
	spacing      float64 // between flight lines
	prf          float64 // pulses per second
	perSweep     int     // pulses per mirror sweep (one side to the other)
	step         float64 // along-track advance between pulses, m
	tanA, sinA   []float64
	cosA, angDeg []float64 // of the table index: the deflection during a left-to-right sweep
	strips       []strip
}

// strip is one flight line over the scene.
type strip struct {
	id         uint16
	c          float64 // across-track position of the nadir line
	dir        float64 // +1 flown along the heading, −1 against it
	a0         float64 // along-track position of pulse 0
	pulses     int64
	t0         float64 // GPS time of pulse 0
	dx, dy, dz float64 // systematic misalignment
}

// Plan summarises the survey's design.
type Plan struct {
	PulseRate     float64 // Hz
	ScanRate      float64 // mirror periods per second (two sweeps each)
	PulsesPerLine int     // per sweep
	LineSpacing   float64 // m between flight lines
	SwathWidth    float64 // m on the reference plane
	RefHeight     float64 // reference plane (mean ground), m
	AlongSpacing  float64 // m between sweeps at nadir
	AcrossSpacing float64 // mean m between pulses along a sweep
}

// Strip describes a flight line, for metadata and tests.
type Strip struct {
	ID                     uint16
	Heading                float64 // direction flown, degrees from north
	X0, Y0, X1, Y1         float64 // nadir line on the reference plane, start to end
	Start, End             float64 // adjusted GPS time
	DX, DY, DZ             float64 // systematic misalignment applied to its returns
	FlyingHeight, RefPlane float64 // aircraft height, reference plane, m
}

const (
	// leadIn is how far before and after the scene a line is flown.
	leadIn = 500.0
	// turnTime is the time between two lines (a procedure turn).
	turnTime = 180.0
	// mirrorShape blends a sine into the linear mirror sweep: the mirror
	// slows at the turnarounds, so scan edges are denser than nadir.
	mirrorShape = 0.4
)

// NewSurvey plans an epoch's strips over the scene [0,w]×[0,h] (local
// metres). ground gives the terrain height, sampled for the reference plane
// and the flying height (nil means flat at 0).
func NewSurvey(seed int64, epoch int, w, h float64, ground func(x, y float64) float64, p Params) (*Survey, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if !(w > 0 && h > 0 && w < 1e6 && h < 1e6) {
		return nil, errors.New("als: scene extent must be positive and below 1000 km")
	}
	s := &Survey{p: p, seed: uint64(seed), epoch: epoch}
	hd := p.Heading * math.Pi / 180
	s.fx, s.fy = math.Sin(hd), math.Cos(hd)
	s.rx, s.ry = s.fy, -s.fx
	if err := s.reference(w, h, ground); err != nil {
		return nil, err
	}
	s.hw = p.Altitude * math.Tan(p.HalfAngle*math.Pi/180)
	s.spacing = 2 * s.hw * (1 - p.SideOverlap)
	// Each strip lays PRF/v pulses per metre of track, strips lie spacing
	// apart: that sets the pulse rate for the block density.
	s.prf = p.Density * s.spacing * p.Speed
	// The scan rate makes the sweeps as far apart along track as the
	// pulses are across it on average.
	f := math.Sqrt(p.Speed * s.prf / (4 * 2 * s.hw))
	s.perSweep = max(8, int(math.Round(s.prf/(2*f))))
	s.step = p.Speed / s.prf
	s.mirror()
	s.plan(w, h)
	return s, nil
}

// reference samples the ground for the reference plane and its relief.
func (s *Survey) reference(w, h float64, ground func(x, y float64) float64) error {
	if ground == nil {
		return nil
	}
	const n = 24
	var sum float64
	zs := make([]float64, 0, (n+1)*(n+1))
	for j := 0; j <= n; j++ {
		for i := 0; i <= n; i++ {
			z := ground(w*float64(i)/n, h*float64(j)/n)
			if math.IsNaN(z) || math.IsInf(z, 0) {
				return errors.New("als: ground height is not finite")
			}
			zs = append(zs, z)
			sum += z
		}
	}
	s.zRef = sum / float64(len(zs))
	for _, z := range zs {
		s.relief = max(s.relief, math.Abs(z-s.zRef))
	}
	// The samples may miss a pit or a knoll between them.
	s.relief = s.relief*1.1 + 2
	return nil
}

// mirror tabulates the deflection of each pulse of a left-to-right sweep.
func (s *Survey) mirror() {
	n := s.perSweep
	s.tanA, s.sinA = make([]float64, n), make([]float64, n)
	s.cosA, s.angDeg = make([]float64, n), make([]float64, n)
	for i := range n {
		u := 2*(float64(i)+0.5)/float64(n) - 1
		a := s.p.HalfAngle * ((1-mirrorShape)*u + mirrorShape*math.Sin(math.Pi/2*u))
		r := a * math.Pi / 180
		s.angDeg[i] = a
		s.tanA[i] = math.Tan(r)
		s.sinA[i], s.cosA[i] = math.Sincos(r)
	}
}

// plan lays the lines of the block that cover the scene. The block is much
// larger than the scene, so where its lines fall is drawn from the seed.
func (s *Survey) plan(w, h float64) {
	amin, amax, cmin, cmax := s.project([4]float64{0, 0, w, h})
	ek := uint64(s.epoch) + 1
	phase := unit(hash4(s.seed, ek, 0x706c616e, 1)) * s.spacing
	kmin := int(math.Floor((cmin - s.hw - phase) / s.spacing))
	kmax := int(math.Ceil((cmax + s.hw - phase) / s.spacing))
	length := amax - amin + 2*leadIn
	pulses := int64(math.Ceil(length/s.step)) + 1
	lineTime := float64(pulses) / s.prf
	base := uint16(1 + 100*(s.epoch%2) + int(unit(hash4(s.seed, ek, 0x6964, 2))*50))
	t := AdjustedGPSTime(s.p.Start)
	for k := kmin; k <= kmax; k++ {
		c := phase + float64(k)*s.spacing
		if c+s.hw <= cmin || c-s.hw >= cmax {
			continue
		}
		st := strip{id: base + uint16(len(s.strips)), c: c, dir: 1, a0: amin - leadIn, pulses: pulses, t0: t}
		if k&1 != 0 {
			st.dir, st.a0 = -1, amax+leadIn
		}
		r := newRNG(hash4(s.seed, ek, 0x7374726970, uint64(int64(k))))
		st.dx, st.dy, st.dz = r.norm()*s.p.StripSigma, r.norm()*s.p.StripSigma, r.norm()*s.p.StripSigma
		s.strips = append(s.strips, st)
		t += lineTime + turnTime
	}
}

// project returns a rectangle's extent along and across the heading.
func (s *Survey) project(r [4]float64) (amin, amax, cmin, cmax float64) {
	amin, cmin = math.Inf(1), math.Inf(1)
	amax, cmax = math.Inf(-1), math.Inf(-1)
	for _, xy := range [4][2]float64{{r[0], r[1]}, {r[2], r[1]}, {r[0], r[3]}, {r[2], r[3]}} {
		a := xy[0]*s.fx + xy[1]*s.fy
		c := xy[0]*s.rx + xy[1]*s.ry
		amin, amax = min(amin, a), max(amax, a)
		cmin, cmax = min(cmin, c), max(cmax, c)
	}
	return amin, amax, cmin, cmax
}

// Halo is how far beyond a region its Layers must reach for every pulse
// the region owns to be traced: a ray meets the tallest object, or ground
// below the reference plane, that far from its nominal ground point.
func (s *Survey) Halo() float64 {
	return (s.p.MaxAboveGround+s.relief)*s.tanA[s.perSweep-1] + 1
}

// Spill is how far from its region a return may land: Halo plus a bird 80 m
// up the ray at the scan edge, plus the errors.
func (s *Survey) Spill() float64 {
	return s.Halo() + birdMax*s.tanA[s.perSweep-1] + 5*(s.p.SigmaXY+s.p.StripSigma)
}

// Plan returns the survey's design figures.
func (s *Survey) Plan() Plan {
	return Plan{
		PulseRate: s.prf, ScanRate: s.prf / float64(2*s.perSweep), PulsesPerLine: s.perSweep,
		LineSpacing: s.spacing, SwathWidth: 2 * s.hw, RefHeight: s.zRef,
		AlongSpacing: s.step * float64(s.perSweep), AcrossSpacing: 2 * s.hw / float64(s.perSweep),
	}
}

// Strips lists the flight lines over the scene in the order flown.
func (s *Survey) Strips() []Strip {
	out := make([]Strip, len(s.strips))
	for i, st := range s.strips {
		a1 := st.a0 + st.dir*float64(st.pulses-1)*s.step
		hd := s.p.Heading
		if st.dir < 0 {
			hd += 180
		}
		out[i] = Strip{
			ID: st.id, Heading: math.Mod(hd+360, 360),
			X0: st.a0*s.fx + st.c*s.rx, Y0: st.a0*s.fy + st.c*s.ry,
			X1: a1*s.fx + st.c*s.rx, Y1: a1*s.fy + st.c*s.ry,
			Start: st.t0, End: st.t0 + float64(st.pulses-1)/s.prf,
			DX: st.dx, DY: st.dy, DZ: st.dz,
			FlyingHeight: s.zRef + s.p.Altitude, RefPlane: s.zRef,
		}
	}
	return out
}
