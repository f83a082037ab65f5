package camera

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// A tiny world painter for the tests: every cell is painted from its centre
// alone, so Layers for any window agree where they overlap, as the real
// world model's do.

type box struct {
	x0, y0, x1, y1 float64 // footprint
	h              float64 // eaves height above ground
	ridge          float64 // gable: ridge height above the eaves (ridge along x); 0 flat
	mat            surface.Material
	obj            uint32
	tone           uint8
}

type tree struct {
	x, y, r   float64
	base, top float64 // above ground
	density   uint8
	obj       uint32
	class     uint8
}

type world struct {
	ground func(x, y float64) float64
	mat    func(x, y float64) surface.Material
	boxes  []box
	trees  []tree
}

func flat(z float64) func(x, y float64) float64 { return func(x, y float64) float64 { return z } }

func (wd *world) paint(x0, y1, res float64, w, h int) *surface.Layers {
	l := surface.New(x0, y1, res, w, h)
	for j := range h {
		y := l.Y(j)
		for i := range w {
			x := l.X(i)
			k := j*w + i
			gz := wd.ground(x, y)
			l.Ground[k], l.Solid[k] = float32(gz), float32(gz)
			l.Mat[k], l.Class[k] = surface.Asphalt, surface.ClassGround
			if wd.mat != nil {
				l.Mat[k] = wd.mat(x, y)
			}
			for _, b := range wd.boxes {
				if x < b.x0 || x >= b.x1 || y < b.y0 || y >= b.y1 {
					continue
				}
				z := gz + b.h
				if b.ridge > 0 {
					half := (b.y1 - b.y0) / 2
					z += b.ridge * (1 - math.Abs(y-(b.y0+half))/half)
				}
				l.Solid[k], l.Mat[k], l.Obj[k], l.Tone[k] = float32(z), b.mat, b.obj, b.tone
				l.Class[k] = surface.ClassBuilding
			}
			for _, t := range wd.trees {
				d := math.Hypot(x-t.x, y-t.y) / t.r
				if d >= 1 {
					continue
				}
				hh := (t.top - t.base) / 2
				zc := gz + t.base + hh
				q := math.Sqrt(1 - d*d)
				top, bot := zc+hh*q, max(float64(l.Solid[k]), zc-hh*q)
				l.CanopyTop[k], l.CanopyBase[k] = float32(top), float32(bot)
				l.CanopyDensity[k], l.CanopyObj[k] = t.density, t.obj
				l.CanopyClass[k] = t.class
				if l.CanopyClass[k] == 0 {
					l.CanopyClass[k] = surface.ClassHighVeg
				}
			}
		}
	}
	return l
}

// render paints the Layers a window needs and renders it.
func (wd *world) render(f *Flight, x0, y1, res float64, w, h int) ([]uint8, []uint32, error) {
	lx, ly, lw, lh := f.LayersGrid(x0, y1, res, w, h, 0.25)
	l := wd.paint(lx, ly, 0.25, lw, lh)
	rgb := make([]uint8, 3*w*h)
	obj := make([]uint32, w*h)
	err := f.Render(l, x0, y1, res, w, h, rgb, obj)
	return rgb, obj, err
}
