package als

import (
	"math"
	"testing"
)

// TestDensity measures, over flat ground with the epoch's default plan, the
// block density, one strip's density at nadir and at the scan edge, and the
// bands two strips share.
func TestDensity(t *testing.T) {
	for epoch := range 2 {
		p := DefaultParams(epoch)
		p.Outliers = 0
		probe, err := NewSurvey(1, epoch, 10, 10, flatGround, p)
		if err != nil {
			t.Fatal(err)
		}
		pl := probe.Plan()
		// The region spans three line spacings across track, 40 m along.
		const along = 40.0
		w, h := along, 3*pl.LineSpacing
		if p.Heading == 0 {
			w, h = h, w
		}
		s, err := NewSurvey(1, epoch, w, h, flatGround, p)
		if err != nil {
			t.Fatal(err)
		}
		region := [4]float64{0, 0, w, h}
		rs, st := collect(t, s, window(flat, region, s.Halo(), 1), region)
		block := float64(st.Pulses) / (w * h)
		nad := map[uint16]float64{}
		for _, sp := range s.Strips() {
			nad[sp.ID] = sp.X0
			if p.Heading != 0 {
				nad[sp.ID] = sp.Y0
			}
		}
		// Offsets from a strip's nadir: single coverage up to single, the
		// shared band beyond, out to the swath's edge hw.
		hw := pl.SwathWidth / 2
		single := pl.LineSpacing - hw
		var atNadir, atEdge, inSingle, inShared, flagged int
		for _, r := range rs {
			if r.Number != 1 {
				continue
			}
			off := math.Abs(r.X - nad[r.Strip])
			if p.Heading != 0 {
				off = math.Abs(r.Y - nad[r.Strip])
			}
			switch {
			case off < 100:
				atNadir++
			case off >= hw-100:
				atEdge++
			}
			if off < single {
				inSingle++
				if r.Overlap {
					t.Fatalf("single-coverage pulse %v m from nadir flagged overlap", off)
				}
			} else {
				inShared++
				if r.Overlap {
					flagged++
				}
			}
		}
		// Each band lies on both sides of the nadir of three strips' worth.
		per := func(n int, width float64) float64 { return float64(n) / (2 * 3 * width * along) }
		nadirD, edgeD := per(atNadir, 100), per(atEdge, 100)
		singleD := per(inSingle, single)
		sharedD := 2 * per(inShared, hw-single) // two strips cover it
		keptD := 2 * per(inShared-flagged, hw-single)
		t.Logf("epoch %d: PRF %.0f kHz, mirror %.1f Hz, %d pulses/sweep, %.2f m × %.2f m, swath %.0f m, lines %.0f m apart", epoch,
			pl.PulseRate/1e3, pl.ScanRate, pl.PulsesPerLine, pl.AlongSpacing, pl.AcrossSpacing, pl.SwathWidth, pl.LineSpacing)
		t.Logf("epoch %d: block %.3f/m² (nominal %v); one strip: nadir %.3f, scan edge %.3f; single coverage %.3f, shared bands %.3f (%.3f without the Overlap-flagged)",
			epoch, block, p.Density, nadirD, edgeD, singleD, sharedD, keptD)
		if math.Abs(block/p.Density-1) > 0.15 {
			t.Errorf("epoch %d: block density %.3f, nominal %v", epoch, block, p.Density)
		}
		// A strip lays Density×(1−overlap); the mirror's constant speed
		// through nadir puts 0.87 of that there.
		if want := p.Density * (1 - p.SideOverlap) * 0.87; math.Abs(nadirD/want-1) > 0.15 {
			t.Errorf("epoch %d: nadir density %.3f, want %.3f", epoch, nadirD, want)
		}
		if edgeD < 1.3*nadirD {
			t.Errorf("epoch %d: scan edge %.3f not denser than nadir %.3f", epoch, edgeD, nadirD)
		}
		if sharedD < 1.8*singleD {
			t.Errorf("epoch %d: shared bands %.3f, not about twice single coverage %.3f", epoch, sharedD, singleD)
		}
		if math.Abs(keptD/singleD-1) > 0.35 {
			t.Errorf("epoch %d: dropping Overlap points leaves %.3f in shared bands vs %.3f", epoch, keptD, singleD)
		}
	}
}
