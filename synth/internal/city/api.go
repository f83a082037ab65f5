package city

import "math"

// NewWindow returns the north-up grid of w×h pixels of size res whose
// top-left corner is at local (x0, y1); its pixels sample the world moved
// east by dx (the t1 misregistration; 0 for none).
func NewWindow(x0, y1, res float64, w, h int, dx float64) Window {
	return Window{x0: x0, y1: y1, res: res, w: w, h: h, dx: dx}
}

// AboveGround returns the height above the terrain of each pixel, row-major.
func (l *Layers) AboveGround() []float32 { return l.hag }

// Movable reports whether pixel k shows a tree or a car: surfaces that
// change between epochs without any building change.
func (l *Layers) Movable(k int) bool {
	m := l.mat[k]
	return m == matTree || m == matCar || m == matGlass
}

// Light returns the lighting of an epoch (0 or 1).
func (c *City) Light(epoch int) Lighting { return c.light[epoch] }

// Ground returns the terrain height at local point (x, y).
func (c *City) Ground(x, y float64) float64 { return c.terr.at(x, y) }

// Change is one changed building, as changes.geojson describes it.
type Change struct {
	Kind      string     // construction | demolition | extension
	Footprint [4]float64 // local min x, min y, max x, max y
	DH        float64    // change at the highest point: HeightT1 − HeightT0
	HeightT0  float64    // top above the ground; 0 when there is no building
	HeightT1  float64
	Gable     bool // the roof (after the change, or before a demolition) is a gable roof
}

// Changes lists the changed buildings in a fixed order.
func (c *City) Changes() []Change {
	out := make([]Change, 0, len(c.events))
	for _, e := range c.events {
		fp := c.footprint(e)
		ch := Change{Kind: e.kind.String(), Footprint: [4]float64{fp.x0, fp.y0, fp.x1, fp.y1}, DH: c.dh(e)}
		if e.before >= 0 {
			ch.HeightT0 = c.buildings[e.before].top
			ch.Gable = c.buildings[e.before].gable
		}
		if e.after >= 0 {
			ch.HeightT1 = c.buildings[e.after].top
			ch.Gable = c.buildings[e.after].gable
		}
		out = append(out, ch)
	}
	return out
}

// Unchanged returns the footprints of the buildings that stand unchanged in
// both epochs.
func (c *City) Unchanged() [][4]float64 {
	var out [][4]float64
	for i := range c.buildings {
		if b := &c.buildings[i]; b.epochs == bothEpochs {
			out = append(out, [4]float64{b.fp.x0, b.fp.y0, b.fp.x1, b.fp.y1})
		}
	}
	return out
}

// Census counts what stands within the extent.
type Census struct {
	BuildingsT0, BuildingsT1 int
	Trees                    int
	CarsT0, CarsT1           int
	Construction             int
	Demolition               int
	Extension                int
}

// Census counts buildings, trees and cars that reach into the scene extent,
// and the changes by kind.
func (c *City) Census() Census {
	extent := rect{0, 0, c.w, c.h}
	var n Census
	for i := range c.buildings {
		if b := &c.buildings[i]; b.fp.intersects(extent) {
			if b.in(0) {
				n.BuildingsT0++
			}
			if b.in(1) {
				n.BuildingsT1++
			}
		}
	}
	for i := range c.trees {
		t := &c.trees[i]
		if r := t.reach(); (rect{t.x - r, t.y - r, t.x + r, t.y + r}).intersects(extent) {
			n.Trees++
		}
	}
	for i := range c.cars {
		if c.cars[i].r.intersects(extent) {
			if c.cars[i].epoch == 0 {
				n.CarsT0++
			} else {
				n.CarsT1++
			}
		}
	}
	for _, e := range c.events {
		switch e.kind {
		case construction:
			n.Construction++
		case demolition:
			n.Demolition++
		case extension:
			n.Extension++
		}
	}
	return n
}

// roundTo rounds v to n decimals. Dividing the rounded integer (rather than
// multiplying by 10^-n) gives the double nearest the decimal, so JSON prints it short.
func roundTo(v float64, n int) float64 {
	p := math.Pow10(n)
	return math.Round(v*p) / p
}
