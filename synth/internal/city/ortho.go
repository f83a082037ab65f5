package city

import (
	"math"
	"math/rand/v2"
)

// Lighting is one flight's sun and camera, as scene.json records it: the sun
// sets the slope shading and the shadows, the gains and haze the
// illumination and colour balance of the epoch (out = gain·colour + haze).
type Lighting struct {
	Azimuth   float64    `json:"sun_azimuth_deg"` // clockwise from north
	Elevation float64    `json:"sun_elevation_deg"`
	Gain      [3]float64 `json:"gain_rgb"`
	Haze      float64    `json:"haze"`

	sunX, sunY, sunZ float64 // unit vector towards the sun
	shadowX, shadowY float64 // shadow displacement per metre of height
}

// newLighting draws the two epochs' light: t0 a warm, hazier flight, t1 a
// brighter, cooler one with the sun higher and further south. The blue gain
// is 2·green − red, so a neutral grey stays neutral in excess green (2G−R−B):
// colour balance never makes a roof look like vegetation.
func newLighting(r *rand.Rand) [2]Lighting {
	round := func(v float64) float64 { return roundTo(v, 3) }
	mk := func(az, el, g, warm, haze float64) Lighting {
		lt := Lighting{Azimuth: az, Elevation: el, Haze: haze}
		lt.Gain = [3]float64{round(g * (1 + warm)), g, round(g * (1 - warm))}
		a, e := az*math.Pi/180, el*math.Pi/180
		lt.sunX, lt.sunY, lt.sunZ = math.Sin(a)*math.Cos(e), math.Cos(a)*math.Cos(e), math.Sin(e)
		lt.shadowX, lt.shadowY = -math.Sin(a)/math.Tan(e), -math.Cos(a)/math.Tan(e)
		return lt
	}
	return [2]Lighting{
		mk(round(140+20*r.Float64()), round(48+10*r.Float64()), round(0.94+0.05*r.Float64()), round(0.04+0.03*r.Float64()), round(4+4*r.Float64())),
		mk(round(160+20*r.Float64()), round(58+10*r.Float64()), round(1.03+0.05*r.Float64()), -round(0.02+0.03*r.Float64()), round(2*r.Float64())),
	}
}

// shadeOf is the illumination of a surface with unit normal n, relative to flat ground.
func (lt *Lighting) shadeOf(nx, ny, nz float64) uint8 {
	l := max(0, nx*lt.sunX+ny*lt.sunY+nz*lt.sunZ)
	return uint8(min(255, math.Round(flatShade*(0.35+0.65*l/lt.sunZ))))
}

type rgb [3]float64

// Palettes. Roofs, streets and paving are grey to reddish (excess green at or
// below 0), vegetation clearly green, so an RGB vegetation index separates them.
var (
	flatRoofs = []rgb{{172, 170, 167}, {118, 116, 117}, {192, 188, 182}, {145, 134, 128}, {160, 156, 152}}
	tileRoofs = []rgb{{170, 86, 64}, {152, 74, 58}, {182, 104, 76}, {140, 82, 70}}
	treeTones = []rgb{{50, 96, 42}, {62, 104, 48}, {44, 86, 40}}
	carTones  = []rgb{{228, 228, 225}, {34, 34, 38}, {172, 174, 178}, {165, 36, 36}, {40, 62, 135}, {100, 100, 104}, {110, 30, 35}}
)

// Hash keys of the textures: the grain is the surface's own (same in both
// epochs), the sensor noise belongs to one flight.
const (
	keyGrain  = 0x6772616e
	keyPatch  = 0x70617463
	keySensor = 0x73656e73
)

// Colourize turns an epoch's Layers into orthophoto RGB (one slice per band).
func (c *City) Colourize(epoch int, l *Layers, out [3][]uint8) {
	win := &l.win
	lt := &c.light[epoch]
	dry := 0.25 + 0.15*float64(epoch) // the t1 summer is drier
	grainKey, patchKey := c.key^keyGrain, c.key^keyPatch
	sensorKey := c.key ^ keySensor ^ uint64(epoch+1)<<40
	for j := 0; j < win.h; j++ {
		y := win.Y(j)
		gy := int64(math.Floor(y / win.res))
		for i := 0; i < win.w; i++ {
			x := win.X(i)
			gx := int64(math.Floor(x / win.res))
			k := j*win.w + i
			hg := hash2(grainKey, gx, gy)
			grain := (float64(hg&0xff)+float64(hg>>8&0xff))/255 - 1 // triangular, [-1, 1]
			var v rgb
			ground := true
			switch l.mat[k] {
			case matRoad:
				v = rgb{78, 78, 82}.scale(1 + 0.06*valueNoise(patchKey, x, y, 3) + 0.07*grain)
			case matMarking:
				v = rgb{218, 218, 214}.scale(1 + 0.03*grain)
			case matSidewalk:
				v = rgb{172, 166, 158}.scale(1 + 0.04*grain)
				// Paving joints every 2 m.
				if fx, fy := x/2-math.Floor(x/2), y/2-math.Floor(y/2); fx < 0.125 || fy < 0.125 {
					v = v.scale(0.88)
				}
			case matGrass:
				t := max(0, min(1, dry+0.3*valueNoise(patchKey, x, y, 4)))
				v = mix(rgb{88, 132, 56}, rgb{136, 142, 78}, t).scale(1 + 0.1*grain)
			case matSoil:
				v = rgb{156, 128, 96}.scale(1 + 0.1*valueNoise(patchKey, x, y, 2.5) + 0.06*grain)
			case matPaved:
				v = rgb{152, 148, 142}.scale(1 + 0.05*valueNoise(patchKey, x, y, 5) + 0.04*grain)
			case matPath:
				v = rgb{190, 172, 150}.scale(1 + 0.05*grain)
			case matRoofFlat, matParapet:
				v = flatRoofs[int(l.tone[k])%len(flatRoofs)].scale(1 + 0.04*valueNoise(patchKey, x, y, 1.5) + 0.04*grain)
				if l.mat[k] == matParapet {
					v = v.scale(1.12)
				}
				ground = false
			case matRoofTile:
				v = tileRoofs[int(l.tone[k])%len(tileRoofs)].scale(1 + 0.05*grain)
				ground = false
			case matTree:
				v = treeTones[int(l.tone[k])%len(treeTones)].scale(1 + 0.22*valueNoise(patchKey, x, y, 0.9) + 0.08*grain)
				ground = false
			case matCar:
				v = carTones[int(l.tone[k])%len(carTones)].scale(1 + 0.03*grain)
			case matGlass:
				v = rgb{38, 44, 55}
			}
			s := float64(l.shade[k]) / flatShade
			v = v.scale(s)
			if ground && l.shade[k] <= shadowShade {
				// Shadows are lit by the blue sky.
				v[0] *= 0.95
				v[2] *= 1.08
			}
			hs := hash2(sensorKey, gx, gy)
			for b := 0; b < 3; b++ {
				n := (float64(hs>>(16*b)&0xff)+float64(hs>>(16*b+8)&0xff))/255 - 1
				out[b][k] = clampByte(lt.Gain[b]*v[b] + lt.Haze + 2.5*n)
			}
		}
	}
}

// contrastingTone returns the roof tone whose palette colour differs most in
// brightness from tone's: the new roofing of an extended building.
func contrastingTone(m material, tone uint8) uint8 {
	pal := flatRoofs
	if m == matRoofTile {
		pal = tileRoofs
	}
	lum := func(v rgb) float64 { return 0.299*v[0] + 0.587*v[1] + 0.114*v[2] }
	cur := int(tone) % len(pal)
	best := cur
	for i := range pal {
		if math.Abs(lum(pal[i])-lum(pal[cur])) > math.Abs(lum(pal[best])-lum(pal[cur])) {
			best = i
		}
	}
	return uint8(best)
}

func (v rgb) scale(f float64) rgb { return rgb{v[0] * f, v[1] * f, v[2] * f} }

func mix(a, b rgb, t float64) rgb {
	return rgb{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

func clampByte(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
