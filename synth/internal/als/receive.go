package als

// Gross errors: birds and wires 10–80 m above the surface, multipath
// echoes arriving late, 1–20 m below it.
const (
	birdMin, birdMax   = 10.0, 80.0
	multiMin, multiMax = 1.0, 20.0
	birdShare          = 0.6 // of gross errors, the rest are multipath
	birdEnergy         = 0.1
	// detectable is the weakest echo, as a share of the pulse, the
	// receiver still records.
	detectable = 0.03
)

// receive turns traced echoes into recorded returns: echoes closer than
// MinSeparation in range merge into one at their energy-weighted range
// (the stronger gives what was hit), weak ones are lost, and beyond
// MaxReturns only the first MaxReturns−1 and the last are kept.
func (s *Survey) receive(es []echo) []echo {
	out := es[:0]
	for _, e := range es {
		if n := len(out); n > 0 && e.t-out[n-1].t < s.p.MinSeparation {
			m := &out[n-1]
			w := m.e + e.e
			t := (m.t*m.e + e.t*e.e) / w
			if e.e > m.e {
				*m = e
			}
			m.t, m.e = t, w
			continue
		}
		out = append(out, e)
	}
	kept := out[:0]
	for _, e := range out {
		if e.e >= detectable {
			kept = append(kept, e)
		}
	}
	return s.trim(kept)
}

// trim keeps the first MaxReturns−1 echoes and the last.
func (s *Survey) trim(es []echo) []echo {
	if m := s.p.MaxReturns; len(es) > m {
		es[m-1] = es[len(es)-1]
		es = es[:m]
	}
	return es
}

// grossError adds a bird or wire above the first echo (or above the
// reference plane when there is none), or delays the last echo by
// multipath; it reports whether it did.
func (s *Survey) grossError(p *pulse, r *rng) bool {
	if s.p.Outliers == 0 || r.float() >= s.p.Outliers {
		return false
	}
	up := -p.dz // metres of height per metre of range
	if r.float() < birdShare {
		tref := (s.zRef - p.oz) / p.dz
		if len(p.echoes) > 0 {
			tref = p.echoes[0].t
		}
		h := birdMin + (birdMax-birdMin)*r.float()
		p.echoes = append(p.echoes, echo{})
		copy(p.echoes[1:], p.echoes)
		p.echoes[0] = echo{t: tref - h/up, e: birdEnergy, k: -1, kind: echoBird}
		p.echoes = s.trim(p.echoes)
		return true
	}
	if len(p.echoes) == 0 {
		return false
	}
	last := &p.echoes[len(p.echoes)-1]
	last.t += (multiMin + (multiMax-multiMin)*r.float()) / up
	last.kind = echoMultipath
	return true
}
