package world

import (
	"bytes"
	"encoding/binary"
	"math"
	"sync"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// Scenes are shared between tests: New is the expensive part.
var (
	sceneMu sync.Mutex
	scenes  = map[[3]float64]*World{}
)

func scene(seed int64, w, h float64) *World {
	sceneMu.Lock()
	defer sceneMu.Unlock()
	k := [3]float64{float64(seed), w, h}
	if wd, ok := scenes[k]; ok {
		return wd
	}
	wd := New(seed, w, h)
	scenes[k] = wd
	return wd
}

func paint(wd *World, e int, x0, y1, res float64, w, h int) *surface.Layers {
	l := surface.New(x0, y1, res, w, h)
	wd.Paint(e, l)
	return l
}

// dump serializes every layer, so two paintings compare byte for byte.
func dump(l *surface.Layers) []byte {
	var b bytes.Buffer
	for _, s := range []any{l.Ground, l.Solid, l.Mat, l.Class, l.Tone, l.Obj, l.CanopyTop, l.CanopyBase, l.CanopyDensity, l.CanopyObj, l.CanopyClass} {
		binary.Write(&b, binary.LittleEndian, s)
	}
	return b.Bytes()
}

// cols extracts columns [i0, i1) of every row of l as a new Layers dump.
func cols(l *surface.Layers, i0, i1 int) []byte {
	s := surface.New(l.X(i0)-l.Res/2, l.Y1, l.Res, i1-i0, l.H)
	for j := range l.H {
		for i := i0; i < i1; i++ {
			k, m := j*l.W+i, j*s.W+i-i0
			s.Ground[m], s.Solid[m], s.Mat[m], s.Class[m], s.Tone[m], s.Obj[m] = l.Ground[k], l.Solid[k], l.Mat[k], l.Class[k], l.Tone[k], l.Obj[k]
			s.CanopyTop[m], s.CanopyBase[m], s.CanopyDensity[m], s.CanopyObj[m], s.CanopyClass[m] = l.CanopyTop[k], l.CanopyBase[k], l.CanopyDensity[k], l.CanopyObj[k], l.CanopyClass[k]
		}
	}
	return dump(s)
}

func TestDeterminism(t *testing.T) {
	a, b := New(7, 800, 700), New(7, 800, 700)
	for e := range 2 {
		la := paint(a, e, 100, 600, 0.25, 1024, 1024)
		lb := paint(b, e, 100, 600, 0.25, 1024, 1024)
		if !bytes.Equal(dump(la), dump(lb)) {
			t.Fatalf("epoch %d: same seed, different layers", e)
		}
	}
	if len(a.Changes()) != len(b.Changes()) {
		t.Fatal("same seed, different changes")
	}
	c := New(8, 800, 700)
	if bytes.Equal(dump(paint(a, 0, 100, 600, 0.25, 512, 512)), dump(paint(c, 0, 100, 600, 0.25, 512, 512))) {
		t.Fatal("different seeds, same layers")
	}
}

func TestWindowIndependence(t *testing.T) {
	wd := scene(1, 2000, 2000)
	tests := []struct {
		name   string
		x0, y1 float64
		res    float64
		w, h   int
	}{
		{"centre", 700, 1300, 0.25, 1200, 600},
		{"river", float64(int(wd.land.r.o[0])) - 150, 1000, 0.25, 1200, 400},
		{"coarse", 0, 2000, 1, 800, 300},
		{"margin", -100, 100, 0.5, 600, 400},
	}
	for _, tc := range tests {
		for e := range 2 {
			big := paint(wd, e, tc.x0, tc.y1, tc.res, tc.w, tc.h)
			half := tc.w / 2
			left := paint(wd, e, tc.x0, tc.y1, tc.res, half, tc.h)
			right := paint(wd, e, tc.x0+float64(half)*tc.res, tc.y1, tc.res, tc.w-half, tc.h)
			if !bytes.Equal(cols(big, 0, half), dump(left)) || !bytes.Equal(cols(big, half, tc.w), dump(right)) {
				t.Errorf("%s epoch %d: halves differ from the whole", tc.name, e)
			}
		}
	}
}

func TestConcurrentPaint(t *testing.T) {
	wd := scene(1, 1000, 1000)
	want := dump(paint(wd, 1, 200, 800, 0.25, 512, 512))
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	for g := range got {
		wg.Go(func() { got[g] = dump(paint(wd, 1, 200, 800, 0.25, 512, 512)) })
	}
	wg.Wait()
	for _, g := range got {
		if !bytes.Equal(g, want) {
			t.Fatal("concurrent paint differs")
		}
	}
}

// annexLike reports whether obj is a small building allowed to be low.
func annexLike(wd *World, obj uint32) bool {
	for i := range wd.buildings {
		b := &wd.buildings[i]
		if b.st[0].id == obj || b.st[1].id == obj {
			return b.typ == bAnnex || b.typ == bRooftop
		}
	}
	return false
}

func TestClassesAndMaterials(t *testing.T) {
	wd := scene(1, 2000, 2000)
	rx := wd.land.r.centre(dot(sub(pt{1000, 1000}, wd.land.r.o), wd.land.r.a))
	low := map[uint32]bool{}
	var water, bld, veg, deck int
	for e := range 2 {
		l := paint(wd, e, rx[0]-400, rx[1]+300, 0.25, 3200, 2400)
		for k := range l.W * l.H {
			solid, ground := l.Solid[k], l.Ground[k]
			switch l.Class[k] {
			case surface.ClassWater:
				water++
				if l.Mat[k] != surface.Water || solid != ground || l.Obj[k] != 0 {
					t.Fatalf("water cell %d: mat %v solid %v ground %v", k, l.Mat[k], solid, ground)
				}
			case surface.ClassBuilding:
				bld++
				switch l.Mat[k] {
				case surface.RoofTile, surface.RoofFlat, surface.RoofMetal, surface.Parapet, surface.Skylight, surface.Equipment, surface.Scaffold, surface.Gravel:
				default:
					t.Fatalf("building cell with material %v", l.Mat[k])
				}
				if solid-ground < 2.5 {
					low[l.Obj[k]] = true
				}
			case surface.ClassBridge:
				deck++
				if l.Mat[k] != surface.BridgeDeck || solid-ground < 0.5 {
					t.Fatalf("bridge cell: mat %v, %.1f m above ground", l.Mat[k], solid-ground)
				}
			case surface.ClassUnclassified:
				switch l.Mat[k] {
				case surface.Vehicle, surface.Container, surface.Scaffold, surface.Crane:
				default:
					t.Fatalf("class 1 cell with material %v", l.Mat[k])
				}
				if solid-ground < 0.5 {
					t.Fatalf("vehicle-like cell only %.2f m high", solid-ground)
				}
			case surface.ClassGround:
				if solid != ground {
					t.Fatalf("ground cell with solid %v != ground %v", solid, ground)
				}
				if l.Mat[k] == surface.Water || l.Mat[k] >= surface.RoofTile && l.Mat[k] != surface.Rubble && l.Mat[k] != surface.Rail {
					t.Fatalf("ground cell with material %v", l.Mat[k])
				}
			default:
				t.Fatalf("unexpected class %d", l.Class[k])
			}
			if ct := l.CanopyTop[k]; ct != surface.NoCanopy {
				veg++
				if l.CanopyBase[k] < solid || ct <= l.CanopyBase[k] || l.CanopyObj[k] == 0 {
					t.Fatalf("crown %v..%v over solid %v", l.CanopyBase[k], ct, solid)
				}
				if c := l.CanopyClass[k]; c != surface.ClassMediumVeg && c != surface.ClassHighVeg {
					t.Fatalf("canopy class %d", c)
				}
			}
			if l.Obj[k] == 0 || wd.Kind(l.Obj[k]) != Terrain {
				if i, j := k%l.W, k/l.W; i%97 == 0 && j%89 == 0 && float32(wd.Ground(l.X(i), l.Y(j))) != ground {
					t.Fatalf("painted ground %v != Ground %v", ground, wd.Ground(l.X(i), l.Y(j)))
				}
			}
		}
	}
	for obj := range low {
		if !annexLike(wd, obj) {
			t.Errorf("building %d (kind %v) has cells less than 2.5 m above ground", obj, wd.Kind(obj))
		}
	}
	if water == 0 || bld == 0 || veg == 0 {
		t.Errorf("missing classes: water %d, building %d, vegetation %d", water, bld, veg)
	}
	t.Logf("cells: water %d, building %d, vegetation %d, bridge %d", water, bld, veg, deck)
}

func TestKindCodes(t *testing.T) {
	tests := []struct {
		k        Kind
		code     uint8
		name     string
		building bool
	}{
		{None, 0, "none", false},
		{Construction, 1, "construction", true},
		{Demolition, 2, "demolition", true},
		{Vegetation, 3, "vegetation", false},
		{Vehicle, 4, "vehicle", false},
		{Terrain, 5, "terrain", false},
		{Temporary, 6, "temporary", false},
		{Renovation, 7, "renovation", false},
	}
	for _, tc := range tests {
		if tc.k.Code() != tc.code || tc.k.String() != tc.name || tc.k.Building() != tc.building {
			t.Errorf("%v: code %d building %v", tc.k, tc.k.Code(), tc.k.Building())
		}
	}
}

// whole paints the whole scene in both epochs at res.
func whole(wd *World, res float64) [2]*surface.Layers {
	w, h := int(math.Ceil(wd.w/res)), int(math.Ceil(wd.h/res))
	return [2]*surface.Layers{paint(wd, 0, 0, wd.h, res, w, h), paint(wd, 1, 0, wd.h, res, w, h)}
}

func TestChangesCoherent(t *testing.T) {
	wd := scene(3, 1000, 1000)
	ls := whole(wd, 0.5)
	type stat struct {
		n   int
		top float64
	}
	var seen [2]map[uint32]*stat
	for e := range 2 {
		seen[e] = map[uint32]*stat{}
		l := ls[e]
		for k := range l.W * l.H {
			if o := l.Obj[k]; o != 0 {
				s := seen[e][o]
				if s == nil {
					s = &stat{top: -1e9}
					seen[e][o] = s
				}
				s.n++
				s.top = math.Max(s.top, float64(l.Solid[k]-l.Ground[k]))
			}
		}
	}
	var checked int
	for _, c := range wd.Changes() {
		if !c.Kind.Building() || !wd.inScene(poly(c.Outline).centroid()) || poly(c.Outline).depth(poly(c.Outline).centroid()) < 1 {
			continue
		}
		objs, hs := [2]uint32{c.ObjT0, c.ObjT1}, [2]float64{c.HeightT0, c.HeightT1}
		if objs[0] == 0 && objs[1] == 0 {
			t.Fatalf("change %d (%s) has no object", c.ID, c.What)
		}
		for e := range 2 {
			if objs[e] == 0 {
				if hs[e] != 0 {
					t.Errorf("change %d: height %v without object", c.ID, hs[e])
				}
				continue
			}
			if k := wd.Kind(objs[e]); k != c.Kind && !(c.What == "demolition" && k == Demolition) {
				t.Errorf("change %d (%s): object kind %v, change kind %v", c.ID, c.What, k, c.Kind)
			}
			s := seen[e][objs[e]]
			if s == nil {
				t.Errorf("change %d (%s): object %d not painted in epoch %d", c.ID, c.What, objs[e], e)
				continue
			}
			if math.Abs(s.top-hs[e]) > 0.6 {
				t.Errorf("change %d (%s) epoch %d: painted top %.2f, recorded %.2f", c.ID, c.What, e, s.top, hs[e])
			}
			checked++
		}
		// An object of a change never shows in the epoch it is absent from.
		for e := range 2 {
			if objs[e] != 0 && objs[1-e] != objs[e] && seen[1-e][objs[e]] != nil {
				t.Errorf("change %d: object of epoch %d painted in epoch %d", c.ID, e, 1-e)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d building change states checked", checked)
	}
	// Unchanged buildings keep their id: None-kind ids of 2010 show in 2017.
	var none, kept int
	for o := range seen[0] {
		if wd.Kind(o) == None {
			none++
			if seen[1][o] != nil {
				kept++
			}
		}
	}
	if none == 0 || float64(kept) < 0.99*float64(none) {
		t.Errorf("%d of %d unchanged objects of 2010 show in 2017", kept, none)
	}
	ids := map[int]bool{}
	for i, c := range wd.Changes() {
		if c.ID != i+1 || ids[c.ID] {
			t.Fatalf("change ids not in order at %d", i)
		}
		ids[c.ID] = true
	}
}

func TestBuildingChangeShare(t *testing.T) {
	tests := []struct {
		seed int64
		size float64
	}{
		{1, 1000}, {2, 1000}, {5, 1000}, {1, 2000},
	}
	for _, tc := range tests {
		wd := scene(tc.seed, tc.size, tc.size)
		ls := whole(wd, 1)
		var n int
		for k := range ls[0].W * ls[0].H {
			if wd.Kind(ls[0].Obj[k]).Building() || wd.Kind(ls[1].Obj[k]).Building() {
				n++
			}
		}
		share := float64(n) / float64(ls[0].W*ls[0].H)
		t.Logf("seed %d, %.0f m: building change share %.2f %%", tc.seed, tc.size, 100*share)
		if share < 0.03 || share > 0.08 {
			t.Errorf("seed %d, %.0f m: building change share %.2f %%, want about 5 %%", tc.seed, tc.size, 100*share)
		}
	}
}

func TestDeltaHRange(t *testing.T) {
	wd := scene(1, 4000, 5000)
	lo, hi := 0.0, 0.0
	for _, c := range wd.Changes() {
		if c.Kind.Building() {
			d := c.HeightT1 - c.HeightT0
			lo, hi = math.Min(lo, d), math.Max(hi, d)
		}
	}
	t.Logf("ΔH of building changes: %.1f … %.1f m", lo, hi)
	if lo > -20 || lo < -32 || hi < 30 || hi > 45 {
		t.Errorf("ΔH range %.1f … %.1f m, want about −25 … +35", lo, hi)
	}
	c := wd.Census()
	if !c.River || c.Bridges < 2 {
		t.Errorf("4×5 km scene: river %v, %d bridges", c.River, c.Bridges)
	}
	if c.Buildings[0]["perimeter"] == 0 || c.Buildings[0]["tower"] == 0 || c.Buildings[0]["industrial"] == 0 {
		t.Errorf("building types missing: %v", c.Buildings[0])
	}
	if wd.MaxHeightAboveGround() < 30 || wd.MaxHeightAboveGround() > 80 {
		t.Errorf("max height %.1f", wd.MaxHeightAboveGround())
	}
}

func TestPitchedRoofs(t *testing.T) {
	wd := scene(1, 1000, 1000)
	l := paint(wd, 0, 250, 750, 0.25, 2048, 2048)
	lo, hi := map[uint32]float32{}, map[uint32]float32{}
	for k := range l.W * l.H {
		if l.Mat[k] == surface.RoofTile {
			o := l.Obj[k]
			if _, ok := lo[o]; !ok {
				lo[o], hi[o] = l.Solid[k], l.Solid[k]
			}
			lo[o], hi[o] = min(lo[o], l.Solid[k]), max(hi[o], l.Solid[k])
		}
	}
	var sloped int
	for o := range lo {
		if hi[o]-lo[o] > 1 {
			sloped++
		}
	}
	if len(lo) < 50 || float64(sloped) < 0.8*float64(len(lo)) {
		t.Errorf("%d of %d tiled roofs slope", sloped, len(lo))
	}
}

// Streets run at any angle: the outlines of the built-up areas (the
// building mask, blurred so the grid's staircase does not quantize the
// directions) are not mostly axis-aligned.
func TestStreetOrientation(t *testing.T) {
	wd := scene(1, 2000, 2000)
	l := paint(wd, 0, 500, 1500, 0.5, 2000, 2000)
	const r = 4 // blur radius, cells
	w, h := l.W, l.H
	sum := make([]float64, (w+1)*(h+1)) // integral image of the mask
	for j := range h {
		for i := range w {
			v := 0.0
			if l.Class[j*w+i] == surface.ClassBuilding {
				v = 1
			}
			sum[(j+1)*(w+1)+i+1] = v + sum[j*(w+1)+i+1] + sum[(j+1)*(w+1)+i] - sum[j*(w+1)+i]
		}
	}
	blur := func(i, j int) float64 {
		a, b, c, d := i-r, j-r, i+r+1, j+r+1
		return sum[d*(w+1)+c] - sum[b*(w+1)+c] - sum[d*(w+1)+a] + sum[b*(w+1)+a]
	}
	var hist [18]int // edge direction mod 90°, 5° bins
	for j := 2 * r; j < h-2*r; j += 2 {
		for i := 2 * r; i < w-2*r; i += 2 {
			gx := blur(i+r, j) - blur(i-r, j)
			gy := blur(i, j-r) - blur(i, j+r)
			if math.Hypot(gx, gy) < 30 {
				continue
			}
			a := math.Mod(math.Atan2(gy, gx)*180/math.Pi+360, 90)
			hist[int(a/5)%18]++
		}
	}
	var total int
	for _, n := range hist {
		total += n
	}
	axis := hist[0] + hist[17]
	t.Logf("edge directions (5° bins mod 90°): %v", hist)
	if total == 0 || float64(axis) > 0.3*float64(total) {
		t.Errorf("%d of %d edge samples axis-aligned", axis, total)
	}
	var occupied int
	for _, n := range hist {
		if float64(n) > 0.02*float64(total) {
			occupied++
		}
	}
	if occupied < 8 {
		t.Errorf("edges in only %d of 18 direction bins", occupied)
	}
	// The districts' grids themselves point every way.
	var thetas []float64
	for _, d := range wd.districts {
		if wd.inScene(d.site) {
			thetas = append(thetas, math.Mod(d.theta*180/math.Pi, 90))
		}
	}
	var off int
	for _, a := range thetas {
		if a > 5 && a < 85 {
			off++
		}
	}
	if len(thetas) < 3 || off < len(thetas)/2 {
		t.Errorf("district grid angles %v", thetas)
	}
}

func TestRiverAndBridges(t *testing.T) {
	wd := scene(1, 4000, 5000)
	var b *bridge
	for i := range wd.bridges {
		if wd.inScene(wd.bridges[i].p.centroid()) {
			b = &wd.bridges[i]
			break
		}
	}
	if b == nil {
		t.Fatal("no bridge in the scene")
	}
	c := b.p.centroid()
	l := paint(wd, 0, math.Floor(c[0])-100, math.Floor(c[1])+100, 0.25, 800, 800)
	var water, deck, riparian int
	for k := range l.W * l.H {
		switch l.Class[k] {
		case surface.ClassWater:
			water++
		case surface.ClassBridge:
			deck++
		}
		if l.CanopyTop[k] != surface.NoCanopy {
			riparian++
		}
	}
	if water == 0 || deck == 0 || riparian == 0 {
		t.Errorf("at a bridge: water %d, deck %d, trees %d cells", water, deck, riparian)
	}
	// The water lies a few metres below the surrounding plateau.
	g := wd.Ground(c[0], c[1])
	plateau := wd.land.t.plain(c[0], c[1])
	if d := plateau - g; d < 3 || d > 9 {
		t.Errorf("water %.1f m below the plateau", d)
	}
}

func TestExtents(t *testing.T) {
	for _, e := range [][2]float64{{50, 50}, {0, -3}, {math.NaN(), 80}, {20000, 60}, {120, 300}} {
		wd := New(4, e[0], e[1])
		l := paint(wd, 1, 0, 50, 0.25, 200, 200)
		if l.Solid[0] < 600 || l.Solid[0] > 800 {
			t.Errorf("extent %v: surface at %.1f m", e, l.Solid[0])
		}
	}
}

func BenchmarkPaint2048(b *testing.B) {
	wd := scene(1, 4000, 5000)
	l := surface.New(1744, 2756, 0.25, 2048, 2048)
	for b.Loop() {
		wd.Paint(1, l)
	}
}

func BenchmarkNew4x5km(b *testing.B) {
	for b.Loop() {
		New(2, 4000, 5000)
	}
}
