package world

import (
	"math"
	"math/rand/v2"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// What fills a block between streets.
type bkind uint8

const (
	kRing       bkind = iota // perimeter block: a ring of buildings round a courtyard
	kOpen                    // slabs and towers in a lawn
	kIndustrial              // sheds on lots
	kHouses                  // houses with gardens
	kPark                    // lawns, paths, trees
	kPlaza                   // paved square with trees
	kParking                 // surface car park
	kVacant                  // vacant plot
	kFields                  // farmland
	kRiverPark               // the riverside park
)

type block struct {
	outer, inner poly
	kind         bkind
	district     int32
}

// lot is a vacant plot with the building it could receive.
type lot struct {
	p     poly
	fp    poly
	axis  pt
	typ   btype
	st    bstate
	block int32
	dtyp  dtype
	used  bool
}

// yard is open ground inside a block where sheds and annexes can go.
type yard struct {
	p     poly
	block int32
}

// blk is the context of the block being filled.
type blk struct {
	i      int
	d      *district
	outer  poly
	inner  poly
	r, rt  *rand.Rand
	kind   bkind
	centre pt
}

// kindFor picks what a block of district type t holds.
func kindFor(r *rand.Rand, t dtype) bkind {
	u := r.Float64()
	type opt struct {
		p float64
		k bkind
	}
	var opts []opt
	switch t {
	case dHistoric:
		opts = []opt{{0.08, kPlaza}, {0.03, kPark}, {0.03, kVacant}, {0.01, kParking}}
	case dEnsanche:
		opts = []opt{{0.05, kPark}, {0.04, kPlaza}, {0.03, kVacant}, {0.03, kParking}, {0.12, kOpen}}
	case dOpen:
		opts = []opt{{0.1, kPark}, {0.04, kVacant}, {0.05, kParking}, {0.1, kRing}}
	case dHouses:
		opts = []opt{{0.06, kPark}, {0.05, kVacant}}
	case dIndustrial:
		opts = []opt{{0.06, kVacant}, {0.04, kParking}}
	case dFields:
		return kFields
	}
	for _, o := range opts {
		if u < o.p {
			return o.k
		}
		u -= o.p
	}
	switch t {
	case dOpen:
		return kOpen
	case dHouses:
		return kHouses
	case dIndustrial:
		return kIndustrial
	}
	return kRing
}

func (wd *World) addBlock(r, rt *rand.Rand, di int, outer poly) {
	d := &wd.districts[di]
	walk := d.gp.sidewalk
	inner := outer
	if walk > 0 {
		inner = inset(outer, walk)
	}
	if inner == nil || inner.area() < 100 {
		return
	}
	k := &blk{i: len(wd.blocks), d: d, outer: outer, inner: inner, r: r, rt: rt, centre: inner.centroid()}
	k.kind = kindFor(r, d.typ)
	// Blocks the river crosses or touches are riverside park.
	if wd.nearRiver(inner, 15) {
		k.kind = kRiverPark
	}
	wd.blocks = append(wd.blocks, block{outer: outer, inner: inner, kind: k.kind, district: int32(di)})
	if walk > 0 {
		wd.addCover(outer, surface.Sidewalk, uint8(r.IntN(4)), 3)
	}
	switch k.kind {
	case kRing:
		wd.fillRing(k)
	case kOpen:
		wd.fillOpen(k)
	case kIndustrial:
		wd.fillIndustrial(k)
	case kHouses:
		wd.fillHouses(k)
	case kPark, kRiverPark:
		wd.fillPark(k)
	case kPlaza:
		wd.fillPlaza(k)
	case kParking:
		wd.addCover(inner, surface.Paved, uint8(r.IntN(4)), 3)
		wd.fillParking(k, inner)
	case kVacant:
		wd.fillVacant(k)
	case kFields:
		wd.fillFields(k)
	}
}

// nearRiver samples p and reports whether any sample is within m of the
// water.
func (wd *World) nearRiver(p poly, m float64) bool {
	bb := p.bbox()
	if q := wd.riverDist(pt{(bb.x0 + bb.x1) / 2, (bb.y0 + bb.y1) / 2}); q > m+math.Hypot(bb.x1-bb.x0, bb.y1-bb.y0) {
		return false
	}
	const n = 8
	for j := 0; j <= n; j++ {
		for i := 0; i <= n; i++ {
			q := pt{bb.x0 + (bb.x1-bb.x0)*float64(i)/n, bb.y0 + (bb.y1-bb.y0)*float64(j)/n}
			if wd.riverDist(q) < m && p.depth(q) > -m {
				return true
			}
		}
	}
	return false
}

// simplify drops vertices of edges shorter than m: a perimeter ring needs
// edges long enough to carry a building.
func simplify(p poly, m float64) poly {
	for len(p) > 3 {
		done := true
		for i := range p {
			j := (i + 1) % len(p)
			if norm(sub(p[j], p[i])) < m {
				q := make(poly, 0, len(p)-1)
				q = append(q, p[:j]...)
				if j > 0 {
					q = append(q, p[j+1:]...)
				} else {
					q = p[1:]
				}
				p = q
				done = false
				break
			}
		}
		if done {
			break
		}
	}
	return p
}

// offsetVerts moves every edge of p inward by d and returns the new
// vertices in correspondence with p's (nil when the ring degenerates).
func offsetVerts(p poly, d float64) poly {
	n := len(p)
	q := make(poly, n)
	for k := range p {
		a, b, c := p[(k+n-1)%n], p[k], p[(k+1)%n]
		n1, n2 := unitv(perp(sub(b, a))), unitv(perp(sub(c, b)))
		c1, c2 := dot(n1, a)+d, dot(n2, b)+d
		det := cross(n1, n2)
		if math.Abs(det) < 1e-6 {
			q[k] = add(b, mul(n2, d))
			continue
		}
		q[k] = pt{(c1*n2[1] - c2*n1[1]) / det, (n1[0]*c2 - n2[0]*c1) / det}
	}
	for k := range p {
		if dot(sub(q[(k+1)%n], q[k]), sub(p[(k+1)%n], p[k])) <= 1 {
			return nil
		}
	}
	if q.area() < 30 || !convex(q) {
		return nil
	}
	return q
}

// Perimeter-block parameters per district type.
type ringParams struct {
	depth, front [2]float64
	storeys      [2]int
	tile, vacant float64
}

var rings = map[dtype]ringParams{
	dHistoric: {[2]float64{9, 14}, [2]float64{6, 18}, [2]int{2, 7}, 0.65, 0.05},
	dEnsanche: {[2]float64{12, 16}, [2]float64{14, 30}, [2]int{5, 9}, 0.25, 0.04},
	dOpen:     {[2]float64{11, 14}, [2]float64{18, 40}, [2]int{4, 8}, 0.1, 0.06},
}

// ringState draws a building of the ring.
func ringState(r *rand.Rand, rp ringParams) bstate {
	s := irange(r, rp.storeys[0], rp.storeys[1])
	if r.Float64() < 0.12 {
		s++ // the odd taller infill
	}
	st := bstate{eave: float64(s)*storey + groundExtra, tone: tileTone(r)}
	if r.Float64() < rp.tile {
		st.roof, st.pitch, st.mat = roofGable, uniform(r, 0.45, 0.62), surface.RoofTile
	} else {
		st.roof, st.para, st.mat = roofFlat, uniform(r, 0.8, 1.2), surface.RoofFlat
	}
	return st
}

func (wd *World) fillRing(k *blk) {
	r := k.r
	rp := rings[k.d.typ]
	if k.d.typ != dHistoric && k.d.typ != dEnsanche {
		rp = rings[dOpen]
	}
	p := simplify(k.inner, 6)
	d := uniform(r, rp.depth[0], rp.depth[1])
	var q poly
	for range 3 {
		if q = offsetVerts(p, d); q != nil {
			break
		}
		d *= 0.75
	}
	if q == nil {
		wd.fillSolid(k, rp)
		return
	}
	for e := range p {
		a, b := p[e], p[(e+1)%len(p)]
		qa, qb := q[e], q[(e+1)%len(q)]
		length := norm(sub(b, a))
		axis := unitv(sub(b, a))
		for t := 0.0; t < 1; {
			t1 := t + uniform(r, rp.front[0], rp.front[1])/length
			if (1-t1)*length < 0.7*rp.front[0] {
				t1 = 1
			}
			fp := tidy(poly{lerp(a, b, t), lerp(a, b, t1), lerp(qa, qb, t1), lerp(qa, qb, t)})
			t = t1
			if fp == nil || fp.area() < 12 {
				continue
			}
			st := ringState(r, rp)
			if r.Float64() < rp.vacant {
				wd.addLot(k, fp, fp, axis, bPerimeter, st, surface.Soil)
				continue
			}
			bi := wd.newBuilding(fp, axis, bPerimeter, st, k.i)
			wd.equip(r, bi, 0, 3)
		}
	}
	// The courtyard: paved, earth or garden, with annexes and a tree or two.
	mats := []surface.Material{surface.Paved, surface.Paved, surface.Soil, surface.Grass, surface.Gravel}
	wd.addCover(q, mats[r.IntN(len(mats))], uint8(r.IntN(4)), 3)
	wd.yards = append(wd.yards, yard{p: q, block: int32(k.i)})
	if r.Float64() < 0.45 {
		wd.annexes(r, k, q, 1+r.IntN(2))
	}
	for range k.rt.IntN(3 + int(q.area()/400)) {
		wd.addTree(k.rt, randomIn(k.rt, q), []species{spPark, spPark, spOrchard, spConifer}[k.rt.IntN(4)])
	}
}

// fillSolid fills a block too small for a courtyard with buildings.
func (wd *World) fillSolid(k *blk, rp ringParams) {
	r := k.r
	p := k.inner
	u := longestEdge(p)
	parts := []poly{p}
	if p.area() > 900 {
		parts = strips(p, u, func() float64 { return uniform(r, rp.front[0], rp.front[1]) })
	}
	for _, fp := range parts {
		st := ringState(r, rp)
		bi := wd.newBuilding(fp, perp(u), bPerimeter, st, k.i)
		wd.equip(r, bi, 0, 3)
	}
}

// annexes puts n small existing sheds inside yard p.
func (wd *World) annexes(r *rand.Rand, k *blk, p poly, n int) {
	in := inset(p, 0.5)
	if in == nil {
		return
	}
	u := longestEdge(p)
	for range n {
		for range 5 {
			fp := rect(randomIn(r, in), u, uniform(r, 1.5, 3), uniform(r, 1.5, 2.5))
			if !within(fp, in) || wd.collides(fp, 0.5) {
				continue
			}
			st := bstate{roof: roofFlat, eave: uniform(r, 2.6, 3.8), mat: []surface.Material{surface.RoofFlat, surface.RoofMetal, surface.RoofTile}[r.IntN(3)], tone: tileTone(r)}
			if st.mat == surface.RoofTile {
				st.roof, st.pitch = roofGable, 0.35
				st.eave -= 0.6
			}
			wd.newBuilding(fp, u, bAnnex, st, k.i)
			break
		}
	}
}

// collides reports whether fp (grown by gap) meets a building of the block
// being filled (the last buildings added) — a linear scan over the recent
// tail is enough while laying out a block.
func (wd *World) collides(fp poly, gap float64) bool {
	g := outset(fp, gap)
	for i := len(wd.buildings) - 1; i >= 0 && i >= len(wd.buildings)-200; i-- {
		if overlap(g, wd.buildings[i].p) {
			return true
		}
	}
	for i := len(wd.lots) - 1; i >= 0 && i >= len(wd.lots)-50; i-- {
		if overlap(g, wd.lots[i].fp) {
			return true
		}
	}
	return false
}

// addLot records a vacant plot p that may receive building fp.
func (wd *World) addLot(k *blk, p, fp poly, axis pt, typ btype, st bstate, mat surface.Material) {
	wd.addCover(p, mat, uint8(k.r.IntN(4)), 3)
	wd.lots = append(wd.lots, lot{p: p, fp: fp, axis: axis, typ: typ, st: st, block: int32(k.i), dtyp: k.d.typ})
	// Vacant plots grow weeds and a few self-sown trees.
	for range k.rt.IntN(3) {
		wd.addTree(k.rt, randomIn(k.rt, p), []species{spPark, spShrub, spOrchard}[k.rt.IntN(3)])
	}
}

// openState draws a slab or a tower of an open block.
func openState(r *rand.Rand, tower bool) bstate {
	s := irange(r, 4, 11)
	if tower {
		s = irange(r, 9, 11)
	}
	st := bstate{eave: float64(s)*storey + groundExtra, roof: roofFlat, para: uniform(r, 0.9, 1.3), mat: surface.RoofFlat, tone: uint8(r.IntN(8))}
	if !tower && r.Float64() < 0.15 {
		st.roof, st.para, st.pitch, st.mat = roofHip, 0, uniform(r, 0.4, 0.55), surface.RoofTile
	}
	return st
}

func (wd *World) fillOpen(k *blk) {
	r := k.r
	b := k.inner
	wd.addCover(b, []surface.Material{surface.Grass, surface.Grass, surface.Paved}[r.IntN(3)], uint8(r.IntN(4)), 3)
	bi := inset(b, 4)
	if bi == nil {
		return
	}
	u := longestEdge(b)
	var placed []poly
	free := func(q poly, gap float64) bool {
		g := outset(q, gap)
		for _, p := range placed {
			if overlap(g, p) {
				return false
			}
		}
		return true
	}
	for range 10 + int(b.area()/400) {
		tower := r.Float64() < 0.25
		hl, hw := uniform(r, 15, 40), uniform(r, 5.5, 7.5)
		if tower {
			hl = uniform(r, 9, 13)
			hw = hl * uniform(r, 0.8, 1)
		}
		ax := u
		if r.Float64() < 0.3 {
			ax = perp(u)
		}
		fp := rect(randomIn(r, bi), ax, hl, hw)
		if !within(fp, bi) || !free(fp, 12) {
			continue
		}
		placed = append(placed, fp)
		typ := bSlab
		if tower {
			typ = bTower
		}
		st := openState(r, tower)
		if r.Float64() < 0.08 {
			wd.addLot(k, outset(fp, 3), fp, ax, typ, st, surface.Soil)
			continue
		}
		wd.equip(r, wd.newBuilding(fp, ax, typ, st, k.i), 0, 3)
	}
	// Car parks between the buildings.
	for range 1 + r.IntN(2) {
		fp := rect(randomIn(r, bi), u, uniform(r, 12, 30), 8)
		if within(fp, bi) && free(fp, 3) {
			placed = append(placed, fp)
			wd.addCover(fp, surface.Asphalt, 0, 3)
			wd.parking(k, fp, u)
		}
	}
	for range k.rt.IntN(2 + int(b.area()/250)) {
		c := k.rt.IntN(10)
		p := randomIn(k.rt, b)
		ok := true
		for _, q := range placed {
			if q.depth(p) > -2 {
				ok = false
				break
			}
		}
		if ok {
			wd.addTree(k.rt, p, []species{spPark, spPark, spPark, spConifer, spShrub}[c%5])
		}
	}
}

// parking lays out a car park in rectangle fp with its length along u:
// two rows of stalls either side of an aisle, painted lines, slots.
func (wd *World) parking(k *blk, fp poly, u pt) {
	v := perp(u)
	c := fp.centroid()
	lo, hi := project(fp, u)
	vlo, vhi := project(fp, v)
	length := hi - lo
	n := int(length / 2.5)
	if n < 2 {
		return
	}
	start := lo + (length-float64(n)*2.5)/2
	depth := vhi - vlo
	rows := []float64{vlo + 2.5}
	if depth >= 15 {
		rows = append(rows, vhi-2.5)
	}
	for _, rv := range rows {
		mid := (start + float64(n)*1.25)
		rc := add(add(c, mul(u, mid-dot(u, c))), mul(v, rv-dot(v, c)))
		line := rect(rc, u, float64(n)*1.25+0.06, 2.5)
		wd.addCover(line, surface.Marking, 0, 3)
		cv := &wd.covers[len(wd.covers)-1]
		cv.kind, cv.u, cv.per, cv.duty, cv.off = cMark, u, 2.5, 0.15, start-0.075
		for i := range n {
			sc := add(add(c, mul(u, start+1.25+2.5*float64(i)-dot(u, c))), mul(v, rv-dot(v, c)))
			wd.slots = append(wd.slots, slot{c: sc, u: v, kind: slStall, run: -1})
		}
	}
}

func (wd *World) fillParking(k *blk, p poly) {
	u := longestEdge(p)
	for _, s := range strips(p, perp(u), func() float64 { return 17 }) {
		lo, hi := project(s, u)
		vlo, vhi := project(s, perp(u))
		if hi-lo < 10 || vhi-vlo < 8 {
			continue
		}
		c := s.centroid()
		fp := rect(c, u, (hi-lo)/2, (vhi-vlo)/2)
		for range 6 {
			if within(fp, s) {
				break
			}
			fp = rect(c, u, norm(sub(fp[1], fp[0]))*0.4, (vhi-vlo)/2*0.95)
		}
		if within(fp, s) {
			wd.parking(k, fp, u)
		}
	}
}

// Industrial shed states.
func shedState(r *rand.Rand) bstate {
	st := bstate{eave: uniform(r, 6, 12), tone: uint8(r.IntN(8))}
	switch u := r.Float64(); {
	case u < 0.45:
		st.roof, st.pitch, st.mat = roofGable, uniform(r, 0.08, 0.16), surface.RoofMetal
	case u < 0.75:
		st.roof, st.mat, st.sky = roofFlat, surface.RoofMetal, true
	default:
		st.roof, st.mat, st.para = roofFlat, surface.RoofFlat, uniform(r, 0.6, 1)
	}
	return st
}

func (wd *World) fillIndustrial(k *blk) {
	r := k.r
	b := k.inner
	wd.addCover(b, surface.Paved, uint8(r.IntN(4)), 3)
	u := longestEdge(b)
	for _, lp := range strips(b, u, func() float64 { return uniform(r, 35, 90) }) {
		fp := inset(lp, uniform(r, 4, 9))
		if fp == nil || fp.area() < 200 {
			wd.addCover(lp, surface.Gravel, uint8(r.IntN(4)), 3)
			continue
		}
		ax := longestEdge(fp)
		st := shedState(r)
		if r.Float64() < 0.1 {
			wd.addLot(k, lp, fp, ax, bIndustrial, st, []surface.Material{surface.Gravel, surface.Soil}[r.IntN(2)])
			continue
		}
		bi := wd.newBuilding(fp, ax, bIndustrial, st, k.i)
		wd.equip(r, bi, 0, 3)
		wd.yards = append(wd.yards, yard{p: lp, block: int32(k.i)})
		in := inset(lp, 0.8)
		for range 2 + r.IntN(5) {
			c := randomIn(r, lp)
			q := rect(c, ax, 7, 1.5)
			if in != nil && within(q, in) && !overlap(outset(q, 0.5), fp) {
				wd.slots = append(wd.slots, slot{c: c, u: ax, kind: slYard, run: -1})
			}
		}
		if k.rt.Float64() < 0.25 {
			for range 1 + k.rt.IntN(4) {
				p := randomIn(k.rt, lp)
				if fp.depth(p) < -2 {
					wd.addTree(k.rt, p, spPark)
				}
			}
		}
	}
}

// houseState draws a house: one or two storeys under a tiled roof.
func houseState(r *rand.Rand) bstate {
	st := bstate{eave: float64(irange(r, 1, 2))*2.9 + 0.3, mat: surface.RoofTile, tone: tileTone(r), pitch: uniform(r, 0.45, 0.65)}
	switch u := r.Float64(); {
	case u < 0.5:
		st.roof = roofHip
	case u < 0.93:
		st.roof = roofGable
	default:
		st.roof, st.pitch, st.para, st.mat = roofFlat, 0, 0.6, surface.RoofFlat
	}
	return st
}

func (wd *World) fillHouses(k *blk) {
	r := k.r
	b := k.inner
	u := longestEdge(b)
	v := perp(u)
	for _, s := range strips(b, u, func() float64 { return uniform(r, 11, 18) }) {
		lo, hi := project(s, v)
		mid := (lo + hi) / 2
		for _, lp := range []poly{clip(s, v, mid), clip(s, mul(v, -1), -mid)} {
			if lp == nil || lp.area() < 60 {
				continue
			}
			wd.addCover(lp, []surface.Material{surface.Grass, surface.Grass, surface.Grass, surface.Paved}[r.IntN(4)], uint8(r.IntN(4)), 3)
			c := lp.centroid()
			in := inset(lp, 2)
			hl, hw := uniform(r, 4, 6.5), uniform(r, 4, 5.5)
			var fp poly
			for range 4 {
				q := rect(c, u, hl, hw)
				if in != nil && within(q, in) {
					fp = q
					break
				}
				hl, hw = hl*0.85, hw*0.85
			}
			if fp == nil || hw < 3 {
				continue
			}
			st := houseState(r)
			if r.Float64() < 0.06 {
				wd.lots = append(wd.lots, lot{p: lp, fp: fp, axis: u, typ: bHouse, st: st, block: int32(k.i), dtyp: k.d.typ})
				continue
			}
			bi := wd.newBuilding(fp, u, bHouse, st, k.i)
			wd.equip(r, bi, 0, 3)
			wd.yards = append(wd.yards, yard{p: lp, block: int32(k.i)})
			// Hedges along the street side, garden trees, a car in the drive.
			for e := range lp {
				a, bb := lp[e], lp[(e+1)%len(lp)]
				m := lerp(a, bb, 0.5)
				if b.depth(m) < 0.5 && norm(sub(bb, a)) > 4 && k.rt.Float64() < 0.45 {
					du := unitv(sub(bb, a))
					wd.addHedge(rect(add(m, mul(perp(du), 0.7)), du, norm(sub(bb, a))/2-1, 0.45), uniform(k.rt, 1.1, 1.8))
				}
			}
			for range k.rt.IntN(3) {
				p := randomIn(k.rt, lp)
				if fp.depth(p) < -1.5 {
					wd.addTree(k.rt, p, []species{spOrchard, spOrchard, spPark, spConifer}[k.rt.IntN(4)])
				}
			}
			if r.Float64() < 0.4 {
				p := randomIn(r, lp)
				q := rect(p, u, 2.4, 1)
				if in != nil && within(q, inset(lp, 0.5)) && !overlap(outset(q, 0.5), fp) {
					wd.slots = append(wd.slots, slot{c: p, u: u, kind: slDrive, run: -1})
				}
			}
		}
	}
}

func (wd *World) fillPark(k *blk) {
	r, rt := k.r, k.rt
	b := k.inner
	wd.addCover(b, surface.Grass, uint8(r.IntN(4)), 3)
	u := longestEdge(b)
	c := b.centroid()
	big := 2000.0
	pw := uniform(r, 1.5, 2.5)
	wd.addCover(intersect(rect(c, u, big, pw), b), surface.Gravel, 0, 3)
	wd.addCover(intersect(rect(c, perp(u), big, pw), b), surface.Gravel, 0, 3)
	n := int(b.area() / 170)
	if k.kind == kRiverPark {
		n /= 2
	}
	for range n {
		p := randomIn(rt, b)
		if math.Abs(dot(sub(p, c), u)) < pw+2 || math.Abs(dot(sub(p, c), perp(u))) < pw+2 {
			continue
		}
		wd.addTree(rt, p, []species{spPark, spPark, spPark, spConifer, spConifer, spShrub}[rt.IntN(6)])
	}
}

func (wd *World) fillPlaza(k *blk) {
	b := k.inner
	wd.addCover(b, surface.Paved, uint8(k.r.IntN(4)), 3)
	ring := inset(b, 3)
	if ring == nil {
		return
	}
	for e := range ring {
		a, c := ring[e], ring[(e+1)%len(ring)]
		l := norm(sub(c, a))
		for t := 4.0; t < l-2; t += 8 {
			wd.addTree(k.rt, lerp(a, c, t/l), spStreet)
		}
	}
}

func (wd *World) fillVacant(k *blk) {
	r := k.r
	b := k.inner
	mat := []surface.Material{surface.Soil, surface.Gravel, surface.Grass}[r.IntN(3)]
	u := longestEdge(b)
	var fp poly
	var typ btype
	var st bstate
	switch k.d.typ {
	case dIndustrial:
		fp, typ, st = inset(b, 6), bIndustrial, shedState(r)
	case dHouses:
		fp, typ, st = inset(b, 3), bSlab, openState(r, false)
		st.eave = 3*storey + groundExtra
	default:
		fp = rect(b.centroid(), u, uniform(r, 15, 35), uniform(r, 6, 8))
		typ, st = bSlab, openState(r, false)
		if !within(fp, b) {
			fp = inset(b, 4)
		}
	}
	if fp == nil || fp.area() < 60 {
		wd.addCover(b, mat, uint8(r.IntN(4)), 3)
		return
	}
	wd.addLot(k, b, fp, u, typ, st, mat)
}

func (wd *World) fillFields(k *blk) {
	r := k.r
	b := k.inner
	wd.addCover(b, []surface.Material{surface.Soil, surface.Grass, surface.Soil}[r.IntN(3)], uint8(r.IntN(8)), 3)
	if in := inset(b, 20); in != nil && r.Float64() < 0.06 {
		fp := rect(randomIn(r, in), longestEdge(b), uniform(r, 10, 25), uniform(r, 6, 10))
		if within(fp, b) {
			st := bstate{eave: uniform(r, 4, 7), roof: roofGable, pitch: 0.15, mat: surface.RoofMetal, tone: uint8(r.IntN(8))}
			wd.newBuilding(fp, longestEdge(fp), bFarm, st, k.i)
		}
	}
	if k.rt.Float64() < 0.2 {
		e := k.rt.IntN(len(b))
		a, c := b[e], b[(e+1)%len(b)]
		l := norm(sub(c, a))
		for t := 5.0; t < l-5; t += uniform(k.rt, 7, 12) {
			wd.addTree(k.rt, add(lerp(a, c, t/l), mul(unitv(perp(sub(c, a))), 2)), []species{spPoplar, spPark}[k.rt.IntN(2)])
		}
	}
}
