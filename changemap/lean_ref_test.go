package changemap

import (
	"math"
	"math/rand/v2"
	"testing"
)

// groundRef and estimateLeanRef are the direct forms of Ground and
// EstimateLean (every window scanned, every candidate computed from the
// edges); the fast forms must give exactly their results.
func groundRef(ground, dsm []float32, nd Nodata, w, h, r int) {
	inf := float32(math.Inf(1))
	tmp := make([]float32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m := inf
			for xx := max(0, x-r); xx <= min(w-1, x+r); xx++ {
				if v := dsm[y*w+xx]; !nd.Is(v) && v < m {
					m = v
				}
			}
			tmp[y*w+x] = m
		}
	}
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			m := inf
			for yy := max(0, y-r); yy <= min(h-1, y+r); yy++ {
				m = min(m, tmp[yy*w+x])
			}
			if m == inf {
				m = NoData
			}
			ground[y*w+x] = m
		}
	}
}

func estimateLeanRef(dsm, ground []float32, nd Nodata, w, h int, res float64, grey []float32, gw, gh int, ores float64) Lean {
	grad := gradientRef(grey, gw, gh)
	type edge struct{ x, y, h float64 }
	var edges []edge
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			v, g := dsm[i], ground[i]
			if nd.Is(v) || g == NoData || v-g < edgeHeight {
				continue
			}
			for _, d := range [4][3]int{{-1, 0, -1}, {1, 0, 1}, {0, -1, -w}, {0, 1, w}} {
				if u := dsm[i+d[2]]; !nd.Is(u) && v-u > edgeStep {
					ex := (float64(x) + 0.5 + 0.5*float64(d[0])) * res / ores
					ey := (float64(y) + 0.5 + 0.5*float64(d[1])) * res / ores
					edges = append(edges, edge{ex, ey, float64(v - g)})
					break
				}
			}
		}
	}
	l := Lean{Edges: len(edges)}
	if len(edges) < minLeanEdges {
		return l
	}
	score := func(edges []edge, kE, kN float64) float64 {
		var s float64
		n := 0
		for _, e := range edges {
			fx, fy := e.x+e.h*kE/ores-0.5, e.y-e.h*kN/ores-0.5
			px, py := int(math.Floor(fx)), int(math.Floor(fy))
			if px < 0 || py < 0 || px+1 >= gw || py+1 >= gh {
				continue
			}
			ax, ay := float32(fx-float64(px)), float32(fy-float64(py))
			p := py*gw + px
			s += float64((1-ay)*((1-ax)*grad[p]+ax*grad[p+1]) + ay*((1-ax)*grad[p+gw]+ax*grad[p+gw+1]))
			n++
		}
		if n < len(edges)/2 {
			return 0
		}
		return s / float64(n)
	}
	// The coarse pass on every s-th edge, the fine one on all.
	var sub []edge
	for i := 0; i < len(edges); i += max(1, len(edges)/coarseEdges) {
		sub = append(sub, edges[i])
	}
	best, cE, cN := -1.0, 0.0, 0.0
	for kE := -MaxLean; kE <= MaxLean+1e-9; kE += 0.03 {
		for kN := -MaxLean; kN <= MaxLean+1e-9; kN += 0.03 {
			if s := score(sub, kE, kN); s > best {
				best, cE, cN = s, kE, kN
			}
		}
	}
	best, bE, bN := -1.0, 0.0, 0.0
	for dE := -0.03; dE <= 0.03+1e-9; dE += 0.005 {
		for dN := -0.03; dN <= 0.03+1e-9; dN += 0.005 {
			if s := score(edges, cE+dE, cN+dN); s > best {
				best, bE, bN = s, cE+dE, cN+dN
			}
		}
	}
	l.E, l.N = bE, bN
	if s0 := score(edges, 0, 0); s0 > 0 {
		l.Gain = best / s0
	}
	return l
}

// TestLeanMatchesReference runs both forms on scenes with nodata holes,
// NaNs, odd sizes, orthophotos at other resolutions and leans pushing the
// edges off the image.
func TestLeanMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name       string
		w, h, n    int
		res, ores  float64
		kE, kN     float64
		r          int
		holes, nan bool
		seed       uint64
	}{
		{"square", 220, 220, 40, 1, 0.5, 0.2, -0.15, 40, false, false, 1},
		{"holes", 220, 220, 40, 1, 0.5, -0.3, 0.05, 40, true, false, 2},
		{"nan", 220, 220, 40, 1, 0.5, 0.4, 0.4, 40, false, true, 3},
		{"odd", 173, 129, 40, 1, 0.5, 0, 0.35, 7, true, true, 4},
		{"radius wider than tile", 60, 90, 40, 1, 0.5, -0.1, -0.4, 100, true, false, 5},
		{"same resolution", 220, 220, 40, 1, 1, 0.1, 0.1, 40, false, false, 6},
		{"radius 1", 120, 120, 40, 1, 0.5, 0.1, 0.1, 1, true, false, 7},
		{"dense", 242, 242, 200, 1, 0.5, -0.25, -0.2, 40, true, false, 8},
		// 0.3 m is no power of two: the displacement is divided by it.
		{"pixels of 0.3 m", 220, 220, 40, 0.6, 0.3, 0.2, -0.15, 40, false, false, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nd := Nodata{NoData, true}
			sq := max(tc.w, tc.h)
			full, fullGrey := leanScene(sq, tc.n, tc.kE, tc.kN, tc.seed)
			r := rand.New(rand.NewPCG(tc.seed, 9))
			dsm := make([]float32, tc.w*tc.h)
			for y := range tc.h {
				copy(dsm[y*tc.w:(y+1)*tc.w], full[y*sq:y*sq+tc.w])
			}
			for i := range dsm {
				switch {
				case tc.holes && r.IntN(50) == 0:
					dsm[i] = NoData
				case tc.nan && r.IntN(80) == 0:
					dsm[i] = float32(math.NaN())
				}
			}
			scale := int(math.Round(tc.res / tc.ores))
			gw, gh := tc.w*scale, tc.h*scale
			grey := make([]float32, gw*gh)
			for y := range gh {
				for x := range gw {
					grey[y*gw+x] = fullGrey[(y*2/scale)*2*sq+x*2/scale]
				}
			}
			g, gRef := make([]float32, len(dsm)), make([]float32, len(dsm))
			Ground(g, dsm, nd, tc.w, tc.h, tc.r)
			groundRef(gRef, dsm, nd, tc.w, tc.h, tc.r)
			for i := range g {
				if math.Float32bits(g[i]) != math.Float32bits(gRef[i]) {
					t.Fatalf("ground at %d: %v, direct scan %v", i, g[i], gRef[i])
				}
			}
			got := EstimateLean(dsm, g, nd, tc.w, tc.h, tc.res, grey, gw, gh, tc.ores)
			want := estimateLeanRef(dsm, g, nd, tc.w, tc.h, tc.res, grey, gw, gh, tc.ores)
			if got != want {
				t.Errorf("lean %+v, direct search %+v", got, want)
			}
			if want.Edges < minLeanEdges {
				t.Errorf("scene has %d roof edges: the search was not exercised", want.Edges)
			}
			if tc.n > 40 && want.Edges < 2*coarseEdges {
				t.Errorf("dense scene has %d roof edges: the coarse pass scored them all", want.Edges)
			}
		})
	}
}

func BenchmarkEstimateLean(b *testing.B) {
	nd := Nodata{NoData, true}
	// As dense as a city tile with its halo.
	const w = 242
	dsm, grey := leanScene(w, 200, 0.2, -0.15, 7)
	ground := make([]float32, len(dsm))
	Ground(ground, dsm, nd, w, w, 40)
	for _, bc := range []struct {
		name string
		f    func(dsm, ground []float32, nd Nodata, w, h int, res float64, grey []float32, gw, gh int, ores float64) Lean
	}{{"fast", EstimateLean}, {"direct", estimateLeanRef}} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				bc.f(dsm, ground, nd, w, w, 1, grey, 2*w, 2*w, 0.5)
			}
		})
	}
}

func BenchmarkGround(b *testing.B) {
	nd := Nodata{NoData, true}
	const w = 280
	dsm, _ := leanScene(w, 40, 0.2, -0.15, 7)
	ground := make([]float32, len(dsm))
	for _, bc := range []struct {
		name string
		f    func(ground, dsm []float32, nd Nodata, w, h, r int)
	}{{"fast", Ground}, {"direct", groundRef}} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				bc.f(ground, dsm, nd, w, w, 40)
			}
		})
	}
}

// gradientRef is gradient indexed from the whole image, as it was written
// first.
func gradientRef(img []float32, w, h int) []float32 {
	g := make([]float32, w*h)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			gx := img[i-w+1] + 2*img[i+1] + img[i+w+1] - img[i-w-1] - 2*img[i-1] - img[i+w-1]
			gy := img[i+w-1] + 2*img[i+w] + img[i+w+1] - img[i-w-1] - 2*img[i-w] - img[i-w+1]
			g[i] = float32(math.Sqrt(float64(gx*gx + gy*gy)))
		}
	}
	return g
}

// TestGradientMatchesReference checks the column-major gradient against
// the direct form transposed, on images narrower and wider than a band of
// rows, and with rows left over after the last full band.
func TestGradientMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for n := range 200 {
		w, h := 1+r.IntN(30), 1+r.IntN(30)
		if n%10 == 0 {
			w, h = 1+r.IntN(90), 2*gradBand+1+r.IntN(3*gradBand)
		}
		img := make([]float32, w*h)
		for i := range img {
			img[i] = float32(r.IntN(256)) / 3
		}
		got, want := gradientColumns(img, w, h), gradientRef(img, w, h)
		for y := range h {
			for x := range w {
				if g, wt := got[x*h+y], want[y*w+x]; math.Float32bits(g) != math.Float32bits(wt) {
					t.Fatalf("image %d (%d×%d): pixel (%d,%d) is %v, the direct form %v", n, w, h, x, y, g, wt)
				}
			}
		}
	}
}
