package execute

import (
	"maps"
	"testing"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/schema"
)

// TestChangeStatsHistogram: dh_histogram counts each changed pixel of cd3d
// once, in bin ⌊ΔH⌋ (so −0.5 m is bin −1); nodata and unchanged pixels in
// none; beyond ±40 m in the outer bins. The split's cover rule reads it.
func TestChangeStatsHistogram(t *testing.T) {
	nd := changemap.NoData
	tests := []struct {
		name string
		cd   []float32
		want map[int]int32 // ΔH bin (m) → changed pixels
	}{
		{"nodata and no change", []float32{nd, 0, 0, nd}, map[int]int32{}},
		{"negative half metre is bin -1", []float32{-0.5, nd, 0}, map[int]int32{-1: 1}},
		{"bin edges", []float32{-1, -1.0001, 1, 1.9999, 2, 0.0001}, map[int]int32{-2: 1, -1: 1, 0: 1, 1: 2, 2: 1}},
		{"a spike and a tower", []float32{20.3, 20.7, 20.1, 35, 35.5, 35.99, -25.2, nd, nd, 0},
			map[int]int32{20: 3, 35: 3, -26: 1}},
		{"beyond the axis", []float32{-60, -40, 39.5, 41, 250}, map[int]int32{-40: 2, 39: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := schema.TileStats{DHHistogram: make([]int32, schema.HistogramBins)}
			changeStats(&st, tc.cd, 1)
			got := map[int]int32{}
			var sum int32
			for i, n := range st.DHHistogram {
				if n > 0 {
					got[schema.HistogramMin+i] = n
					sum += n
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("histogram %v, want %v", got, tc.want)
			}
			if sum != st.ChangedPixels3D {
				t.Errorf("histogram holds %d pixels, %d changed", sum, st.ChangedPixels3D)
			}
		})
	}
}
