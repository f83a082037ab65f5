package world

import "maps"

// Census counts what the scene holds, for the README: objects whose centre
// lies inside the scene (not its margin).
type Census struct {
	Districts   map[string]int    // district types by seed in the scene
	Buildings   [2]map[string]int // buildings standing in 2010 and 2017, by type
	Storeys     [2]map[int]int    // storeys of the buildings (annexes excluded)
	Trees       [2]int            // trees and shrubs standing
	Hedges      int
	Vehicles    [2]map[string]int // parked vehicles and containers, by type
	Changes     map[string]int    // change objects by What
	ChangeKinds map[string]int    // change objects by Kind
	River       bool              // the river crosses the scene
	RiverLength float64           // m of river centre line in the scene
	Bridges     int
}

func (wd *World) inScene(p pt) bool { return p[0] >= 0 && p[1] >= 0 && p[0] < wd.w && p[1] < wd.h }

func (wd *World) count() Census {
	c := Census{Districts: map[string]int{}, Changes: map[string]int{}, ChangeKinds: map[string]int{}}
	for e := range 2 {
		c.Buildings[e], c.Storeys[e], c.Vehicles[e] = map[string]int{}, map[int]int{}, map[string]int{}
	}
	for _, d := range wd.districts {
		if wd.inScene(d.site) {
			c.Districts[dtypeNames[d.typ]]++
		}
	}
	for i := range wd.buildings {
		b := &wd.buildings[i]
		if !wd.inScene(b.p.centroid()) {
			continue
		}
		for e, s := range b.st {
			if !s.on {
				continue
			}
			c.Buildings[e][btypeNames[b.typ]]++
			if b.typ != bAnnex && b.typ != bRooftop {
				c.Storeys[e][max(1, int(s.eave/storey))]++
			}
		}
	}
	for i := range wd.trees {
		if wd.inScene(wd.trees[i].c) {
			for e, s := range wd.trees[i].st {
				if s.on {
					c.Trees[e]++
				}
			}
		}
	}
	for i := range wd.hedges {
		if wd.inScene(wd.hedges[i].p.centroid()) {
			c.Hedges++
		}
	}
	for e := range 2 {
		for i := range wd.veh[e] {
			if wd.inScene(wd.veh[e][i].c) {
				c.Vehicles[e][vtypeNames[wd.veh[e][i].typ]]++
			}
		}
	}
	for _, ch := range wd.changes {
		if wd.inScene(poly(ch.Outline).centroid()) {
			c.Changes[ch.What]++
			c.ChangeKinds[ch.Kind.String()]++
		}
	}
	rv := &wd.land.r
	for s := -40000.0; s < 40000; s += 10 {
		if wd.inScene(rv.centre(s)) {
			c.RiverLength += 10
		}
	}
	c.River = c.RiverLength > 0
	for i := range wd.bridges {
		if wd.inScene(wd.bridges[i].p.centroid()) {
			c.Bridges++
		}
	}
	return c
}

// clone copies the maps, so callers cannot change the World's census.
func (c Census) clone() Census {
	d := c
	d.Districts, d.Changes, d.ChangeKinds = maps.Clone(c.Districts), maps.Clone(c.Changes), maps.Clone(c.ChangeKinds)
	for e := range 2 {
		d.Buildings[e], d.Storeys[e], d.Vehicles[e] = maps.Clone(c.Buildings[e]), maps.Clone(c.Storeys[e]), maps.Clone(c.Vehicles[e])
	}
	return d
}
