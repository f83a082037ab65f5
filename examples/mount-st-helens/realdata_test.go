// Package mountsthelens holds the tests that run the Mount St. Helens
// example workflows on the real USGS DEMs in ../shared/data/real and check
// them against GDAL's own tools and the figures of that folder's README.
package mountsthelens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/changemap"
	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

// SharedEnv names the folder holding data/real and stac-schemas; by default
// it is ../shared beside the module root.
const SharedEnv = "CDFLOW_SHARED"

const demDir = "data/real/mount_st_helens_usgs"

// figures are the dataset-wide ΔH statistics over the pixels valid in both
// epochs, as the data README reports them.
type figures struct {
	Pixels int // valid in both epochs
	Over1  int // |ΔH| ≥ 1 m
	Min    float64
	Max    float64
	Mean   float64
}

func (f figures) Share() float64 { return 100 * float64(f.Over1) / float64(f.Pixels) }

func (f figures) String() string {
	return fmt.Sprintf("%7d px  min %8.3f  max %8.3f  mean %7.3f  |ΔH| ≥ 1 m %6.2f %% (%d px)",
		f.Pixels, f.Min, f.Max, f.Mean, f.Share(), f.Over1)
}

// pair is one DEM pair: its workflow and how GDAL reproduces it.
type pair struct {
	name     string
	workflow string // relative to this folder
	t0, t1   string // files in demDir
	// warp0 and warp1 are gdalwarp's -r for each epoch onto the tile grid:
	// what the difference step's method does with it.
	warp0, warp1 string
	// readmeWarp is the README's gdalwarp bringing t0 onto t1's grid for
	// its figures; nil when the grids are the same.
	readmeWarp []string
	tiles      int
	res        float64
	// readme are the README's full-footprint figures: pixels and the
	// (+ / −) counts exact, the rest to 3 decimals.
	readme figures
}

var pairs = []pair{
	{
		name: "P3 2004-10-11 to 2004-10-13", workflow: "dome-2004-10-11_2004-10-13.hcl",
		t0: "msh_2004-10-11_2m.tif", t1: "msh_2004-10-13_2m.tif", warp0: "bilinear", warp1: "near",
		readmeWarp: []string{"-r", "bilinear", "-te", "562159", "5115679", "563221", "5116591", "-tr", "2", "2", "-srcnodata", "-9999", "-dstnodata", "-9999"},
		tiles:      36, res: 2,
		readme: figures{Pixels: 88618, Over1: 44268 + 20481, Min: -17.024, Max: 88.628, Mean: 3.488},
	},
	{
		name: "P1a 2000-09-25 to 2004-10-13", workflow: "crater-2000-09-25_2004-10-13.hcl",
		t0: "msh_2000-09-25_10m.tif", t1: "msh_2004-10-13_2m.tif", warp0: "bilinear", warp1: "near",
		readmeWarp: []string{"-r", "bilinear", "-te", "562159", "5115679", "563221", "5116591", "-tr", "2", "2", "-dstnodata", "-9999"},
		tiles:      90, res: 2,
		readme: figures{Pixels: 161668, Over1: 136195 + 15510, Min: -15.546, Max: 120.331, Mean: 21.352},
	},
	{
		// The 2007 file declares no nodata: every one of its pixels counts.
		name: "P5 2000-09-25 to 2007-07-05 (merged)", workflow: "testdata/merged-2000-09-25_2007-07-05.hcl",
		t0: "msh_2000-09-25_10m.tif", t1: "msh_2007-07-05_merged-on-2000base_10m.tif", warp0: "near", warp1: "near",
		tiles: 77, res: 10,
		readme: figures{Pixels: 133926, Over1: 18777 + 1862, Min: -25.130, Max: 205.517, Mean: 7.396},
	},
}

// declaresNodata says which files declare nodata -9999, as the README's
// table lists them; gdalwarp gets -srcnodata/-dstnodata for those only.
var declaresNodata = map[string]bool{
	"msh_2000-09-25_10m.tif":                    true,
	"msh_2004-10-11_2m.tif":                     true,
	"msh_2004-10-13_2m.tif":                     true,
	"msh_2007-07-05_merged-on-2000base_10m.tif": false,
}

// moduleRoot is the folder holding go.mod above the working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", wd)
		}
	}
}

// sharedDir returns $CDFLOW_SHARED or ../shared beside the module root, and
// fails naming every file of the DEM series and schema folder it lacks.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(SharedEnv)
	if dir == "" {
		dir = filepath.Join(moduleRoot(t), "..", "shared")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	names := make([]string, 0, len(declaresNodata))
	for name := range declaresNodata {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(dir, demDir, name)); err != nil {
			missing = append(missing, filepath.Join(dir, demDir, name))
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "stac-schemas")); err != nil || !st.IsDir() {
		missing = append(missing, filepath.Join(dir, "stac-schemas")+"/")
	}
	if len(missing) > 0 {
		t.Fatalf("the real-data tests need the USGS Mount St. Helens DEMs and the offline STAC schemas; missing:\n  %s\nset %s to the folder holding data/real/ and stac-schemas/ (default: ../shared beside the module root)",
			strings.Join(missing, "\n  "), SharedEnv)
	}
	return dir
}

// dataDefault finds the default of the data variable.
var dataDefault = regexp.MustCompile(`(?s)variable "data" \{.*?default\s*=\s*"([^"]*)"`)

// TestDefaultDataPath checks that the examples' data variable defaults to
// the DEM folder of ../shared beside the module root.
func TestDefaultDataPath(t *testing.T) {
	want := filepath.Join(moduleRoot(t), "..", "shared", demDir)
	for _, name := range []string{"dome-2004-10-11_2004-10-13.hcl", "crater-2000-09-25_2004-10-13.hcl", "testdata/merged-2000-09-25_2007-07-05.hcl"} {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			m := dataDefault.FindSubmatch(src)
			if m == nil {
				t.Fatalf("%s: no default for var.data", name)
			}
			def := string(m[1])
			abs, err := filepath.Abs(filepath.Join(filepath.Dir(name), def))
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Clean(abs) != filepath.Clean(want) {
				t.Errorf("var.data defaults to %s, which resolves to %s; want %s", def, abs, want)
			}
		})
	}
}

// TestRealPairs runs each pair's workflow on the real DEMs, publishes its
// release and checks it against GDAL: per tile, bit for bit; dataset-wide,
// against gdalwarp + the same statistics on the tiled area, and against
// the README's full-footprint figures.
func TestRealPairs(t *testing.T) {
	shared := sharedDir(t)
	dems := filepath.Join(shared, demDir)
	validator, err := stac.NewValidator(filepath.Join(shared, "stac-schemas"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			ctx := context.Background()
			plan := planPair(t, p, shared)
			out := t.TempDir()
			res, err := execute.Run(ctx, plan, execute.Options{Out: out})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := release.PublishRun(ctx, plan, res, out, ""); err != nil {
				t.Fatal(err)
			}
			w := plan.Workflow
			relDir := filepath.Join(out, "catalog", w.Dataset.Name, w.Dataset.Version)

			checkTilesEqualGDAL(t, p, dems, out, res)

			full, tiled := gdalFigures(t, p, dems, plan.Grid.Extent)
			checkREADME(t, p.readme, full)
			run := runFigures(t, out, res)
			rel := releaseFigures(t, relDir)
			t.Logf("README, full footprint     %s", p.readme)
			t.Logf("GDAL, full footprint       %s", full)
			e := plan.Grid.Extent
			t.Logf("GDAL, tiled area           %s  (%d tiles, [%s %s %s %s])", tiled, len(res.Tiles), ff(e.MinX), ff(e.MinY), ff(e.MaxX), ff(e.MaxY))
			t.Logf("run (tiles' dh.tif)        %s", run)
			t.Logf("release (parquet + items)  %s", rel)
			sameFigures(t, "the tiles' dh.tif", run, tiled)
			sameFigures(t, "the release", rel, tiled)
			if tiled.Pixels > full.Pixels || tiled.Min < full.Min || tiled.Max > full.Max {
				t.Errorf("the tiled area %s is not inside the full footprint %s", tiled, full)
			}

			checkRelease(t, relDir, len(res.Tiles))
			rep, err := validator.Validate(ctx, filepath.Join(out, "catalog"))
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range rep.Invalid {
				t.Errorf("invalid STAC: %s", inv)
			}
			if want := 1 + 1 + 1 + 3 + len(res.Tiles); rep.Objects != want {
				t.Errorf("validated %d STAC objects, want %d (catalogs, collections, items)", rep.Objects, want)
			}
		})
	}
}

// planPair loads a pair's workflow, with var.data at its default when the
// DEMs are at the default place (so the default is exercised), and checks
// the grid and the products' resolutions.
func planPair(t *testing.T, p pair, shared string) *plans.Plan {
	t.Helper()
	var in workflows.InputValues
	if os.Getenv(SharedEnv) != "" {
		in.Vars = []string{"data=" + filepath.Join(shared, demDir)}
	}
	parser := workflows.NewParser(nil)
	w, diags := parser.Load(p.workflow, in)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", p.workflow, diags.Error())
	}
	if len(w.RasterSources()) != 2 {
		t.Fatalf("%s: %d raster sources, want the two DEMs", p.workflow, len(w.RasterSources()))
	}
	plan, diags := plans.New(context.Background(), w, plans.Options{})
	if diags.HasErrors() {
		t.Fatalf("%s: %s", p.workflow, diags.Error())
	}
	if plan.Grid.Count() != p.tiles {
		t.Errorf("%d tiles, want %d", plan.Grid.Count(), p.tiles)
	}
	for _, s := range w.Steps {
		for _, o := range s.Outputs {
			if o.Resolution != p.res {
				t.Errorf("product %s of %s at %g m, want the DEM product resolution %g m", o.Name, s.Address(), o.Resolution, p.res)
			}
		}
	}
	return plan
}

// gdalwarp runs GDAL's own gdalwarp.
func gdalwarp(args ...string) error {
	cmd := exec.Command("gdalwarp", append([]string{"-q", "-overwrite"}, args...)...)
	cmd.Env = append(os.Environ(), "GDAL_PAM_ENABLED=NO")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("gdalwarp %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func nodataArgs(file string) []string {
	if declaresNodata[file] {
		return []string{"-srcnodata", "-9999", "-dstnodata", "-9999"}
	}
	return nil
}

func readFloat32(t *testing.T, path string) *raster.Image[float32] {
	t.Helper()
	img, err := raster.ReadFile[float32](context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// checkTilesEqualGDAL checks every tile's dsm_t0, dsm_t1 and dh bit for bit
// against gdalwarp on the tile (same -te, -tr, -r and nodata) and the
// float32 subtraction of its two outputs. Tiles are checked in parallel:
// most of the time goes into starting gdalwarp.
func checkTilesEqualGDAL(t *testing.T, p pair, dems, out string, res *execute.Result) {
	t.Helper()
	tmp := t.TempDir()
	var g errgroup.Group
	g.SetLimit(runtime.NumCPU())
	var mu sync.Mutex
	var problems []string
	for _, tr := range res.Tiles {
		g.Go(func() error {
			if err := checkTile(p, dems, tmp, out, tr); err != nil {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("tile %s: %v", tr.Tile.ID, err))
				mu.Unlock()
			}
			return nil
		})
	}
	g.Wait()
	slices.Sort(problems)
	for i, pr := range problems {
		if i == 10 {
			t.Errorf("… and %d more tiles", len(problems)-i)
			break
		}
		t.Error(pr)
	}
}

func checkTile(p pair, dems, tmp, out string, tr execute.TileResult) error {
	ctx := context.Background()
	e := tr.Tile.Extent
	warp := func(file, method string) (*raster.Image[float32], error) {
		dst := filepath.Join(tmp, strings.TrimSuffix(file, ".tif")+"-"+tr.Tile.ID+".tif")
		args := []string{"-te", ff(e.MinX), ff(e.MinY), ff(e.MaxX), ff(e.MaxY), "-tr", ff(p.res), ff(p.res), "-r", method}
		if err := gdalwarp(append(append(args, nodataArgs(file)...), filepath.Join(dems, file), dst)...); err != nil {
			return nil, err
		}
		return raster.ReadFile[float32](ctx, dst)
	}
	t0, err := warp(p.t0, p.warp0)
	if err != nil {
		return err
	}
	t1, err := warp(p.t1, p.warp1)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		product string
		want    *raster.Image[float32]
	}{{"dsm_t0", t0}, {"dsm_t1", t1}, {"dh", subtract(t0, t1)}} {
		got, err := raster.ReadFile[float32](ctx, filepath.Join(out, tr.Products[c.product]))
		if err != nil {
			return err
		}
		if got.Width != c.want.Width || got.Height != c.want.Height || got.GeoTransform != c.want.GeoTransform {
			return fmt.Errorf("%s: grid %v %dx%d, gdalwarp %v %dx%d", c.product, got.GeoTransform, got.Width, got.Height, c.want.GeoTransform, c.want.Width, c.want.Height)
		}
		if got.HasNoData != c.want.HasNoData || (got.HasNoData && got.NoData != c.want.NoData) {
			return fmt.Errorf("%s: nodata %v (set %v), gdalwarp %v (set %v)", c.product, got.NoData, got.HasNoData, c.want.NoData, c.want.HasNoData)
		}
		for i, v := range got.Bands[0] {
			if math.Float32bits(v) != math.Float32bits(c.want.Bands[0][i]) {
				return fmt.Errorf("%s pixel %d: %v, gdalwarp then float32 subtraction %v", c.product, i, v, c.want.Bands[0][i])
			}
		}
	}
	return nil
}

// subtract is ΔH = t1 − t0 in float32, nodata (−9999) where either epoch is.
func subtract(t0, t1 *raster.Image[float32]) *raster.Image[float32] {
	dh := raster.NewImage[float32](t1.Grid, 1)
	dh.NoData, dh.HasNoData = float64(changemap.NoData), true
	for i := range dh.Bands[0] {
		a, b := t0.Bands[0][i], t1.Bands[0][i]
		if t0.HasNoData && float64(a) == t0.NoData || t1.HasNoData && float64(b) == t1.NoData {
			dh.Bands[0][i] = changemap.NoData
			continue
		}
		dh.Bands[0][i] = b - a
	}
	return dh
}

// dhFigures computes the figures of a ΔH raster (nodata −9999).
func dhFigures(dh []float32, f *figures, sum *float64) {
	for _, v := range dh {
		if v == changemap.NoData {
			continue
		}
		if f.Pixels == 0 {
			f.Min, f.Max = float64(v), float64(v)
		}
		f.Pixels++
		f.Min, f.Max = math.Min(f.Min, float64(v)), math.Max(f.Max, float64(v))
		*sum += float64(v)
		if v >= 1 || v <= -1 {
			f.Over1++
		}
	}
}

// gdalFigures reproduces the README's computation: t0 warped onto t1's
// grid with the README's own gdalwarp command, then ΔH over the pixels
// valid in both; over the whole t1 grid (the README's figures) and over
// the tiled area only.
func gdalFigures(t *testing.T, p pair, dems string, tiled raster.Extent) (full, inTiles figures) {
	t.Helper()
	t0path := filepath.Join(dems, p.t0)
	if p.readmeWarp != nil {
		t0path = filepath.Join(t.TempDir(), "t0.tif")
		if err := gdalwarp(append(append([]string{}, p.readmeWarp...), filepath.Join(dems, p.t0), t0path)...); err != nil {
			t.Fatal(err)
		}
	}
	t0, t1 := readFloat32(t, t0path), readFloat32(t, filepath.Join(dems, p.t1))
	if t0.GeoTransform != t1.GeoTransform || t0.Width != t1.Width || t0.Height != t1.Height {
		t.Fatalf("t0 %v %dx%d is not on t1's grid %v %dx%d", t0.GeoTransform, t0.Width, t0.Height, t1.GeoTransform, t1.Width, t1.Height)
	}
	var sum float64
	dhFigures(subtract(t0, t1).Bands[0], &full, &sum)
	full.Mean = sum / float64(full.Pixels)

	c0, err := raster.Crop(t0, tiled)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := raster.Crop(t1, tiled)
	if err != nil {
		t.Fatal(err)
	}
	sum = 0
	dhFigures(subtract(c0, c1).Bands[0], &inTiles, &sum)
	inTiles.Mean = sum / float64(inTiles.Pixels)
	return full, inTiles
}

// checkREADME compares GDAL's full-footprint figures with the README's,
// within its rounding: counts exact, metres to 3 decimals.
func checkREADME(t *testing.T, readme, gdal figures) {
	t.Helper()
	if gdal.Pixels != readme.Pixels || gdal.Over1 != readme.Over1 {
		t.Errorf("GDAL full footprint: %d px, %d with |ΔH| ≥ 1 m; README: %d, %d", gdal.Pixels, gdal.Over1, readme.Pixels, readme.Over1)
	}
	for _, c := range []struct {
		name       string
		got, round float64
	}{{"min", gdal.Min, readme.Min}, {"max", gdal.Max, readme.Max}, {"mean", gdal.Mean, readme.Mean}} {
		if math.Abs(c.got-c.round) > 0.0005+1e-9 {
			t.Errorf("GDAL full footprint ΔH %s %.4f, README %.3f", c.name, c.got, c.round)
		}
	}
}

// sameFigures compares figures of the same pixels: counts and extremes
// exact, the mean to summation-order rounding.
func sameFigures(t *testing.T, what string, got, want figures) {
	t.Helper()
	if got.Pixels != want.Pixels || got.Over1 != want.Over1 || float32(got.Min) != float32(want.Min) || float32(got.Max) != float32(want.Max) ||
		math.Abs(got.Mean-want.Mean) > 1e-9*math.Max(1, math.Abs(want.Mean)) {
		t.Errorf("%s:\n  %s\nGDAL on the tiled area:\n  %s", what, got, want)
	}
}

// runFigures mosaics nothing: it reads every tile's dh.tif.
func runFigures(t *testing.T, out string, res *execute.Result) figures {
	t.Helper()
	var f figures
	var sum float64
	for _, tr := range res.Tiles {
		dhFigures(readFloat32(t, filepath.Join(out, tr.Products["dh"])).Bands[0], &f, &sum)
	}
	f.Mean = sum / float64(f.Pixels)
	return f
}

// item is what the release figures need of a STAC item.
type item struct {
	ID     string `json:"id"`
	Assets map[string]struct {
		Href  string   `json:"href"`
		Roles []string `json:"roles"`
		Shape []int    `json:"proj:shape"`
		Bands []struct {
			Stats *struct {
				Min          float64 `json:"minimum"`
				Max          float64 `json:"maximum"`
				Mean         float64 `json:"mean"`
				ValidPercent float64 `json:"valid_percent"`
			} `json:"statistics"`
		} `json:"raster:bands"`
	} `json:"assets"`
}

func readItems(t *testing.T, release string) map[string]item {
	t.Helper()
	items := map[string]item{}
	err := filepath.WalkDir(filepath.Join(release, "items"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var it item
		if err := json.Unmarshal(b, &it); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		items[filepath.Dir(path)] = it
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// releaseFigures reads the figures back from what the release publishes:
// pixel counts and |ΔH| ≥ 1 m (the threshold's kept plus dropped pixels)
// and the extremes from tiles.parquet, the mean from the items' dh band
// statistics weighted by their valid pixels.
func releaseFigures(t *testing.T, release string) figures {
	t.Helper()
	rows, _, err := schema.ReadTiles(context.Background(), filepath.Join(release, "tiles.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	var f figures
	f.Min, f.Max = math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		f.Pixels += int(r.Pixels3D)
		f.Over1 += int(r.ChangedPixels3D)
		for _, c := range r.Counts {
			if strings.HasPrefix(c.Name, "dropped_pixels.") {
				f.Over1 += int(c.N)
			}
		}
		if r.DHMin != nil {
			f.Min = math.Min(f.Min, float64(*r.DHMin))
			f.Max = math.Max(f.Max, float64(*r.DHMax))
		}
	}
	var sum float64
	valid := 0
	for dir, it := range readItems(t, release) {
		dh, ok := it.Assets["dh"]
		if !ok || len(dh.Bands) != 1 || len(dh.Shape) != 2 {
			t.Fatalf("%s: no dh asset with one band and a shape", dir)
		}
		st := dh.Bands[0].Stats
		if st == nil {
			continue // no valid pixel
		}
		n := int(math.Round(st.ValidPercent / 100 * float64(dh.Shape[0]*dh.Shape[1])))
		sum += st.Mean * float64(n)
		valid += n
	}
	if valid != f.Pixels {
		t.Errorf("the items' dh assets hold %d valid pixels, tiles.parquet %d", valid, f.Pixels)
	}
	f.Mean = sum / float64(valid)
	return f
}

// checkRelease checks what a DSM-only release holds: every item's assets
// exist, a thumbnail, no orthophoto, and tiles.parquet's orthophoto
// columns null.
func checkRelease(t *testing.T, release string, tiles int) {
	t.Helper()
	items := readItems(t, release)
	if len(items) != tiles {
		t.Errorf("%d items, want %d", len(items), tiles)
	}
	want := []string{"cd2d", "cd3d", "cd3d_preview", "dh", "dsm_t0", "dsm_t1", "thumbnail"}
	for dir, it := range items {
		var keys []string
		for k, a := range it.Assets {
			keys = append(keys, k)
			if _, err := os.Stat(filepath.Join(dir, a.Href)); err != nil {
				t.Errorf("item %s: asset %s: %v", it.ID, k, err)
			}
			if k == "thumbnail" && (len(a.Roles) != 1 || a.Roles[0] != stac.RoleThumbnail) {
				t.Errorf("item %s: thumbnail roles %v", it.ID, a.Roles)
			}
		}
		slices.Sort(keys)
		if strings.Join(keys, " ") != strings.Join(want, " ") {
			t.Errorf("item %s: assets %v, want %v", it.ID, keys, want)
		}
	}
	rows, _, err := schema.ReadTiles(context.Background(), filepath.Join(release, "tiles.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.OrthoMeanT0 != nil || r.OrthoMeanT1 != nil {
			t.Errorf("tile %s: ortho_mean_t0 %v, ortho_mean_t1 %v; want null without orthophotos", r.TileID, r.OrthoMeanT0, r.OrthoMeanT1)
		}
		if r.Split == "" {
			t.Errorf("tile %s in no subset", r.TileID)
		}
	}
	if _, err := os.Stat(filepath.Join(release, "report.html")); errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no report.html in %s", release)
	}
}
