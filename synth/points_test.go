package synth

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/pointcloud"
)

type lidarPoint struct {
	x, y, z     float64
	class, r, n uint8
	gps         float64
}

// readLidar decodes every LAZ file of an epoch's folder.
func readLidar(t *testing.T, dir string, epoch int) ([]lidarPoint, []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, pointsDir(epoch), "*.laz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no LAZ in %s: %v", dir, err)
	}
	var pts []lidarPoint
	for _, f := range files {
		pf, err := pointcloud.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		crs, err := pf.CRS()
		if err != nil || crs.WKT == "" {
			t.Errorf("%s: no CRS (%v)", f, err)
		}
		if h := pf.Header(); h.PointFormat != 6 || h.VersionMinor != 4 {
			t.Errorf("%s: LAS 1.%d point format %d, want LAS 1.4 format 6", f, h.VersionMinor, h.PointFormat)
		}
		for p, err := range pf.Points(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			pts = append(pts, lidarPoint{p.X, p.Y, p.Z, p.Classification, p.ReturnNumber, p.NumberOfReturns, p.GPSTime})
		}
		pf.Close()
	}
	return pts, files
}

// TestPoints generates the same scene cut into sheets of two sizes: the
// points are the same (a pulse does not depend on the sheet that scans
// it), at the requested density, with the classes and multiple returns of
// a real survey; the same options give the same bytes.
func TestPoints(t *testing.T) {
	ctx := context.Background()
	gen := func(sheetKm float64) (string, *Scene) {
		dir := t.TempDir()
		sc, err := Generate(ctx, Options{Out: dir, ExtentKm: [2]float64{0.4, 0.4}, SheetKm: sheetKm, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		return dir, sc
	}
	small, sc := gen(0.2)
	big, bsc := gen(0.4)
	again, _ := gen(0.2)
	// The rasters do not depend on the sheets either: the orthophotos and
	// DSMs of four sheets are the one sheet's, pixel for pixel, and the
	// truth is the same file.
	for _, p := range []struct {
		pattern string
		res     float64
	}{{dirOrthoT1 + "/*.tif", OrthoRes}, {dirDSMT0 + "/*.tif", DSMRes}, {dirTruth + "/change.tif", TruthChangeRes}} {
		a := readScene(t, sc, filepath.Join(small, p.pattern), p.res)
		b := readScene(t, bsc, filepath.Join(big, p.pattern), p.res)
		if !slices.Equal(a.Bands[0], b.Bands[0]) {
			t.Errorf("%s: 0.2 km sheets and one 0.4 km sheet differ", p.pattern)
		}
	}
	for epoch := range 2 {
		a, files := readLidar(t, small, epoch)
		b, _ := readLidar(t, big, epoch)
		if len(files) != 4 {
			t.Errorf("epoch %d: %d files, want 4 sheets", epoch, len(files))
		}
		cmp := func(p, q lidarPoint) int {
			if p.gps != q.gps {
				if p.gps < q.gps {
					return -1
				}
				return 1
			}
			if c := bytes.Compare([]byte{p.r}, []byte{q.r}); c != 0 {
				return c
			}
			if p.y != q.y {
				if p.y < q.y {
					return -1
				}
				return 1
			}
			if p.x < q.x {
				return -1
			}
			if p.x > q.x {
				return 1
			}
			return 0
		}
		slices.SortFunc(a, cmp)
		slices.SortFunc(b, cmp)
		if !slices.Equal(a, b) {
			t.Errorf("epoch %d: 0.2 km sheets give %d points, one 0.4 km sheet %d, or they differ", epoch, len(a), len(b))
		}
		firsts, multi, classes := 0, 0, map[uint8]int{}
		var inside int
		for _, p := range a {
			if p.r == 1 {
				firsts++
			}
			if p.n > 1 {
				multi++
			}
			classes[p.class]++
			if p.x >= sc.Bounds[0] && p.x < sc.Bounds[2] && p.y >= sc.Bounds[1] && p.y < sc.Bounds[3] {
				inside++
			}
		}
		// The nominal density holds over a survey's block; 400 m may lie in
		// one strip (two thirds of it) or in a strips' overlap (double).
		want := DefaultLidarDensity[epoch] * 400 * 400
		if d := float64(firsts); d < 0.5*want || d > 2*want {
			t.Errorf("epoch %d: %d first returns over 0.16 km², want %.0f within a factor of 2", epoch, firsts, want)
		}
		// scene.json rounds to 1e-4 points/m².
		if got := sc.Realism.Epochs[epoch].PointsPerM2 * 400 * 400; math.Abs(got-float64(len(a))) > 8 {
			t.Errorf("epoch %d: scene.json says %.0f points, the files hold %d", epoch, got, len(a))
		}
		if inside != len(a) {
			t.Errorf("epoch %d: %d of %d points outside the scene", epoch, len(a)-inside, len(a))
		}
		for _, c := range []uint8{2, 5, 6} {
			if classes[c] == 0 {
				t.Errorf("epoch %d: no point of class %d (%v)", epoch, c, classes)
			}
		}
		if multi == 0 {
			t.Errorf("epoch %d: no pulse with several returns", epoch)
		}
		t.Logf("epoch %d: %d points, %d first returns, %d of several, classes %v", epoch, len(a), firsts, multi, classes)
		for _, f := range files {
			x, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			y, err := os.ReadFile(filepath.Join(again, pointsDir(epoch), filepath.Base(f)))
			if err != nil || !bytes.Equal(x, y) {
				t.Errorf("%s differs between two runs with the same options (%v)", filepath.Base(f), err)
			}
		}
	}
}

func TestParseDensity(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want [2]float64
		ok   bool
	}{
		{"0.5,2", [2]float64{0.5, 2}, true},
		{" 1 , 10 ", [2]float64{1, 10}, true},
		{"2", [2]float64{}, false},
		{"0,2", [2]float64{}, false},
		{"1,100", [2]float64{}, false},
		{"a,b", [2]float64{}, false},
	} {
		got, err := ParseDensity(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDensity(%q) = %v, %v", tt.in, got, err)
		}
	}
}
