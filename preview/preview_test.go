package preview

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cdflow/cdflow/raster"
)

func TestDeltaHColor(t *testing.T) {
	tests := []struct {
		v       float32
		r, g, b uint8
	}{
		{0, 247, 247, 247},
		{-20, 5, 113, 176},
		{-100, 5, 113, 176},
		{20, 202, 0, 32},
		{10, 244, 165, 130},
		{5, 246, 206, 189},
	}
	for _, tc := range tests {
		r, g, b := DeltaHColor(tc.v)
		if r != tc.r || g != tc.g || b != tc.b {
			t.Errorf("ΔH %v: (%d,%d,%d), want (%d,%d,%d)", tc.v, r, g, b, tc.r, tc.g, tc.b)
		}
	}
}

func TestDeltaH(t *testing.T) {
	img := raster.NewImage[float32](raster.Grid{Width: 3, Height: 1}, 1)
	img.Bands[0] = []float32{-9999, 0, 30}
	img.NoData, img.HasNoData = -9999, true
	out := DeltaH(img)
	if len(out.Bands) != 4 || out.Bands[3][0] != 0 || out.Bands[3][1] != 255 || out.Bands[0][2] != 202 {
		t.Errorf("preview %v", out.Bands)
	}
}

func TestThumbnail(t *testing.T) {
	img := raster.NewImage[uint8](raster.Grid{Width: 400, Height: 400}, 3)
	for i := range img.Bands[0] {
		img.Bands[0][i] = uint8(i % 2 * 100) // alternate 0 and 100 along rows
	}
	th := Thumbnail(img, 256)
	if th.Width != 200 || th.Height != 200 || len(th.Bands) != 3 {
		t.Fatalf("thumbnail %dx%dx%d", th.Width, th.Height, len(th.Bands))
	}
	if th.Bands[0][0] != 50 {
		t.Errorf("block average %d, want 50", th.Bands[0][0])
	}
	small := Thumbnail(raster.NewImage[uint8](raster.Grid{Width: 100, Height: 80}, 3), 256)
	if small.Width != 100 || small.Height != 80 {
		t.Errorf("small image resized to %dx%d", small.Width, small.Height)
	}
}

// TestThumbnailBlockAverage compares Thumbnail with its definition, each
// output pixel the rounded mean of its f × f block, for every factor a
// 2 × 2 block path and the general one take, on sizes that leave a
// remainder.
func TestThumbnailBlockAverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, tc := range []struct{ w, h, maxSide, f int }{
		{400, 400, 256, 2}, {401, 399, 256, 2}, {7, 5, 3, 2},
		{600, 300, 256, 3}, {9, 13, 3, 4}, {13, 10, 2, 5}, {100, 80, 256, 1},
	} {
		img := raster.NewImage[uint8](raster.Grid{Width: tc.w, Height: tc.h}, 4)
		for _, band := range img.Bands {
			for i := range band {
				band[i] = uint8(rng.IntN(256))
			}
		}
		th := Thumbnail(img, tc.maxSide)
		if th.Width != tc.w/tc.f || th.Height != tc.h/tc.f || len(th.Bands) != 3 {
			t.Fatalf("%d×%d: thumbnail %d×%d×%d, want %d×%d×3", tc.w, tc.h, th.Width, th.Height, len(th.Bands), tc.w/tc.f, tc.h/tc.f)
		}
		for b := range 3 {
			for y := range th.Height {
				for x := range th.Width {
					s := 0
					for dy := range tc.f {
						for dx := range tc.f {
							s += int(img.Bands[b][(y*tc.f+dy)*tc.w+x*tc.f+dx])
						}
					}
					want := uint8(math.Round(float64(s) / float64(tc.f*tc.f)))
					if got := th.Bands[b][y*th.Width+x]; got != want {
						t.Fatalf("%d×%d, band %d, pixel (%d, %d): %d, want %d", tc.w, tc.h, b, x, y, got, want)
					}
				}
			}
		}
	}
}

func TestElevation(t *testing.T) {
	tests := []struct {
		name          string
		width, height int
		pixels        []float32
		maxSide       int
		wantW, wantH  int
		grey, alpha   []uint8
	}{
		{"stretched, nodata transparent", 4, 1, []float32{100, -9999, 150, 200}, 256, 4, 1,
			[]uint8{0, 0, 128, 255}, []uint8{255, 0, 255, 255}},
		{"flat is mid grey", 2, 1, []float32{7, 7}, 256, 2, 1, []uint8{128, 128}, []uint8{255, 255}},
		{"blocks average valid pixels only", 4, 2, []float32{0, -9999, 10, 10, 0, 0, -9999, -9999}, 2, 2, 1,
			[]uint8{0, 255}, []uint8{255, 255}},
		{"block without data", 2, 2, []float32{-9999, -9999, -9999, -9999}, 1, 1, 1, []uint8{0}, []uint8{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := raster.NewImage[float32](raster.Grid{Width: tt.width, Height: tt.height}, 1)
			copy(img.Bands[0], tt.pixels)
			img.NoData, img.HasNoData = -9999, true
			out := Elevation(img, tt.maxSide)
			if out.Width != tt.wantW || out.Height != tt.wantH || len(out.Bands) != 4 {
				t.Fatalf("quicklook %dx%dx%d, want %dx%dx4", out.Width, out.Height, len(out.Bands), tt.wantW, tt.wantH)
			}
			for i := range tt.grey {
				r, g, b, a := out.Bands[0][i], out.Bands[1][i], out.Bands[2][i], out.Bands[3][i]
				if r != tt.grey[i] || g != r || b != r || a != tt.alpha[i] {
					t.Errorf("pixel %d: (%d,%d,%d,%d), want grey %d alpha %d", i, r, g, b, a, tt.grey[i], tt.alpha[i])
				}
			}
		})
	}
}

// BenchmarkThumbnail makes the quicklook of one tile's 400-pixel RGB
// orthophoto.
func BenchmarkThumbnail(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	img := raster.NewImage[uint8](raster.Grid{Width: 400, Height: 400}, 3)
	for _, band := range img.Bands {
		for i := range band {
			band[i] = uint8(rng.IntN(256))
		}
	}
	for b.Loop() {
		Thumbnail(img, 256)
	}
}
