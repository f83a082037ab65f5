package qa

import (
	"math/rand/v2"
	"testing"
)

// greenCellsDirect is greenCells' definition, a pixel at a time.
func greenCellsDirect(w, h, factor int, imgs ...[3][]uint8) []bool {
	veg := make([]bool, w*h)
	ow := w * factor
	for _, img := range imgs {
		for oy := range h * factor {
			for ox := range ow {
				p := oy*ow + ox
				if isGreen(img[0][p], img[1][p], img[2][p]) {
					veg[(oy/factor)*w+ox/factor] = true
				}
			}
		}
	}
	return veg
}

func randomRGB(rng *rand.Rand, n int, green float64) [3][]uint8 {
	var img [3][]uint8
	for b := range img {
		img[b] = make([]uint8, n)
	}
	for i := range n {
		if rng.Float64() < green {
			for b := range img {
				img[b][i] = uint8(rng.IntN(256))
			}
			continue
		}
		// Grey-ish pixels, near and on both sides of the threshold.
		v := rng.IntN(256)
		img[0][i], img[1][i], img[2][i] = uint8(v), uint8(min(255, v+rng.IntN(12))), uint8(v)
	}
	return img
}

func TestGreenCellsMatchesDirect(t *testing.T) {
	for i, tc := range []struct {
		name         string
		w, h, factor int
		images       int
		green        float64
	}{
		{"factor 4, two epochs", 50, 40, 4, 2, 0.01},
		{"factor 4, more green", 50, 40, 4, 2, 0.04},
		{"factor 2, width not a multiple of 8", 13, 9, 2, 2, 0.02},
		{"factor 1, odd width", 37, 11, 1, 1, 0.05},
		{"factor 3", 21, 7, 3, 2, 0.01},
		{"one cell", 1, 1, 5, 2, 0.02},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 5)) // each case its own pixels, however it is run
			n := tc.w * tc.factor * tc.h * tc.factor
			imgs := make([][3][]uint8, tc.images)
			for i := range imgs {
				imgs[i] = randomRGB(rng, n, tc.green)
			}
			want := greenCellsDirect(tc.w, tc.h, tc.factor, imgs...)
			got := make([]bool, tc.w*tc.h)
			for i := range got {
				got[i] = i%3 == 0 // every cell must be set, whatever it held
			}
			greenCells(got, tc.w, tc.h, tc.factor, imgs...)
			marked := 0
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("cell %d (x %d, y %d): got %v, want %v", i, i%tc.w, i/tc.w, got[i], want[i])
				}
				if want[i] {
					marked++
				}
			}
			if marked == 0 || marked == len(want) && len(want) > 1 {
				t.Fatalf("%d of %d cells green: the case tests nothing", marked, len(want))
			}
		})
	}
}

// TestGreenCellsEveryColour checks every (R, G, B) once, each pixel its own
// cell: the lanes must neither borrow nor carry for any bytes.
func TestGreenCellsEveryColour(t *testing.T) {
	const w, h = 1 << 16, 1 << 8
	var img [3][]uint8
	for b := range img {
		img[b] = make([]uint8, w*h)
	}
	for i := range w * h {
		img[0][i], img[1][i], img[2][i] = uint8(i>>16), uint8(i>>8), uint8(i)
	}
	got := make([]bool, w*h)
	greenCells(got, w, h, 1, img)
	for i, v := range got {
		r, g, b := uint8(i>>16), uint8(i>>8), uint8(i)
		if want := isGreen(r, g, b); v != want {
			t.Fatalf("R %d G %d B %d: got %v, want %v", r, g, b, v, want)
		}
	}
}

func BenchmarkGreenCells(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const w, h, factor = 200, 200, 4
	// One pixel in a hundred of any colour, the rest grey near the
	// threshold.
	imgs := [][3][]uint8{randomRGB(rng, w*h*factor*factor, 0.01), randomRGB(rng, w*h*factor*factor, 0.01)}
	veg := make([]bool, w*h)
	for b.Loop() {
		greenCells(veg, w, h, factor, imgs...)
	}
}
