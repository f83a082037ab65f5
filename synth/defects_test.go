package synth

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth/internal/city"
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
			case math.IsNaN(want) && (v == DSMNoData || v == 0):
				t.Fatalf("%s: pixel (%d,%d) = %v outside any recorded stripe", f, k%w, k/w, v)
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
	for _, list := range [][]string{sc.Files.OrthoT1, sc.Files.DSMT1} {
		if len(list) != wantT1 {
			t.Errorf("%d t1 files listed for %d sheets, want %d", len(list), n, wantT1)
		}
	}
	for _, dirName := range []string{dirOrthoT0, dirDSMT0, dirOrthoT1, dirDSMT1} {
		got, _ := filepath.Glob(filepath.Join(dir, dirName, "*.tif"))
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

// sheetWindow is a sheet's DSM window in local metres.
func sheetWindow(sc *Scene, i int, dx float64) city.Window {
	b := sc.Sheets[i].Bounds
	return city.NewWindow(b[0]-OriginE, b[3]-OriginN, DSMRes, int(b[2]-b[0]), int(b[3]-b[1]), dx)
}

// checkBias measures the median t1 − t0 DSM difference over stable surfaces:
// pixels where, per the scene model, neither tree nor car stands and the
// built surface is the same in both epochs.
func checkBias(t *testing.T, dir string, sc *Scene, want float64) {
	c := city.New(sc.Seed, sc.ExtentKm[0]*1000, sc.ExtentKm[1]*1000)
	var diffs []float64
	for _, i := range pairs(sc) {
		s := sc.Sheets[i]
		d0 := readDSM(t, dir, dirDSMT0+"/"+dirDSMT0+"_"+s.ID+".tif")
		d1 := readDSM(t, dir, dirDSMT1+"/"+dirDSMT1+"_"+s.ID+".tif")
		l0, l1 := city.NewLayers(sheetWindow(sc, i, 0)), city.NewLayers(sheetWindow(sc, i, sc.Defects.ShiftM[0]))
		c.Paint(0, l0)
		c.Paint(1, l1)
		h0, h1 := l0.AboveGround(), l1.AboveGround()
		for k := range d0.Bands[0] {
			v0, v1 := d0.Bands[0][k], d1.Bands[0][k]
			if v1 == DSMNoData || v1 == 0 || h0[k] != h1[k] || l0.Movable(k) || l1.Movable(k) {
				continue
			}
			diffs = append(diffs, float64(v1-v0))
		}
	}
	if len(diffs) < 20000 {
		t.Fatalf("only %d stable pixels", len(diffs))
	}
	med := percentile(diffs, 50)
	t.Logf("median DSM_t1 − DSM_t0 on %d stable pixels: %.3f m (bias %g)", len(diffs), med, want)
	if math.Abs(med-want) > 0.05 {
		t.Errorf("median DSM difference %.3f m, want %g ± 0.05", med, want)
	}
	if sc.Defects.BiasM != want {
		t.Errorf("scene.json bias %g, want %g", sc.Defects.BiasM, want)
	}
}

// checkShift measures the t1 misregistration twice: by cross-correlating the
// orthophotos (to the pixel, 0.25 m) and from the x-centroids of unchanged
// buildings in the DSMs (sub-metre).
func checkShift(t *testing.T, dir string, sc *Scene, want float64) {
	if sc.Defects.ShiftM != [2]float64{want, 0} {
		t.Errorf("scene.json shift %v, want [%g 0]", sc.Defects.ShiftM, want)
	}
	ps := pairs(sc)
	s := sc.Sheets[ps[0]]
	ctx := context.Background()
	o0, err := raster.ReadFile[uint8](ctx, filepath.Join(dir, dirOrthoT0, dirOrthoT0+"_"+s.ID+".tif"))
	if err != nil {
		t.Fatal(err)
	}
	o1, err := raster.ReadFile[uint8](ctx, filepath.Join(dir, dirOrthoT1, dirOrthoT1+"_"+s.ID+".tif"))
	if err != nil {
		t.Fatal(err)
	}
	// A 100 m square is plenty for the correlation and keeps the -race run short.
	sx, sy := bestShift(luminance(o0, 400), luminance(o1, 400), 400, 400, 4)
	t.Logf("orthophoto cross-correlation: t1 moved (%d, %d) px", sx, sy)
	if float64(sx)*OrthoRes != want || sy != 0 {
		t.Errorf("orthophotos: t1 moved (%g, %g) m, want (%g, 0)", float64(sx)*OrthoRes, float64(sy)*OrthoRes, want)
	}

	c := city.New(sc.Seed, sc.ExtentKm[0]*1000, sc.ExtentKm[1]*1000)
	var moves []float64
	for _, i := range ps {
		s := sc.Sheets[i]
		d := [2]*raster.Image[float32]{
			readDSM(t, dir, dirDSMT0+"/"+dirDSMT0+"_"+s.ID+".tif"),
			readDSM(t, dir, dirDSMT1+"/"+dirDSMT1+"_"+s.ID+".tif"),
		}
		win := sheetWindow(sc, i, 0)
		b := s.Bounds
		for _, fp := range c.Unchanged() {
			// Buildings well inside the sheet, their box widened by 1.2 m (the
			// gap to the nearest tree crown is at least 1.5 m).
			if fp[0] < b[0]-OriginE+3 || fp[1] < b[1]-OriginN+3 || fp[2] > b[2]-OriginE-3 || fp[3] > b[3]-OriginN-3 {
				continue
			}
			i0, i1 := win.Cols(fp[0]-1.2, fp[2]+1.2)
			j0, j1 := win.Rows(fp[1]-1.2, fp[3]+1.2)
			var cx [2]float64
			for e := range d {
				var sum, n float64
				for j := j0; j < j1; j++ {
					for i := i0; i < i1; i++ {
						v := float64(d[e].Bands[0][j*d[e].Width+i])
						if v != DSMNoData && v != 0 && v-sc.Defects.BiasM*float64(e)-c.Ground(win.X(i), win.Y(j)) > 2 {
							sum += win.X(i)
							n++
						}
					}
				}
				cx[e] = sum / n
			}
			moves = append(moves, cx[1]-cx[0])
		}
	}
	if len(moves) < 10 {
		t.Fatalf("only %d unchanged buildings to measure", len(moves))
	}
	mean := 0.0
	for _, m := range moves {
		mean += m
	}
	mean /= float64(len(moves))
	t.Logf("DSM: unchanged buildings' centroids moved %.3f m east (mean of %d)", mean, len(moves))
	if math.Abs(mean-want) > 0.1 {
		t.Errorf("DSM: buildings moved %.3f m east, want %g ± 0.1", mean, want)
	}
}

// luminance returns the grey values of the top-left n×n pixels.
func luminance(img *raster.Image[uint8], n int) []float64 {
	out := make([]float64, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			k := y*img.Width + x
			out[y*n+x] = 0.299*float64(img.Bands[0][k]) + 0.587*float64(img.Bands[1][k]) + 0.114*float64(img.Bands[2][k])
		}
	}
	return out
}

// bestShift finds the integer (sx, sy) within ±r maximizing the normalized
// cross-correlation of b[y+sy][x+sx] with a[y][x].
func bestShift(a, b []float64, w, h, r int) (int, int) {
	best, bx, by := math.Inf(-1), 0, 0
	for sy := -r; sy <= r; sy++ {
		for sx := -r; sx <= r; sx++ {
			var sa, sb, saa, sbb, sab, n float64
			for y := r; y < h-r; y++ {
				for x := r; x < w-r; x++ {
					va, vb := a[y*w+x], b[(y+sy)*w+x+sx]
					sa += va
					sb += vb
					saa += va * va
					sbb += vb * vb
					sab += va * vb
					n++
				}
			}
			cov := sab/n - sa/n*sb/n
			ncc := cov / math.Sqrt((saa/n-sa/n*sa/n)*(sbb/n-sb/n*sb/n))
			if ncc > best {
				best, bx, by = ncc, sx, sy
			}
		}
	}
	return bx, by
}
