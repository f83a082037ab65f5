package world

import (
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// Building types, for the census and the choice of changes.
type btype uint8

const (
	bPerimeter  btype = iota // a building of a perimeter block (historic or 19th–20th c. ensanche)
	bSlab                    // a slab of an open block
	bTower                   // a residential tower
	bHouse                   // a detached or terraced house
	bIndustrial              // an industrial shed
	bAnnex                   // courtyard annexe, garage, shed, extension
	bRooftop                 // a room added on a flat roof
	bFarm                    // farm shed in the fields
	numBTypes
)

var btypeNames = [numBTypes]string{"perimeter", "slab", "tower", "house", "industrial", "annex", "rooftop", "farm"}

type roofKind uint8

const (
	roofFlat  roofKind = iota // flat, optional parapet rim
	roofGable                 // two slopes from the edges facing across the axis
	roofHip                   // slopes from every edge (the straight skeleton of a convex footprint)
	roofSlab                  // bare concrete slab of a building under construction
)

// bstate is a building in one epoch.
type bstate struct {
	on    bool
	id    uint32
	kind  Kind
	eave  float64 // eave or flat roof height above the base, m
	pitch float64 // rise per metre of a pitched roof
	roof  roofKind
	para  float64 // parapet height of a flat roof (0: none)
	sky   bool    // skylight strips (flat metal sheds)
	mat   surface.Material
	tone  uint8
}

// building is a convex footprint standing on a level base.
type building struct {
	p     poly
	e     []hp
	slope uint32 // edges from which a gable rises (bit i: edge i)
	axis  pt     // ridge direction
	base  float64
	bb    box
	typ   btype
	st    [2]bstate
	block int32 // the block it stands in, -1 for none
}

const (
	parapetRim = 0.45 // width of the parapet cells, m
	maxRise    = 5.0  // deep footprints get a flat top rather than a tall roof
)

// newBuilding prepares footprint data; st is the state of both epochs.
func (wd *World) newBuilding(p poly, axis pt, typ btype, st bstate, block int) int {
	b := building{p: p, e: halfPlanes(p), axis: unitv(axis), bb: p.bbox(), typ: typ, block: int32(block)}
	across := perp(b.axis)
	for i, h := range b.e {
		if math.Abs(dot(h.n, across)) > 0.8 {
			b.slope |= 1 << i
		}
	}
	if bits.OnesCount32(b.slope) < 2 {
		b.slope = 1<<len(b.e) - 1 // no two eaves facing across: hipped
	}
	c := p.centroid()
	b.base = wd.Ground(c[0], c[1])
	st.on = true
	b.st = [2]bstate{st, st}
	wd.buildings = append(wd.buildings, b)
	wd.itemsOf = append(wd.itemsOf, nil)
	if wd.ibld != nil {
		wd.ibld.add(len(wd.buildings)-1, b.bb)
	}
	return len(wd.buildings) - 1
}

// roofAt returns the roof height above the base at (x, y) and its material.
func (b *building) roofAt(s *bstate, x, y float64) (float64, surface.Material) {
	switch s.roof {
	case roofGable, roofHip:
		d := math.Inf(1)
		for i, h := range b.e {
			if s.roof == roofHip || b.slope&(1<<i) != 0 {
				d = math.Min(d, h.n[0]*x+h.n[1]*y-h.c)
			}
		}
		return s.eave + math.Min(s.pitch*math.Max(d, 0), maxRise), s.mat
	}
	if s.para > 0 && edgeDist(b.e, x, y) < parapetRim {
		return s.eave + s.para, surface.Parapet
	}
	if s.sky {
		// Strips of glazing across the ridge direction every 7 m.
		u := b.axis[0]*x + b.axis[1]*y
		if f := u - 7*math.Floor(u/7); f < 1.2 && edgeDist(b.e, x, y) > 2 {
			return s.eave, surface.Skylight
		}
	}
	return s.eave, s.mat
}

// top is the highest point of the building in state s above its base,
// roof equipment included (sampled: roofs are piecewise linear).
func (wd *World) top(bi int, e int) float64 {
	b := &wd.buildings[bi]
	s := &b.st[e]
	if !s.on {
		return 0
	}
	t := s.eave
	switch s.roof {
	case roofFlat, roofSlab:
		t += s.para
	default:
		const n = 24
		for j := 0; j <= n; j++ {
			for i := 0; i <= n; i++ {
				x := b.bb.x0 + (b.bb.x1-b.bb.x0)*float64(i)/n
				y := b.bb.y0 + (b.bb.y1-b.bb.y0)*float64(j)/n
				if insideHP(b.e, x, y) {
					z, _ := b.roofAt(s, x, y)
					t = math.Max(t, z)
				}
			}
		}
	}
	for _, ii := range wd.itemsOf[bi] {
		it := &wd.items[ii]
		if it.mask&(1<<e) != 0 {
			t = math.Max(t, wd.itemTop(it, e))
		}
	}
	return t
}

// item is roof equipment of a building: stair tower, lift housing, AC
// unit, chimney, skylight. It belongs to the building's object.
type item struct {
	b    int32
	p    poly
	e    []hp
	bb   box
	h    float64 // above the roof at its centre
	mat  surface.Material
	mask uint8 // epochs it stands in
}

// itemTop is the item's top above the building base in epoch e.
func (wd *World) itemTop(it *item, e int) float64 {
	b := &wd.buildings[it.b]
	c := it.p.centroid()
	z, _ := b.roofAt(&b.st[e], c[0], c[1])
	return z + it.h
}

func (wd *World) addItem(bi int, p poly, h float64, mat surface.Material, mask uint8) {
	wd.items = append(wd.items, item{b: int32(bi), p: p, e: halfPlanes(p), bb: p.bbox(), h: h, mat: mat, mask: mask})
	wd.itemsOf[bi] = append(wd.itemsOf[bi], int32(len(wd.items)-1))
}

// equip puts what real roofs carry on building bi: stair towers, lift
// housings, AC units and skylights on flat roofs, chimneys on tiled ones.
func (wd *World) equip(r *rand.Rand, bi int, e int, mask uint8) {
	b := &wd.buildings[bi]
	s := b.st[e]
	u := b.axis
	inner := inset(b.p, 1.5)
	if inner == nil {
		return
	}
	place := func(hl, hw float64, tries int) poly {
		for range tries {
			c := randomIn(r, inner)
			q := rect(c, u, hl, hw)
			if !within(q, inner) {
				continue
			}
			ok := true
			for _, ii := range wd.itemsOf[bi] {
				if overlap(outset(q, 0.5), wd.items[ii].p) {
					ok = false
					break
				}
			}
			if ok {
				return q
			}
		}
		return nil
	}
	area := b.p.area()
	switch {
	case s.roof == roofFlat && s.mat != surface.RoofMetal:
		towers := 1 + int(area/600)
		for range towers {
			if q := place(uniform(r, 1.8, 2.6), uniform(r, 1.5, 2.2), 8); q != nil {
				wd.addItem(bi, q, uniform(r, 2.6, 3.4), surface.Equipment, mask)
			}
		}
		for range r.IntN(3 + int(area/150)) {
			if q := place(uniform(r, 0.5, 1.0), uniform(r, 0.4, 0.7), 4); q != nil {
				wd.addItem(bi, q, uniform(r, 0.7, 1.3), surface.Equipment, mask)
			}
		}
		if r.Float64() < 0.35 {
			for range 1 + r.IntN(3) {
				if q := place(uniform(r, 0.6, 1.5), uniform(r, 0.6, 1.0), 4); q != nil {
					wd.addItem(bi, q, 0.2, surface.Skylight, mask)
				}
			}
		}
	case s.roof == roofFlat: // metal: a few vents
		for range r.IntN(4) {
			if q := place(0.6, 0.6, 3); q != nil {
				wd.addItem(bi, q, uniform(r, 0.8, 1.5), surface.Equipment, mask)
			}
		}
	case s.mat == surface.RoofTile:
		for range r.IntN(3) {
			c := randomIn(r, inner)
			wd.addItem(bi, rect(c, u, 0.35, 0.35), uniform(r, 0.8, 1.3), surface.Equipment, mask)
		}
	}
}

// randomIn draws a point inside convex p (rejection in its bbox).
func randomIn(r *rand.Rand, p poly) pt {
	bb := p.bbox()
	for range 20 {
		q := pt{uniform(r, bb.x0, bb.x1), uniform(r, bb.y0, bb.y1)}
		if p.contains(q) {
			return q
		}
	}
	return p.centroid()
}

// Storey height and the extra height of a commercial ground floor.
const (
	storey      = 3.0
	groundExtra = 0.8
)

// tileTone, flatTone pick roof colour variants.
func tileTone(r *rand.Rand) uint8 { return uint8(r.IntN(8)) }
