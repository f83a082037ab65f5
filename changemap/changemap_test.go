package changemap

import (
	"math"
	"strings"
	"testing"
)

// grid parses a picture of a mask: '#' is 1, '.' is 0, one row per line.
func grid(pic string) (mask []uint8, w, h int) {
	for _, line := range strings.Fields(pic) {
		w = len(line)
		h++
		for _, c := range line {
			if c == '#' {
				mask = append(mask, 1)
			} else {
				mask = append(mask, 0)
			}
		}
	}
	return mask, w, h
}

func picture(mask []uint8, w int) string {
	var b strings.Builder
	for i, v := range mask {
		if i > 0 && i%w == 0 {
			b.WriteByte(' ')
		}
		if v != 0 {
			b.WriteByte('#')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func TestDifference(t *testing.T) {
	nan := float32(math.NaN())
	before := []float32{690, 690.5, -9999, 700, 10, nan}
	after := []float32{695.25, -32768, 700, 690, 10, 3}
	dh := make([]float32, len(before))
	Difference(dh, before, after, Nodata{-9999, true}, Nodata{-32768, true})
	want := []float32{5.25, NoData, NoData, -10, 0, NoData}
	for i := range want {
		if dh[i] != want[i] {
			t.Errorf("dh[%d] = %v, want %v", i, dh[i], want[i])
		}
	}
}

func TestThreshold(t *testing.T) {
	dh := []float32{0.99, -0.99, 1, -1, 35, -25, NoData, 0}
	out := make([]float32, len(dh))
	Threshold(out, dh, 1)
	want := []float32{0, 0, 1, -1, 35, -25, NoData, 0}
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("out[%d] = %v, want %v", i, out[i], want[i])
		}
	}
	mask := make([]uint8, len(out))
	Changed(mask, out)
	if got := picture(mask, len(mask)); got != "..####.." {
		t.Errorf("changed %s", got)
	}
}

func TestRemoveSmallRegions(t *testing.T) {
	tests := []struct {
		name      string
		in, keep  string
		minPixels int
		want      string
		removed   int
	}{
		{"diagonal pixels are one region", "#... .#.. ..#. ....", "", 3, "#... .#.. ..#. ....", 0},
		{"small region dropped", "#... .... ..## ..##", "", 3, ".... .... ..## ..##", 1},
		{"all below", "#..# .... .... #..#", "", 2, ".... .... .... ....", 4},
		{"keep protects a region", "#... .... ..## ..##", "#... .... .... ....", 5, "#... .... .... ....", 4},
		{"min 1 keeps all", "#... .... .... ...#", "", 1, "#... .... .... ...#", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mask, w, h := grid(tc.in)
			var keep []uint8
			if tc.keep != "" {
				keep, _, _ = grid(tc.keep)
			}
			n := RemoveSmallRegions(mask, w, h, tc.minPixels, keep)
			if got := picture(mask, w); got != tc.want || n != tc.removed {
				t.Errorf("got %s (%d removed), want %s (%d)", got, n, tc.want, tc.removed)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		r       int
		want    string
		removed int
	}{
		{"thin line removed, block kept with its corners",
			"........ .###.... .###.... .###.... ........ #######. ........",
			1,
			"........ .###.... .###.... .###.... ........ ........ ........", 7},
		{"2-pixel-wide bars go",
			"........ .##..... .##..... ........ ..#####. ..#####. ........",
			1,
			"........ ........ ........ ........ ........ ........ ........", 14},
		{"a 2-pixel spur on a building goes, the building stays",
			".......... .###...... .#####.... .###...... ..........",
			1,
			".......... .###...... .###...... .###...... ..........", 2},
		{"edge regions are not eaten from outside",
			"##...... ##...... ##...... ........",
			1,
			"##...... ##...... ##...... ........", 0},
		{"radius 2 drops a 3×3 block, keeps 5×5",
			"........... .###.#####. .###.#####. .###.#####. .....#####. .....#####. ...........",
			2,
			"........... .....#####. .....#####. .....#####. .....#####. .....#####. ...........", 9},
		{"radius 0 is a no-op", "#... .... ..#.", 0, "#... .... ..#.", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mask, w, h := grid(tc.in)
			n := Open(mask, w, h, tc.r, nil, make([]uint8, len(mask)))
			if got := picture(mask, w); got != tc.want || n != tc.removed {
				t.Errorf("got %s (%d removed), want %s (%d)", got, n, tc.want, tc.removed)
			}
		})
	}
	mask, w, h := grid("........ ####.... ........")
	keep, _, _ := grid("........ .##..... ........")
	if n := Open(mask, w, h, 1, keep, make([]uint8, len(mask))); n != 2 || picture(mask, w) != "........ .##..... ........" {
		t.Errorf("keep: %s (%d removed)", picture(mask, w), n)
	}
}

func TestExcessGreen(t *testing.T) {
	if v := ExcessGreen(60, 140, 50); v < 0.3 {
		t.Errorf("grass ExG %v, want clearly positive", v)
	}
	if v := ExcessGreen(120, 120, 120); v != 0 {
		t.Errorf("grey ExG %v, want 0", v)
	}
	if v := ExcessGreen(170, 90, 80); v >= 0 {
		t.Errorf("red roof ExG %v, want negative", v)
	}
	if v := ExcessGreen(0, 0, 0); v != 0 {
		t.Errorf("black ExG %v", v)
	}
}

func TestVARI(t *testing.T) {
	if v := VARI(60, 140, 50); v < 0.4 {
		t.Errorf("grass VARI %v, want clearly positive", v)
	}
	if v := VARI(170, 90, 80); v >= 0 {
		t.Errorf("red roof VARI %v, want negative", v)
	}
	if v := VARI(10, 10, 20); v != 0 {
		t.Errorf("degenerate VARI %v, want 0", v)
	}
}

func TestVegetationMask(t *testing.T) {
	// 3×1 DSM pixels, factor 2: grass in both epochs, grass in epoch 0 only
	// (a building was built there), roof in both.
	g, r := [3]uint8{60, 150, 50}, [3]uint8{170, 90, 80}
	img := func(px ...[3]uint8) [3][]uint8 {
		var out [3][]uint8
		for row := 0; row < 2; row++ {
			for _, p := range px {
				for rep := 0; rep < 2; rep++ {
					for b := 0; b < 3; b++ {
						out[b] = append(out[b], p[b])
					}
				}
			}
		}
		return out
	}
	veg := make([]uint8, 3)
	if n := VegetationMask(veg, 3, 1, 2, img(g, g, r), img(g, r, r), ExcessGreen, 0.1); n != 1 || veg[0] != 1 || veg[1] != 0 || veg[2] != 0 {
		t.Errorf("veg %v (n=%d), want [1 0 0]", veg, n)
	}
}

func TestMask2D(t *testing.T) {
	cd := []float32{0, 3, -2, NoData}
	out := make([]uint8, 16)
	Mask2D(out, 4, 4, cd, 2, 2, false)
	if got := picture(out, 4); got != "..## ..## ##.. ##.." {
		t.Errorf("binary %s", got)
	}
	Mask2D(out, 4, 4, cd, 2, 2, true)
	want := []uint8{0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 0, 0, 2, 2, 0, 0}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("signed %v, want %v", out, want)
		}
	}
}

func TestClearWhere(t *testing.T) {
	mask, _, _ := grid("####")
	drop, _, _ := grid("##..")
	keep, _, _ := grid(".#..")
	if n := ClearWhere(mask, drop, keep); n != 1 || picture(mask, 4) != ".###" {
		t.Errorf("got %s (%d)", picture(mask, 4), n)
	}
	cd := []float32{1, 2, NoData, 4}
	ApplyMask(cd, []uint8{0, 1, 0, 1})
	if cd[0] != 0 || cd[1] != 2 || cd[2] != NoData || cd[3] != 4 {
		t.Errorf("apply %v", cd)
	}
}
