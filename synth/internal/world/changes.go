package world

import (
	"math"
	"math/rand/v2"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// BuildingChangeShare is the share of the scene's cells covered by
// building changes (3DCD, Table 2: about 5 % of the pixels change).
const BuildingChangeShare = 0.05

// changeTile is the side of the squares over which the share is met, so
// that any square kilometre of the city changes about as much as the whole.
const changeTile = 500.0

// rec is a change record before object ids exist.
type rec struct {
	kind    Kind
	what    string
	outline poly
	ref     refKind
	i       int32
	only    int8 // -1: both epochs; 0 or 1: only that epoch's object is this change
	depth   float64
}

type refKind uint8

const (
	rBuilding refKind = iota
	rTree
	rTemp
	rCover
	rVehicle // i indexes veh[only]
)

func (wd *World) addRec(k Kind, what string, outline poly, ref refKind, i int, only int8) int32 {
	wd.recs = append(wd.recs, rec{kind: k, what: what, outline: outline, ref: ref, i: int32(i), only: only})
	return int32(len(wd.recs) - 1)
}

// changer holds the state of change selection.
type changer struct {
	wd     *World
	r      *rand.Rand
	bused  []bool
	lots   *index
	buf    []int32
	counts int
}

// change decides what changes between 2010 and 2017. It draws from its own
// stream, so the layout is the same whatever changes. Changes go anywhere a
// city changes: under trees, beside parked cars, on lots with other changes.
func (wd *World) change() {
	c := &changer{wd: wd, r: newRand(wd.seed, streamChanges), bused: make([]bool, len(wd.buildings))}
	r := c.r
	c.lots = wd.buildIndex(len(wd.lots), func(i int) box { return wd.lots[i].fp.bbox() })
	nx := int(math.Ceil((wd.ext.x1 - wd.ext.x0) / changeTile))
	ny := int(math.Ceil((wd.ext.y1 - wd.ext.y0) / changeTile))
	tileOf := func(p pt) int {
		a := min(max(int((p[0]-wd.ext.x0)/changeTile), 0), nx-1)
		b := min(max(int((p[1]-wd.ext.y0)/changeTile), 0), ny-1)
		return b*nx + a
	}
	bc := make([][]int32, nx*ny)
	lc := make([][]int32, nx*ny)
	yc := make([][]int32, nx*ny)
	for i := range wd.buildings {
		b := &wd.buildings[i]
		if b.typ == bAnnex || b.typ == bRooftop {
			continue
		}
		t := tileOf(b.p.centroid())
		bc[t] = append(bc[t], int32(i))
	}
	for i := range wd.lots {
		t := tileOf(wd.lots[i].p.centroid())
		lc[t] = append(lc[t], int32(i))
	}
	for i := range wd.yards {
		t := tileOf(wd.yards[i].p.centroid())
		yc[t] = append(yc[t], int32(i))
	}
	carry := 0.0
	for t := range bc {
		a, b := t%nx, t/nx
		tb := box{wd.ext.x0 + float64(a)*changeTile, wd.ext.y0 + float64(b)*changeTile, 0, 0}
		tb.x1, tb.y1 = math.Min(tb.x0+changeTile, wd.ext.x1), math.Min(tb.y0+changeTile, wd.ext.y1)
		// Footprints lost to parks and the river in tiles that lack
		// candidates are made up by the others (the carry and the 1.15).
		target := 1.15 * BuildingChangeShare * (tb.x1 - tb.x0) * (tb.y1 - tb.y0)
		r.Shuffle(len(bc[t]), func(i, j int) { bc[t][i], bc[t][j] = bc[t][j], bc[t][i] })
		r.Shuffle(len(lc[t]), func(i, j int) { lc[t][i], lc[t][j] = lc[t][j], lc[t][i] })
		acc := c.small(bc[t], yc[t], target)
		goal := target + carry
		bi, li := 0, 0
		for tries := 0; acc < goal && tries < 400; tries++ {
			rest := goal - acc
			u := r.Float64()
			if u < 0.42 && li < len(lc[t]) {
				l := &wd.lots[lc[t][li]]
				li++
				if a := l.fp.area(); a < 2*rest+1500 {
					acc += c.build(l)
				}
				continue
			}
			for bi < len(bc[t]) && c.bused[bc[t][bi]] {
				bi++
			}
			if bi >= len(bc[t]) {
				if li >= len(lc[t]) {
					break
				}
				continue
			}
			i := int(bc[t][bi])
			bi++
			if a := wd.buildings[i].p.area(); a < 2*rest+1500 {
				acc += c.alter(i, r.Float64())
			}
		}
		carry = math.Max(-target, math.Min(target, goal-acc))
		// What the stream left: terrain works on vacant lots, renovations.
		for ; li < len(lc[t]); li++ {
			if l := &wd.lots[lc[t][li]]; !l.used && r.Float64() < 0.25 {
				c.earthworks(l)
			}
		}
		for ; bi < len(bc[t]); bi++ {
			if i := bc[t][bi]; !c.bused[i] && r.Float64() < 0.02 {
				c.renovate(int(i))
			}
		}
	}
}

// small adds extensions, sheds and rooftop rooms in a tile and returns
// their area.
func (c *changer) small(bs, ys []int32, target float64) float64 {
	wd, r := c.wd, c.r
	n := int(target / 12500 * uniform(r, 6, 12))
	acc := 0.0
	for k := 0; k < n; k++ {
		switch u := r.Float64(); {
		case u < 0.5 && len(bs) > 0:
			acc += c.extension(int(bs[r.IntN(len(bs))]))
		case u < 0.8 && len(ys) > 0:
			acc += c.shed(&wd.yards[ys[r.IntN(len(ys))]])
		case len(bs) > 0:
			acc += c.rooftop(int(bs[r.IntN(len(bs))]))
		}
	}
	return acc
}

// free reports whether fp meets no building of either epoch and no lot
// footprint, and stays inside block bl.
func (c *changer) free(fp poly, bl int32) bool {
	wd := c.wd
	if bl >= 0 && !within(fp, wd.blocks[bl].inner) {
		return false
	}
	shrunk := inset(fp, 0.05)
	if shrunk == nil {
		return false
	}
	c.buf = wd.ibld.query(fp.bbox(), c.buf)
	for _, i := range c.buf {
		if overlap(shrunk, wd.buildings[i].p) {
			return false
		}
	}
	c.buf = c.lots.query(fp.bbox(), c.buf)
	for _, i := range c.buf {
		if overlap(shrunk, wd.lots[i].fp) {
			return false
		}
	}
	return true
}

func smallState(r *rand.Rand) bstate {
	st := bstate{roof: roofFlat, eave: uniform(r, 2.4, 3.8), mat: surface.RoofFlat, tone: uint8(r.IntN(8))}
	switch r.IntN(4) {
	case 0:
		st.mat = surface.RoofMetal
	case 1:
		st.roof, st.pitch, st.mat, st.eave = roofGable, 0.3, surface.RoofTile, st.eave-0.5
	}
	return st
}

// newOnly adds a building that stands only in 2017.
func (c *changer) newOnly(fp poly, axis pt, typ btype, st bstate, block int32, k Kind, what string) int {
	wd := c.wd
	bi := wd.newBuilding(fp, axis, typ, st, int(block))
	b := &wd.buildings[bi]
	b.st[0] = bstate{}
	b.st[1].kind = k
	c.bused = append(c.bused, true)
	wd.addRec(k, what, fp, rBuilding, bi, -1)
	return bi
}

// extension builds a small annex against a wall of building i.
func (c *changer) extension(i int) float64 {
	wd, r := c.wd, c.r
	b := &wd.buildings[i]
	if c.bused[i] || b.block < 0 {
		return 0
	}
	e := r.IntN(len(b.p))
	a, d := b.p[e], b.p[(e+1)%len(b.p)]
	l := norm(sub(d, a))
	if l < 5 {
		return 0
	}
	u := unitv(sub(d, a))
	out := mul(perp(u), -1)
	hl, dep := uniform(r, 1.5, math.Min(3, l/2-0.5)), uniform(r, 3, 5)
	m := lerp(a, d, uniform(r, (hl+0.3)/l, 1-(hl+0.3)/l))
	fp := rect(add(m, mul(out, dep/2+0.02)), u, hl, dep/2)
	if !c.free(fp, b.block) {
		return 0
	}
	st := smallState(r)
	st.eave = math.Min(st.eave, wd.buildings[i].st[0].eave-0.5)
	if st.eave < 2.3 {
		return 0
	}
	c.bused[i] = true // the wall it leans on stays
	c.newOnly(fp, u, bAnnex, st, b.block, Construction, "extension")
	return fp.area()
}

// shed puts a garage or garden shed in yard y.
func (c *changer) shed(y *yard) float64 {
	r := c.r
	in := inset(y.p, 0.5)
	if in == nil {
		return 0
	}
	u := longestEdge(y.p)
	fp := rect(randomIn(r, in), u, uniform(r, 1.5, 3), uniform(r, 1.5, 2.5))
	if !within(fp, in) || !c.free(fp, y.block) {
		return 0
	}
	c.newOnly(fp, u, bAnnex, smallState(r), y.block, Construction, "shed")
	return fp.area()
}

// rooftop adds a room on the flat roof of building i.
func (c *changer) rooftop(i int) float64 {
	wd, r := c.wd, c.r
	b := &wd.buildings[i]
	s := b.st[0]
	if c.bused[i] || s.roof != roofFlat || s.mat != surface.RoofFlat || s.eave < 8 {
		return 0
	}
	in := inset(b.p, 1.5)
	if in == nil {
		return 0
	}
	fp := rect(randomIn(r, in), b.axis, uniform(r, 2, 4), uniform(r, 1.5, 3))
	if !within(fp, in) {
		return 0
	}
	for _, ii := range wd.itemsOf[i] {
		if overlap(outset(fp, 0.3), wd.items[ii].p) {
			return 0
		}
	}
	c.bused[i] = true // its height must stay what the room stands on
	st := bstate{roof: roofFlat, eave: uniform(r, 2.6, 3.2), para: 0.3, mat: surface.RoofFlat, tone: uint8(r.IntN(8))}
	ri := c.newOnly(fp, b.axis, bRooftop, st, -1, Construction, "extension")
	rb := &wd.buildings[ri]
	rb.base = b.base + s.eave
	rb.block = b.block
	return fp.area()
}

// build puts lot l's building up: finished, or under construction with
// crane, scaffolding and site huts.
func (c *changer) build(l *lot) float64 {
	wd, r := c.wd, c.r
	if l.used {
		return 0
	}
	l.used = true
	st := l.st
	bi := c.newOnly(l.fp, l.axis, l.typ, st, l.block, Construction, "new_building")
	b := &wd.buildings[bi]
	full := st.eave
	if r.Float64() < 0.22 && full > 5 {
		wd.recs[len(wd.recs)-1].what = "under_construction"
		n := int(full / storey)
		k := irange(r, 1, max(1, n*2/3))
		b.st[1] = bstate{on: true, kind: Construction, roof: roofSlab, eave: float64(k) * storey, mat: surface.Scaffold}
		c.site(l, b, full)
		wd.addCover(l.p, surface.Soil, uint8(r.IntN(4)), 2)
	} else {
		wd.equip(r, bi, 1, 2)
		wd.addCover(l.p, []surface.Material{surface.Paved, surface.Grass, surface.Gravel}[r.IntN(3)], uint8(r.IntN(4)), 2)
	}
	return l.fp.area()
}

// site dresses a building site in 2017: crane, scaffolding, huts, lorries.
func (c *changer) site(l *lot, b *building, full float64) {
	wd, r := c.wd, c.r
	if full > 12 && r.Float64() < 0.85 || r.Float64() < 0.25 {
		ti := wd.crane(r, b.p, full, 1)
		wd.temps[ti].rec = wd.addRec(Temporary, "crane", wd.temps[ti].parts[1], rTemp, ti, -1)
	}
	if r.Float64() < 0.75 {
		ti := wd.scaffold(b.p, b.st[1].eave+1.5, 1, b.base)
		wd.temps[ti].rec = wd.addRec(Temporary, "scaffolding", wd.temps[ti].parts[0], rTemp, ti, -1)
	}
	for range r.IntN(3) {
		p := randomIn(r, l.p)
		hut := rect(p, l.axis, 3, 1.2)
		if within(hut, l.p) && !overlap(outset(hut, 1.6), b.p) && c.free(hut, -1) {
			ti := wd.addTemp(tHut, []poly{hut}, []float64{2.6}, 1, wd.Ground(p[0], p[1]))
			wd.temps[ti].rec = wd.addRec(Temporary, "site_hut", hut, rTemp, ti, -1)
		}
	}
	for range 1 + r.IntN(3) {
		p := randomIn(r, l.p)
		wd.slots = append(wd.slots, slot{c: p, u: l.axis, kind: slSite, run: -1})
	}
	if r.Float64() < 0.3 {
		c.mound(l.p, b.p, 1)
	}
}

// alter applies a change to existing building i, chosen by u.
func (c *changer) alter(i int, u float64) float64 {
	wd, r := c.wd, c.r
	b := &wd.buildings[i]
	s0 := b.st[0]
	storeys := int(math.Round(s0.eave / storey))
	c.bused[i] = true
	// Tall buildings are rarely pulled down or raised further: the ΔH of
	// 3DCD's building changes spans about −25 … +35 m.
	tall := s0.eave > 22.5
	switch {
	case u < 0.32 && !tall:
		b.st[1] = bstate{}
		b.st[0].kind = Demolition
		wd.addRec(Demolition, "demolition", b.p, rBuilding, i, -1)
		wd.addCover(outset(b.p, 0.3), []surface.Material{surface.Soil, surface.Rubble, surface.Gravel}[r.IntN(3)], uint8(r.IntN(4)), 2)
		return b.p.area()
	case u < 0.47 && !tall:
		return c.replace(i)
	case u >= 0.96 && storeys >= 3 && s0.roof == roofFlat:
		b.st[1].eave -= storey
		b.st[0].kind, b.st[1].kind = Demolition, Demolition
		wd.addRec(Demolition, "storey_removal", b.p, rBuilding, i, -1)
		return b.p.area()
	case storeys <= 8:
		return c.storeyAdd(i)
	}
	return 0
}

func (c *changer) storeyAdd(i int) float64 {
	wd, r := c.wd, c.r
	b := &wd.buildings[i]
	if b.typ == bIndustrial || b.typ == bFarm {
		b.st[1].eave += uniform(r, 2, 4) // a raised hall
	} else {
		b.st[1].eave += storey * float64(1+r.IntN(2))
	}
	b.st[0].kind, b.st[1].kind = Construction, Construction
	wd.addRec(Construction, "storey_addition", b.p, rBuilding, i, -1)
	return b.p.area()
}

// replace demolishes building i and builds another on its footprint.
func (c *changer) replace(i int) float64 {
	wd, r := c.wd, c.r
	b := &wd.buildings[i]
	var st bstate
	switch b.typ {
	case bIndustrial, bFarm:
		st = shedState(r)
	case bHouse:
		st = openState(r, false)
		st.eave = float64(irange(r, 2, 4))*storey + groundExtra
	default:
		st = openState(r, b.typ == bTower)
		st.eave = float64(irange(r, 3, 8))*storey + groundExtra
	}
	if math.Abs(st.eave-b.st[0].eave) < storey {
		st.eave = b.st[0].eave + storey
	}
	st.on = true
	st.kind = Construction
	b.st[0].kind = Demolition
	b.st[1] = st
	for _, ii := range wd.itemsOf[i] {
		wd.items[ii].mask &^= 2
	}
	wd.equip(r, i, 1, 2)
	wd.addRec(Demolition, "demolition", b.p, rBuilding, i, 0)
	wd.addRec(Construction, "new_building", b.p, rBuilding, i, 1)
	return b.p.area()
}

// renovate renews building i's roof without changing its height.
func (c *changer) renovate(i int) {
	wd, r := c.wd, c.r
	b := &wd.buildings[i]
	c.bused[i] = true
	s := &b.st[1]
	s.tone = (s.tone + 1 + uint8(r.IntN(7))) % 8
	if s.mat == surface.RoofFlat && r.Float64() < 0.3 {
		s.mat = surface.Gravel
	}
	b.st[0].kind, b.st[1].kind = Renovation, Renovation
	wd.addRec(Renovation, "roof_renovation", b.p, rBuilding, i, -1)
}

// earthworks digs lot l or heaps earth on it in 2017.
func (c *changer) earthworks(l *lot) {
	r := c.r
	l.used = true
	if r.Float64() < 0.6 {
		p := inset(l.p, 1)
		if p == nil {
			return
		}
		cv := c.wd.addCover(p, surface.Soil, uint8(r.IntN(4)), 2)
		cv.kind, cv.depth, cv.side = cPit, uniform(r, 2.5, 6), 3
		cv.chg = c.wd.addRec(Terrain, "excavation", p, rCover, len(c.wd.covers)-1, 1)
		return
	}
	c.mound(l.p, nil, 1)
}

// mound heaps a spoil heap inside p, clear of footprint avoid.
func (c *changer) mound(p, avoid poly, e int) {
	r := c.r
	in := inset(p, 4)
	if in == nil {
		return
	}
	m := rect(randomIn(r, in), longestEdge(p), uniform(r, 4, 10), uniform(r, 3, 6))
	m = intersect(m, p)
	if m == nil || avoid != nil && overlap(outset(m, 1), avoid) {
		return
	}
	cv := c.wd.addCover(m, surface.Soil, uint8(r.IntN(4)), 1<<e)
	cv.kind, cv.depth, cv.side = cMound, uniform(r, 1.5, 4), 3
	cv.chg = c.wd.addRec(Terrain, "earthwork", m, rCover, len(c.wd.covers)-1, int8(e))
}

// treeChanges: in seven years young trees grow 0.3–0.6 m a year, some are
// felled or pruned, new ones are planted. Its own stream.
func (wd *World) treeChanges() {
	r := newRand(wd.seed, streamTreeChanges)
	for i := range wd.trees {
		t := &wd.trees[i]
		s0, s1 := &t.st[0], &t.st[1]
		u := r.Float64()
		switch {
		case u < 0.05 && t.sp != spShrub:
			// Planted around 2011: absent in 2010.
			s0.on = false
			s1.top = math.Min(s1.top, uniform(r, 3.5, 6.5))
			s1.rad = math.Min(s1.rad, uniform(r, 1.2, 2.2))
			s1.base = s1.top * 0.35
		case u < 0.08:
			s1.on = false
		case u < 0.10 && s0.top > 6:
			s1.top = s0.top - uniform(r, 1.5, 3)
			s1.rad = s0.rad * uniform(r, 0.6, 0.8)
			s1.base = math.Min(s0.base, s1.top*0.5)
		case t.young:
			s1.top = s0.top + 7*uniform(r, 0.3, 0.6)
			s1.rad = s0.rad + 7*uniform(r, 0.08, 0.18)
		}
	}
}

// settleTrees removes trunks from where something solid stands: a tree in
// a 2010 building never was; one in a 2017 building, site hut, crane mast
// or pit was felled for it.
func (wd *World) settleTrees() {
	var buf []int32
	wd.pits = newIndex(wd.ext)
	for i := range wd.covers {
		if wd.covers[i].kind == cPit {
			wd.pits.add(i, wd.covers[i].bb)
		}
	}
	for i := range wd.trees {
		t := &wd.trees[i]
		for e := range 2 {
			if !t.st[e].on || !wd.occupied(e, t.c, &buf) {
				continue
			}
			if e == 0 {
				t.st[0].on, t.st[1].on = false, false
			} else {
				t.st[1].on = false
			}
		}
	}
}

func (wd *World) occupied(e int, p pt, buf *[]int32) bool {
	bb := box{p[0], p[1], p[0], p[1]}
	*buf = wd.ibld.query(bb, *buf)
	for _, i := range *buf {
		b := &wd.buildings[i]
		if b.st[e].on && b.p.depth(p) > -0.3 {
			return true
		}
	}
	*buf = wd.itemp.query(bb, *buf)
	for _, i := range *buf {
		t := &wd.temps[i]
		if t.epoch == e && t.kind != tScaffold && t.parts[0].depth(p) > -0.3 {
			return true
		}
	}
	if e == 1 {
		*buf = wd.pits.query(bb, *buf)
		for _, i := range *buf {
			if wd.covers[i].p.contains(p) {
				return true
			}
		}
	}
	return false
}
