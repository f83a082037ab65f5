package als

import (
	"cmp"
	"math"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// mixed has a bit of everything near the tiles' seams.
func mixed() scene {
	return layered(
		water(0, 40, 240, 60),
		box(90, 140, 110, 165, 15, surface.ClassBuilding, surface.RoofFlat, 1),
		gable(140, 80, 175, 100, 6, 10, 2),
		box(150, 140, 156, 146, 40, surface.ClassBuilding, surface.RoofFlat, 3),
		tree(96, 150, 7, 3, 14, 40, 4),
		tree(60, 200, 5, 2, 10, 30, 5),
		box(30, 120, 34.5, 121.8, 1.5, surface.ClassUnclassified, surface.Vehicle, 6),
	)
}

func TestTilingInvariance(t *testing.T) {
	const w, h = 240.0, 240.0
	s, err := NewSurvey(7, 1, w, h, flatGround, DefaultParams(1))
	if err != nil {
		t.Fatal(err)
	}
	sc := mixed()
	whole := [4]float64{0, 0, w, h}
	all, st := collect(t, s, window(sc, whole, s.Halo(), 0.25), whole)
	if st.Pulses < int(w*h) || len(all) < st.Pulses/2 {
		t.Fatalf("only %d pulses, %d returns", st.Pulses, len(all))
	}
	checkOrder(t, all)
	// Unequal tiles, each traced through its own window of the world.
	xs, ys := []float64{0, 97.3, w}, []float64{0, 151.6, h}
	var parts []Return
	for j := range 2 {
		for i := range 2 {
			r := [4]float64{xs[i], ys[j], xs[i+1], ys[j+1]}
			got, _ := collect(t, s, window(sc, r, s.Halo(), 0.25), r)
			checkOrder(t, got)
			parts = append(parts, got...)
		}
	}
	if len(parts) != len(all) {
		t.Fatalf("tiles gave %d returns, the whole %d", len(parts), len(all))
	}
	sortReturns(all)
	sortReturns(parts)
	for i := range all {
		a, b := all[i], parts[i]
		if math.Abs(a.X-b.X)+math.Abs(a.Y-b.Y)+math.Abs(a.Z-b.Z) > 1e-6 {
			t.Fatalf("return %d at %v,%v,%v vs %v,%v,%v", i, a.X, a.Y, a.Z, b.X, b.Y, b.Z)
		}
		a.X, a.Y, a.Z = b.X, b.Y, b.Z
		if a != b {
			t.Fatalf("return %d differs:\n%+v\n%+v", i, a, b)
		}
	}
}

// checkOrder: strips in flight order, each in time order.
func checkOrder(t *testing.T, rs []Return) {
	t.Helper()
	for i := 1; i < len(rs); i++ {
		a, b := rs[i-1], rs[i]
		if a.GPSTime > b.GPSTime || (a.GPSTime == b.GPSTime && a.Number >= b.Number) {
			t.Fatalf("returns %d, %d out of order: %+v then %+v", i-1, i, a, b)
		}
	}
}

func sortReturns(rs []Return) {
	slices.SortFunc(rs, func(a, b Return) int {
		return cmp.Or(cmp.Compare(a.Strip, b.Strip), cmp.Compare(a.GPSTime, b.GPSTime), cmp.Compare(a.Number, b.Number))
	})
}

func TestDeterminism(t *testing.T) {
	region := [4]float64{0, 0, 120, 120}
	run := func(seed int64) []Return {
		s, err := NewSurvey(seed, 0, 120, 120, flatGround, DefaultParams(0))
		if err != nil {
			t.Fatal(err)
		}
		rs, _ := collect(t, s, window(mixed(), region, s.Halo(), 0.25), region)
		return rs
	}
	a, b, c := run(3), run(3), run(4)
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different returns")
	}
	if slices.Equal(a, c) {
		t.Fatal("different seeds, same returns")
	}
}

func TestBadInput(t *testing.T) {
	p := DefaultParams(0)
	p.HalfAngle = math.NaN()
	if _, err := NewSurvey(1, 0, 100, 100, nil, p); err == nil {
		t.Fatal("NaN half angle accepted")
	}
	if _, err := NewSurvey(1, 0, 0, 100, nil, DefaultParams(0)); err == nil {
		t.Fatal("empty scene accepted")
	}
	s, err := NewSurvey(1, 0, 100, 100, nil, DefaultParams(0))
	if err != nil {
		t.Fatal(err)
	}
	bad := surface.New(0, 100, 1, 10, 10)
	bad.Solid = bad.Solid[:5]
	if _, err := s.ScanStats(bad, [4]float64{0, 0, 10, 10}, func(*Return) {}); err == nil {
		t.Fatal("inconsistent layers accepted")
	}
	// Layers too small: pulses are counted untraced, nothing panics.
	small := surface.New(40, 60, 0.25, 80, 80)
	st, err := s.ScanStats(small, [4]float64{0, 0, 100, 100}, func(*Return) {})
	if err != nil || st.Untraced == 0 {
		t.Fatalf("stats %+v, err %v", st, err)
	}
}
