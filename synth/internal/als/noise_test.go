package als

import (
	"math"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// TestNoise measures the spread of returns on a flat roof within each
// strip (σz) and against the truth (σz with the strips' offsets).
func TestNoise(t *testing.T) {
	for epoch := range 2 {
		p := DefaultParams(epoch)
		p.Outliers = 0
		s, err := NewSurvey(5, epoch, 400, 400, flatGround, p)
		if err != nil {
			t.Fatal(err)
		}
		roof := ground0 + 12
		sc := box(100, 100, 300, 300, 12, surface.ClassBuilding, surface.RoofFlat, 1)
		region := [4]float64{100, 100, 300, 300}
		rs, _ := collect(t, s, window(sc, region, s.Halo(), 0.25), region)
		type acc struct{ n, sum, sq float64 }
		per := map[uint16]*acc{}
		var all acc
		for _, r := range rs {
			if r.X < 105 || r.X > 295 || r.Y < 105 || r.Y > 295 {
				continue
			}
			a := per[r.Strip]
			if a == nil {
				a = &acc{}
				per[r.Strip] = a
			}
			d := r.Z - roof
			a.n, a.sum, a.sq = a.n+1, a.sum+d, a.sq+d*d
			all.n, all.sq = all.n+1, all.sq+d*d
		}
		var ss, dof float64
		for _, a := range per {
			ss += a.sq - a.sum*a.sum/a.n
			dof += a.n - 1
		}
		sigma, rmse := math.Sqrt(ss/dof), math.Sqrt(all.sq/all.n)
		t.Logf("epoch %d: %.0f roof returns, %d strips: σz within a strip %.3f m (SigmaZ %v), RMSE against the roof %.3f m", epoch, all.n, len(per), sigma, p.SigmaZ, rmse)
		if math.Abs(sigma/p.SigmaZ-1) > 0.1 {
			t.Errorf("epoch %d: σz %.3f, want %v", epoch, sigma, p.SigmaZ)
		}
		if rmse > 0.2 {
			t.Errorf("epoch %d: RMSEz %.3f above PNOA's 0.20 m", epoch, rmse)
		}
	}
}
