package city

import "math"

// Airborne LiDAR, modelled on PNOA-LiDAR deliveries: one pulse per cell of
// a jittered lattice at the survey's density, a vertical error near the
// specification's 0.20 m RMSE, tree crowns that let part of the pulses reach the ground (a
// second return), an automatic classification (ground 2, vegetation 3–5,
// building 6, vehicles left unclassified 1) and a few gross errors (birds,
// wires, multipath), most but not all of them classified as noise (7, 18).
const (
	// lidarSigma is a return's vertical error: PNOA-LiDAR's first coverage
	// specifies RMSEz ≤ 0.20 m, and blocks deliver close to it.
	lidarSigma       = 0.15 // m
	lidarCanopySigma = 0.30 // m, extra spread of returns in a crown
	lidarPenetration = 0.45 // share of pulses in a crown with a ground return
	lidarHighRate    = 5e-5 // birds and wires per pulse
	lidarLowRate     = 2e-5 // multipath returns below the surface per pulse
	lidarNoiseCaught = 0.8  // share of gross errors the classifier marks noise
	keyPulse         = 0x70756c73
	keyReturn        = 0x72657475
)

// ASPRS classes the scanner assigns.
const (
	ClassUnclassified = 1
	ClassGround       = 2
	ClassLowVeg       = 3
	ClassMediumVeg    = 4
	ClassHighVeg      = 5
	ClassBuilding     = 6
	ClassLowNoise     = 7
	ClassHighNoise    = 18
)

// Return is one LiDAR return in local scene metres.
type Return struct {
	X, Y, Z   float64
	Class     uint8
	Number    uint8 // return number, from 1
	Of        uint8 // returns of the pulse
	Intensity uint16
	// Pulse orders the returns in time: pulses are fired row by row.
	Pulse int64
}

// Scan fires an epoch's pulses over the painted layers l at density pulses
// per square metre and calls emit for each return, row by row from the
// north. A pulse belongs to the window whose cell holds it, so windows that
// tile the scene scan each pulse once, whatever their sizes. The layers'
// cells should be well below the pulse spacing (the orthophoto's 0.25 m).
func (c *City) Scan(epoch int, l *Layers, density float64, emit func(Return)) {
	w := l.win
	s := 1 / math.Sqrt(density)
	ek := uint64(epoch+1) << 48
	// The window's extent in output coordinates (before the shift).
	x0, x1 := w.x0, w.x0+float64(w.w)*w.res
	y0, y1 := w.y1-float64(w.h)*w.res, w.y1
	for b := int64(math.Floor(y1 / s)); float64(b+1)*s > y0; b-- {
		for a := int64(math.Floor(x0 / s)); float64(a)*s < x1; a++ {
			h := strongHash2(c.key^keyPulse^ek, a, b)
			x := (float64(a) + unit(h)) * s
			y := (float64(b) + unit(mix64(h))) * s
			i := int(math.Floor((x - w.x0) / w.res))
			j := int(math.Floor((w.y1 - y) / w.res))
			if i < 0 || j < 0 || i >= w.w || j >= w.h {
				continue
			}
			c.pulse(l, j*w.w+i, x, y, ek, a, b, emit)
		}
	}
}

// pulse makes the returns of one pulse at (x, y) over cell k.
func (c *City) pulse(l *Layers, k int, x, y float64, ek uint64, a, b int64, emit func(Return)) {
	r := func(n uint64) uint64 { return strongHash2(c.key^keyReturn^ek^n, a, b) }
	ground := c.terr.at(x-l.win.dx, y)
	hag := float64(l.hag[k])
	id := b<<32 ^ a
	ret := Return{X: x, Y: y, Number: 1, Of: 1, Pulse: id}
	m := l.mat[k]
	switch m {
	case matRoofFlat, matRoofTile, matParapet, matGlass:
		ret.Class, ret.Intensity = ClassBuilding, 140
	case matTree:
		ret.Class, ret.Intensity = vegClass(hag), 70
		hag += lidarCanopySigma * gaussian(r(1))
		if unit(r(2)) < lidarPenetration {
			ret.Of = 2
		}
	case matCar:
		ret.Class, ret.Intensity = ClassUnclassified, 180
	default:
		ret.Class, ret.Intensity = ClassGround, 90
	}
	ret.Z = ground + hag + lidarSigma*gaussian(r(3))
	ret.Intensity += uint16(20 * unit(r(4)))
	switch u := unit(r(5)); {
	case u < lidarHighRate:
		f := u / lidarHighRate
		ret.Z += 3 + 22*f
		ret.Class = noiseClass(r(6), ClassHighNoise, ClassUnclassified)
	case u < lidarHighRate+lidarLowRate:
		f := (u - lidarHighRate) / lidarLowRate
		ret.Z -= 2 + 8*f
		ret.Class = noiseClass(r(6), ClassLowNoise, ClassGround)
	}
	emit(ret)
	if ret.Of == 2 {
		emit(Return{X: x, Y: y, Z: ground + lidarSigma*gaussian(r(7)), Class: ClassGround, Number: 2, Of: 2,
			Intensity: 30 + uint16(20*unit(r(8))), Pulse: id})
	}
}

// vegClass is the ASPRS vegetation class of a crown height.
func vegClass(hag float64) uint8 {
	switch {
	case hag < 0.5:
		return ClassLowVeg
	case hag < 2:
		return ClassMediumVeg
	}
	return ClassHighVeg
}

// noiseClass is what the classifier calls a gross error: noise, mostly.
func noiseClass(h uint64, caught, missed uint8) uint8 {
	if unit(h) < lidarNoiseCaught {
		return caught
	}
	return missed
}
