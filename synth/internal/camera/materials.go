package camera

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// surf is a solid top as the view ray found it, with what its colour needs.
type surf struct {
	mat    surface.Material
	tone   uint8
	obj    uint32
	gx, gy int64   // global cell
	x, y   float64 // hit point, metres
	sx, sy float64 // gradient of the top
	nc     *noiseCache
}

// Texture keys: one per texture, so textures are uncorrelated.
const (
	keyGrain = iota + 1
	keyPatch
	keyStain
	keySlab
	keyDry
	keyTile
	keyRipple
	keyClump
	keyRubble
	keyWindow
)

func (f *Flight) k(purpose uint64) uint64 { return f.tex ^ purpose<<40 }

// grain is per-cell noise in [-1, 1] for a texture.
func (f *Flight) grain(s *surf, purpose uint64) float64 { return tri(hash2(f.k(purpose), s.gx, s.gy)) }

// Palettes (sRGB digital numbers of the sunlit surface).
var (
	roofTiles   = []rgb{{176, 96, 68}, {160, 84, 62}, {186, 112, 80}, {142, 82, 66}, {168, 104, 84}, {128, 72, 58}}
	flatRoofs   = []rgb{{150, 148, 146}, {118, 116, 117}, {186, 182, 176}, {138, 128, 120}, {170, 166, 160}, {96, 96, 100}}
	metalRoofs  = []rgb{{182, 184, 186}, {122, 136, 150}, {96, 122, 104}, {212, 212, 208}, {138, 100, 80}, {150, 154, 158}}
	paints      = []rgb{{226, 226, 224}, {226, 226, 224}, {30, 31, 34}, {172, 174, 178}, {104, 106, 110}, {160, 32, 32}, {38, 58, 122}, {110, 30, 36}, {42, 80, 56}, {192, 178, 144}, {226, 226, 224}, {172, 174, 178}}
	containers  = []rgb{{44, 82, 148}, {164, 54, 42}, {44, 112, 72}, {204, 204, 198}, {142, 94, 54}, {200, 160, 40}}
	rubbleTones = []rgb{{150, 146, 140}, {138, 112, 90}, {170, 120, 96}, {110, 108, 104}}
	glass       = rgb{44, 50, 60}
)

// albedo is the colour of a solid top in full sun.
func (f *Flight) albedo(s *surf) rgb {
	g := f.grain(s, keyGrain)
	switch s.mat {
	case surface.Asphalt:
		c := rgb{92, 92, 96}.scale(1 + 0.07*s.nc.smooth(f.k(keyPatch), s.x, s.y, 9) + 0.06*g)
		if s.nc.smooth(f.k(keyStain), s.x, s.y, 0.9) > 0.72 { // oil stains, patched cracks
			c = c.scale(0.82)
		}
		return c
	case surface.BridgeDeck:
		return rgb{112, 110, 108}.scale(1 + 0.05*s.nc.smooth(f.k(keyPatch), s.x, s.y, 6) + 0.06*g)
	case surface.Marking:
		return rgb{222, 222, 216}.scale(0.92 + 0.08*s.nc.smooth(f.k(keyStain), s.x, s.y, 1.5) + 0.03*g)
	case surface.Sidewalk:
		return f.slabs(s, rgb{178, 172, 162}, 1.0, 0.04, g)
	case surface.Paved:
		return f.slabs(s, rgb{164, 160, 152}, 3.0, 0.06, g).scale(1 + 0.04*s.nc.smooth(f.k(keyPatch), s.x, s.y, 7))
	case surface.Grass:
		return f.grass(s, g)
	case surface.Soil:
		c := lerp(rgb{128, 106, 82}, rgb{172, 144, 108}, float64(f.p.Season))
		return c.scale(1 + 0.1*s.nc.smooth(f.k(keyPatch), s.x, s.y, 2.5) + 0.05*s.nc.smooth(f.k(keyStain), s.x, s.y, 0.7) + 0.06*g)
	case surface.Gravel:
		return rgb{170, 162, 148}.scale(1 + 0.05*s.nc.smooth(f.k(keyPatch), s.x, s.y, 4) + 0.12*g)
	case surface.Rail:
		c := rgb{124, 114, 104}.scale(1 + 0.15*g)
		if s.nc.smooth(f.k(keyStain), s.x, s.y, 0.6) > 0.5 {
			c = c.scale(0.7) // sleepers, rails and their shade
		}
		return c
	case surface.Water:
		return rgb{40, 58, 56}.scale(1 + 0.06*s.nc.smooth(f.k(keyRipple), s.x, s.y, 1.2) + 0.03*g)
	case surface.RoofTile:
		return f.tiles(s, g)
	case surface.RoofFlat:
		c := pick(flatRoofs, s.tone)
		return c.scale(1 + 0.06*s.nc.smooth(f.k(keyStain), s.x, s.y, 2.5) + 0.04*s.nc.smooth(f.k(keyPatch), s.x, s.y, 0.8) + 0.05*g)
	case surface.RoofMetal:
		return f.metal(s, pick(metalRoofs, s.tone), 0.75, g)
	case surface.Parapet:
		return rgb{204, 198, 188}.scale(1 + 0.04*g)
	case surface.Wall:
		return rgb{186, 178, 164}.scale(1 + 0.05*g)
	case surface.Skylight:
		c := rgb{82, 96, 112}
		if (s.gx+s.gy)%4 == 0 { // glazing bars
			c = rgb{170, 172, 172}
		}
		return c.scale(1 + 0.05*g)
	case surface.Equipment:
		return rgb{196, 196, 192}.scale(1 + 0.06*g)
	case surface.Vehicle:
		if s.sx*s.sx+s.sy*s.sy > 0.35 { // windscreen and rear window slope
			return glass.scale(1 + 0.1*g)
		}
		return pick(paints, s.tone).scale(1 + 0.03*g)
	case surface.Container:
		return f.metal(s, pick(containers, s.tone), 0.5, g)
	case surface.Scaffold:
		return f.scaffold(s, g)
	case surface.Crane:
		c := rgb{216, 176, 36}
		if s.tone%3 == 1 {
			c = rgb{190, 48, 40}
		}
		if hash2(f.k(keySlab), s.gx, s.gy)%3 == 0 { // lattice: gaps in the jib
			c = c.scale(0.45)
		}
		return c
	case surface.Rubble:
		n := s.nc.smooth(f.k(keyRubble), s.x, s.y, 0.6)
		c := pick(rubbleTones, uint8(int((n+1)*2)))
		return c.scale(1 + 0.18*g)
	}
	return rgb{150, 150, 150}.scale(1 + 0.05*g)
}

// slabs tiles a surface with slabs of size metres, each its own shade, with
// a darker joint where a pixel falls on one.
func (f *Flight) slabs(s *surf, c rgb, size, vary, g float64) rgb {
	a, b := math.Floor(s.x/size), math.Floor(s.y/size)
	v := tri(hash2(f.k(keySlab), int64(a), int64(b)))
	c = c.scale(1 + vary*v + 0.03*g)
	if fx, fy := s.x/size-a, s.y/size-b; fx < 0.1 || fy < 0.1 {
		c = c.scale(0.93)
	}
	return c
}

// grass mixes green and straw by the season; some patches (watered lawns,
// shade) stay greener when the rest dries.
func (f *Flight) grass(s *surf, g float64) rgb {
	dry := float64(f.p.Season) * (0.85 + 0.15*s.nc.smooth(f.k(keyDry), s.x, s.y, 12))
	dry = max(0, min(1, dry+0.08*s.nc.smooth(f.k(keyPatch), s.x, s.y, 2)))
	c := lerp(rgb{86, 122, 56}, rgb{182, 154, 102}, dry)
	return c.scale(1 + 0.08*s.nc.smooth(f.k(keyStain), s.x, s.y, 0.8) + 0.07*g)
}

// downhill returns the unit horizontal direction down the slope, or east
// on the flat.
func downhill(s *surf) (ux, uy float64) {
	if h := math.Sqrt(s.sx*s.sx + s.sy*s.sy); h > 0.05 {
		return -s.sx / h, -s.sy / h
	}
	return 1, 0
}

// tiles are clay tiles: their channels run down the slope, so the stripes
// vary across it (the courses, ~0.35 m, are below the GSD); moss and soot
// darken patches; Tone picks the clay.
func (f *Flight) tiles(s *surf, g float64) rgb {
	ux, uy := downhill(s)
	across := -uy*s.x + ux*s.y // distance across the slope
	c := pick(roofTiles, s.tone)
	v := 1 + 0.08*sinTurns(across/0.55)
	v += 0.08*s.nc.smooth(f.k(keyTile), s.x, s.y, 1.6) + 0.05*g
	return c.scale(v)
}

// metal is corrugated sheet: ribs down the slope (along x when flat).
func (f *Flight) metal(s *surf, c rgb, period, g float64) rgb {
	ux, uy := downhill(s)
	across := -uy*s.x + ux*s.y
	v := 1 + 0.07*sinTurns(across/period) + 0.04*s.nc.smooth(f.k(keyStain), s.x, s.y, 3) + 0.03*g
	return c.scale(v)
}

// sinTab holds sin(2π·i/sinSteps).
const sinSteps = 1024

var sinTab = func() (t [sinSteps + 1]float64) {
	for i := range t {
		t[i] = math.Sin(2 * math.Pi * float64(i) / sinSteps)
	}
	return
}()

// sinTurns is sin(2π·t), interpolated in sinTab (error below 5e-6).
func sinTurns(t float64) float64 {
	f := (t - math.Floor(t)) * sinSteps
	i := int(f)
	if i >= sinSteps { // t a hair below an integer
		i = sinSteps - 1
	}
	return sinTab[i] + (sinTab[i+1]-sinTab[i])*(f-float64(i))
}

// scaffold is planks, poles and safety netting over a dark inside.
func (f *Flight) scaffold(s *surf, g float64) rgb {
	fx, fy := s.x-math.Floor(s.x), s.y-math.Floor(s.y)
	switch {
	case fx < 0.2 || fy < 0.2:
		return rgb{178, 176, 170}.scale(1 + 0.05*g) // poles and ledgers
	case hash2(f.k(keySlab), int64(math.Floor(s.x)), int64(math.Floor(s.y)))%3 == 0:
		return rgb{186, 160, 112}.scale(1 + 0.08*g) // planks
	}
	return rgb{92, 110, 100}.scale(1 + 0.12*g) // netting over the dark inside
}
