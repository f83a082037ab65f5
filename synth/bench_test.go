package synth

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkGenerate writes a whole 0.4×0.4 km scene (four sheets).
func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	opt := small(1, "none")
	for i := 0; b.Loop(); i++ {
		opt.Out = filepath.Join(dir, "scene")
		if _, err := Generate(context.Background(), opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(0.16*float64(b.N)/b.Elapsed().Seconds(), "km²/s")
}
