package world

import (
	"math"
)

// finish gives every object state its id, turns change records into
// Changes, builds the paint indexes and takes the census.
func (wd *World) finish() {
	wd.kinds = []Kind{None}
	alloc := func(k Kind) uint32 {
		wd.kinds = append(wd.kinds, k)
		return uint32(len(wd.kinds) - 1)
	}
	for i := range wd.bridges {
		wd.bridges[i].id = alloc(None)
	}
	for i := range wd.buildings {
		st := &wd.buildings[i].st
		if st[0].on && st[1].on && st[0].kind == None && st[1].kind == None {
			id := alloc(None)
			st[0].id, st[1].id = id, id
			continue
		}
		for e := range 2 {
			if st[e].on {
				st[e].id = alloc(st[e].kind)
			}
		}
	}
	for i := range wd.trees {
		t := &wd.trees[i]
		s0, s1 := &t.st[0], &t.st[1]
		if s0.on && s1.on && s0.top == s1.top && s0.rad == s1.rad {
			id := alloc(None)
			s0.id, s1.id = id, id
			continue
		}
		what := ""
		switch {
		case !s0.on && !s1.on:
			continue
		case !s0.on:
			what = "tree_planted"
		case !s1.on:
			what = "tree_felled"
		case s1.top > s0.top:
			what = "tree_grown"
		default:
			what = "tree_pruned"
		}
		for e := range 2 {
			if t.st[e].on {
				t.st[e].kind = Vegetation
				t.st[e].id = alloc(Vegetation)
			}
		}
		wd.addRec(Vegetation, what, regular(t.c, math.Max(s0.rad, s1.rad), 12), rTree, i, -1)
	}
	for i := range wd.hedges {
		wd.hedges[i].id = alloc(None)
	}
	for i := range wd.temps {
		wd.temps[i].id = alloc(Temporary)
	}
	for i := range wd.covers {
		if k := wd.covers[i].kind; k == cPit || k == cMound {
			wd.covers[i].obj = alloc(Terrain)
		}
	}
	wd.vehBase = uint32(len(wd.kinds))
	next := wd.vehBase
	for e := range 2 {
		for i := range wd.veh[e] {
			v := &wd.veh[e][i]
			v.id = next
			next++
			if v.typ == vContainer {
				wd.addRec(Vehicle, "container", v.poly(), rVehicle, i, int8(e))
			}
		}
	}
	wd.vehEnd = next

	wd.changes = make([]Change, len(wd.recs))
	for n, r := range wd.recs {
		c := Change{ID: n + 1, Kind: r.kind, What: r.what, Outline: r.outline.outline()}
		var obj [2]uint32
		var h [2]float64
		for e := range 2 {
			if r.only >= 0 && int(r.only) != e {
				continue
			}
			switch r.ref {
			case rBuilding:
				b := &wd.buildings[r.i]
				if b.st[e].on {
					obj[e], h[e] = b.st[e].id, wd.top(int(r.i), e)+b.base-wd.Ground(b.p.centroid()[0], b.p.centroid()[1])
				}
			case rTree:
				if s := wd.trees[r.i].st[e]; s.on {
					obj[e], h[e] = s.id, s.top
				}
			case rTemp:
				if t := &wd.temps[r.i]; t.epoch == e {
					obj[e] = t.id
					for _, z := range t.hs {
						h[e] = math.Max(h[e], z+t.base-wd.Ground(t.parts[0].centroid()[0], t.parts[0].centroid()[1]))
					}
				}
			case rCover:
				if cv := &wd.covers[r.i]; cv.mask&(1<<e) != 0 {
					obj[e], h[e] = cv.obj, cv.depth
					if cv.kind == cPit {
						h[e] = -cv.depth
					}
				}
			case rVehicle:
				v := &wd.veh[e][r.i]
				obj[e], h[e] = v.id, v.h
			}
		}
		c.ObjT0, c.ObjT1, c.HeightT0, c.HeightT1 = obj[0], obj[1], h[0], h[1]
		wd.changes[n] = c
	}

	wd.icov = wd.buildIndex(len(wd.covers), func(i int) box { return wd.covers[i].bb })
	wd.iitem = wd.buildIndex(len(wd.items), func(i int) box { return wd.items[i].bb })
	wd.ihedge = wd.buildIndex(len(wd.hedges), func(i int) box { return wd.hedges[i].bb })
	wd.itree = wd.buildIndex(len(wd.trees), func(i int) box { return treeBox(&wd.trees[i]) })
	for e := range 2 {
		wd.iveh[e] = wd.buildIndex(len(wd.veh[e]), func(i int) box { return wd.veh[e][i].poly().bbox() })
	}
	wd.pits = nil
	wd.maxH = wd.tallest()
	wd.census = wd.count()
}

// tallest bounds the height of anything above the ground: roofs by their
// eave plus the largest rise their footprint allows plus equipment.
func (wd *World) tallest() float64 {
	m := 4.0 // bridge decks and lorries
	for i := range wd.buildings {
		b := &wd.buildings[i]
		c := b.p.centroid()
		g := wd.Ground(c[0], c[1])
		half := math.Min(b.bb.x1-b.bb.x0, b.bb.y1-b.bb.y0)/2 + 1
		for _, s := range b.st {
			if s.on {
				m = math.Max(m, b.base-g+s.eave+s.para+math.Min(s.pitch*half, maxRise)+3.5)
			}
		}
	}
	for i := range wd.trees {
		for _, s := range wd.trees[i].st {
			if s.on {
				m = math.Max(m, s.top)
			}
		}
	}
	for i := range wd.temps {
		for _, z := range wd.temps[i].hs {
			m = math.Max(m, z+1)
		}
	}
	return m
}
