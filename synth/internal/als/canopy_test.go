package als

import (
	"math"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

func TestCanopy(t *testing.T) {
	p := geomParams()
	p.SigmaXY = 0.25
	s, err := NewSurvey(11, 1, 1400, 200, flatGround, p)
	if err != nil {
		t.Fatal(err)
	}
	x := nadir(t, s, 300, 1100).X0
	// A row of crowns 8 m across, 4–14 m above grass, stopping 12 % of
	// pulses per metre: about 70 % are stopped crossing one.
	var trees []scene
	for i := range 8 {
		trees = append(trees, tree(x+50, 20+20*float64(i), 4, 4, 14, 31, uint32(i+1)))
	}
	sc := layered(trees...)
	region := [4]float64{x + 30, 0, x + 70, 200}
	rs, st := collect(t, s, window(sc, region, s.Halo(), 0.25), region)
	var through, multi, three, lastGround, lastNear, open, under int
	var maxOf uint8
	for _, ps := range pulses(rs) {
		first, last := ps[0], ps[len(ps)-1]
		inCrown := false
		for i := range 8 {
			if math.Hypot(first.X-(x+50), first.Y-(20+20*float64(i))) < 3.5 {
				inCrown = true
			}
		}
		if !inCrown {
			if first.X > x+60 {
				open++
			}
			continue
		}
		if first.TrueClass != surface.ClassHighVeg {
			continue
		}
		through++
		maxOf = max(maxOf, first.Of)
		if first.Of >= 2 {
			multi++
		}
		if first.Of >= 3 {
			three++
		}
		if first.Of >= 2 && last.TrueClass == surface.ClassGround {
			lastGround++
			if math.Abs(last.Z-ground0) < 4*p.SigmaZ {
				lastNear++
			}
		}
		if last.TrueClass == surface.ClassGround {
			under++
		}
	}
	openD := float64(open) / (10 * 200)
	underD := float64(under) / (8 * math.Pi * 3.5 * 3.5)
	t.Logf("%d pulses, %d with a first return in a crown: %.0f%% with 2+ returns, %.1f%% with 3+, up to %d; last returns on the ground %d (%d within 4σ); ground density under crowns %.2f/m², in the open %.2f/m²",
		st.Pulses, through, 100*float64(multi)/float64(through), 100*float64(three)/float64(through), maxOf, lastGround, lastNear, underD, openD)
	if through < 200 || float64(multi) < 0.2*float64(through) || three == 0 {
		t.Errorf("too few multiple returns: %d of %d, %d with 3+", multi, through, three)
	}
	if lastGround < multi/4 || lastNear < lastGround*95/100 {
		t.Errorf("last returns: %d on the ground, %d near it, of %d multiple", lastGround, lastNear, multi)
	}
	if underD > 0.7*openD || underD < 0.1*openD {
		t.Errorf("ground under crowns %.2f/m² against %.2f/m² in the open", underD, openD)
	}
	if int(maxOf) > p.MaxReturns {
		t.Errorf("%d returns for one pulse, the receiver records %d", maxOf, p.MaxReturns)
	}
}

// TestMinSeparation: a crown ending 1 m above the ground cannot give two
// returns closer than MinSeparation.
func TestMinSeparation(t *testing.T) {
	p := geomParams()
	s, err := NewSurvey(11, 1, 1400, 200, flatGround, p)
	if err != nil {
		t.Fatal(err)
	}
	x := nadir(t, s, 300, 1100).X0
	sc := tree(x+50, 100, 6, 1, 6, 60, 1)
	region := [4]float64{x + 40, 90, x + 60, 110}
	rs, _ := collect(t, s, window(sc, region, s.Halo(), 0.25), region)
	for _, ps := range pulses(rs) {
		for i := 1; i < len(ps); i++ {
			// Heights differ by range×cos(angle); allow for the noise.
			if d := ps[i-1].Z - ps[i].Z; d < p.MinSeparation*math.Cos(11*math.Pi/180)-5*p.SigmaZ {
				t.Fatalf("returns %.2f m apart in height: %+v", d, ps)
			}
		}
	}
}
