package camera

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

func lum(rgb []uint8, o int) float64 {
	return 0.299*float64(rgb[3*o]) + 0.587*float64(rgb[3*o+1]) + 0.114*float64(rgb[3*o+2])
}

// A 30 m tower under the nadir casts its shadow opposite the sun, as long
// as h/tan(elevation) beyond its footprint.
func TestShadow(t *testing.T) {
	for e := range 2 {
		const h = 30.0
		f := newTestFlight(t, 11, e, h)
		ph := f.PhotoAt(2000, 2000)
		cx, cy := snap(ph.X+6), snap(ph.Y+6)
		wd := &world{ground: flat(690), mat: func(x, y float64) surface.Material { return surface.Paved },
			boxes: []box{{x0: cx - 5, y0: cy - 5, x1: cx + 5, y1: cy + 5, h: h, mat: surface.RoofFlat, obj: 1}}}
		x0, y1 := cx-40, cy+40
		const w = 320
		rgb, _, err := wd.render(f, x0, y1, testRes, w, w)
		if err != nil {
			t.Fatal(err)
		}
		az, el := f.Sun()
		ux, uy := -math.Sin(az*math.Pi/180), -math.Cos(az*math.Pi/180)
		edge := 5 / max(math.Abs(ux), math.Abs(uy)) // footprint edge along the line
		L := h / math.Tan(el*math.Pi/180)
		at := func(t float64) float64 {
			x, y := cx+t*ux, cy+t*uy
			i, j := int((x-x0)/testRes), int((y1-y)/testRes)
			return lum(rgb, j*w+i)
		}
		lit, dark := at(edge+L+4), at(edge+L/2)
		if lit < 2*dark {
			t.Fatalf("epoch %d: lit ground %.0f, shadow %.0f", e, lit, dark)
		}
		end := 0.0
		for s := edge + 0.3; s < edge+L+4; s += 0.05 {
			if at(s) < (lit+dark)/2 {
				end = s
			}
		}
		t.Logf("epoch %d: sun az %.1f el %.1f, shadow %.2f m beyond the footprint, h/tan(el) %.2f m", e, az, el, end-edge, L)
		if math.Abs(end-edge-L) > 2*testRes {
			t.Errorf("epoch %d: shadow ends %.2f m beyond the footprint, want %.2f", e, end-edge, L)
		}
		// No shadow on the sunward side.
		for s := edge + 1; s < edge+6; s++ {
			if at(-s) < (lit+dark)/2 {
				t.Errorf("epoch %d: shadow on the sunward side at %.0f m", e, s)
			}
		}
	}
}

// testWorld has a bit of everything: sloping terrain, a leaning tower, a
// gabled house, a tree over a car, a river band, grass, markings.
func testWorld(ox, oy float64) *world {
	return &world{
		ground: func(x, y float64) float64 { return 690 + 0.02*(x-ox) - 0.01*(y-oy) },
		mat: func(x, y float64) surface.Material {
			switch {
			case y-oy > 18 && y-oy < 26:
				return surface.Water
			case x-ox > 20:
				return surface.Grass
			case math.Mod(x-ox+100, 6) < 0.25:
				return surface.Marking
			}
			return surface.Asphalt
		},
		boxes: []box{
			{x0: ox + 2, y0: oy + 2, x1: ox + 12, y1: oy + 10, h: 30, mat: surface.RoofFlat, obj: 1, tone: 2},
			{x0: ox + 22, y0: oy - 8, x1: ox + 34, y1: oy, h: 6, ridge: 3, mat: surface.RoofTile, obj: 2, tone: 1},
			{x0: ox - 8, y0: oy - 5, x1: ox - 3.6, y1: oy - 3.2, h: 1.5, mat: surface.Vehicle, obj: 3, tone: 5},
		},
		trees: []tree{{x: ox - 6, y: oy - 4, r: 3.5, base: 2.5, top: 10, density: 140, obj: 100}},
	}
}

// Rendering a window whole or in pieces, each with its own Layers of just
// the halo, gives the same bytes.
func TestWindowIndependence(t *testing.T) {
	f := newTestFlight(t, 5, 1, 35)
	ph := f.PhotoAt(2000, 2000)
	ox, oy := snap(ph.X+500), snap(ph.Y+1200)
	wd := testWorld(ox, oy)
	x0, y1 := ox-12, oy+28
	const w, h = 192, 176
	all, allObj, err := wd.render(f, x0, y1, testRes, w, h)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, xa, ya float64, pw, ph int) {
		rgb, obj, err := wd.render(f, xa, ya, testRes, pw, ph)
		if err != nil {
			t.Fatal(err)
		}
		i0, j0 := int(math.Round((xa-x0)/testRes)), int(math.Round((y1-ya)/testRes))
		for j := range ph {
			o := (j0+j)*w + i0
			if !bytes.Equal(rgb[3*j*pw:3*(j+1)*pw], all[3*o:3*(o+pw)]) || !slices.Equal(obj[j*pw:(j+1)*pw], allObj[o:o+pw]) {
				t.Errorf("%s: row %d differs from the whole window", name, j)
				return
			}
		}
	}
	check("left", x0, y1, 77, h)
	check("right", x0+77*testRes, y1, w-77, h)
	check("top", x0, y1, w, 61)
	check("bottom", x0, y1-61*testRes, w, h-61)
	check("middle", x0+50*testRes, y1-40*testRes, 33, 29)

	// Layers far larger than the halo change nothing either.
	lx, ly, lw, lh := f.LayersGrid(x0, y1, testRes, w, h, 0.25)
	l := wd.paint(lx-20, ly+20, 0.25, lw+160, lh+160)
	rgb := make([]uint8, 3*w*h)
	if err := f.Render(l, x0, y1, testRes, w, h, rgb, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rgb, all) {
		n := 0
		for o := range w * h {
			if !bytes.Equal(rgb[3*o:3*o+3], all[3*o:3*o+3]) {
				if n < 5 {
					t.Logf("pixel %d,%d: %v vs %v", o%w, o/w, rgb[3*o:3*o+3], all[3*o:3*o+3])
				}
				n++
			}
		}
		t.Errorf("larger Layers change %d pixels of the window", n)
	}
	// The features are all there.
	for _, id := range []uint32{1, 2, 3} {
		if !slices.Contains(allObj, id) {
			t.Errorf("object %d not in the window", id)
		}
	}
}

func TestDeterminism(t *testing.T) {
	f := newTestFlight(t, 5, 0, 35)
	ph := f.PhotoAt(2000, 2000)
	ox, oy := snap(ph.X-300), snap(ph.Y+200)
	wd := testWorld(ox, oy)
	a, _, err := wd.render(f, ox-12, oy+28, testRes, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := wd.render(newTestFlight(t, 5, 0, 35), ox-12, oy+28, testRes, 64, 64)
	if !bytes.Equal(a, b) {
		t.Error("two renders of the same flight differ")
	}
	// Another seed flies elsewhere and textures differently.
	c, _, _ := wd.render(newTestFlight(t, 6, 0, 35), ox-12, oy+28, testRes, 64, 64)
	if bytes.Equal(a, c) {
		t.Error("another seed renders the same bytes")
	}
}

// June grass is green, late-August grass straw: excess green 2G−R−B drops.
func TestSeasons(t *testing.T) {
	wd := &world{ground: flat(690), mat: func(x, y float64) surface.Material { return surface.Grass }}
	var exg [2]float64
	var mean [2][3]float64
	for e := range 2 {
		f := newTestFlight(t, 2, e, 5)
		ph := f.PhotoAt(2000, 2000)
		const w = 96
		rgb, _, err := wd.render(f, snap(ph.X+100), snap(ph.Y+100), testRes, w, w)
		if err != nil {
			t.Fatal(err)
		}
		for o := range w * w {
			r, g, b := float64(rgb[3*o]), float64(rgb[3*o+1]), float64(rgb[3*o+2])
			exg[e] += (2*g - r - b) / (w * w)
			mean[e][0] += r / (w * w)
			mean[e][1] += g / (w * w)
			mean[e][2] += b / (w * w)
		}
	}
	t.Logf("grass mean RGB: June %.0f, August %.0f; excess green %.1f, %.1f", mean[0], mean[1], exg[0], exg[1])
	if exg[0] < exg[1]+30 || mean[0][1] < mean[0][0]+15 || mean[1][0] < mean[1][1] {
		t.Error("June grass is not clearly greener than August's straw")
	}
}

// Under a tree the truth map shows the car; the photo shows the crown.
func TestObjUnderCrown(t *testing.T) {
	f := newTestFlight(t, 9, 0, 12)
	for _, off := range [][2]float64{{3, 3}, {450, 1100}} {
		ph := f.PhotoAt(2000, 2000)
		cx, cy := snap(ph.X+off[0]), snap(ph.Y+off[1])
		wd := &world{ground: flat(690),
			boxes: []box{{x0: cx - 2.2, y0: cy - 0.9, x1: cx + 2.2, y1: cy + 0.9, h: 1.5, mat: surface.Vehicle, obj: 77, tone: 5}},
			trees: []tree{{x: cx, y: cy, r: 4, base: 3, top: 11, density: 150, obj: 900}}}
		const w = 32
		x0, y1 := cx-4, cy+4
		rgb, obj, err := wd.render(f, x0, y1, testRes, w, w)
		if err != nil {
			t.Fatal(err)
		}
		// The car's centre, moved by the lean of its roof.
		H := ph.Z - 690
		dx, dy := 1.5*(cx-ph.X)/(H-1.5), 1.5*(cy-ph.Y)/(H-1.5)
		i, j := int((cx+dx-x0)/testRes), int((y1-cy-dy)/testRes)
		o := j*w + i
		if obj[o] != 77 {
			t.Errorf("offset %v: obj %d under the crown, want the car", off, obj[o])
		}
		if r, g := rgb[3*o], rgb[3*o+1]; g <= r {
			t.Errorf("offset %v: pixel %v under the crown is not green", off, rgb[3*o:3*o+3])
		}
	}
}

func TestRenderRefusesShortBuffers(t *testing.T) {
	f := newTestFlight(t, 1, 0, 10)
	l := surface.New(0, 100, 0.25, 400, 400)
	if err := f.Render(l, 10, 90, 0.25, 10, 10, make([]uint8, 299), nil); err == nil {
		t.Error("short rgb accepted")
	}
	if err := f.Render(l, 10, 90, 0.25, 10, 10, make([]uint8, 300), make([]uint32, 99)); err == nil {
		t.Error("short obj accepted")
	}
	if err := f.Render(nil, 10, 90, 0.25, 10, 10, make([]uint8, 300), nil); err == nil {
		t.Error("nil layers accepted")
	}
}
