package camera

import "math"

// Illumination model: a surface gets diffuse skylight (bluish, which is why
// shadows look blue-grey) and direct sun by Lambert's law, normalised so
// that sunlit flat ground receives 1.
const ambient = 0.3

var skyTint = rgb{0.86, 0.97, 1.2}

// illum returns the light on a surface: cosSun is the cosine between its
// normal and the sun, sunlight the share of the sun reaching it, sky the
// share of the sky it sees.
func (f *Flight) illum(cosSun, sunlight, sky float64) rgb {
	d := (1 - ambient) * sunlight * max(0, cosSun) / f.sun[2]
	a := ambient * sky
	return rgb{a*skyTint[0] + d, a*skyTint[1] + d, a*skyTint[2] + d}
}

// cosSlope is the cosine between the sun and the normal of a surface of
// gradient (sx, sy) (dz/dx, dz/dy).
func (f *Flight) cosSlope(sx, sy float64) float64 {
	return (-sx*f.sun[0] - sy*f.sun[1] + f.sun[2]) / math.Sqrt(1+sx*sx+sy*sy)
}

// solidSlope returns the gradient of the solid top at Layers index k from
// its neighbours on the same object: a building's edge is not a slope.
func (g *grid) solidSlope(k int) (sx, sy float64) {
	l := g.l
	z, o := l.Solid[k], l.Obj[k]
	lim := float32(3 * g.res) // steeper than ~72° is a step, not a roof
	i, j := int64(k)%g.w, int64(k)/g.w
	w := int(g.w)
	var e, wv, n, s float32
	var eok, wok, nok, sok bool
	if i+1 < g.w && l.Obj[k+1] == o {
		e = l.Solid[k+1] - z
		eok = e <= lim && e >= -lim
	}
	if i > 0 && l.Obj[k-1] == o {
		wv = l.Solid[k-1] - z
		wok = wv <= lim && wv >= -lim
	}
	if j > 0 && l.Obj[k-w] == o {
		n = l.Solid[k-w] - z
		nok = n <= lim && n >= -lim
	}
	if j+1 < g.h && l.Obj[k+w] == o {
		s = l.Solid[k+w] - z
		sok = s <= lim && s >= -lim
	}
	return g.diff(float64(e), eok, float64(wv), wok), g.diff(float64(n), nok, float64(s), sok)
}

// crownSlope is the gradient of the crown top of tree cell k; where the
// crown ends it is taken to fall away at 45°, which rounds the crown's rim.
func (g *grid) crownSlope(k int) (sx, sy float64) {
	l := g.l
	z, o := l.CanopyTop[k], l.CanopyObj[k]
	i, j := int64(k)%g.w, int64(k)/g.w
	w := int(g.w)
	d := func(n int, ok bool) float64 {
		if !ok || l.CanopyObj[n] != o || l.CanopyTop[n] == negInf {
			return -g.res
		}
		return float64(l.CanopyTop[n] - z)
	}
	return g.diff(d(k+1, i+1 < g.w), true, d(k-1, i > 0), true), g.diff(d(k-w, j > 0), true, d(k+w, j+1 < g.h), true)
}

// diff differentiates from the rises a (east or north) and b (west or
// south) to the neighbours and whether they count; central differences
// where both sides count.
func (g *grid) diff(a float64, aok bool, b float64, bok bool) float64 {
	switch {
	case aok && bok:
		return (a - b) / (2 * g.res)
	case aok:
		return a / g.res
	case bok:
		return -b / g.res
	}
	return 0
}
