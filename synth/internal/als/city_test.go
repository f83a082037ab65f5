package als

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// city is a periodic town of 50 m blocks: 8 m streets with parked cars,
// and on each plot a flat-roofed building with a roof structure or a
// pitched one, a tree and a lawn. Painting a cell costs the same wherever
// it is, so large windows paint quickly.
func city(x, y float64, c *cell) {
	const block = 50.0
	bx, by := math.Floor(x/block), math.Floor(y/block)
	lx, ly := x-bx*block, y-by*block
	id := uint32(int(bx)+1000)*4096 + uint32(int(by)+1000)*16
	h := mix(uint64(id))
	switch {
	case lx < 8 || ly < 8:
		c.mat = surface.Asphalt
		// Cars parked along the street's west side.
		for n := range 4 {
			y0 := 12 + 9*float64(n)
			if lx >= 1 && lx < 2.8 && ly >= y0 && ly < y0+4.5 {
				c.solid, c.mat, c.class, c.obj, c.tone = c.ground+1.5, surface.Vehicle, surface.ClassUnclassified, id+2+uint32(n), uint8(h>>(8*n))
			}
		}
		return
	}
	bw, bd := 18+float64(h%9), 18+float64(h>>8%9)
	tall := 6 + float64(h>>16%19)
	if lx >= 12 && lx < 12+bw && ly >= 12 && ly < 12+bd {
		c.class, c.obj, c.tone = surface.ClassBuilding, id+1, uint8(h>>24)
		if h>>32%3 == 0 {
			hw := bd / 2
			c.solid = c.ground + tall + 4*(1-math.Abs(ly-12-hw)/hw)
			c.mat = surface.RoofTile
		} else {
			c.solid, c.mat = c.ground+tall, surface.RoofFlat
			if cx, cy := 12+bw/2, 12+bd/2; math.Abs(lx-cx) < 1.5 && math.Abs(ly-cy) < 1.5 {
				c.solid, c.mat = c.ground+tall+2, surface.Equipment
			}
		}
	}
	// The tree's crown may reach over the roof.
	if top := c.ground + 10 + float64(h>>40%5); math.Hypot(lx-34, ly-34) < 5 && top > c.solid+1 {
		c.ctop, c.cbase = top, max(c.solid, c.ground+3)
		c.dens, c.cobj, c.cclass = uint8(25+h>>48%25), id+8, surface.ClassHighVeg
	}
}
