package changemap

import "testing"

func TestSampling(t *testing.T) {
	// A 7×1 profile: ground at 0, a building at 10 m from x=2 (t0) or x=3
	// (t1, its wall sampled a cell later), plus the cases on the right.
	tests := []struct {
		name          string
		before, after []float32
		r             int
		want          string // the mask after, from an all-changed start where |ΔH| ≥ 1
	}{
		{"wall sampled a cell apart is no change",
			[]float32{0, 0, 10, 10, 10, 10, 10}, []float32{0, 0, 0, 10, 10, 10, 10}, 1, "......."},
		{"the same at radius 0 stays",
			[]float32{0, 0, 10, 10, 10, 10, 10}, []float32{0, 0, 0, 10, 10, 10, 10}, 0, "..#...."},
		{"new building survives, its edges too",
			[]float32{0, 0, 0, 0, 0, 0, 0}, []float32{0, 0, 8, 8, 8, 0, 0}, 1, "..###.."},
		{"demolition survives",
			[]float32{0, 9, 9, 9, 0, 0, 0}, []float32{0, 0, 0, 0, 0, 0, 0}, 1, ".###..."},
		{"storey added on a roof survives",
			[]float32{0, 10, 10, 10, 10, 10, 0}, []float32{0, 10, 13, 13, 13, 10, 0}, 1, "..###.."},
		{"change on a pitched roof survives (neighbours < a wall higher)",
			[]float32{0, 5, 6.5, 8, 6.5, 5, 0}, []float32{0, 5, 8, 9.5, 8, 5, 0}, 1, "..###.."},
		{"a gain no higher than the wall beside it goes",
			[]float32{0, 0, 0, 12, 12, 12, 12}, []float32{0, 0, 11.5, 12, 12, 12, 12}, 1, "......."},
		{"a demolition keeps its edge beside a building that stays",
			[]float32{0, 9, 9, 9, 12, 12, 12}, []float32{0, 0, 0, 0, 12, 12, 12}, 1, ".###..."},
		{"a ring beside a change of the other sign still goes",
			[]float32{0, 0, 10, 10, 10, 0, 0}, []float32{0, 15, 0, 10, 10, 0, 0}, 1, ".#....."},
		{"nodata neighbours are ignored",
			[]float32{NoData, 0, 0, 0, 0, 0, 0}, []float32{0, 5, 0, 0, 0, 0, 0}, 1, ".#....."},
	}
	nd := Nodata{NoData, true}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dh := make([]float32, len(tc.before))
			Difference(dh, tc.before, tc.after, nd, nd)
			cd := make([]float32, len(dh))
			Threshold(cd, dh, 1)
			mask := make([]uint8, len(cd))
			Changed(mask, cd)
			before := picture(mask, len(mask))
			n := Sampling(mask, tc.before, tc.after, nd, nd, len(mask), 1, tc.r, 1)
			got := picture(mask, len(mask))
			if got != tc.want {
				t.Errorf("got %s, want %s (from %s)", got, tc.want, before)
			}
			cleared := 0
			for i := range before {
				if before[i] == '#' && got[i] == '.' {
					cleared++
				}
			}
			if n != cleared {
				t.Errorf("returned %d cleared, %d were", n, cleared)
			}
		})
	}
}

func TestRemoveSlender(t *testing.T) {
	// A jib 2 px wide and 20 m up, a 3×3 building 20 m up, a 2×3 shed 3 m up.
	pic := "" +
		"##.......... " +
		"##.....###.. " +
		"##.....###.. " +
		"##.....###.. " +
		"##.......... " +
		"##...##..... " +
		"##...##..... " +
		".....##....."
	mask, w, h := grid(pic)
	cd := make([]float32, len(mask))
	for i, m := range mask {
		if m != 0 {
			cd[i] = -20
		}
	}
	for _, i := range []int{5*w + 5, 5*w + 6, 6*w + 5, 6*w + 6, 7*w + 5, 7*w + 6} {
		cd[i] = 3
	}
	n := RemoveSlender(mask, cd, w, h, 2, 6, nil)
	want := "............ .......###.. .......###.. .......###.. ............ .....##..... .....##..... .....##....."
	if got := picture(mask, w); got != want || n != 14 {
		t.Errorf("got %s (%d cleared), want %s (14)", got, n, want)
	}
	// Width 0 is off; keep protects.
	mask, _, _ = grid(pic)
	if n := RemoveSlender(mask, cd, w, h, 0, 6, nil); n != 0 {
		t.Errorf("width 0 cleared %d", n)
	}
	keep := make([]uint8, len(mask))
	keep[0] = 1
	if n := RemoveSlender(mask, cd, w, h, 2, 6, keep); n != 0 {
		t.Errorf("kept jib cleared %d", n)
	}
}

func TestTrimEdges(t *testing.T) {
	// A new 10 m building whose later DSM slopes across the cells beside
	// it (4 m, 3 m), and a 2 m extension on its right at full height.
	cd := []float32{0, 4, 10, 10, 10, 3, 0, 0, 2, 2, 0}
	mask := make([]uint8, len(cd))
	Changed(mask, cd)
	if n := TrimEdges(mask, cd, len(cd), 1, 0.5); n != 2 || picture(mask, len(mask)) != "..###...##." {
		t.Errorf("got %s (%d cleared)", picture(mask, len(mask)), n)
	}
	// Signs apart: a demolition beside a construction is not an edge slope.
	cd = []float32{0, -9, -9, 2, 2, 0}
	Changed(mask[:6], cd)
	if n := TrimEdges(mask[:6], cd, 6, 1, 0.5); n != 0 {
		t.Errorf("cleared %d across signs", n)
	}
	Changed(mask[:6], cd)
	if n := TrimEdges(mask[:6], cd, 6, 1, 0); n != 0 {
		t.Errorf("fraction 0 cleared %d", n)
	}
}
