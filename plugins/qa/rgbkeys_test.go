package qa

import (
	"testing"

	"github.com/cdflow/cdflow/raster"
)

func TestRGBKeys(t *testing.T) {
	// Four pixels: RGB(1,2,3), RGB(0,0,0), RGB(0,5,0), RGB(9,9,9).
	bands := [][]uint8{{1, 0, 0, 9}, {2, 0, 5, 9}, {3, 0, 0, 9}}
	rgb := func(r, g, b uint32) uint32 { return r | g<<8 | b<<16 }
	cases := []struct {
		name      string
		more      [][]uint8 // bands after the third; a fourth alone is alpha
		nodata    float64
		hasND     bool
		cov, lost []bool
		want      []uint32
	}{
		{"no nodata", nil, 0, false, nil, nil, []uint32{rgb(1, 2, 3), 0, rgb(0, 5, 0), rgb(9, 9, 9)}},
		{"nodata 0 needs every band", nil, 0, true, nil, nil, []uint32{rgb(1, 2, 3), invalidKey, rgb(0, 5, 0), rgb(9, 9, 9)}},
		{"nodata 9", nil, 9, true, nil, nil, []uint32{rgb(1, 2, 3), 0, rgb(0, 5, 0), invalidKey}},
		{"nodata outside the bytes", nil, -9999, true, nil, nil, []uint32{rgb(1, 2, 3), 0, rgb(0, 5, 0), rgb(9, 9, 9)}},
		{"alpha 0", [][]uint8{{255, 255, 0, 255}}, 0, false, nil, nil, []uint32{rgb(1, 2, 3), 0, invalidKey, rgb(9, 9, 9)}},
		{"nodata needs alpha at nodata too", [][]uint8{{255, 255, 255, 0}}, 0, true, nil, nil, []uint32{rgb(1, 2, 3), 0, rgb(0, 5, 0), invalidKey}},
		{"five bands: every one at nodata", [][]uint8{{0, 0, 7, 0}, {0, 0, 0, 1}}, 0, true, nil, nil, []uint32{rgb(1, 2, 3), invalidKey, rgb(0, 5, 0), rgb(9, 9, 9)}},
		{"five bands: no alpha", [][]uint8{{0, 1, 0, 0}, {0, 0, 0, 0}}, 0, true, nil, nil, []uint32{rgb(1, 2, 3), 0, rgb(0, 5, 0), rgb(9, 9, 9)}},
		{"outside every file", nil, 0, false, []bool{true, false, true, true}, nil, []uint32{rgb(1, 2, 3), skipKey, rgb(0, 5, 0), rgb(9, 9, 9)}},
		{"unreadable file", nil, 0, true, nil, []bool{false, true, false, true}, []uint32{rgb(1, 2, 3), skipKey, rgb(0, 5, 0), skipKey}},
		{"one band", nil, 0, true, nil, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := &raster.Image[uint8]{Grid: raster.Grid{Width: 2, Height: 2}, Bands: append(append([][]uint8{}, bands...), tc.more...), NoData: tc.nodata, HasNoData: tc.hasND}
			want := tc.want
			if tc.name == "one band" {
				img.Bands = bands[1:2]
				want = []uint32{2, invalidKey, 5, 9}
			}
			got := make([]uint32, 4)
			rgbKeys(got, img, cover{known: true, covered: tc.cov, lost: tc.lost})
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("pixel %d: key %#x, want %#x", i, got[i], want[i])
				}
			}
		})
	}
}

// BenchmarkRGBKeys keys one epoch's orthophoto window of a 200 m tile at
// 0.25 m with a 4 m halo (832 × 832 × 3).
func BenchmarkRGBKeys(b *testing.B) {
	const side = 832
	img := &raster.Image[uint8]{Grid: raster.Grid{Width: side, Height: side}, NoData: 0, HasNoData: true}
	for range 3 {
		band := make([]uint8, side*side)
		for i := range band {
			band[i] = uint8(i * 7)
		}
		img.Bands = append(img.Bands, band)
	}
	cov := make([]bool, side*side)
	for i := range cov {
		cov[i] = true
	}
	b.SetBytes(side * side * 3)
	keys := make([]uint32, side*side)
	for b.Loop() {
		rgbKeys(keys, img, cover{known: true, covered: cov})
	}
}
