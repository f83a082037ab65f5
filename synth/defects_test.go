package synth

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/raster"
)

// TestDefects generates a scene per defect (and one with none, one with all)
// and measures each defect in the files: present when asked, absent otherwise.
func TestDefects(t *testing.T) {
	tests := []struct {
		defects string
		km      float64
	}{
		{"none", 0.4},
		{"stripes", 0.4},
		{"corrupt", 0.4},
		{"missing", 0.4},
		{"bias=0.3", 0.4},
		{"shift=0.5", 0.4},
		{"bias=-0.7", 0.4},
		{"stripes,corrupt,missing,bias=0.3,shift=0.5", 0.6},
	}
	for _, tt := range tests {
		t.Run(tt.defects, func(t *testing.T) {
			opt := small(3, tt.defects)
			opt.ExtentKm = [2]float64{tt.km, tt.km}
			dir, sc := sceneFor(t, opt)
			d := opt.Defects
			if sc.Defects.Requested != d.String() {
				t.Errorf("scene.json records defects %q, want %q", sc.Defects.Requested, d.String())
			}
			t.Run("stripes", func(t *testing.T) { checkStripes(t, dir, sc, d.Stripes) })
			t.Run("corrupt", func(t *testing.T) { checkCorrupt(t, dir, sc, d.Corrupt) })
			t.Run("missing", func(t *testing.T) { checkMissing(t, dir, sc, d.Missing) })
			t.Run("bias", func(t *testing.T) { checkBias(t, dir, sc, d.Bias) })
			t.Run("shift", func(t *testing.T) { checkShift(t, dir, sc, d.Shift) })
		})
	}
}

// readableDSMs lists the DSM files that should read: all but the corrupt one.
func readableDSMs(sc *Scene) []string {
	var out []string
	for _, f := range append(append([]string(nil), sc.Files.DSMT0...), sc.Files.DSMT1...) {
		if sc.Defects.Corrupt == nil || f != sc.Defects.Corrupt.File {
			out = append(out, f)
		}
	}
	return out
}

func readDSM(t *testing.T, dir, rel string) *raster.Image[float32] {
	t.Helper()
	img, err := raster.ReadFile[float32](context.Background(), filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func checkStripes(t *testing.T, dir string, sc *Scene, want bool) {
	striped := map[string][]Stripe{}
	for _, sf := range sc.Defects.Stripes {
		striped[sf.File] = sf.Stripes
	}
	if want != (len(striped) > 0) {
		t.Fatalf("scene.json lists %d striped files, want stripes: %v", len(striped), want)
	}
	for _, f := range readableDSMs(sc) {
		img := readDSM(t, dir, f)
		w := img.Width
		inStripe := make([]float64, len(img.Bands[0]))
		for k := range inStripe {
			inStripe[k] = math.NaN()
		}
		var fullNoData, fullZero bool
		for _, s := range striped[f] {
			fullNoData = fullNoData || s.Full && s.Value == DSMNoData
			fullZero = fullZero || s.Full && s.Value == 0
			if s.Full != (s.Col == 0 && s.Cols == w) {
				t.Errorf("%s: stripe %+v: full_width disagrees with its columns", f, s)
			}
			for r := s.Row; r < s.Row+s.Rows; r++ {
				for c := s.Col; c < s.Col+s.Cols; c++ {
					inStripe[r*w+c] = s.Value
				}
			}
		}
		if striped[f] != nil && (!fullNoData || !fullZero) {
			t.Errorf("%s: stripes %+v lack a full-width nodata or zero stripe", f, striped[f])
		}
		for k, v := range img.Bands[0] {
			want := inStripe[k]
			switch {
			case !math.IsNaN(want) && float64(v) != want:
				t.Fatalf("%s: pixel (%d,%d) = %v inside a stripe of %v", f, k%w, k/w, v, want)
			case math.IsNaN(want) && v == 0:
				t.Fatalf("%s: pixel (%d,%d) = 0 outside any recorded stripe", f, k%w, k/w)
			}
		}
	}
}

func checkCorrupt(t *testing.T, dir string, sc *Scene, want bool) {
	c := sc.Defects.Corrupt
	if want != (c != nil) {
		t.Fatalf("scene.json corrupt = %+v, want a corrupt file: %v", c, want)
	}
	if c != nil {
		p := filepath.Join(dir, c.File)
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != c.TruncatedTo || c.TruncatedTo != c.Bytes/2 || !strings.HasPrefix(c.File, dirDSMT1+"/") {
			t.Errorf("%s: %d bytes on disk, scene.json says %d of %d", c.File, st.Size(), c.TruncatedTo, c.Bytes)
		}
		_, err = raster.ReadFile[float32](context.Background(), p)
		if err == nil {
			t.Fatalf("GDAL read the truncated %s without error", c.File)
		}
		if !strings.Contains(err.Error(), c.File) {
			t.Errorf("error %q does not name the file", err)
		}
	}
	// Every other raster reads in full.
	files := append(append(readableDSMs(sc), sc.Files.OrthoT0...), sc.Files.OrthoT1...)
	for _, f := range files {
		if _, err := raster.ReadFile[uint8](context.Background(), filepath.Join(dir, f)); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func checkMissing(t *testing.T, dir string, sc *Scene, want bool) {
	m := sc.Defects.Missing
	if want != (m != nil) {
		t.Fatalf("scene.json missing = %+v, want a missing sheet: %v", m, want)
	}
	n := len(sc.Sheets)
	wantT1 := n
	if m != nil {
		wantT1--
		for _, f := range m.Files {
			if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s should be missing, stat: %v", f, err)
			}
			t0 := strings.ReplaceAll(f, "_t1", "_t0")
			if _, err := os.Stat(filepath.Join(dir, t0)); err != nil {
				t.Errorf("t0 counterpart of the missing sheet: %v", err)
			}
		}
	}
	for _, list := range [][]string{sc.Files.OrthoT1, sc.Files.DSMT1, sc.Files.PointsT1} {
		if len(list) != wantT1 {
			t.Errorf("%d t1 files listed for %d sheets, want %d", len(list), n, wantT1)
		}
	}
	for _, dirName := range []string{dirOrthoT0, dirDSMT0, dirOrthoT1, dirDSMT1, dirPointsT0, dirPointsT1} {
		got, _ := filepath.Glob(filepath.Join(dir, dirName, "*.*"))
		want := n
		if strings.HasSuffix(dirName, "t1") {
			want = wantT1
		}
		if len(got) != want {
			t.Errorf("%s holds %d files, want %d", dirName, len(got), want)
		}
	}
}

// pairs returns the sheets whose DSMs read in both epochs.
func pairs(sc *Scene) []int {
	var out []int
	for i, s := range sc.Sheets {
		if sc.Defects.Missing != nil && sc.Defects.Missing.Sheet == s.ID {
			continue
		}
		if sc.Defects.Corrupt != nil && strings.Contains(sc.Defects.Corrupt.File, s.ID) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// clean is the scene of the same options without defects.
func clean(t *testing.T, sc *Scene) (string, *Scene) {
	opt := small(sc.Seed, "none")
	opt.ExtentKm = sc.ExtentKm
	return sceneFor(t, opt)
}

// checkBias compares the t1 products with those of the same scene without
// defects: every t1 return and so every t1 DSM cell is higher by the bias
// (to the centimetre of the files), nothing else moves.
func checkBias(t *testing.T, dir string, sc *Scene, want float64) {
	if sc.Defects.BiasM != want {
		t.Errorf("scene.json bias %g, want %g", sc.Defects.BiasM, want)
	}
	if want == 0 || sc.Defects.ShiftM[0] != 0 {
		return
	}
	cdir, _ := clean(t, sc)
	var diffs []float64
	for _, i := range pairs(sc) {
		s := sc.Sheets[i]
		d1 := readDSM(t, dir, dirDSMT1+"/"+dirDSMT1+"_"+s.ID+".tif")
		c1 := readDSM(t, cdir, dirDSMT1+"/"+dirDSMT1+"_"+s.ID+".tif")
		for k, v := range d1.Bands[0] {
			if v == DSMNoData || v == 0 || c1.Bands[0][k] == DSMNoData {
				continue
			}
			diffs = append(diffs, float64(v-c1.Bands[0][k]))
		}
	}
	if len(diffs) < 20000 {
		t.Fatalf("only %d cells to compare", len(diffs))
	}
	lo, hi := percentile(diffs, 1), percentile(diffs, 99)
	t.Logf("DSM_t1 with bias − without: p1 %.3f m, p99 %.3f m (bias %g)", lo, hi, want)
	if math.Abs(lo-want) > 0.011 || math.Abs(hi-want) > 0.011 {
		t.Errorf("DSM_t1 moved by %.3f … %.3f m, want %g ± 0.01", lo, hi, want)
	}
	a, _ := readLidar(t, dir, 1)
	b, _ := readLidar(t, cdir, 1)
	if len(a) != len(b) {
		t.Fatalf("%d t1 points with bias, %d without", len(a), len(b))
	}
	sortPoints(a)
	sortPoints(b)
	for k := range a {
		if a[k].x != b[k].x || a[k].y != b[k].y || math.Abs(a[k].z-b[k].z-want) > 0.011 {
			t.Fatalf("t1 point %d: %+v with bias, %+v without", k, a[k], b[k])
		}
	}
}

// checkShift compares the t1 products with those of the same scene without
// defects: the t1 orthophoto is the clean one moved east by the shift, to
// the byte, and so are the t1 points away from the scene's edges.
func checkShift(t *testing.T, dir string, sc *Scene, want float64) {
	if sc.Defects.ShiftM != [2]float64{want, 0} {
		t.Errorf("scene.json shift %v, want [%g 0]", sc.Defects.ShiftM, want)
	}
	if want == 0 {
		return
	}
	cdir, _ := clean(t, sc)
	px := int(math.Round(want / OrthoRes))
	ctx := context.Background()
	for _, i := range pairs(sc) {
		s := sc.Sheets[i]
		rel := filepath.Join(dirOrthoT1, dirOrthoT1+"_"+s.ID+".tif")
		o1, err := raster.ReadFile[uint8](ctx, filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		c1, err := raster.ReadFile[uint8](ctx, filepath.Join(cdir, rel))
		if err != nil {
			t.Fatal(err)
		}
		w := o1.Width
		for b := range 3 {
			for k, v := range o1.Bands[b] {
				x := k % w
				if x-px < 0 || x-px >= w {
					continue
				}
				if c := c1.Bands[b][k-px]; v != c {
					t.Fatalf("%s band %d pixel (%d,%d) = %d, the clean one %d px west holds %d", rel, b+1, x, k/w, v, px, c)
				}
			}
		}
	}
	a, _ := readLidar(t, dir, 1)
	b, _ := readLidar(t, cdir, 1)
	inner := func(pts []lidarPoint, dx float64) []lidarPoint {
		var out []lidarPoint
		for _, p := range pts {
			x := p.x - dx
			if x > sc.Bounds[0]+60 && x < sc.Bounds[2]-60 && p.y > sc.Bounds[1]+60 && p.y < sc.Bounds[3]-60 {
				p.x = math.Round(x*100) / 100
				out = append(out, p)
			}
		}
		sortPoints(out)
		return out
	}
	ia, ib := inner(a, want), inner(b, 0)
	missing := sc.Defects.Missing != nil
	if !missing && !slices.Equal(ia, ib) {
		t.Errorf("t1 points with shift, moved back: %d inner points; without shift: %d, or they differ", len(ia), len(ib))
	}
	if missing && len(ia) == 0 {
		t.Errorf("no t1 points")
	}
}

func sortPoints(p []lidarPoint) {
	slices.SortFunc(p, func(a, b lidarPoint) int {
		for _, d := range [3]float64{a.gps - b.gps, a.y - b.y, a.x - b.x} {
			if d < 0 {
				return -1
			}
			if d > 0 {
				return 1
			}
		}
		return int(a.r) - int(b.r)
	})
}
