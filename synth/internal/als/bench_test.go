package als

import (
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// BenchmarkScan scans 1 km² of the test city at the second coverage's 2
// pulses/m², as the integrator would: 16 tiles of 250 m, each painted with
// its halo into reused Layers (painting is not timed).
func BenchmarkScan(b *testing.B) {
	const side, tile = 1000.0, 250.0
	s, err := NewSurvey(1, 1, side, side, flatGround, DefaultParams(1))
	if err != nil {
		b.Fatal(err)
	}
	halo, res := s.Halo(), 0.25
	n := int((tile + 2*halo) / res)
	l := surface.New(0, 0, res, n, n)
	var pulses, returns int
	b.ResetTimer()
	for range b.N {
		pulses, returns = 0, 0
		for y := 0.0; y < side; y += tile {
			for x := 0.0; x < side; x += tile {
				b.StopTimer()
				l.Reset(x-halo, y+tile+halo, res, n, n)
				paint(l, city)
				b.StartTimer()
				st, err := s.ScanStats(l, [4]float64{x, y, x + tile, y + tile}, func(*Return) {})
				if err != nil || st.Untraced > 0 {
					b.Fatalf("%+v %v", st, err)
				}
				pulses += st.Pulses
				returns += st.Returns
			}
		}
	}
	b.ReportMetric(float64(pulses), "pulses/op")
	b.ReportMetric(float64(returns), "returns/op")
}
