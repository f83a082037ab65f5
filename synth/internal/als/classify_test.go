package als

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

func TestClassification(t *testing.T) {
	p := DefaultParams(1)
	p.Outliers = 0.01 // a hundred times the default, to count them
	const side = 300.0
	s, err := NewSurvey(21, 1, side, side, flatGround, p)
	if err != nil {
		t.Fatal(err)
	}
	region := [4]float64{0, 0, side, side}
	rs, st := collect(t, s, window(city, region, s.Halo(), 0.25), region)
	conf := map[[2]uint8]int{}
	byTrue := map[uint8]int{}
	var edgeN, edgeBad, vehN, vehGround int
	cars := map[uint32]bool{}
	for _, r := range rs {
		conf[[2]uint8{r.TrueClass, r.Class}]++
		byTrue[r.TrueClass]++
		switch r.TrueClass {
		case surface.ClassBuilding:
			// Wall and edge points: well off the roof below them.
			var c cell
			c.ground, c.solid = ground0, ground0
			city(r.X, r.Y, &c)
			if math.Abs(r.Z-c.solid) > 1 {
				edgeN++
				if r.Class != surface.ClassBuilding {
					edgeBad++
				}
			}
		case surface.ClassUnclassified:
			vehN++
			cars[r.Obj] = true
			if r.Class == surface.ClassGround {
				vehGround++
			}
		}
	}
	share := func(true_ uint8, labels ...uint8) float64 {
		n := 0
		for _, l := range labels {
			n += conf[[2]uint8{true_, l}]
		}
		return float64(n) / float64(max(byTrue[true_], 1))
	}
	t.Logf("%d pulses, %d returns, %d gross errors\n%s", st.Pulses, len(rs), st.Gross, confusion(conf, byTrue))
	noise := float64(conf[[2]uint8{7, 7}]+conf[[2]uint8{18, 18}]) / float64(byTrue[7]+byTrue[18])
	checks := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"ground kept ground", share(2, 2), 0.97, 0.999},
		{"buildings kept building", share(6, 6), 0.95, 0.995},
		{"wall and edge points misclassified", float64(edgeBad) / float64(max(edgeN, 1)), 0.02, 0.15},
		{"vegetation kept vegetation", share(5, 3, 4, 5), 0.85, 0.99},
		{"crown points on roofs as building", share(5, 6), 0.002, 0.1},
		{"vehicle points as ground", float64(vehGround) / float64(max(vehN, 1)), 0.01, 0.15},
		{"vehicle points kept unclassified", share(1, 1), 0.75, 0.99},
		{"gross errors caught", noise, 0.7, 0.9},
	}
	for _, c := range checks {
		t.Logf("%-36s %.1f%% (allowed %.1f–%.1f%%)", c.name, 100*c.got, 100*c.lo, 100*c.hi)
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %.2f%%, outside %.1f–%.1f%%", c.name, 100*c.got, 100*c.lo, 100*c.hi)
		}
	}
	if edgeN < 500 || len(cars) < 100 {
		t.Errorf("scene too poor: %d wall/edge returns, %d cars", edgeN, len(cars))
	}
}

// confusion formats the true × labelled counts as row shares.
func confusion(conf map[[2]uint8]int, byTrue map[uint8]int) string {
	var trues []int
	for c := range byTrue {
		trues = append(trues, int(c))
	}
	sort.Ints(trues)
	var b strings.Builder
	for _, tc := range trues {
		fmt.Fprintf(&b, "true %2d (%7d):", tc, byTrue[uint8(tc)])
		for _, lc := range []uint8{1, 2, 3, 4, 5, 6, 7, 9, 17, 18} {
			if n := conf[[2]uint8{uint8(tc), lc}]; n > 0 {
				fmt.Fprintf(&b, " %d:%.2f%%", lc, 100*float64(n)/float64(byTrue[uint8(tc)]))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
