package execute

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// plainBandInfos is the straightforward float64 pass bandInfos must equal.
func plainBandInfos[T raster.Pixel](img *raster.Image[T]) []plugins.BandInfo {
	out := make([]plugins.BandInfo, len(img.Bands))
	for b, px := range img.Bands {
		bi := plugins.BandInfo{Min: math.Inf(1), Max: math.Inf(-1)}
		if img.HasNoData {
			nd := img.NoData
			bi.NoData = &nd
		}
		var n int
		var sum, sumSq float64
		for _, v := range px {
			f := float64(v)
			if (img.HasNoData && f == img.NoData) || math.IsNaN(f) {
				continue
			}
			n++
			sum += f
			sumSq += f * f
			bi.Min, bi.Max = math.Min(bi.Min, f), math.Max(bi.Max, f)
		}
		if n > 0 {
			bi.Mean = sum / float64(n)
			bi.StdDev = math.Sqrt(math.Max(0, sumSq/float64(n)-bi.Mean*bi.Mean))
		} else {
			bi.Min, bi.Max = math.NaN(), math.NaN()
		}
		bi.ValidPercent = 100 * float64(n) / float64(len(px))
		out[b] = bi
	}
	return out
}

func sameBits(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func sameInfos(t *testing.T, got, want []plugins.BandInfo) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if (g.NoData == nil) != (w.NoData == nil) || !sameBits(g.Min, w.Min) || !sameBits(g.Max, w.Max) ||
			!sameBits(g.Mean, w.Mean) || !sameBits(g.StdDev, w.StdDev) || !sameBits(g.ValidPercent, w.ValidPercent) {
			t.Fatalf("band %d: %+v, want %+v", i, g, w)
		}
	}
}

func TestBandInfosEqualPlainPass(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	g := raster.Grid{Width: 37, Height: 23}
	for _, tc := range []struct {
		name string
		nd   *float64
		fill func(i int) float32
	}{
		{"elevations with nodata", ndPtr(-9999), func(i int) float32 {
			switch i % 11 {
			case 0:
				return -9999
			case 1:
				return float32(math.NaN())
			}
			return float32(r.NormFloat64() * 30)
		}},
		{"signed zeros", nil, func(i int) float32 {
			if i%2 == 0 {
				return float32(math.Copysign(0, -1))
			}
			return 0
		}},
		{"all nodata", ndPtr(-9999), func(int) float32 { return -9999 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := raster.NewImage[float32](g, 2)
			if tc.nd != nil {
				img.NoData, img.HasNoData = *tc.nd, true
			}
			for b := range img.Bands {
				for i := range img.Bands[b] {
					img.Bands[b][i] = tc.fill(i + b)
				}
			}
			sameInfos(t, bandInfos(img), plainBandInfos(img))
		})
	}
	for _, nd := range []*float64{nil, ndPtr(0), ndPtr(255), ndPtr(-9999)} {
		img := raster.NewImage[uint8](g, 3)
		if nd != nil {
			img.NoData, img.HasNoData = *nd, true
		}
		for b := range img.Bands {
			for i := range img.Bands[b] {
				img.Bands[b][i] = uint8(r.IntN(256))
			}
		}
		sameInfos(t, bandInfos(img), plainBandInfos(img))
	}
	// Byte rasters of every length modulo 4, as change masks are: mostly
	// one value, in runs.
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 4099} {
		img := raster.NewImage[uint8](raster.Grid{Width: n, Height: 1}, 1)
		img.NoData, img.HasNoData = 0, n%2 == 0
		for i := range img.Bands[0] {
			if r.IntN(6) == 0 {
				img.Bands[0][i] = uint8(1 + r.IntN(3))
			}
		}
		img.Bands[0][n-1] = 200 // the last pixel, which only the tail loop sees when n%4 != 0
		sameInfos(t, bandInfos(img), plainBandInfos(img))
	}
}

func ndPtr(v float64) *float64 { return &v }

// BenchmarkUint8Sums takes a tile's 400-pixel 2D change map (mostly 0, in
// runs) and one band of its orthophoto (noisy).
func BenchmarkUint8Sums(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	mask, photo := make([]uint8, 400*400), make([]uint8, 400*400)
	for i := range mask {
		if i%400 > 300 && i/400 > 250 {
			mask[i] = 1
		}
		photo[i] = uint8(100 + r.IntN(50))
	}
	for _, bc := range []struct {
		name string
		px   []uint8
	}{{"mask", mask}, {"photo", photo}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				uint8Sums(bc.px, true, 0)
			}
		})
	}
}
