package release

import (
	"slices"
	"testing"

	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/split"
	"github.com/cdflow/cdflow/workflows"
)

// TestSplitBins: the split sees a tile's dh_histogram as sparse 1 m bins
// named by their lower edge in metres.
func TestSplitBins(t *testing.T) {
	h := func(bins map[int]int32) []int32 {
		out := make([]int32, schema.HistogramBins)
		for dh, n := range bins {
			out[dh-schema.HistogramMin] = n
		}
		return out
	}
	tests := []struct {
		name string
		hist []int32
		want []split.Bin
	}{
		{"no change", h(nil), nil},
		{"empty histogram", nil, nil},
		{"spike, tower and loss", h(map[int]int32{-1: 12, 20: 3, 35: 500}),
			[]split.Bin{{DH: -1, Pixels: 12}, {DH: 20, Pixels: 3}, {DH: 35, Pixels: 500}}},
		{"outer bins", h(map[int]int32{-40: 1, 39: 2}), []split.Bin{{DH: -40, Pixels: 1}, {DH: 39, Pixels: 2}}},
	}
	for _, tc := range tests {
		if got := SplitBins(tc.hist); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSplitConfigCover(t *testing.T) {
	cfg := SplitConfig(&workflows.Split{Subsets: []workflows.Subset{{Name: "train", Ratio: 0.7}, {Name: "test", Ratio: 0.3}},
		CoverRange: "train", CoverMinPixels: 200})
	if cfg.CoverRange != "train" || cfg.CoverMinPixels != 200 {
		t.Errorf("config %+v", cfg)
	}
}
