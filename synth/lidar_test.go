package synth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/pointcloud"
)

type lidarPoint struct {
	x, y, z     float64
	class, r, n uint8
}

// readLidar decodes every LAZ file of an epoch's folder.
func readLidar(t *testing.T, dir string, epoch int) ([]lidarPoint, []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, lidarDir(epoch), "*.laz"))
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
		if got := pf.Header().PointFormat; got != lidarFormat[epoch] {
			t.Errorf("%s: point format %d, want %d", f, got, lidarFormat[epoch])
		}
		for p, err := range pf.Points(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			pts = append(pts, lidarPoint{p.X, p.Y, p.Z, p.Classification, p.ReturnNumber, p.NumberOfReturns})
		}
		pf.Close()
	}
	return pts, files
}

// TestLidar generates the same scene cut into sheets of two sizes: the
// points are the same (a pulse does not depend on the sheet that scans
// it), at the requested density, with every class the scanner assigns; the
// same options give the same bytes.
func TestLidar(t *testing.T) {
	ctx := context.Background()
	gen := func(sheetKm float64) string {
		dir := t.TempDir()
		if _, err := Generate(ctx, Options{Out: dir, ExtentKm: [2]float64{0.4, 0.4}, SheetKm: sheetKm, Seed: 4, Lidar: true}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	small, big, again := gen(0.2), gen(0.4), gen(0.2)
	for epoch := range 2 {
		a, files := readLidar(t, small, epoch)
		b, _ := readLidar(t, big, epoch)
		if len(files) != 4 {
			t.Errorf("epoch %d: %d files, want 4 sheets", epoch, len(files))
		}
		cmp := func(p, q lidarPoint) int {
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
		pulses, classes := 0, map[uint8]int{}
		for _, p := range a {
			if p.r == 1 {
				pulses++
			}
			classes[p.class]++
		}
		want := DefaultLidarDensity[epoch] * 400 * 400
		if d := float64(pulses); d < 0.98*want || d > 1.02*want {
			t.Errorf("epoch %d: %d pulses over 0.16 km², want %.0f", epoch, pulses, want)
		}
		for _, c := range []uint8{1, 2, 5, 6} {
			if classes[c] == 0 {
				t.Errorf("epoch %d: no point of class %d (%v)", epoch, c, classes)
			}
		}
		t.Logf("epoch %d: %d points, %d pulses, classes %v", epoch, len(a), pulses, classes)
		for _, f := range files {
			x, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			y, err := os.ReadFile(filepath.Join(again, lidarDir(epoch), filepath.Base(f)))
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
