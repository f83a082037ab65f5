package camera

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// paintCity paints a dense test city on a 40 m block grid: streets with
// sidewalks, markings, parked cars and street trees; per block one building
// 4–35 m tall (flat with parapet, gabled tile or metal shed) in a garden.
func paintCity(x0, y1, res float64, w, h int) *surface.Layers {
	l := surface.New(x0, y1, res, w, h)
	for j := range h {
		y := l.Y(j)
		for i := range w {
			paintCityCell(l, j*w+i, l.X(i), y)
		}
	}
	return l
}

func paintCityCell(l *surface.Layers, k int, x, y float64) {
	const B = 40.0
	bx, by := math.Floor(x/B), math.Floor(y/B)
	lx, ly := x-bx*B, y-by*B
	hb := hash2(0xc17, int64(bx), int64(by))
	gz := 690 + 0.01*x + 0.005*y
	z := gz
	mat, obj, tone := surface.Grass, uint32(0), uint8(hb>>8)
	switch {
	case lx < 8 || ly < 8:
		mat = surface.Asphalt
		if (lx >= 3.9 && lx < 4.1 && ly >= 10) || (ly >= 3.9 && ly < 4.1 && lx >= 10) {
			mat = surface.Marking
		}
		// Parked cars along the west kerb of the north–south street.
		if n := math.Floor((ly - 10) / 5.5); lx >= 5.8 && lx < 7.6 && ly >= 10 && ly-10-n*5.5 < 4.4 {
			mat, obj, tone = surface.Vehicle, uint32(hash2(0xca5, int64(bx), int64(by*100+n))%1e6)+1e6, uint8(hb>>16+uint64(n))
			z = gz + 1.5
			if e := ly - 10 - n*5.5; e < 0.8 || e > 3.6 {
				z = gz + 1.0 // bonnet and boot
			}
		}
	case lx < 10 || ly < 10:
		mat = surface.Sidewalk
	case lx >= 12 && lx < 38 && ly >= 12 && ly < 38:
		obj = uint32(bx*1000+by) + 5000
		height := 4 + 31*unit(hb)
		switch hb % 3 {
		case 0:
			mat, z = surface.RoofFlat, gz+height
			if lx < 12.5 || lx >= 37.5 || ly < 12.5 || ly >= 37.5 {
				mat, z = surface.Parapet, z+0.8
			}
		case 1:
			mat, z = surface.RoofTile, gz+height+4*(1-math.Abs(ly-25)/13)
		default:
			mat, z = surface.RoofMetal, gz+min(height, 10)+2*(1-math.Abs(lx-25)/13)
		}
	}
	l.Ground[k], l.Solid[k], l.Mat[k], l.Obj[k], l.Tone[k] = float32(gz), float32(z), mat, obj, tone
	// Street trees along the east–west streets.
	if tx, ty := math.Mod(lx+B, 8)-4, ly-9; mat != surface.Vehicle && mat != surface.RoofFlat && mat != surface.Parapet {
		if d := math.Hypot(tx, ty) / 2.8; d < 1 {
			q := math.Sqrt(1 - d*d)
			l.CanopyTop[k] = float32(gz + 6 + 3.5*q)
			l.CanopyBase[k] = float32(max(z, gz+6-2.5*q))
			l.CanopyDensity[k] = 130
			l.CanopyObj[k] = uint32(hash2(0x7ee, int64(math.Floor((lx+B)/8)+bx*10), int64(by))%1e6) + 2e6
			l.CanopyClass[k] = surface.ClassHighVeg
		}
	}
}
