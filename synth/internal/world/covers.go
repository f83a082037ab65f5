package world

import (
	"github.com/cdflow/cdflow/synth/internal/surface"
)

type coverKind uint8

const (
	cPlain coverKind = iota // sets the ground material
	cMark                   // road paint: only over asphalt or paving, dashed along u
	cPit                    // excavation: ground lowered, sloped sides
	cMound                  // spoil heap or fill: ground raised, sloped sides
)

// cover is a piece of land cover: what the ground is made of inside a
// convex polygon. Later covers lie on top of earlier ones.
type cover struct {
	p    poly
	e    []hp
	bb   box
	kind coverKind
	mat  surface.Material
	tone uint8
	mask uint8 // epochs: bit 0 for 2010, bit 1 for 2017

	// Dashes of markings: paint where (u·x - off) mod per < duty.
	u              pt
	off, per, duty float64

	depth, side float64 // pit depth or mound height, and the width of its slopes
	obj         uint32  // pits and mounds are objects (Kind Terrain)
	chg         int32   // change record, -1 for none
}

func (wd *World) addCover(p poly, mat surface.Material, tone uint8, mask uint8) *cover {
	if p == nil {
		return nil
	}
	wd.covers = append(wd.covers, cover{p: p, e: halfPlanes(p), bb: p.bbox(), mat: mat, tone: tone, mask: mask, chg: -1})
	return &wd.covers[len(wd.covers)-1]
}

// addMark paints a dashed marking (period per, dash length duty along u).
func (wd *World) addMark(p poly, u pt, per, duty float64) {
	c := wd.addCover(p, surface.Marking, 0, 3)
	if c != nil {
		c.kind, c.u, c.per, c.duty = cMark, u, per, duty
		c.off = dot(u, p[0])
	}
}
