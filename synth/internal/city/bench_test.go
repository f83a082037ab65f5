package city

import "testing"

// BenchmarkOrthoStrip renders and colours one 1 km × 64 m orthophoto strip,
// the inner loop of the generator.
func BenchmarkOrthoStrip(b *testing.B) {
	c := New(1, 1000, 1000)
	win := Window{x0: 0, y1: 600, res: testOrthoRes, w: 4000, h: 256}
	l := NewLayers(win)
	var out [3][]uint8
	for k := range out {
		out[k] = make([]uint8, win.w*win.h)
	}
	for b.Loop() {
		c.Paint(1, l)
		c.Colourize(1, l, out)
	}
	b.ReportMetric(float64(win.w*win.h)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpx/s")
}

// BenchmarkCity builds the scene model of a 4×5 km scene (the size of 3DCD).
func BenchmarkCity(b *testing.B) {
	for b.Loop() {
		New(1, 4000, 5000)
	}
}
