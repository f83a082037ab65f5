package external_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

var fixture struct {
	once                  sync.Once
	dir, scene            string
	slope, faulty, broken string
	err                   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	plugins.CloseExternal()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// setup builds the example slope plugin and the faulty test plugin, and
// makes a 1 km² synthetic scene in 0.5 km sheets.
func setup(t *testing.T) {
	t.Helper()
	fixture.once.Do(func() {
		fixture.dir, fixture.err = os.MkdirTemp("", "cdflow-external-")
		if fixture.err != nil {
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		build := func(pkg, name string) string {
			out := filepath.Join(fixture.dir, name)
			cmd := exec.Command("go", "build", "-o", out, pkg)
			cmd.Dir = root
			if b, err := cmd.CombinedOutput(); err != nil && fixture.err == nil {
				fixture.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
			}
			return out
		}
		fixture.slope = build("./examples/plugins/slope", "cdflow-slope")
		fixture.faulty = build("./plugins/external/testdata/faulty", "faulty")
		if fixture.err != nil {
			return
		}
		fixture.scene = filepath.Join(fixture.dir, "scene")
		_, fixture.err = synth.Generate(context.Background(), synth.Options{Out: fixture.scene, ExtentKm: [2]float64{1, 1}, SheetKm: 0.5, Seed: 3})
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
}

const head = `
dataset "plug" {
  title   = "plugins"
  license = "CC0-1.0"
  version = "1.0.0"
}
source "dsm" "t0" {
  files    = ["%[1]s/dsm_t0/*.tif"]
  datetime = "2010-07-01T00:00:00Z"
}
source "dsm" "t1" {
  files    = ["%[1]s/dsm_t1/*.tif"]
  datetime = "2017-07-01T00:00:00Z"
}
tiling { size = 200 }
step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}
step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abs  = 1
  min_area = 20
}
step "change_mask" "cd2d" { input = step.threshold.cd3d }
split {
  ratios = { train = 0.68, test = 0.23, val = 0.09 }
  seed   = 42
}
publish "stac" "catalog" {}
publish "parquet" "stats" {}
`

// load writes a workflow made of head and more, and plans it.
func load(t *testing.T, more string) (*plans.Plan, hcl) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "workflow.hcl")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(head, fixture.scene)+more), 0o644); err != nil {
		t.Fatal(err)
	}
	w, diags := workflows.NewParser(nil).Load(path, workflows.InputValues{})
	if diags.HasErrors() {
		return nil, hcl(diags.Error())
	}
	pl, diags := plans.New(context.Background(), w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return pl, ""
}

type hcl string

func mustLoad(t *testing.T, more string) *plans.Plan {
	t.Helper()
	pl, errs := load(t, more)
	if errs != "" {
		t.Fatal(errs)
	}
	return pl
}

// The example plugin end to end: built, declared, run on every tile, its
// product published in the catalog, equal to gdaldem slope on the same
// DSM, and its counter a column of tiles.parquet.
func TestSlopePlugin(t *testing.T) {
	setup(t)
	ctx := context.Background()
	pl := mustLoad(t, fmt.Sprintf(`
plugin "slope" {
  source  = %q
  timeout = "1m"
}
step "slope" "slope_t1" {
  input       = source.dsm.t1
  steep_above = 45
}
`, fixture.slope))
	out := t.TempDir()
	res, err := execute.Run(ctx, pl, execute.Options{Out: out, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := release.PublishRun(ctx, pl, res, out, ""); err != nil {
		t.Fatal(err)
	}

	// gdaldem over the mosaic of the later DSM's sheets.
	vrt := filepath.Join(t.TempDir(), "dsm_t1.vrt")
	sheets, _ := filepath.Glob(filepath.Join(fixture.scene, "dsm_t1", "*.tif"))
	gdal(t, append([]string{"gdalbuildvrt", "-q", vrt}, sheets...)...)
	ref := filepath.Join(t.TempDir(), "slope.tif")
	gdal(t, "gdaldem", "slope", "-q", vrt, ref)
	whole, err := raster.ReadFile[float32](ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join(out, "catalog", "plug", "1.0.0")
	rows, _, err := schema.ReadTiles(ctx, filepath.Join(rel, "tiles.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	compared, worst := 0, 0.0
	for _, r := range rows {
		img, err := raster.ReadFile[float32](ctx, filepath.Join(rel, "items", r.TileID, "slope_t1.tif"))
		if err != nil {
			t.Fatalf("tile %s: the plugin's product is not in the release: %v", r.TileID, err)
		}
		gt := whole.GeoTransform
		x0, y0 := int(math.Round((r.MinX-gt[0])/gt[1])), int(math.Round((gt[3]-r.MaxY)/-gt[5]))
		steep := int32(0)
		for y := range img.Height {
			for x := range img.Width {
				got := img.Bands[0][y*img.Width+x]
				want := whole.Bands[0][(y0+y)*whole.Width+x0+x]
				if got > 45 {
					steep++
				}
				if want == -9999 { // gdaldem's edge of the whole mosaic
					continue
				}
				compared++
				if d := math.Abs(float64(got - want)); d > 1e-5 || got == -9999 {
					t.Fatalf("tile %s pixel (%d,%d): slope %g°, gdaldem %g°", r.TileID, x, y, got, want)
				} else {
					worst = max(worst, d)
				}
			}
		}
		if c := r.Count("steep_pixels"); c != steep {
			t.Errorf("tile %s: steep_pixels %d in tiles.parquet, %d in the product", r.TileID, c, steep)
		}
	}
	if compared < len(rows)*190*190 {
		t.Errorf("only %d pixels compared", compared)
	}
	t.Logf("%d tiles, %d pixels equal to gdaldem slope within %.2g°", len(rows), compared, worst)

	v, err := stac.NewValidator(schemaDir(t))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := v.Validate(ctx, filepath.Join(out, "catalog"))
	if err != nil || len(rep.Invalid) > 0 {
		t.Fatalf("catalog: %v %v", err, rep.Invalid)
	}
	item, err := os.ReadFile(filepath.Join(rel, "items", rows[0].TileID, rows[0].TileID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"slope_t1": {`, "step.slope.slope_t1 (input = source.dsm.t1)"} {
		if !strings.Contains(string(item), want) {
			t.Errorf("the item does not hold %q", want)
		}
	}
}

// A plugin that misbehaves on one tile stops the run with an error naming
// the plugin and the tile; nothing is published; the tiles finished before
// stay finished, so the next run, with the plugin fixed, does the rest.
func TestPluginFailures(t *testing.T) {
	setup(t)
	ctx := context.Background()
	const bad = "E355400_N4610400"
	tests := []struct {
		mode, timeout string
		want          []string
	}{
		{"crash", "1m", []string{"plugin faulty", "crashed during tile " + bad, "it last wrote: ", "panic: faulty plugin crashes on purpose"}},
		{"hang", "2s", []string{"plugin faulty", "took more than 2s over tile " + bad, "raise timeout"}},
		{"nothing", "1m", []string{"plugin faulty wrote no f for tile " + bad}},
		{"wrong_grid", "1m", []string{"plugin faulty wrote f of tile " + bad + " on the wrong grid: 219 × 220 px", "want 220 × 220 px"}}, // the tile and a 10 m halo
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			step := `
plugin "faulty" {
  source  = %q
  timeout = %q
}
step "faulty" "f" {
  input   = source.dsm.t1
  mode    = %q
  on_tile = %q
}
`
			out := t.TempDir()
			pl := mustLoad(t, fmt.Sprintf(step, fixture.faulty, tt.timeout, tt.mode, bad))
			_, err := execute.Run(ctx, pl, execute.Options{Out: out, Jobs: 1})
			if err == nil {
				t.Fatal("the run succeeded")
			}
			for _, w := range append(tt.want, "tile "+bad+": step step.faulty.f") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "catalog")); err == nil {
				t.Error("a catalog was published")
			}
			finished, _ := filepath.Glob(filepath.Join(out, execute.TilesDir, "*", "manifest.json"))
			if len(finished) == 0 || len(finished) >= pl.Grid.Count() {
				t.Fatalf("%d of %d tiles finished before the failure", len(finished), pl.Grid.Count())
			}
			// The plugin fixed, the run resumes.
			pl = mustLoad(t, fmt.Sprintf(step, fixture.faulty, tt.timeout, "ok", bad))
			res, err := execute.Run(ctx, pl, execute.Options{Out: out, Jobs: 1})
			if err != nil {
				t.Fatal(err)
			}
			// on_tile is part of the configuration: every tile is redone,
			// but the built-in steps' products of the finished tiles are kept.
			if res.Cached+res.Processed != pl.Grid.Count() {
				t.Errorf("rerun: %d cached + %d processed of %d", res.Cached, res.Processed, pl.Grid.Count())
			}
		})
	}
}

// The plugin's executable is part of every tile's cache key: the same
// workflow with a rebuilt plugin redoes the plugin's step.
func TestPluginChecksumInCacheKey(t *testing.T) {
	setup(t)
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "faulty")
	b, err := os.ReadFile(fixture.faulty)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	wf := fmt.Sprintf(`
plugin "faulty" { source = %q }
step "faulty" "f" { input = source.dsm.t1 }
`, bin)
	out := t.TempDir()
	run := func() *execute.Result {
		t.Helper()
		res, err := execute.Run(ctx, mustLoad(t, wf), execute.Options{Out: out, Jobs: 2})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := run()
	if again := run(); again.Cached != len(first.Tiles) {
		t.Fatalf("unchanged plugin: %d of %d tiles cached", again.Cached, len(first.Tiles))
	}
	// Trailing bytes change the checksum, not what the program does.
	plugins.CloseExternal() // the running plugin holds its executable
	if err := os.WriteFile(bin, append(b, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	if rebuilt := run(); rebuilt.Processed != len(first.Tiles) {
		t.Errorf("rebuilt plugin: %d of %d tiles redone", rebuilt.Processed, len(first.Tiles))
	}
}

// Plugin blocks that cannot work are diagnostics at validate time.
func TestPluginBlockErrors(t *testing.T) {
	setup(t)
	tests := []struct {
		name, block string
		env         string
		want        string
	}{
		{"missing executable", `plugin "x" { source = "/nonexistent/cdflow-x" }`, "", "no such file or directory; build the plugin or fix source"},
		{"not a plugin", `plugin "x" { source = "/bin/true" }`, "", "is it a cdflow plugin"},
		{"pinned checksum", fmt.Sprintf(`plugin "faulty" {
  source = %q
  sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
}`, fixture.faulty), "", "but the plugin block pins 0000"},
		{"shadows a step", fmt.Sprintf(`plugin "threshold" { source = %q }`, fixture.faulty), "", `A step kind "threshold" exists already`},
		{"variable source", `plugin "x" { source = "${var.bin}/x" }`, "", "write source as a literal string"},
		{"bad timeout", fmt.Sprintf(`plugin "faulty" {
  source  = %q
  timeout = "soon"
}`, fixture.faulty), "", `"soon" is not a positive duration`},
		{"bad description", fmt.Sprintf(`plugin "faulty" { source = %q }`, fixture.faulty), "bad_type", `type "map(number)"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("FAULTY_DESCRIBE", tt.env)
				plugins.CloseExternal() // a fresh process sees the variable
				defer plugins.CloseExternal()
			}
			_, errs := load(t, tt.block)
			if errs == "" || !strings.Contains(string(errs), tt.want) {
				t.Errorf("diagnostics %q, want %q", errs, tt.want)
			}
		})
	}
}

func gdal(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GDAL_PAM_ENABLED=NO")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func schemaDir(t *testing.T) string {
	t.Helper()
	dir, _ := stac.DefaultSchemaDir(os.Getenv)
	if missing := stac.MissingSchemas(dir); len(missing) > 0 {
		t.Fatalf("offline STAC schemas missing in %q (set %s): %v", dir, stac.SchemaDirEnv, missing[:min(3, len(missing))])
	}
	return dir
}
