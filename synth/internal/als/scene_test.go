package als

import (
	"math"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// Test scenes are functions of position painted cell by cell into any
// window, so windows cut differently see the same world.

const ground0 = 690.0

type cell struct {
	ground, solid float64
	mat           surface.Material
	class, tone   uint8
	obj           uint32
	ctop, cbase   float64
	dens, cclass  uint8
	cobj          uint32
}

type scene func(x, y float64, c *cell)

func paint(l *surface.Layers, sc scene) {
	c := new(cell) // one for all: a cell handed to a func value escapes
	for j := range l.H {
		for i := range l.W {
			*c = cell{ground: ground0, solid: ground0, mat: surface.Grass, class: surface.ClassGround, ctop: math.Inf(-1), cbase: math.Inf(-1)}
			sc(l.X(i), l.Y(j), c)
			k := j*l.W + i
			l.Ground[k], l.Solid[k], l.Mat[k], l.Class[k], l.Tone[k], l.Obj[k] = float32(c.ground), float32(c.solid), c.mat, c.class, c.tone, c.obj
			l.CanopyTop[k], l.CanopyBase[k], l.CanopyDensity[k], l.CanopyObj[k], l.CanopyClass[k] = float32(c.ctop), float32(c.cbase), c.dens, c.cobj, c.cclass
		}
	}
}

// window paints the scene over region plus halo, on the res grid.
func window(sc scene, region [4]float64, halo, res float64) *surface.Layers {
	x0 := math.Floor((region[0]-halo)/res) * res
	y0 := math.Floor((region[1]-halo)/res) * res
	x1 := math.Ceil((region[2]+halo)/res) * res
	y1 := math.Ceil((region[3]+halo)/res) * res
	l := surface.New(x0, y1, res, int(math.Round((x1-x0)/res)), int(math.Round((y1-y0)/res)))
	paint(l, sc)
	return l
}

func flat(x, y float64, c *cell) {}

func inRect(x, y, x0, y0, x1, y1 float64) bool { return x >= x0 && x < x1 && y >= y0 && y < y1 }

// box is a flat-topped solid h metres high.
func box(x0, y0, x1, y1, h float64, class uint8, mat surface.Material, obj uint32) scene {
	return func(x, y float64, c *cell) {
		if inRect(x, y, x0, y0, x1, y1) {
			c.solid, c.class, c.mat, c.obj = c.ground+h, class, mat, obj
		}
	}
}

// gable is a pitched roof with its ridge along x.
func gable(x0, y0, x1, y1, eave, ridge float64, obj uint32) scene {
	return func(x, y float64, c *cell) {
		if inRect(x, y, x0, y0, x1, y1) {
			yc, hw := (y0+y1)/2, (y1-y0)/2
			c.solid = c.ground + eave + (ridge-eave)*(1-math.Abs(y-yc)/hw)
			c.class, c.mat, c.obj = surface.ClassBuilding, surface.RoofTile, obj
		}
	}
}

// tree is a cylindrical crown of radius r between base and top above ground.
func tree(cx, cy, r, base, top float64, dens uint8, obj uint32) scene {
	return func(x, y float64, c *cell) {
		if math.Hypot(x-cx, y-cy) < r {
			c.ctop, c.cbase = max(c.solid, c.ground+top), max(c.solid, c.ground+base)
			c.dens, c.cobj, c.cclass = dens, obj, surface.ClassHighVeg
		}
	}
}

func water(x0, y0, x1, y1 float64) scene {
	return func(x, y float64, c *cell) {
		if inRect(x, y, x0, y0, x1, y1) {
			c.ground, c.solid, c.mat, c.class = ground0-2, ground0-2, surface.Water, surface.ClassWater
		}
	}
}

func layered(ss ...scene) scene {
	return func(x, y float64, c *cell) {
		for _, s := range ss {
			s(x, y, c)
		}
	}
}

// geomParams make a low, sharp survey, north-south lines, for geometry tests.
func geomParams() Params {
	p := DefaultParams(1)
	p.Altitude, p.Heading, p.SideOverlap = 1000, 0, 0.25
	p.SigmaXY, p.StripSigma, p.Outliers = 0, 0, 0
	return p
}

// nadir picks a strip whose nadir line (x, heading 0) lies in [lo, hi].
func nadir(t testing.TB, s *Survey, lo, hi float64) Strip {
	t.Helper()
	for _, st := range s.Strips() {
		if st.X0 >= lo && st.X0 <= hi {
			return st
		}
	}
	t.Fatalf("no strip with its nadir in [%v, %v]: %+v", lo, hi, s.Strips())
	return Strip{}
}

func collect(t testing.TB, s *Survey, l *surface.Layers, region [4]float64) ([]Return, Stats) {
	t.Helper()
	var out []Return
	st, err := s.ScanStats(l, region, func(r *Return) { out = append(out, *r) })
	if err != nil {
		t.Fatal(err)
	}
	if st.Untraced > 0 {
		t.Fatalf("%d pulses untraced", st.Untraced)
	}
	return out, st
}

// pulses groups returns by pulse (they come out consecutively).
func pulses(rs []Return) [][]Return {
	var out [][]Return
	for i := 0; i < len(rs); {
		n := int(rs[i].Of)
		if i+n > len(rs) {
			n = len(rs) - i
		}
		out = append(out, rs[i:i+n])
		i += n
	}
	return out
}

func flatGround(x, y float64) float64 { return ground0 }
