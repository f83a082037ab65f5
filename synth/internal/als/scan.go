package als

import (
	"errors"
	"math"
	"sort"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// Return is one recorded return, in local scene metres and absolute heights.
type Return struct {
	X, Y, Z   float64
	Intensity uint16 // 16-bit scaled
	Number    uint8  // return number, from 1
	Of        uint8  // returns of the pulse
	// Class is the label an automatic classifier gives, errors included;
	// TrueClass what was really hit (7 and 18 for the gross errors).
	Class, TrueClass uint8
	// Obj is the id of the object or tree hit (0 for bare terrain, gross
	// errors), for the integrator's truth.
	Obj       uint32
	ScanAngle float64 // degrees, negative left of the flight direction
	Strip     uint16  // point source id
	GPSTime   float64 // adjusted standard GPS time, s
	// ScanDirection is true while the mirror sweeps left to right;
	// EdgeOfFlightLine marks a sweep's last pulse.
	ScanDirection, EdgeOfFlightLine bool
	// Overlap marks returns in a band two strips share that come from the
	// strip whose nadir is farther: dropping them leaves single coverage
	// (the LAS 1.4 overlap flag as delivery specifications use it).
	Overlap bool
}

// Stats count what a scan fired.
type Stats struct {
	Pulses   int // pulses the region owns, all fired
	Returns  int // returns emitted
	Water    int // pulses that ended on water
	Untraced int // pulses whose ray left the Layers: these reach too short
	Gross    int // pulses with a gross error
}

const maxEchoes = 32

// Scan fires every pulse whose nominal ground point lies in region (x0, y0,
// x1, y1; half-open), traces it through l and emits its returns in the
// order acquired: strip by strip, then by time. l must cover the region
// and Halo around it. The Return passed to emit is reused: copy it to keep
// it. Invalid Layers fire nothing; ScanStats says why.
func (s *Survey) Scan(l *surface.Layers, region [4]float64, emit func(*Return)) {
	_, _ = s.ScanStats(l, region, emit)
}

// ScanStats is Scan that also counts what happened.
func (s *Survey) ScanStats(l *surface.Layers, region [4]float64, emit func(*Return)) (Stats, error) {
	if err := checkLayers(l); err != nil {
		return Stats{}, err
	}
	if emit == nil {
		return Stats{}, errors.New("als: nil emit")
	}
	var st Stats
	if !(region[2] > region[0] && region[3] > region[1]) {
		return st, nil
	}
	sc := scanner{s: s, tr: newTracer(l), region: region, emit: emit, stats: &st}
	amin, amax, cmin, cmax := s.project(region)
	n := int64(s.perSweep)
	for i := range s.strips {
		sp := &s.strips[i]
		if sp.c+s.hw < cmin || sp.c-s.hw > cmax {
			continue
		}
		// Pulses whose along-track position falls in the region's extent,
		// one more each side against rounding: ownership is decided below.
		qa, qb := (amin-sp.a0)/s.step, (amax-sp.a0)/s.step
		if sp.dir < 0 {
			qa, qb = (sp.a0-amax)/s.step, (sp.a0-amin)/s.step
		}
		q0 := max(int64(math.Floor(qa))-1, 0)
		q1 := min(int64(math.Ceil(qb))+1, sp.pulses-1)
		// Mirror positions whose ground point falls in the across extent.
		lo, hi := (cmin-sp.c)/s.p.Altitude, (cmax-sp.c)/s.p.Altitude
		if sp.dir < 0 {
			lo, hi = -hi, -lo
		}
		i0 := int64(max(sort.SearchFloat64s(s.tanA, lo)-1, 0))
		i1 := int64(min(sort.SearchFloat64s(s.tanA, hi), s.perSweep-1))
		for m := q0 / n; m <= q1/n; m++ {
			a, b := i0, i1
			if m%2 != 0 {
				a, b = n-1-i1, n-1-i0
			}
			for q := max(m*n+a, q0); q <= min(m*n+b, q1); q++ {
				sc.fire(sp, q)
			}
		}
	}
	return st, nil
}

func checkLayers(l *surface.Layers) error {
	if l == nil || l.W <= 0 || l.H <= 0 || !(l.Res > 0) {
		return errors.New("als: empty layers")
	}
	n := l.W * l.H
	for _, m := range []int{len(l.Ground), len(l.Solid), len(l.Mat), len(l.Class), len(l.Tone), len(l.Obj),
		len(l.CanopyTop), len(l.CanopyBase), len(l.CanopyDensity), len(l.CanopyObj), len(l.CanopyClass)} {
		if m != n {
			return errors.New("als: layers' slices do not match their grid")
		}
	}
	return nil
}

// scanner fires the pulses of one Scan.
type scanner struct {
	s      *Survey
	tr     tracer
	region [4]float64
	emit   func(*Return)
	stats  *Stats
	buf    [maxEchoes]echo
	ret    Return
	rt, rn rng // the pulse's streams for tracing and for errors
}

// specularBand is the scan angle within which calm water may send a pulse
// straight back, and specularShare how often it does there.
const (
	specularBand  = 3.0 // degrees
	specularShare = 0.25
)

// fire fires pulse q of strip sp if the region owns it.
func (sc *scanner) fire(sp *strip, q int64) {
	s := sc.s
	n := int64(s.perSweep)
	m, idx := q/n, int(q%n)
	up := m%2 == 0
	if !up {
		idx = s.perSweep - 1 - idx
	}
	a := sp.a0 + sp.dir*float64(q)*s.step
	c := sp.c + sp.dir*s.p.Altitude*s.tanA[idx]
	x, y := a*s.fx+c*s.rx, a*s.fy+c*s.ry
	if x < sc.region[0] || x >= sc.region[2] || y < sc.region[1] || y >= sc.region[3] {
		return
	}
	sc.stats.Pulses++
	key := hash4(s.seed, uint64(s.epoch)+1, uint64(sp.id), uint64(q))
	sc.rt, sc.rn = newRNG(key), newRNG(mix(key^0x6e6f697365))
	rn := &sc.rn
	p := pulse{
		ox: a*s.fx + sp.c*s.rx, oy: a*s.fy + sp.c*s.ry, oz: s.zRef + s.p.Altitude,
		dx: sp.dir * s.rx * s.sinA[idx], dy: sp.dir * s.ry * s.sinA[idx], dz: -s.cosA[idx],
		r: &sc.rt, echoes: sc.buf[:0],
	}
	p.specular = math.Abs(s.angDeg[idx]) < specularBand && rn.float() < specularShare
	sc.tr.trace(&p)
	switch p.out {
	case traceLost:
		sc.stats.Untraced++
		return
	case traceWater:
		sc.stats.Water++
	}
	p.echoes = s.receive(p.echoes)
	if s.grossError(&p, rn) {
		sc.stats.Gross++
	}
	if len(p.echoes) == 0 {
		return
	}
	// A pulse's position error (GNSS, attitude) is shared by its returns;
	// the ranging error is each return's own.
	ex, ey := rn.norm()*s.p.SigmaXY+sp.dx, rn.norm()*s.p.SigmaXY+sp.dy
	r := &sc.ret
	*r = Return{
		Of: uint8(len(p.echoes)), ScanAngle: s.angDeg[idx], Strip: sp.id,
		GPSTime: sp.t0 + float64(q)/s.prf, ScanDirection: up, EdgeOfFlightLine: int(q%n) == s.perSweep-1,
		Overlap: math.Abs(c-sp.c) > s.spacing/2,
	}
	for i := range p.echoes {
		e := &p.echoes[i]
		r.Number = uint8(i + 1)
		r.X, r.Y = p.ox+e.t*p.dx+ex, p.oy+e.t*p.dy+ey
		r.Z = p.oz + e.t*p.dz + rn.norm()*s.p.SigmaZ + sp.dz
		r.TrueClass, r.Obj = truth(sc.tr.l, e)
		r.Class = s.classify(rn, sc.tr.l, e, r.Z)
		r.Intensity = s.intensity(rn, &p, e)
		sc.stats.Returns++
		sc.emit(r)
	}
}

// truth is what an echo really came from.
func truth(l *surface.Layers, e *echo) (uint8, uint32) {
	switch e.kind {
	case echoBird:
		return surface.ClassHighNoise, 0
	case echoMultipath:
		return surface.ClassLowNoise, 0
	case echoCrown:
		return l.CanopyClass[e.k], l.CanopyObj[e.k]
	}
	return l.Class[e.k], l.Obj[e.k]
}
