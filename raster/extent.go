package raster

import (
	"fmt"
	"math"
)

// Extent is an axis-aligned box in a CRS's units.
type Extent struct {
	MinX, MinY, MaxX, MaxY float64
}

func emptyExtent() Extent {
	return Extent{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

func (e Extent) expand(x, y float64) Extent {
	return Extent{math.Min(e.MinX, x), math.Min(e.MinY, y), math.Max(e.MaxX, x), math.Max(e.MaxY, y)}
}

// Empty reports whether the extent has no area.
func (e Extent) Empty() bool { return !(e.MaxX > e.MinX && e.MaxY > e.MinY) }

// Width and Height in CRS units.
func (e Extent) Width() float64  { return e.MaxX - e.MinX }
func (e Extent) Height() float64 { return e.MaxY - e.MinY }

// Union returns the smallest extent holding both.
func (e Extent) Union(o Extent) Extent {
	return Extent{math.Min(e.MinX, o.MinX), math.Min(e.MinY, o.MinY), math.Max(e.MaxX, o.MaxX), math.Max(e.MaxY, o.MaxY)}
}

// Intersect returns the overlap and whether it has an area.
func (e Extent) Intersect(o Extent) (Extent, bool) {
	r := Extent{math.Max(e.MinX, o.MinX), math.Max(e.MinY, o.MinY), math.Min(e.MaxX, o.MaxX), math.Min(e.MaxY, o.MaxY)}
	return r, !r.Empty()
}

// Contains reports whether o lies inside e (edges included).
func (e Extent) Contains(o Extent) bool {
	return o.MinX >= e.MinX && o.MinY >= e.MinY && o.MaxX <= e.MaxX && o.MaxY <= e.MaxY
}

func (e Extent) String() string {
	return fmt.Sprintf("[%g %g %g %g]", e.MinX, e.MinY, e.MaxX, e.MaxY)
}

// Grid is the georeferencing of a raster: CRS, affine geotransform and size.
type Grid struct {
	CRS          CRS
	GeoTransform [6]float64 // GDAL order: originX, pixelW, rotX, originY, rotY, pixelH (negative for north-up)
	Width        int
	Height       int
}

// NorthUp returns the grid of a north-up raster covering e at resolution res.
func NorthUp(crs CRS, e Extent, resX, resY float64) Grid {
	return Grid{
		CRS:          crs,
		GeoTransform: [6]float64{e.MinX, resX, 0, e.MaxY, 0, -resY},
		Width:        int(math.Round(e.Width() / resX)),
		Height:       int(math.Round(e.Height() / resY)),
	}
}

// Extent returns the bounding box of the grid (for rotated grids, of its corners).
func (g Grid) Extent() Extent {
	gt := g.GeoTransform
	e := emptyExtent()
	for _, c := range [][2]float64{{0, 0}, {float64(g.Width), 0}, {0, float64(g.Height)}, {float64(g.Width), float64(g.Height)}} {
		x := gt[0] + c[0]*gt[1] + c[1]*gt[2]
		y := gt[3] + c[0]*gt[4] + c[1]*gt[5]
		e = e.expand(x, y)
	}
	return e
}

// Res returns the pixel size (positive) along x and y.
func (g Grid) Res() (x, y float64) {
	return math.Hypot(g.GeoTransform[1], g.GeoTransform[4]), math.Hypot(g.GeoTransform[2], g.GeoTransform[5])
}

// Rotated reports whether the geotransform has rotation terms.
func (g Grid) Rotated() bool { return g.GeoTransform[2] != 0 || g.GeoTransform[4] != 0 }
