package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cdflow/cdflow/raster"
)

// Tests that write scenes through the raster package (real GDAL) and read
// them back. Scenes shared by several tests are generated once.

var cacheRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "synth-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cacheRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var scenes = struct {
	sync.Mutex
	m map[string]*Scene
}{m: map[string]*Scene{}}

// small is the scene most tests use: four 200 m sheets.
func small(seed int64, defects string) Options {
	d, err := ParseDefects(defects)
	if err != nil {
		panic(err)
	}
	return Options{ExtentKm: [2]float64{0.4, 0.4}, SheetKm: 0.2, Seed: seed, Defects: d}
}

// sceneFor generates (once per options) a scene and returns its directory.
func sceneFor(t testing.TB, opt Options) (string, *Scene) {
	t.Helper()
	key := fmt.Sprintf("s%d_%gx%g_%g_%s_%v", opt.Seed, opt.ExtentKm[0], opt.ExtentKm[1], opt.SheetKm, opt.Defects, opt.Preview)
	key = strings.NewReplacer(",", "_", "=", "").Replace(key)
	opt.Out = filepath.Join(cacheRoot, key)
	scenes.Lock()
	defer scenes.Unlock()
	if sc, ok := scenes.m[key]; ok {
		return opt.Out, sc
	}
	sc, err := Generate(context.Background(), opt)
	if err != nil {
		t.Fatalf("Generate(%s): %v", key, err)
	}
	scenes.m[key] = sc
	return opt.Out, sc
}

// readTree returns every file under dir with its bytes.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestDeterministic(t *testing.T) {
	for _, defects := range []string{"none", "stripes,corrupt,missing,bias=0.3,shift=0.5"} {
		t.Run(defects, func(t *testing.T) {
			opt := small(5, defects)
			var trees []map[string][]byte
			for run := 0; run < 2; run++ {
				opt.Out = filepath.Join(t.TempDir(), "scene")
				if _, err := Generate(context.Background(), opt); err != nil {
					t.Fatal(err)
				}
				trees = append(trees, readTree(t, opt.Out))
			}
			a, b := trees[0], trees[1]
			if len(a) != len(b) || len(a) < 15 {
				t.Fatalf("runs wrote %d and %d files", len(a), len(b))
			}
			for name, data := range a {
				if !bytes.Equal(data, b[name]) {
					t.Errorf("%s differs between two runs with the same seed", name)
				}
			}
		})
	}
	t.Run("other seed", func(t *testing.T) {
		opt := small(5, "none")
		opt.Out = filepath.Join(t.TempDir(), "a")
		if _, err := Generate(context.Background(), opt); err != nil {
			t.Fatal(err)
		}
		a := readTree(t, opt.Out)
		opt.Seed = 6
		opt.Out = filepath.Join(t.TempDir(), "b")
		if _, err := Generate(context.Background(), opt); err != nil {
			t.Fatal(err)
		}
		b := readTree(t, opt.Out)
		for name, data := range a {
			if name == fileWorkflow {
				continue // names the seed, but only in comments and titles
			}
			if bytes.Equal(data, b[name]) {
				t.Errorf("%s is the same for seeds 5 and 6", name)
			}
		}
	})
}

// TestRegenerateInPlace: a second run into a scene directory replaces the
// scene (no stale sheet survives), an interrupted run's directory is taken
// over, and a foreign directory is refused.
func TestRegenerateInPlace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "scene")
	opt := small(2, "none")
	opt.Out = dir
	if _, err := Generate(context.Background(), opt); err != nil {
		t.Fatal(err)
	}
	opt.Defects = Defects{Missing: true}
	sc, err := Generate(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sc.Defects.Missing.Files {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s survived from the earlier run", f)
		}
	}
	// An interrupted run leaves only generator entries and no scene.json.
	interrupted := filepath.Join(t.TempDir(), "interrupted")
	if err := os.MkdirAll(filepath.Join(interrupted, dirOrthoT0), 0o755); err != nil {
		t.Fatal(err)
	}
	opt.Out = interrupted
	if _, err := Generate(context.Background(), opt); err != nil {
		t.Fatalf("Generate into an interrupted scene: %v", err)
	}
	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	opt.Out = foreign
	if _, err := Generate(context.Background(), opt); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Generate into a foreign directory: %v, want a refusal", err)
	}
}

// TestProducts reads every raster back through the raster package and
// checks CRS, geotransform, size, bands, data type and nodata.
func TestProducts(t *testing.T) {
	dir, sc := sceneFor(t, small(1, "none"))
	ctx := context.Background()
	type product struct {
		files     []string
		res       float64
		bands     int
		dtype     string
		hasNoData bool
		nodata    float64
		sheetWide bool
	}
	products := map[string]product{
		"ortho_t0": {sc.Files.OrthoT0, OrthoRes, 3, "uint8", false, 0, true},
		"ortho_t1": {sc.Files.OrthoT1, OrthoRes, 3, "uint8", false, 0, true},
		"dsm_t0":   {sc.Files.DSMT0, DSMRes, 1, "float32", true, DSMNoData, true},
		"dsm_t1":   {sc.Files.DSMT1, DSMRes, 1, "float32", true, DSMNoData, true},
		"truth_dh": {[]string{fileTruthDH}, TruthDHRes, 1, "float32", false, 0, false},
		"truth_t0": {[]string{fileTruthDSMT0}, TruthDHRes, 1, "float32", false, 0, false},
		"truth_t1": {[]string{fileTruthDSMT1}, TruthDHRes, 1, "float32", false, 0, false},
		"truth_cd": {[]string{fileTruthChange}, TruthChangeRes, 1, "uint8", false, 0, false},
		"truth_ot": {[]string{fileTruthOther}, TruthChangeRes, 1, "uint8", false, 0, false},
	}
	names := make([]string, 0, len(products))
	for n := range products {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		p := products[name]
		t.Run(name, func(t *testing.T) {
			if p.sheetWide && len(p.files) != len(sc.Sheets) {
				t.Fatalf("%d files for %d sheets", len(p.files), len(sc.Sheets))
			}
			for i, f := range p.files {
				bounds := sc.Bounds
				if p.sheetWide {
					bounds = sc.Sheets[i].Bounds
					if want := strings.Split(f, "/")[0] + "_" + sc.Sheets[i].ID + ".tif"; filepath.Base(f) != want {
						t.Errorf("file %s, want name %s", f, want)
					}
				}
				info, err := raster.Inspect(ctx, []string{filepath.Join(dir, f)}, raster.MosaicOptions{})
				if err != nil {
					t.Fatal(err)
				}
				wantGT := [6]float64{bounds[0], p.res, 0, bounds[3], 0, -p.res}
				w, h := int(math.Round((bounds[2]-bounds[0])/p.res)), int(math.Round((bounds[3]-bounds[1])/p.res))
				switch {
				case info.CRS.EPSG != EPSG:
					t.Errorf("%s: CRS %s, want EPSG:%d", f, info.CRS, EPSG)
				case info.GeoTransform != wantGT:
					t.Errorf("%s: geotransform %v, want %v", f, info.GeoTransform, wantGT)
				case info.Width != w || info.Height != h:
					t.Errorf("%s: size %dx%d, want %dx%d", f, info.Width, info.Height, w, h)
				case info.Bands != p.bands || info.DataType != p.dtype:
					t.Errorf("%s: %d bands of %s, want %d of %s", f, info.Bands, info.DataType, p.bands, p.dtype)
				case info.HasNoData != p.hasNoData || (p.hasNoData && info.NoData != p.nodata):
					t.Errorf("%s: nodata %v (set %v), want %v (set %v)", f, info.NoData, info.HasNoData, p.nodata, p.hasNoData)
				}
			}
		})
	}
}

// TestGDALInfo checks the files as gdal-bin sees them: CRS, geotransform,
// type, nodata, tiling and compression.
func TestGDALInfo(t *testing.T) {
	dir, sc := sceneFor(t, small(1, "none"))
	tests := []struct {
		file   string
		typ    string
		bands  int
		nodata any // nil: none
		size   [2]int
	}{
		{sc.Files.OrthoT1[1], "Byte", 3, nil, [2]int{800, 800}},
		{sc.Files.DSMT0[2], "Float32", 1, -9999.0, [2]int{200, 200}},
		{fileTruthDH, "Float32", 1, nil, [2]int{400, 400}},
		{fileTruthChange, "Byte", 1, nil, [2]int{800, 800}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out, err := exec.Command("gdalinfo", "-json", filepath.Join(dir, tt.file)).Output()
			if err != nil {
				t.Fatalf("gdalinfo %s: %v", tt.file, err)
			}
			var info struct {
				Size             [2]int     `json:"size"`
				GeoTransform     [6]float64 `json:"geoTransform"`
				CoordinateSystem struct {
					WKT string `json:"wkt"`
				} `json:"coordinateSystem"`
				Metadata map[string]map[string]string `json:"metadata"`
				Bands    []struct {
					Type        string `json:"type"`
					Block       [2]int `json:"block"`
					NoDataValue any    `json:"noDataValue"`
					Colour      string `json:"colorInterpretation"`
				} `json:"bands"`
			}
			if err := json.Unmarshal(out, &info); err != nil {
				t.Fatalf("gdalinfo -json output: %v", err)
			}
			if info.Size != tt.size {
				t.Errorf("size %v, want %v", info.Size, tt.size)
			}
			if !strings.Contains(info.CoordinateSystem.WKT, `ID["EPSG",25830]`) {
				t.Errorf("CRS is not EPSG:25830: %.80s…", info.CoordinateSystem.WKT)
			}
			if x := info.GeoTransform; x[0] < OriginE || x[3] > OriginN+400 || x[2] != 0 || x[4] != 0 || x[1] != -x[5] {
				t.Errorf("geotransform %v is not north-up within the scene", x)
			}
			if c := info.Metadata["IMAGE_STRUCTURE"]["COMPRESSION"]; c != "DEFLATE" {
				t.Errorf("compression %q, want DEFLATE", c)
			}
			if len(info.Bands) != tt.bands {
				t.Fatalf("%d bands, want %d", len(info.Bands), tt.bands)
			}
			for i, b := range info.Bands {
				if tt.bands == 3 && b.Colour != [3]string{"Red", "Green", "Blue"}[i] {
					t.Errorf("band %d is %s, want RGB", i+1, b.Colour)
				}
				if b.Type != tt.typ {
					t.Errorf("band type %s, want %s", b.Type, tt.typ)
				}
				if b.Block[0] != 256 || b.Block[1] != 256 {
					t.Errorf("block %v, want tiled 256x256", b.Block)
				}
				if fmt.Sprint(b.NoDataValue) != fmt.Sprint(tt.nodata) {
					t.Errorf("nodata %v, want %v", b.NoDataValue, tt.nodata)
				}
			}
		})
	}
}

// readScene reads a product mosaic over the scene extent at res.
func readScene(t *testing.T, sc *Scene, pattern string, res float64) *raster.Image[float32] {
	t.Helper()
	ctx := context.Background()
	m, err := raster.OpenMosaic(ctx, []string{pattern}, raster.MosaicOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	img, err := raster.Read[float32](ctx, m, raster.Window{
		Extent: raster.Extent{MinX: sc.Bounds[0], MinY: sc.Bounds[1], MaxX: sc.Bounds[2], MaxY: sc.Bounds[3]},
		ResX:   res, ResY: res, Method: "nearest",
	})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestTruth checks the truth against itself, the scene's records and the
// products: dh is exactly dsm_t1 − dsm_t0; change and other_change hold only
// their codes and scene.json counts them; construction labels lie on the
// recorded constructions, leaning at most as far as a photo can make them;
// the DSMs made from the points follow the true surfaces; the change share
// and ΔH range are of a real city's order.
func TestTruth(t *testing.T) {
	dir, sc := sceneFor(t, Options{ExtentKm: [2]float64{1, 1}, SheetKm: 0.5, Seed: 1})
	ctx := context.Background()
	readF := func(rel string) *raster.Image[float32] {
		img, err := raster.ReadFile[float32](ctx, filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	readU := func(rel string) *raster.Image[uint8] {
		img, err := raster.ReadFile[uint8](ctx, filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	dh, t0, t1 := readF(fileTruthDH), readF(fileTruthDSMT0), readF(fileTruthDSMT1)
	cd, other := readU(fileTruthChange), readU(fileTruthOther)

	t.Run("dh is the difference of the true surfaces", func(t *testing.T) {
		for k, v := range dh.Bands[0] {
			if want := t1.Bands[0][k] - t0.Bands[0][k]; math.Float32bits(v) != math.Float32bits(want) {
				t.Fatalf("pixel %d: dh %v, dsm_t1 − dsm_t0 = %v", k, v, want)
			}
		}
	})

	t.Run("codes and counts", func(t *testing.T) {
		var n [256]int64
		for _, v := range cd.Bands[0] {
			n[v]++
		}
		if n[0]+n[1]+n[2] != int64(len(cd.Bands[0])) {
			t.Fatalf("truth/change holds values other than 0, 1, 2: %v", n[:8])
		}
		c := sc.Counts
		if n[1] != c.ConstructionPixels || n[2] != c.DemolitionPixels || n[1]+n[2] != c.ChangedPixels {
			t.Errorf("truth/change has %d construction and %d demolition pixels, scene.json %d and %d", n[1], n[2], c.ConstructionPixels, c.DemolitionPixels)
		}
		var o [256]int64
		for _, v := range other.Bands[0] {
			o[v]++
		}
		for code, name := range otherNames {
			if o[code] != c.OtherPixels[name] {
				t.Errorf("truth/other_change has %d pixels of %s, scene.json %d", o[code], name, c.OtherPixels[name])
			}
		}
		if o[1] != 0 || o[2] != 0 {
			t.Errorf("truth/other_change holds building codes: %v", o[:8])
		}
		if o[3] == 0 || o[4] == 0 {
			t.Errorf("no vegetation or vehicle change in 1 km²: %v", o[:8])
		}
	})

	t.Run("labels lie on the recorded changes", func(t *testing.T) {
		// Every construction pixel lies within a construction's outline
		// widened by the largest lean a photo gives its height (a third of
		// it: a frame camera's mosaic keeps rays within about 22° of nadir) plus a metre.
		w := cd.Width
		near := make([]bool, len(cd.Bands[0]))
		for _, ch := range sc.Changes {
			if ch.Kind != "construction" || len(ch.Outline) < 3 {
				continue
			}
			pad := 0.4*ch.HeightT1 + 1
			x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
			for _, p := range ch.Outline {
				x0, y0, x1, y1 = min(x0, p[0]), min(y0, p[1]), max(x1, p[0]), max(y1, p[1])
			}
			i0, i1 := max(0, int((x0-pad-sc.Bounds[0])/0.5)), min(w, int((x1+pad-sc.Bounds[0])/0.5)+1)
			j0, j1 := max(0, int((sc.Bounds[3]-y1-pad)/0.5)), min(cd.Height, int((sc.Bounds[3]-y0+pad)/0.5)+1)
			for j := j0; j < j1; j++ {
				for i := i0; i < i1; i++ {
					near[j*w+i] = true
				}
			}
		}
		var on, off int
		for k, v := range cd.Bands[0] {
			if v == 1 {
				if near[k] {
					on++
				} else {
					off++
				}
			}
		}
		if on == 0 || off > on/100 {
			t.Errorf("%d construction pixels near a recorded construction, %d elsewhere", on, off)
		}
	})

	t.Run("DSMs from the points follow the true surfaces", func(t *testing.T) {
		for e, truth := range []*raster.Image[float32]{t0, t1} {
			d := readScene(t, sc, filepath.Join(dir, dsmDir(e), "*.tif"), 1)
			var errs []float64
			voids := 0
			for k, v := range d.Bands[0] {
				if v == DSMNoData {
					voids++
					continue
				}
				errs = append(errs, math.Abs(float64(v-truth.Bands[0][k])))
			}
			med, p90 := percentile(errs, 50), percentile(errs, 90)
			t.Logf("t%d: |DSM − true surface| median %.3f m, p90 %.3f m, %d voids", e, med, p90, voids)
			// Measured on this scene: medians 0.14 and 0.08 m, p90 3.95 and
			// 2.80 m (a TIN of 0.5 and 2 points/m² against the highest point
			// of each cell: walls and crowns differ by metres).
			if med > 0.3 || p90 > 6 {
				t.Errorf("t%d: |DSM − true surface| median %.3f m (want < 0.3), p90 %.3f m (want < 6)", e, med, p90)
			}
		}
	})

	t.Run("share and range", func(t *testing.T) {
		c := sc.Counts
		t.Logf("changed share %.4f, building ΔH %.2f … %.2f m, events %v", c.ChangedShare, c.DHMin, c.DHMax, c.Events)
		if c.ChangedShare < 0.01 || c.ChangedShare > 0.12 {
			t.Errorf("changed share %.4f, want a real city's few per cent", c.ChangedShare)
		}
		if c.DHMin > -3 || c.DHMax < 3 {
			t.Errorf("building ΔH %.2f … %.2f m: no real construction or demolition", c.DHMin, c.DHMax)
		}
	})
}

func percentile(v []float64, p float64) float64 {
	s := append([]float64(nil), v...)
	slices.Sort(s)
	k := int(math.Round(p / 100 * float64(len(s)-1)))
	return s[k]
}
