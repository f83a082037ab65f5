package als

import (
	"math"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// geomSurvey plans the low survey of geomParams over a 1400 m × 200 m
// scene and picks a strip with its nadir well inside.
func geomSurvey(t *testing.T) (*Survey, float64) {
	t.Helper()
	s, err := NewSurvey(11, 1, 1400, 200, flatGround, geomParams())
	if err != nil {
		t.Fatal(err)
	}
	return s, nadir(t, s, 300, 1100).X0
}

func TestWater(t *testing.T) {
	s, x := geomSurvey(t)
	// A river band at 100–120 m from nadir (6–7° off), another under it.
	sc := layered(water(x+100, 0, x+120, 200), water(x-10, 0, x+10, 200))
	region := [4]float64{x - 150, 0, x + 150, 200}
	rs, st := collect(t, s, window(sc, region, s.Halo(), 0.25), region)
	var off, atNadir int
	for _, r := range rs {
		if r.X > x+100.5 && r.X < x+119.5 {
			off++
		}
		if r.TrueClass == surface.ClassWater && math.Abs(r.X-x) < 10 {
			atNadir++
		}
	}
	// Pulses over the nadir band: its share of the region's.
	over := float64(st.Pulses) * 20 / 300
	t.Logf("%d pulses, %d on water; %d returns off nadir, %d specular at nadir (%.0f%% of its pulses)", st.Pulses, st.Water, off, atNadir, 100*float64(atNadir)/over)
	if off != 0 {
		t.Errorf("%d returns from water off nadir", off)
	}
	if atNadir == 0 || float64(atNadir) > 0.4*over {
		t.Errorf("%d specular water returns at nadir from about %.0f pulses", atNadir, over)
	}
	if st.Water < int(0.9*over*2) {
		t.Errorf("only %d pulses ended on water", st.Water)
	}
}

// tower stands 40 m high, 10 m × 10 m, 200 m east of the nadir line
// (rays 11° off nadir, heading east as they fall).
func tower(x float64) (scene, [4]float64) {
	b := [4]float64{x + 200, 95, x + 210, 105}
	return box(b[0], b[1], b[2], b[3], 40, surface.ClassBuilding, surface.RoofFlat, 9), b
}

func TestShadow(t *testing.T) {
	s, x := geomSurvey(t)
	sc, b := tower(x)
	region := [4]float64{x + 150, 0, x + 260, 200}
	rs, _ := collect(t, s, window(sc, region, s.Halo(), 0.25), region)
	// Ground behind the tower (east, away from the line) against the same
	// area in front of it.
	var behind, front int
	for _, r := range rs {
		if r.Z > ground0+1 || r.Y < b[1] || r.Y >= b[3] {
			continue
		}
		switch {
		case r.X >= b[2]+0.5 && r.X < b[2]+6.5:
			behind++
		case r.X >= b[0]-6.5 && r.X < b[0]-0.5:
			front++
		}
	}
	t.Logf("ground returns in 60 m² behind the tower %d, in front %d", behind, front)
	if front < 40 || float64(behind) > 0.05*float64(front) {
		t.Errorf("no shadow: %d ground returns behind the tower, %d in front", behind, front)
	}
}

func TestWalls(t *testing.T) {
	s, x := geomSurvey(t)
	sc, b := tower(x)
	region := [4]float64{x + 150, 0, x + 260, 200}
	rs, _ := collect(t, s, window(sc, region, s.Halo(), 0.25), region)
	var near, onFace, far int
	var wallI, roofI, nw, nr float64
	for _, r := range rs {
		if r.TrueClass != surface.ClassBuilding {
			continue
		}
		if r.Z > ground0+41 || r.Z < ground0+39 {
			if r.Z > ground0+1 && r.Z < ground0+39 {
				switch {
				case math.Abs(r.X-b[0]) <= 0.25:
					near++
					wallI += float64(r.Intensity)
					nw++
				case math.Abs(r.X-b[2]) <= 0.25:
					far++
				default:
					if r.Y > b[1] && r.Y < b[3] {
						t.Errorf("wall return away from the walls: %+v", r)
					} else {
						onFace++ // the north and south faces, grazed
					}
				}
			}
			continue
		}
		roofI += float64(r.Intensity)
		nr++
	}
	t.Logf("wall returns: %d on the face toward the line, %d on the side faces, %d on the far face; intensity wall %.0f roof %.0f",
		near, onFace, far, wallI/max(nw, 1), roofI/max(nr, 1))
	if near < 50 || far != 0 {
		t.Errorf("walls: %d returns on the face toward the line, %d on the far face", near, far)
	}
	if wallI/max(nw, 1) >= roofI/max(nr, 1) {
		t.Error("a wall hit at 79° incidence is not darker than the roof")
	}
}

func TestGable(t *testing.T) {
	s, x := geomSurvey(t)
	b := [4]float64{x + 50, 80, x + 80, 100}
	sc := gable(b[0], b[1], b[2], b[3], 6, 11, 3)
	region := [4]float64{x + 30, 60, x + 100, 120}
	p := geomParams()
	p.SigmaZ = 0
	s, err := NewSurvey(11, 1, 1400, 200, flatGround, p)
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := collect(t, s, window(sc, region, s.Halo(), 0.25), region)
	var n int
	for _, r := range rs {
		if r.TrueClass != surface.ClassBuilding || r.X < b[0]+1 || r.X > b[2]-1 || r.Y < b[1]+1 || r.Y > b[3]-1 {
			continue
		}
		want := ground0 + 6 + 5*(1-math.Abs(r.Y-90)/10)
		// The grid is 0.25 m; a slope of 1/2 puts a cell's top within 0.07 m.
		if math.Abs(r.Z-want) > 0.15 {
			t.Fatalf("roof return at %v,%v is %.2f m, the roof there %.2f m", r.X, r.Y, r.Z-ground0, want-ground0)
		}
		n++
	}
	if n < 400 {
		t.Fatalf("%d returns on a 600 m² roof", n)
	}
}
