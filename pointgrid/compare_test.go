package pointgrid

import (
	"context"
	"math"
	"testing"
)

// TestGDALNodePositions pins down where gdal_grid puts its grid nodes, on a
// 3×2 grid and a plane z = x (then z = y) that linear interpolation
// reproduces exactly, so each output value is its node's coordinate.
//
// Found with GDAL 3.6: with -txe minx maxx -tye miny maxy -outsize w h the
// output is north-up (origin (minx, maxy), pixel (res, -res)) whichever order
// -tye is given in, and node (col, row) sits at the cell centre
// (minx+(col+0.5)*res, maxy-(row+0.5)*res), exactly this package's centres.
func TestGDALNodePositions(t *testing.T) {
	requireTool(t, "gdal_grid")
	requireTool(t, "gdal_translate")
	g := Grid{MinX: offX, MaxY: offY + 2, Res: 1, Width: 3, Height: 2}
	x := []float64{offX - 1, offX + 4, offX - 1, offX + 4}
	y := []float64{offY - 1, offY - 1, offY + 3, offY + 3}
	for _, axis := range []string{"x", "y"} {
		z := x
		if axis == "y" {
			z = y
		}
		dir := t.TempDir()
		vrt := writePointsVRT(t, dir, Points{X: x, Y: y, Z: z})
		ref, _ := gdalGrid(t, dir, vrt, g, "linear:radius=0:nodata=-9999")
		for row := range g.Height {
			for col := range g.Width {
				want := g.CenterX(col)
				if axis == "y" {
					want = g.CenterY(row)
				}
				if got := ref[row*g.Width+col]; math.Abs(got-want) > 1e-6 {
					t.Errorf("z=%s: gdal node (%d, %d) interpolates %v, our centre is %v", axis, col, row, got, want)
				}
			}
		}
	}
}

type gdalCase struct {
	name   string
	g      Grid
	p      Points
	radius float64 // IDW search radius
	minPts int
}

func gdalCases(t *testing.T) []gdalCase {
	r := newRand(42)
	g := Grid{MinX: offX, MaxY: offY + 50, Res: 1, Width: 50, Height: 50}
	// Points cover the grid plus a 2 m halo, like a tile with its halo.
	uniform := func(density float64) Points {
		return uniformPoints(r, int(density*54*54), offX-2, offY-2, 54, 54)
	}
	las := readLAS(t, autzenPath)
	return []gdalCase{
		{"uniform 0.5/m2", g, uniform(0.5), 2, 1},
		{"uniform 2/m2", g, uniform(2), 2, 1},
		{"uniform 10/m2", g, uniform(10), 2, 3},
		// Lattices on the 1 cm grid: rows collinear, squares cocircular, and
		// with 0.25 m spacing every cell centre is a lattice point or lies on
		// a lattice edge.
		{"lattice 0.25 m", g, latticePoints(offX-1, offY-1, 0.25, 209, 209), 1, 1},
		{"lattice 0.37 m offset", g, latticePoints(offX+0.13, offY+0.07, 0.37, 135, 135), 1.5, 1},
		{"snapped 1 cm, 4/m2", g, snapped(uniform(4)), 2, 1},
		{"roofs and walls", g, roofsPoints(r, 6000, offX-2, offY-2, 54, 54), 2, 1},
		{"autzen-bmx-2010", Grid{MinX: 194472, MaxY: 259265, Res: 1, Width: 36, Height: 44}, las, 3, 1},
	}
}

// shifted returns p and g translated by (-sx, -sy), failing unless every
// subtraction is exact (Sterbenz: operands within a factor of two), so the
// translated geometry is the same geometry.
func shifted(tb testing.TB, g Grid, p Points, sx, sy float64) (Grid, Points) {
	tb.Helper()
	q := Points{X: make([]float64, p.Len()), Y: make([]float64, p.Len()), Z: p.Z}
	for i := range p.X {
		q.X[i], q.Y[i] = p.X[i]-sx, p.Y[i]-sy
		if q.X[i]+sx != p.X[i] || q.Y[i]+sy != p.Y[i] {
			tb.Fatalf("translating point %d is not exact", i)
		}
	}
	h := g
	h.MinX, h.MaxY = g.MinX-sx, g.MaxY-sy
	if h.MinX+sx != g.MinX || h.MaxY+sy != g.MaxY {
		tb.Fatal("translating the grid is not exact")
	}
	return h, q
}

// TestTINMatchesGDALLinear compares TIN with gdal_grid -a linear.
//
// gdal_grid 3.6 hands the raw coordinates to qhull, whose lifted paraboloid
// (x²+y² ≈ 2e13 at y = 4.48e6) loses the precision needed to decide
// Delaunay flips: on the uniform sets at projected coordinates it differs
// from the exact Delaunay TIN by up to ~0.3 m inside the hull, while on the
// same points translated to the origin it agrees to float32 precision. So
// the reference is gdal_grid run on the points and grid translated by an
// exactly representable offset (the same geometry, checked exactly), while
// TIN runs at the original coordinates; the raw comparison is only logged.
func TestTINMatchesGDALLinear(t *testing.T) {
	requireTool(t, "gdal_grid")
	requireTool(t, "gdal_translate")
	const alg = "linear:radius=0:nodata=-9999"
	for _, c := range gdalCases(t) {
		t.Run(c.name, func(t *testing.T) {
			// gdal_grid gets the set TIN documents it uses: one point per
			// (x, y), the highest.
			q := dedupMax(c.p)
			sg, sq := shifted(t, c.g, q, math.Floor(c.g.MinX), math.Floor(c.g.MinY()))
			dir := t.TempDir()
			ref, _ := gdalGrid(t, dir, writePointsVRT(t, dir, sq), sg, alg)
			ours, err := TIN(context.Background(), c.g, c.p, TINOptions{}, gdalNodata)
			if err != nil {
				t.Fatal(err)
			}
			a := compare(t, c.g, ours, ref, gdalNodata, 1e-3, &q, 1e-9)
			t.Logf("%d points (%d distinct): %v", c.p.Len(), q.Len(), a)
			if a.compared < c.g.Cells()/2 {
				t.Errorf("only %d cells compared", a.compared)
			}
			raw, _ := gdalGrid(t, dir, writePointsVRT(t, dir, q), c.g, alg)
			t.Logf("gdal_grid at the original coordinates: %v", compare(quiet{}, c.g, ours, raw, gdalNodata, 1e-3, &q, 1e-9))
		})
	}
}

// quiet is a testing.TB that drops reported errors (for logged-only
// comparisons).
type quiet struct{ testing.TB }

func (quiet) Helper()               {}
func (quiet) Errorf(string, ...any) {}

// TestIDWMatchesGDALInvdist compares IDW with gdal_grid -a invdist.
func TestIDWMatchesGDALInvdist(t *testing.T) {
	requireTool(t, "gdal_grid")
	requireTool(t, "gdal_translate")
	for _, c := range gdalCases(t) {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			alg := "invdist:power=2:smoothing=0:radius1=" + ftoa(c.radius) + ":radius2=" + ftoa(c.radius) +
				":angle=0:max_points=0:min_points=" + itoa(c.minPts) + ":nodata=-9999"
			ref, _ := gdalGrid(t, dir, writePointsVRT(t, dir, c.p), c.g, alg)
			o := IDWOptions{Power: 2, Radius: c.radius, MinPoints: c.minPts}
			ours, err := IDW(context.Background(), c.g, c.p, o, gdalNodata)
			if err != nil {
				t.Fatal(err)
			}
			a := compare(t, c.g, ours, ref, gdalNodata, 1e-3, nil, 0)
			t.Logf("%d points: %v", c.p.Len(), a)
			if a.compared < c.g.Cells()/4 {
				t.Errorf("only %d cells compared", a.compared)
			}
		})
	}
}
