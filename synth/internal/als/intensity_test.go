package als

import (
	"math"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// TestIntensity: grass is bright and asphalt dark at 1064 nm, and the same
// grass is darker at the scan edge (longer range, oblique incidence).
func TestIntensity(t *testing.T) {
	p := geomParams()
	s, err := NewSurvey(11, 1, 1400, 200, flatGround, p)
	if err != nil {
		t.Fatal(err)
	}
	x := nadir(t, s, 300, 1100).X0
	asphalt := func(px, py float64, c *cell) {
		if py < 100 {
			c.mat = surface.Asphalt
		}
	}
	region := [4]float64{x - 20, 0, x + 20, 200}
	rs, _ := collect(t, s, window(asphalt, region, s.Halo(), 0.25), region)
	var g, a, ng, na float64
	for _, r := range rs {
		switch {
		case r.Y > 102:
			g, ng = g+float64(r.Intensity), ng+1
		case r.Y < 98:
			a, na = a+float64(r.Intensity), na+1
		}
		if r.EdgeOfFlightLine || math.Abs(r.ScanAngle) > 2 {
			t.Fatalf("pulse at %.1f° within 20 m of nadir", r.ScanAngle)
		}
	}
	g, a = g/ng, a/na
	edge := [4]float64{x + 430, 0, x + 470, 200}
	re, _ := collect(t, s, window(flat, edge, s.Halo(), 0.25), edge)
	var ge, edges float64
	for _, r := range re {
		ge += float64(r.Intensity)
		if r.EdgeOfFlightLine {
			edges++
			if math.Abs(r.ScanAngle) < p.HalfAngle-0.1 {
				t.Fatalf("edge of flight line at %.2f°", r.ScanAngle)
			}
		}
	}
	ge /= float64(len(re))
	t.Logf("mean intensity at nadir: grass %.0f, asphalt %.0f; grass at %.0f° off nadir %.0f; %0.f sweep ends", g, a, math.Atan(450/p.Altitude)*180/math.Pi, ge, edges)
	if g < 3*a || ge > 0.9*g || edges == 0 {
		t.Errorf("intensities: grass %.0f, asphalt %.0f, grass off nadir %.0f; %.0f sweep ends", g, a, ge, edges)
	}
}
