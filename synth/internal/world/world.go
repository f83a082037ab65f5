package world

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// Extent limits and the margin laid out beyond the scene so its edges look
// like its inside.
const (
	margin    = 150.0
	minExtent = 1.0
	maxExtent = 50000.0
)

// World is the scene model: object lists and their indexes, built once by
// New and read-only afterwards (Paint may run concurrently).
type World struct {
	seed   int64
	w, h   float64
	ext    box // scene plus margin
	centre pt  // city centre
	land   land

	districts []district
	blocks    []block
	lots      []lot
	yards     []yard
	covers    []cover
	buildings []building
	itemsOf   [][]int32
	items     []item
	trees     []tree
	hedges    []hedge
	temps     []temp
	bridges   []bridge
	slots     []slot
	veh       [2][]vehicle

	recs    []rec // change records, in order
	changes []Change
	kinds   []Kind
	vehBase uint32
	vehEnd  uint32
	maxH    float64
	census  Census

	icov, ibld, iitem, itree, ihedge, itemp, pits *index
	iveh                                          [2]*index
}

// New lays out the world of the given seed over a scene of w × h metres
// (clamped to 1 m … 50 km).
func New(seed int64, w, h float64) *World {
	w, h = clampExtent(w), clampExtent(h)
	wd := &World{seed: seed, w: w, h: h, ext: box{-margin, -margin, w + margin, h + margin}}
	rl := newRand(seed, streamLand)
	wd.land.t = newTerrain(rl, w, h)
	wd.centre = pt{w * uniform(rl, 0.42, 0.58), h * uniform(rl, 0.42, 0.58)}
	wd.land.r = newRiver(rl, wd.centre)
	wd.addBridges(rl)
	wd.layout()
	wd.riverTrees()
	wd.ibld = wd.buildIndex(len(wd.buildings), func(i int) box { return wd.buildings[i].bb })
	wd.change()
	wd.treeChanges()
	wd.itemp = wd.buildIndex(len(wd.temps), func(i int) box { return wd.temps[i].bb })
	wd.settleTrees()
	for e := range 2 {
		wd.placeVehicles(e)
	}
	wd.finish()
	return wd
}

func clampExtent(v float64) float64 {
	if math.IsNaN(v) || v < minExtent {
		return minExtent
	}
	return math.Min(v, maxExtent)
}

func (wd *World) buildIndex(n int, bb func(i int) box) *index {
	ix := newIndex(wd.ext)
	for i := range n {
		ix.add(i, bb(i))
	}
	return ix
}

func treeBox(t *tree) box {
	r := math.Max(t.st[0].rad, t.st[1].rad)
	return box{t.c[0] - r, t.c[1] - r, t.c[0] + r, t.c[1] + r}
}

// Ground is the bare-earth height at (x, y), without excavations or
// earthworks: the water surface on the river.
func (wd *World) Ground(x, y float64) float64 {
	a, b, tx, ty := latticeCell(x, y)
	g00, _ := wd.land.node(a, b)
	g10, _ := wd.land.node(a+1, b)
	g01, _ := wd.land.node(a, b+1)
	g11, _ := wd.land.node(a+1, b+1)
	return blend(g00, g10, g01, g11, tx, ty)
}

// riverDist is the exact distance to the water's edge, negative on it.
func (wd *World) riverDist(p pt) float64 {
	_, q := wd.land.r.locate(p[0], p[1])
	return q
}

// MaxHeightAboveGround is the tallest thing (building, crane, tree) above
// the ground in either epoch.
func (wd *World) MaxHeightAboveGround() float64 { return wd.maxH }

// Kind says what object obj (painted in Obj or CanopyObj) is in terms of
// change; 0 and unknown ids are None.
func (wd *World) Kind(obj uint32) Kind {
	if int(obj) < len(wd.kinds) {
		return wd.kinds[obj]
	}
	if obj >= wd.vehBase && obj < wd.vehEnd {
		return Vehicle
	}
	return None
}

// Changes returns every change object in a fixed order (by ID). Parked
// vehicles are not listed (they are thousands; every one differs between
// the epochs): Kind reports them and Census counts them.
func (wd *World) Changes() []Change { return wd.changes }

// Census returns the counts of the scene (objects whose centre lies in it).
func (wd *World) Census() Census { return wd.census.clone() }

// Extent returns the scene's size in metres.
func (wd *World) Extent() (w, h float64) { return wd.w, wd.h }

var _ = surface.NoCanopy
