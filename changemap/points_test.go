package changemap

import (
	"math"
	"slices"
	"testing"
)

// TestDropByPoints judges one 2×2 region (the left of a 5×2 grid), whose
// cells' 3×3 windows all cover the whole region, against hand-made
// features; the right is a second region, a roof in both epochs, that must
// always stay.
func TestDropByPoints(t *testing.T) {
	const w, h = 5, 2
	const nd = float32(-9999)
	// Columns 0–1 the region under test, 2 a gap, 3–4 a control region.
	mask := []uint8{1, 1, 0, 1, 1, 1, 1, 0, 1, 1}
	// share fills the test region with v and the control with a roof.
	share := func(v float32, roof float32) []float32 {
		return []float32{v, v, 0, roof, roof, v, v, 0, roof, roof}
	}
	gain := []float32{3, 3, 0, 3, 3, 3, 3, 0, 3, 3}
	loss := []float32{-3, -3, 0, 3, 3, -3, -3, 0, 3, 3}
	// mixed: the region rises on its top row and falls on its bottom one.
	mixed := []float32{3, 3, 0, 3, 3, -3, -3, 0, 3, 3}
	roof := func() PointFeatures {
		return PointFeatures{Building: share(0.97, 0.97), Multi: share(0.02, 0.02), Nodata: Nodata{Value: nd, Set: true}}
	}
	feat := func(b, m float32) PointFeatures {
		return PointFeatures{Building: share(b, 0.97), Multi: share(m, 0.02), Nodata: Nodata{Value: nd, Set: true}}
	}
	unclassified := func(m float32) PointFeatures {
		return PointFeatures{Building: share(0, 0), Multi: share(m, m), Nodata: Nodata{Value: nd, Set: true}}
	}
	rule := PointRule{MinBuilding: 0.5, MaxMulti: 0.5}
	tests := []struct {
		name    string
		dh      []float32
		t0, t1  PointFeatures
		rule    PointRule
		keep    []uint8
		dropped int
	}{
		{"new building: roof points in t1", gain, feat(0, 0), roof(), rule, nil, 0},
		{"new tree: crown in t1", gain, roof(), feat(0.01, 0.6), rule, nil, 4},
		{"parked vehicle: unclassified in t1", gain, roof(), feat(0.02, 0.05), rule, nil, 4},
		{"crane taken for a building but multi-return", gain, roof(), feat(0.9, 0.7), rule, nil, 4},
		{"demolition: roof points in t0", loss, feat(0.95, 0.03), feat(0, 0), rule, nil, 0},
		{"felled tree: crown in t0", loss, feat(0.02, 0.55), roof(), rule, nil, 4},
		{"loss judged in t0, not t1", loss, feat(0.96, 0.0), feat(0, 0.9), rule, nil, 0},
		{"gain judged in t1, not t0", gain, feat(0, 0.9), feat(0.96, 0.0), rule, nil, 0},
		{"mixed region: half roof half crown averages 0.5", mixed, feat(0, 1), feat(1, 0), rule, nil, 0},
		{"mixed region: crown where it fell", mixed, feat(0, 0.9), feat(0.8, 0.1), rule, nil, 4},
		{"building share exactly at the threshold stays", gain, roof(), feat(0.5, 0), rule, nil, 0},
		{"no points in its epoch: kept", gain, roof(), feat(nd, nd), rule, nil, 0},
		{"NaN shares count as no points", gain, roof(), feat(float32(math.NaN()), float32(math.NaN())), rule, nil, 0},
		{"keep polygon protects its cells", gain, roof(), feat(0, 0.9), rule, []uint8{0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, 3},
		{"building test off", gain, roof(), feat(0, 0.1), PointRule{MinBuilding: 0, MaxMulti: 0.5}, nil, 0},
		{"multi-return test off", gain, roof(), feat(0.9, 0.95), PointRule{MinBuilding: 0.5, MaxMulti: 1}, nil, 0},
		{"both tests off", gain, roof(), feat(0, 1), PointRule{MinBuilding: 0, MaxMulti: 1}, nil, 0},
		{"unclassified cloud: building share ignored", gain, unclassified(0.02), unclassified(0.02), rule, nil, 0},
		{"unclassified cloud: multi-return still judges", gain, unclassified(0.02), unclassified(0.8), rule, nil, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := append([]uint8(nil), mask...)
			got := DropByPoints(m, tt.dh, w, h, tt.t0, tt.t1, tt.rule, tt.keep)
			if got != tt.dropped {
				t.Errorf("dropped %d pixels, want %d (mask %v)", got, tt.dropped, m)
			}
			cleared := 0
			for i := range m {
				if mask[i] != 0 && m[i] == 0 {
					cleared++
				}
			}
			if cleared != got {
				t.Errorf("cleared %d pixels but reported %d", cleared, got)
			}
			if tt.dropped <= 4 && (m[3] == 0 || m[9] == 0) {
				t.Errorf("the control roof region was dropped: %v", m)
			}
		})
	}
}

// TestDropByPointsSplitsRegions: one 8-connected region, a new roof (cells
// 0–3) touching a new tree (cells 4–7), loses the tree and keeps the roof;
// cells 3 and 4 see both in their windows and go with their majority.
func TestDropByPointsSplitsRegions(t *testing.T) {
	const w, h = 8, 1
	mask := []uint8{1, 1, 1, 1, 1, 1, 1, 1}
	dh := []float32{6, 6, 6, 6, 9, 9, 9, 9}
	none := Nodata{Value: -9999, Set: true}
	t0 := PointFeatures{Building: make([]float32, w), Multi: make([]float32, w), Nodata: none}
	t0.Building[0] = 1 // a building elsewhere: t0 is a classified cloud
	t1 := PointFeatures{
		Building: []float32{1, 0.9, 1, 0.6, 0, 0, 0.1, 0},
		Multi:    []float32{0, 0, 0, 0.1, 0.4, 0.3, 0.5, 0.4},
		Nodata:   none,
	}
	got := DropByPoints(mask, dh, w, h, t0, t1, PointRule{MinBuilding: 0.5, MaxMulti: 0.5}, nil)
	want := []uint8{1, 1, 1, 1, 0, 0, 0, 0}
	if got != 4 || !slices.Equal(mask, want) {
		t.Errorf("dropped %d, mask %v; want 4, %v", got, mask, want)
	}
}
