package pointgrid

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Helpers that run GDAL's command-line gdal_grid on the same points and grid
// as this package, as an independent reference. GDAL is required: a missing
// tool fails the test with its name rather than skipping it.

const gdalNodata = -9999

func requireTool(tb testing.TB, name string) {
	tb.Helper()
	if _, err := exec.LookPath(name); err != nil {
		tb.Fatalf("%s is required for this test (GDAL command-line tools, e.g. apt-get install gdal-bin): %v", name, err)
	}
}

// writePointsVRT writes p as a CSV plus an OGR VRT that reads it as 3D
// points, and returns the VRT's path. Coordinates are written with the
// shortest representation that parses back to the same float64.
func writePointsVRT(tb testing.TB, dir string, p Points) string {
	tb.Helper()
	var buf bytes.Buffer
	buf.WriteString("x,y,z\n")
	for i := range p.X {
		buf.WriteString(strconv.FormatFloat(p.X[i], 'g', -1, 64))
		buf.WriteByte(',')
		buf.WriteString(strconv.FormatFloat(p.Y[i], 'g', -1, 64))
		buf.WriteByte(',')
		buf.WriteString(strconv.FormatFloat(p.Z[i], 'g', -1, 64))
		buf.WriteByte('\n')
	}
	csv := filepath.Join(dir, "pts.csv")
	if err := os.WriteFile(csv, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	vrt := filepath.Join(dir, "pts.vrt")
	doc := `<OGRVRTDataSource><OGRVRTLayer name="pts"><SrcDataSource>` + csv +
		`</SrcDataSource><GeometryType>wkbPoint25D</GeometryType>` +
		`<GeometryField encoding="PointFromColumns" x="x" y="y" z="z"/></OGRVRTLayer></OGRVRTDataSource>`
	if err := os.WriteFile(vrt, []byte(doc), 0o644); err != nil {
		tb.Fatal(err)
	}
	return vrt
}

// gdalGrid runs gdal_grid with algorithm alg on the VRT and returns the
// grid in this package's layout (NaN for nodata) and the wall time of
// gdal_grid alone.
func gdalGrid(tb testing.TB, dir, vrt string, g Grid, alg string) ([]float64, time.Duration) {
	tb.Helper()
	tif := filepath.Join(dir, "out.tif")
	os.Remove(tif)
	args := []string{"-q", "-a", alg,
		"-txe", ftoa(g.MinX), ftoa(g.MaxX()), "-tye", ftoa(g.MinY()), ftoa(g.MaxY),
		"-outsize", strconv.Itoa(g.Width), strconv.Itoa(g.Height),
		"-ot", "Float64", "-of", "GTiff", "-l", "pts", vrt, tif}
	start := time.Now()
	if out, err := exec.Command("gdal_grid", args...).CombinedOutput(); err != nil {
		tb.Fatalf("gdal_grid %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	elapsed := time.Since(start)
	return readXYZ(tb, dir, tif, g), elapsed
}

// readXYZ converts the GeoTIFF to GDAL's XYZ text (cell centre x, y and
// value per line, 18 significant digits) and places each value by its
// centre, so the raster's orientation and origin convention cannot fool us.
func readXYZ(tb testing.TB, dir, tif string, g Grid) []float64 {
	tb.Helper()
	xyz := filepath.Join(dir, "out.xyz")
	if out, err := exec.Command("gdal_translate", "-q", "-of", "XYZ", tif, xyz).CombinedOutput(); err != nil {
		tb.Fatalf("gdal_translate: %v\n%s", err, out)
	}
	f, err := os.Open(xyz)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	vals := make([]float64, g.Cells())
	seen := make([]bool, g.Cells())
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 {
			tb.Fatalf("bad XYZ line %q", sc.Text())
		}
		x, _ := strconv.ParseFloat(fs[0], 64)
		y, _ := strconv.ParseFloat(fs[1], 64)
		v, _ := strconv.ParseFloat(fs[2], 64)
		col := int(math.Round((x-g.MinX)/g.Res - 0.5))
		row := int(math.Round((g.MaxY-y)/g.Res - 0.5))
		if col < 0 || col >= g.Width || row < 0 || row >= g.Height ||
			math.Abs(g.CenterX(col)-x) > 1e-6*g.Res || math.Abs(g.CenterY(row)-y) > 1e-6*g.Res {
			tb.Fatalf("gdal cell centre (%v, %v) is not one of our centres", x, y)
		}
		if v == gdalNodata {
			v = math.NaN()
		}
		vals[row*g.Width+col] = v
		seen[row*g.Width+col] = true
	}
	for i, s := range seen {
		if !s {
			tb.Fatalf("gdal output lacks cell %d", i)
		}
	}
	return vals
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// hullDistance is the distance from (px, py) to the boundary of the convex
// hull of the points.
func hullDistance(hx, hy []float64, px, py float64) float64 {
	best := math.Inf(1)
	for k := range hx {
		ax, ay := hx[k], hy[k]
		bx, by := hx[(k+1)%len(hx)], hy[(k+1)%len(hx)]
		dx, dy := bx-ax, by-ay
		t := ((px-ax)*dx + (py-ay)*dy) / (dx*dx + dy*dy)
		t = max(0, min(1, t))
		best = min(best, math.Hypot(ax+t*dx-px, ay+t*dy-py))
	}
	return best
}

type agreement struct {
	compared      int     // cells where both have a value
	maxDiff       float64 // largest |ours - gdal| over those
	bothNodata    int
	boundary      int // nodata disagreements at cells on the hull boundary
	worstBoundary float64
}

func (a agreement) String() string {
	return fmt.Sprintf("%d cells compared, max |diff| %.3g, %d both nodata, %d nodata disagreements on the hull boundary (max centre–hull distance %.3g)",
		a.compared, a.maxDiff, a.bothNodata, a.boundary, a.worstBoundary)
}

// compare checks ours against gdal's grid cell by cell: values within tol
// where both exist, and equal nodata except, when hull is given, at cells
// whose centre lies within hullTol of the convex hull's boundary.
func compare(tb testing.TB, g Grid, ours []float32, ref []float64, nodata float32, tol float64, hull *Points, hullTol float64) agreement {
	tb.Helper()
	var a agreement
	var hx, hy []float64
	if hull != nil {
		h := convexHull(hull.X, hull.Y)
		for _, i := range h {
			hx, hy = append(hx, hull.X[i]), append(hy, hull.Y[i])
		}
	}
	bad := 0
	for row := range g.Height {
		for col := range g.Width {
			k := row*g.Width + col
			o, r := ours[k], ref[k]
			oNo, rNo := o == nodata, math.IsNaN(r)
			switch {
			case oNo && rNo:
				a.bothNodata++
			case !oNo && !rNo:
				a.compared++
				// ours is float32: allow its rounding on top of tol.
				d := math.Abs(float64(o) - r)
				a.maxDiff = max(a.maxDiff, d)
				if d > tol+math.Abs(r)*1e-7 && bad < 10 {
					bad++
					tb.Errorf("cell (%d, %d) centre (%v, %v): ours %v, gdal %v", col, row, g.CenterX(col), g.CenterY(row), o, r)
				}
			default:
				if hull != nil {
					dist := hullDistance(hx, hy, g.CenterX(col), g.CenterY(row))
					if dist <= hullTol {
						a.boundary++
						a.worstBoundary = max(a.worstBoundary, dist)
						continue
					}
				}
				if bad < 10 {
					bad++
					tb.Errorf("cell (%d, %d) centre (%v, %v): ours %v, gdal %v (nodata disagreement)", col, row, g.CenterX(col), g.CenterY(row), o, r)
				}
			}
		}
	}
	return a
}
