package camera

import "testing"

// BenchmarkRender renders 2048×2048 pixels (512 m square) of the test city
// at 0.25 m, far from the nadir where the leans are long.
func BenchmarkRender(b *testing.B) {
	f := newTestFlight(b, 4, 0, 40)
	ph := f.PhotoAt(2000, 2000)
	const w = 2048
	x0, y1 := snap(ph.X-100), snap(ph.Y+1000)
	lx, ly, lw, lh := f.LayersGrid(x0, y1, testRes, w, w, 0.25)
	l := paintCity(lx, ly, 0.25, lw, lh)
	rgb := make([]uint8, 3*w*w)
	obj := make([]uint32, w*w)
	b.ResetTimer()
	for b.Loop() {
		if err := f.Render(l, x0, y1, testRes, w, w, rgb, obj); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(w*w), "ns/pixel")
}
