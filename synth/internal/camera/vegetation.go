package camera

import "github.com/cdflow/cdflow/synth/internal/surface"

// Crown colours by kind, spring (green) and late summer (dry): broadleaves
// stay green but turn darker and duller, conifers barely change, shrubs and
// hedges follow the broadleaves with a yellower cast.
var (
	broadleafSpring = rgb{76, 114, 50}
	broadleafSummer = rgb{66, 92, 50}
	coniferSpring   = rgb{48, 72, 44}
	coniferSummer   = rgb{46, 66, 44}
	shrubSpring     = rgb{88, 112, 58}
	shrubSummer     = rgb{100, 102, 62}
)

// crownAlbedo is the colour of a tree crown where the view ray entered it,
// depth metres below its top. The crown's hue comes from the tree's id
// (Layers' Tone belongs to the solid top below); its clumpy texture from
// noise keyed by the tree, so neighbouring crowns differ.
func (f *Flight) crownAlbedo(l *surface.Layers, k int, gx, gy int64, x, y, depth float64, nc *noiseCache) rgb {
	id := l.CanopyObj[k]
	h := mix(uint64(id)*0x9e3779b97f4a7c15 ^ f.tex)
	dry := float64(f.p.Season)
	var c rgb
	switch {
	case l.CanopyClass[k] != surface.ClassHighVeg:
		c = lerp(shrubSpring, shrubSummer, dry)
	case h%5 == 0:
		c = lerp(coniferSpring, coniferSummer, dry)
	default:
		c = lerp(broadleafSpring, broadleafSummer, dry)
	}
	// Per-tree hue and brightness.
	hue := signed(h >> 8)
	c = rgb{c[0] * (1 + 0.1*hue), c[1] * (1 + 0.04*signed(h>>20)), c[2] * (1 - 0.06*hue)}.scale(1 + 0.08*signed(h>>32))
	key := f.k(keyClump) ^ uint64(id)<<20
	v := 1 + 0.22*nc.smooth(key, x, y, 0.9) + 0.1*nc.smooth(key^1, x, y, 0.4) + 0.07*tri(hash2(f.k(keyGrain), gx, gy))
	// Deeper inside the crown less light gets in.
	v *= 0.55 + 0.45*expNeg(depth/1.5)
	return c.scale(max(0.3, v))
}

// crownRadiance is the light leaving the crown the view ray entered.
func (f *Flight) crownRadiance(g *grid, v *view, sun *sunRay, nc *noiseCache) rgb {
	alb := f.crownAlbedo(g.l, v.ck, v.cgx, v.cgy, v.cx, v.cy, v.cdepth, nc)
	sx, sy := g.crownSlope(v.ck)
	cos := f.cosSlope(sx, sy)
	lit := 0.0
	if cos > 0 {
		lit = g.sunlight(v.cx, v.cy, v.cz, v.ck, sun)
	}
	return alb.mul(f.illum(cos, lit, expNeg(v.cdepth/3)))
}
