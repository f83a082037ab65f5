package camera

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// Façade finishes: brick, renders, concrete.
var facades = []rgb{{152, 96, 74}, {204, 188, 160}, {216, 212, 202}, {158, 156, 150}, {194, 152, 104}, {200, 170, 150}, {176, 120, 92}}

// facade is the colour of a building's wall at (x, y, z) whose foot is at
// ground: the building's finish (from its id) with rows of windows, one per
// storey of 3 m, spaced along the face. nx, ny is the face's normal.
func (f *Flight) facade(obj uint32, x, y, z, ground, nx float64) rgb {
	h := mix(uint64(obj)*0xd1b54a32d192ed03 ^ f.tex)
	c := facades[h%uint64(len(facades))]
	along := x
	if nx != 0 {
		along = y
	}
	up := z - ground
	spacing := 2.4 + 1.2*unit(h>>16)
	storey, col := math.Floor((up-0.4)/3), math.Floor(along/spacing)
	fz, fa := (up-0.4)/3-storey, along/spacing-col
	g := tri(hash2(f.k(keyGrain), int64(math.Floor(along/0.25)), int64(math.Floor(z/0.25))))
	if up > 1 && fz > 0.3 && fz < 0.78 && fa > 0.28 && fa < 0.72 {
		w := hash2(f.k(keyWindow)^uint64(obj), int64(col), int64(storey))
		if w%4 == 0 { // blinds down or curtains
			return rgb{150, 146, 138}.scale(1 + 0.05*g)
		}
		return glass.scale(1 + 0.2*signed(w>>8) + 0.05*g)
	}
	return c.scale(1 + 0.04*g)
}

// facadeRadiance is the light leaving the façade the view ray hit.
func (f *Flight) facadeRadiance(g *grid, v *view, sun *sunRay) rgb {
	l := g.l
	alb := f.facade(l.Obj[v.k], v.x, v.y, v.z, float64(l.Ground[v.k]), v.nx)
	cos := v.nx*f.sun[0] + v.ny*f.sun[1]
	lit := 0.0
	if cos > 0 {
		// Start a hair in front of the wall, in the open cell.
		lit = g.sunlight(v.x+v.nx*1e-3, v.y+v.ny*1e-3, v.z, -1, sun)
	}
	return alb.mul(f.illum(cos, lit, 0.55))
}

// solidRadiance is the light leaving the solid surface the view ray hit.
func (f *Flight) solidRadiance(g *grid, v *view, sun *sunRay, ph *Photo, px, py, pz float64, nc *noiseCache) rgb {
	if v.side {
		return f.facadeRadiance(g, v, sun)
	}
	l := g.l
	k := v.k
	sx, sy := g.solidSlope(k)
	s := surf{mat: l.Mat[k], tone: l.Tone[k], obj: l.Obj[k], gx: v.gx, gy: v.gy, x: v.x, y: v.y, sx: sx, sy: sy, nc: nc}
	cos := f.cosSlope(sx, sy)
	lit := 0.0
	if cos > 0 {
		lit = g.sunlight(v.x, v.y, v.z, k, sun)
	}
	rad := f.albedo(&s).mul(f.illum(cos, lit, 1))
	if s.mat == surface.Water && lit > 0 {
		rad = rad.add(f.glint(ph, px, py, pz, v.x, v.y).scale(lit))
	}
	return rad
}
