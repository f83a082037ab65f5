package changemap

import (
	"math"
	"math/rand/v2"
	"testing"
)

// leanScene is a w×w-cell DSM (1 m) of n boxes on a gently sloping ground and
// its orthophoto's luminance (0.5 m) as a camera with lean k sees it:
// ground, then façades swept from footprint to roof, then roofs displaced
// by height·k, lowest box first.
func leanScene(w, n int, kE, kN float64, seed uint64) (dsm []float32, grey []float32) {
	r := rand.New(rand.NewPCG(seed, 1))
	dsm = make([]float32, w*w)
	for y := 0; y < w; y++ {
		for x := 0; x < w; x++ {
			dsm[y*w+x] = 700 + 0.02*float32(x)
		}
	}
	gw := 2 * w
	grey = make([]float32, gw*gw)
	for i := range grey {
		grey[i] = 110 + float32(r.IntN(20))
	}
	type box struct {
		x, y, bw, bh int
		h            float64
	}
	var boxes []box
	for range n {
		b := box{r.IntN(w - 30), r.IntN(w - 30), 8 + r.IntN(20), 8 + r.IntN(20), 4 + 25*r.Float64()}
		boxes = append(boxes, b)
	}
	// Lowest first, so taller roofs cover lower ones.
	for i := range boxes {
		for j := i + 1; j < len(boxes); j++ {
			if boxes[j].h < boxes[i].h {
				boxes[i], boxes[j] = boxes[j], boxes[i]
			}
		}
	}
	for _, b := range boxes {
		for y := b.y; y < b.y+b.bh; y++ {
			for x := b.x; x < b.x+b.bw; x++ {
				dsm[y*w+x] = max(dsm[y*w+x], 700+0.02*float32(x)+float32(b.h))
			}
		}
		paint := func(t float64, v float32) {
			dx, dy := 2*t*b.h*kE, -2*t*b.h*kN // in 0.5 m pixels
			for y := 2 * b.y; y < 2*(b.y+b.bh); y++ {
				for x := 2 * b.x; x < 2*(b.x+b.bw); x++ {
					px, py := x+int(math.Round(dx)), y+int(math.Round(dy))
					if px >= 0 && py >= 0 && px < gw && py < gw {
						grey[py*gw+px] = v
					}
				}
			}
		}
		for s := 0; s < 20; s++ {
			paint(float64(s)/20, 60)
		}
		paint(1, 200+float32(r.IntN(40)))
	}
	return dsm, grey
}

func TestEstimateLean(t *testing.T) {
	nd := Nodata{NoData, true}
	// The last is as dense as a city tile with its halo (about 12 000
	// roof edges), where the coarse pass scores a subset of the edges.
	for _, tc := range []struct {
		w, n   int
		kE, kN float64
	}{{220, 40, 0.2, -0.15}, {220, 40, -0.3, 0.05}, {220, 40, 0, 0.35}, {220, 40, 0.1, 0.1}, {242, 200, -0.25, -0.2}} {
		w := tc.w
		dsm, grey := leanScene(w, tc.n, tc.kE, tc.kN, 7)
		ground := make([]float32, len(dsm))
		Ground(ground, dsm, nd, w, w, 40)
		l := EstimateLean(dsm, ground, nd, w, w, 1, grey, 2*w, 2*w, 0.5)
		if !l.OK() || math.Abs(l.E-tc.kE) > 0.02 || math.Abs(l.N-tc.kN) > 0.02 {
			t.Errorf("lean (%g, %g): estimated %+v (ok %v)", tc.kE, tc.kN, l, l.OK())
		}
	}
	// A flat DSM has no roof edges: no estimate.
	flat := make([]float32, 100*100)
	if l := EstimateLean(flat, flat, nd, 100, 100, 1, make([]float32, 200*200), 200, 200, 0.5); l.OK() {
		t.Errorf("flat DSM gave a lean: %+v", l)
	}
}

func TestGround(t *testing.T) {
	nd := Nodata{NoData, true}
	dsm := []float32{5, 9, 9, NoData, 9, 9, 3, NoData}
	g := make([]float32, len(dsm))
	Ground(g, dsm, nd, 8, 1, 1)
	want := []float32{5, 5, 9, 9, 9, 3, 3, 3}
	for i := range want {
		if g[i] != want[i] {
			t.Fatalf("ground %v, want %v", g, want)
		}
	}
	Ground(g, []float32{NoData, NoData}, nd, 2, 1, 1)
	if g[0] != NoData || g[1] != NoData {
		t.Errorf("all-nodata ground %v", g)
	}
}

func TestLeanMask2D(t *testing.T) {
	// 6×6 cells; a 2×2 new building 10 m up at cells (1..2, 1..2); lean
	// 0.1 east per metre: its roof appears 1 m (2 px) east.
	const w = 6
	cd := make([]float32, w*w)
	dsm1 := make([]float32, w*w)
	ground := make([]float32, w*w)
	for _, i := range []int{7, 8, 13, 14} {
		cd[i] = 10
		dsm1[i] = 10
	}
	nd := [2]Nodata{{NoData, true}, {NoData, true}}
	lean := [2]Lean{{}, {E: 0.1, Edges: minLeanEdges, Gain: 2}}
	out := make([]uint8, 4*w*w)
	LeanMask2D(out, 2*w, 2*w, cd, w, w, true, [2][]float32{dsm1, dsm1}, [2][]float32{ground, ground}, nd, lean)
	want := "............ ............ ..######.... ..######.... ..######.... ..######.... ............ ............ ............ ............ ............ ............"
	if got := picture(out, 2*w); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, v := range out {
		if v != 0 && v != Construction {
			t.Fatalf("class %d, want construction", v)
		}
	}
	// A lean that is not OK leaves the footprint.
	LeanMask2D(out, 2*w, 2*w, cd, w, w, false, [2][]float32{dsm1, dsm1}, [2][]float32{ground, ground}, nd, [2]Lean{})
	if got := picture(out, 2*w); got != "............ ............ ..####...... ..####...... ..####...... ..####...... ............ ............ ............ ............ ............ ............" {
		t.Errorf("without a lean: %s", got)
	}
}

// TestLeanNeeded checks LeanNeeded against the direct rule (a changed cell
// of the epoch's sign, valid surface, valid ground, height not ≤ 0), and
// that LeanMask2D draws the same map when the leans it does not need are
// left out: on random scenes of gains only, losses only and both, with
// nodata, NaN and ±Inf in the surfaces, NoData grounds and cells below
// their ground.
func TestLeanNeeded(t *testing.T) {
	const w, h = 23, 17
	leans := [2]Lean{{E: 0.12, N: -0.07, Edges: 300, Gain: 2}, {E: -0.09, N: 0.15, Edges: 300, Gain: 2}}
	nd := [2]Nodata{{NoData, true}, {-1, true}}
	seen, leaned := map[[2]bool]int{}, 0
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 11))
		signs := r.IntN(3) // 0: gains only, 1: losses only, 2: both
		cd := make([]float32, w*h)
		var dsm, ground [2][]float32
		for e := range 2 {
			dsm[e], ground[e] = make([]float32, w*h), make([]float32, w*h)
		}
		// Few changed cells, so that a sign often has none that counts,
		// or none at all.
		sparse := []int{40, 400, 4000}[r.IntN(3)]
		for i := range cd {
			switch v := 0.01 + 10*r.Float32(); {
			case r.IntN(sparse) != 0:
			case signs == 0 || signs == 2 && r.IntN(2) == 0:
				cd[i] = v
			default:
				cd[i] = -v
			}
			if r.IntN(300) == 0 {
				cd[i] = NoData
			}
			for e := range 2 {
				dsm[e][i], ground[e][i] = 700+20*r.Float32(), 700+10*r.Float32()
				switch r.IntN(12) {
				case 0:
					dsm[e][i] = nd[e].Value
				case 1:
					dsm[e][i] = float32(math.NaN())
				case 2:
					dsm[e][i] = float32(math.Inf(2*r.IntN(2) - 1))
				case 3:
					ground[e][i] = NoData
				}
			}
		}
		var want [2]bool
		for i, v := range cd {
			if v == 0 || v == NoData {
				continue
			}
			e := 1
			if v < 0 {
				e = 0
			}
			z, g := dsm[e][i], ground[e][i]
			if z != nd[e].Value && !math.IsNaN(float64(z)) && !math.IsInf(float64(z), 0) && g != NoData && !(z-g <= 0) {
				want[e] = true
			}
		}
		need := LeanNeeded(cd, dsm, ground, nd)
		if need != want {
			t.Fatalf("seed %d: need %v, want %v", seed, need, want)
		}
		if signs == 0 && need[0] || signs == 1 && need[1] {
			t.Fatalf("seed %d: need %v for changes of one sign", seed, need)
		}
		seen[need]++
		used := leans
		for e := range 2 {
			if !need[e] {
				used[e] = Lean{}
			}
		}
		for _, signed := range []bool{false, true} {
			all, only, none := make([]uint8, 4*w*h), make([]uint8, 4*w*h), make([]uint8, 4*w*h)
			LeanMask2D(all, 2*w, 2*h, cd, w, h, signed, dsm, ground, nd, leans)
			LeanMask2D(only, 2*w, 2*h, cd, w, h, signed, dsm, ground, nd, used)
			if string(all) != string(only) {
				t.Fatalf("seed %d, signed %v: the map changes without the leans not needed (%v)", seed, signed, need)
			}
			LeanMask2D(none, 2*w, 2*h, cd, w, h, signed, dsm, ground, nd, [2]Lean{})
			if string(all) != string(none) {
				leaned++
			}
		}
	}
	// Every combination came up, and the leans moved the map in many.
	for _, n := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		if seen[n] < 10 {
			t.Errorf("need %v came up %d times in 300 scenes", n, seen[n])
		}
	}
	if leaned < 200 {
		t.Errorf("the leans moved %d maps of 600", leaned)
	}
}

func TestRefineEdges(t *testing.T) {
	// A 12×10 map whose label (from 1 m cells) reaches one pixel too far
	// east and stops one short at the bottom; the orthophoto's roof (red)
	// is columns 2–7, rows 2–7, on grey ground.
	const w, h = 12, 10
	roof := func(x, y int) bool { return x >= 2 && x <= 7 && y >= 2 && y <= 7 }
	var rgb [3][]uint8
	for b := range rgb {
		rgb[b] = make([]uint8, w*h)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if roof(x, y) {
				rgb[0][i], rgb[1][i], rgb[2][i] = 180, 70, 60
			} else {
				rgb[0][i], rgb[1][i], rgb[2][i] = 110, 110, 110
			}
		}
	}
	label := func() []uint8 {
		out := make([]uint8, w*h)
		for y := 2; y <= 6; y++ {
			for x := 2; x <= 8; x++ {
				out[y*w+x] = Change
			}
		}
		return out
	}
	out := label()
	n := RefineEdges(out, w, h, 2, [2][3][]uint8{rgb, rgb}, false)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if got := out[y*w+x] != 0; got != roof(x, y) {
				t.Errorf("(%d, %d) labelled %v, the roof is %v", x, y, got, roof(x, y))
			}
		}
	}
	if n != 5+6 {
		t.Errorf("%d pixels changed, want 11", n)
	}
	// Radius 0 is off.
	if n := RefineEdges(label(), w, h, 0, [2][3][]uint8{rgb, rgb}, false); n != 0 {
		t.Errorf("radius 0 changed %d", n)
	}
	// A demolition is judged on the earlier orthophoto: all grey there,
	// so no side is closer and nothing moves.
	var grey [3][]uint8
	for b := range grey {
		grey[b] = make([]uint8, w*h)
		for i := range grey[b] {
			grey[b][i] = 110
		}
	}
	out = label()
	for i := range out {
		out[i] *= Demolition
	}
	if n := RefineEdges(out, w, h, 2, [2][3][]uint8{grey, rgb}, true); n != 0 {
		t.Errorf("demolition on its own orthophoto changed %d pixels", n)
	}
}
