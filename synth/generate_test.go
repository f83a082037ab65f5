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
	key := fmt.Sprintf("s%d_%gx%g_%g_%s", opt.Seed, opt.ExtentKm[0], opt.ExtentKm[1], opt.SheetKm, opt.Defects)
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
		"truth_cd": {[]string{fileTruthChange}, TruthChangeRes, 1, "uint8", false, 0, false},
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

// readChanges reads truth/changes.geojson.
func readChanges(t *testing.T, dir string) (fc struct {
	Type string `json:"type"`
	CRS  struct {
		Type       string            `json:"type"`
		Properties map[string]string `json:"properties"`
	} `json:"crs"`
	Features []struct {
		Type       string        `json:"type"`
		ID         int           `json:"id"`
		Properties ChangeFeature `json:"properties"`
		Geometry   struct {
			Type        string         `json:"type"`
			Coordinates [][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, fileTruthChanges))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatalf("%s: %v", fileTruthChanges, err)
	}
	return fc
}

// TestTruth: truth/dh equals DSM_t1 − DSM_t0 on changed pixels within the
// noise and is 0 elsewhere; truth/change and truth/dh cover exactly the
// polygons of changes.geojson; the changed share is 4–6 % and ΔH spans −25 … +35 m.
func TestTruth(t *testing.T) {
	dir, sc := sceneFor(t, Options{ExtentKm: [2]float64{1, 1}, SheetKm: 0.5, Seed: 1})
	dh, err := raster.ReadFile[float32](context.Background(), filepath.Join(dir, fileTruthDH))
	if err != nil {
		t.Fatal(err)
	}
	cd, err := raster.ReadFile[uint8](context.Background(), filepath.Join(dir, fileTruthChange))
	if err != nil {
		t.Fatal(err)
	}
	d0 := readScene(t, sc, filepath.Join(dir, dirDSMT0, "*.tif"), 1)
	d1 := readScene(t, sc, filepath.Join(dir, dirDSMT1, "*.tif"), 1)

	t.Run("dh equals DSM difference", func(t *testing.T) {
		var errs []float64
		for k, v := range dh.Bands[0] {
			if v != 0 {
				errs = append(errs, math.Abs(float64(d1.Bands[0][k]-d0.Bands[0][k]-v)))
			}
		}
		if len(errs) < 40000 {
			t.Fatalf("only %d changed pixels in 1 km²", len(errs))
		}
		med, p95 := percentile(errs, 50), percentile(errs, 95)
		t.Logf("%d changed pixels: |DSM_t1 − DSM_t0 − dh| median %.3f m, p95 %.3f m", len(errs), med, p95)
		if med > 0.2 || p95 > 0.6 {
			t.Errorf("|DSM difference − truth| median %.3f m (want < 0.2), p95 %.3f m (want < 0.6)", med, p95)
		}
	})

	t.Run("polygons", func(t *testing.T) {
		fc := readChanges(t, dir)
		if fc.Type != "FeatureCollection" || fc.CRS.Properties["name"] != "urn:ogc:def:crs:EPSG::25830" {
			t.Fatalf("type %q, crs %v", fc.Type, fc.CRS)
		}
		ev := sc.Counts.Events
		if n := len(fc.Features); n != ev.Construction+ev.Demolition+ev.Extension {
			t.Fatalf("%d features, scene.json counts %+v", n, ev)
		}
		// Rasterize the polygons at both truth resolutions; pixels whose centre
		// is within a centimetre of an edge are not judged (coordinates are rounded to mm).
		inside := func(res float64, w int, n int) (in, edge []bool) {
			in, edge = make([]bool, n), make([]bool, n)
			for _, f := range fc.Features {
				ring := f.Geometry.Coordinates[0]
				if f.Geometry.Type != "Polygon" || len(ring) != 5 || ring[0] != ring[4] {
					t.Fatalf("feature %d: not a closed rectangle: %v", f.ID, ring)
				}
				x0, y0, x1, y1 := ring[0][0], ring[0][1], ring[2][0], ring[2][1]
				h := n / w
				i0, i1 := max(0, int((x0-sc.Bounds[0])/res)-1), min(w, int((x1-sc.Bounds[0])/res)+2)
				j0, j1 := max(0, int((sc.Bounds[3]-y1)/res)-1), min(h, int((sc.Bounds[3]-y0)/res)+2)
				for j := j0; j < j1; j++ {
					for i := i0; i < i1; i++ {
						x := sc.Bounds[0] + (float64(i)+0.5)*res
						y := sc.Bounds[3] - (float64(j)+0.5)*res
						if x >= x0-0.01 && x < x1+0.01 && y >= y0-0.01 && y < y1+0.01 {
							if x >= x0+0.01 && x < x1-0.01 && y >= y0+0.01 && y < y1-0.01 {
								in[j*w+i] = true
							} else {
								edge[j*w+i] = true
							}
						}
					}
				}
			}
			return in, edge
		}
		in, edge := inside(1, dh.Width, len(dh.Bands[0]))
		for k, v := range dh.Bands[0] {
			if !edge[k] && (v != 0) != in[k] {
				t.Fatalf("truth/dh pixel %d = %v, but inside a change polygon: %v", k, v, in[k])
			}
		}
		in, edge = inside(0.5, cd.Width, len(cd.Bands[0]))
		var ones int64
		for k, v := range cd.Bands[0] {
			ones += int64(v)
			if !edge[k] && (v == 1) != in[k] {
				t.Fatalf("truth/change pixel %d = %v, but inside a change polygon: %v", k, v, in[k])
			}
		}
		for _, f := range fc.Features {
			p := f.Properties
			ok := p.Kind == "construction" && p.DH > 0 && p.HeightT0 == 0 ||
				p.Kind == "demolition" && p.DH < 0 && p.HeightT1 == 0 ||
				p.Kind == "extension" && p.DH >= 3-1e-6 && p.HeightT0 > 0
			if !ok || math.Abs(p.HeightT1-p.HeightT0-p.DH) > 0.002 {
				t.Errorf("feature %d: inconsistent properties %+v", f.ID, p)
			}
		}
		if ones != sc.Counts.ChangedPixels {
			t.Errorf("truth/change holds %d ones, scene.json says %d", ones, sc.Counts.ChangedPixels)
		}
	})

	t.Run("share and range", func(t *testing.T) {
		c := sc.Counts
		share := float64(c.ChangedPixels) / float64(cd.Width*cd.Height)
		t.Logf("changed share %.4f, ΔH %.2f … %.2f m", share, c.DHMin, c.DHMax)
		if share < 0.04 || share > 0.06 || math.Abs(share-c.ChangedShare) > 1e-6 {
			t.Errorf("changed share %.4f (scene.json %.4f), want 0.04–0.06", share, c.ChangedShare)
		}
		if c.DHMin > -24.99 || c.DHMax < 34.99 {
			t.Errorf("ΔH %.2f … %.2f, want −25 … +35", c.DHMin, c.DHMax)
		}
	})
}

func percentile(v []float64, p float64) float64 {
	s := append([]float64(nil), v...)
	slices.Sort(s)
	k := int(math.Round(p / 100 * float64(len(s)-1)))
	return s[k]
}
