package city

import "math"

// DSM realism: LiDAR height noise, rough canopies and a few gross errors
// (birds, multipath) per square kilometre.
const (
	dsmNoiseSigma = 0.15 // m
	canopySigma   = 0.25 // m, extra roughness on tree crowns
	outlierRate   = 3e-5 // per cell
	keyNoise      = 0x6e6f6973
	keyCanopy     = 0x63616e6f
	keyOutlier    = 0x6f75746c
)

// DSM renders an epoch's surface heights on win: terrain, buildings, trees and
// cars, plus noise keyed by the output cell, plus bias (the t1 defect).
func (c *City) DSM(epoch int, win Window, bias float64) []float32 {
	l := NewLayers(win)
	c.Paint(epoch, l)
	out := make([]float32, win.w*win.h)
	ek := uint64(epoch+1) << 48
	for j := 0; j < win.h; j++ {
		y := win.Y(j)
		oy := int64(math.Floor(win.y1/win.res)) - int64(j) // the output cell, unshifted
		for i := 0; i < win.w; i++ {
			x := win.X(i)
			ox := int64(math.Floor(win.x0/win.res)) + int64(i)
			k := j*win.w + i
			z := c.terr.at(x, y) + float64(l.hag[k])
			z += dsmNoiseSigma * gaussian(strongHash2(c.key^keyNoise^ek, ox, oy))
			if l.mat[k] == matTree {
				z += canopySigma * gaussian(strongHash2(c.key^keyCanopy^ek, ox, oy))
			}
			if u := unit(strongHash2(c.key^keyOutlier^ek, ox, oy)); u < outlierRate {
				f := u / outlierRate
				if f < 0.7 {
					z += 3 + 17*f/0.7 // a bird, a wire
				} else {
					z -= 2 + 8*(f-0.7)/0.3 // multipath: a point below the surface
				}
			}
			out[k] = float32(z + bias)
		}
	}
	return out
}
