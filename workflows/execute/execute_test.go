package execute_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

// scene is a 1 km² synthetic city in 0.5 km sheets, so tiles straddle files.
var scene struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if scene.dir != "" {
		os.RemoveAll(scene.dir)
	}
	os.Exit(code)
}

func sceneDir(t testing.TB) string {
	t.Helper()
	scene.once.Do(func() {
		scene.dir, scene.err = os.MkdirTemp("", "cdflow-execute-")
		if scene.err != nil {
			return
		}
		_, scene.err = synth.Generate(context.Background(), synth.Options{Out: scene.dir, ExtentKm: [2]float64{1, 1}, SheetKm: 0.5, Seed: 3})
	})
	if scene.err != nil {
		t.Fatal(scene.err)
	}
	return scene.dir
}

const workflowHead = `
dataset "test" {
  title   = "test"
  license = "CC0-1.0"
  version = "1.0.0"
}
source "orthophoto" "t0" {
  files    = ["ortho_t0/*.tif"]
  datetime = "2010-07-01T00:00:00Z"
}
source "orthophoto" "t1" {
  files    = ["ortho_t1/*.tif"]
  datetime = "2017-07-01T00:00:00Z"
}
source "dsm" "t0" {
  files    = ["dsm_t0/*.tif"]
  datetime = "2010-07-01T00:00:00Z"
}
source "dsm" "t1" {
  files    = ["dsm_t1/*.tif"]
  datetime = "2017-07-01T00:00:00Z"
}
tiling { size = 200 }
step "resample" "t0" {
  input      = source.orthophoto.t0
  resolution = 0.5
  method     = "average"
}
step "resample" "t1" {
  input      = source.orthophoto.t1
  resolution = 0.5
  method     = "average"
}
step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}
step "change_mask" "cd2d" {
  input      = step.threshold.cd3d
  resolution = 0.5
}
split {
  ratios = { train = 0.68, test = 0.23, val = 0.09 }
  seed   = 42
}
`

// thresholdOnly is the bare 3DCD rule: |ΔH| < 1 m set to 0, no noise removal.
const thresholdOnly = `
step "threshold" "cd3d" {
  input   = step.difference.dh
  min_abs = 1.0
}
`

// denoised removes noise the way the paper's manual step did.
const denoised = `
step "threshold" "cd3d" {
  input          = step.difference.dh
  min_abs        = 1.0
  min_area       = 20
  opening_radius = 1
  ortho_t0       = step.resample.t0
  ortho_t1       = step.resample.t1
  vegetation {
    index = "exg"
  }
}
`

func plan(t testing.TB, dir, threshold string) *plans.Plan {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("wf-%d.hcl", len(threshold)))
	if err := os.WriteFile(path, []byte(workflowHead+threshold), 0o644); err != nil {
		t.Fatal(err)
	}
	p := workflows.NewParser(nil)
	w, diags := p.Load(path, workflows.InputValues{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	pl, diags := plans.New(context.Background(), w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return pl
}

func run(t testing.TB, pl *plans.Plan, jobs int) (string, *execute.Result) {
	t.Helper()
	out := t.TempDir()
	res, err := execute.Run(context.Background(), pl, execute.Options{Out: out, Jobs: jobs})
	if err != nil {
		t.Fatal(err)
	}
	return out, res
}

func gdal(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GDAL_PAM_ENABLED=NO")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func ff(v float64) string { return fmt.Sprintf("%.10g", v) }

// TestProductsEqualGDAL checks every tile's products against GDAL's own tools.
func TestProductsEqualGDAL(t *testing.T) {
	ctx := context.Background()
	dir := sceneDir(t)
	pl := plan(t, dir, thresholdOnly)
	out, res := run(t, pl, 2)
	if len(res.Tiles) != 25 {
		t.Fatalf("%d tiles, want 25", len(res.Tiles))
	}
	tmp := t.TempDir()
	vrt := func(kind string) string {
		p := filepath.Join(tmp, kind+".vrt")
		files, _ := filepath.Glob(filepath.Join(dir, kind, "*.tif"))
		if len(files) < 2 {
			t.Fatalf("%s: %d files; the scene should have several sheets", kind, len(files))
		}
		gdal(t, append([]string{"gdalbuildvrt", "-q", p}, files...)...)
		return p
	}
	srcs := map[string]string{"t0": vrt("ortho_t0"), "t1": vrt("ortho_t1"), "dsm_t0": vrt("dsm_t0"), "dsm_t1": vrt("dsm_t1")}
	straddling := 0
	for _, tr := range res.Tiles {
		e := tr.Tile.Extent
		if e.MinX < 355500 && e.MaxX > 355500 || e.MinY < 4610500 && e.MaxY > 4610500 {
			straddling++
		}
		t.Run(tr.Tile.ID, func(t *testing.T) {
			read := func(name string) string { return filepath.Join(out, tr.Products[name]) }
			// Orthophotos: gdalwarp -r average, within 1 DN.
			for _, name := range []string{"t0", "t1"} {
				ref := filepath.Join(tmp, tr.Tile.ID+name+".tif")
				gdal(t, "gdalwarp", "-q", "-te", ff(e.MinX), ff(e.MinY), ff(e.MaxX), ff(e.MaxY), "-tr", "0.5", "0.5", "-r", "average", srcs[name], ref)
				got, err := raster.ReadFile[uint8](ctx, read(name))
				if err != nil {
					t.Fatal(err)
				}
				want, err := raster.ReadFile[uint8](ctx, ref)
				if err != nil {
					t.Fatal(err)
				}
				if got.Width != 400 || got.Height != 400 || len(got.Bands) != 3 {
					t.Fatalf("%s is %dx%dx%d, want 400x400x3", name, got.Width, got.Height, len(got.Bands))
				}
				for b := range got.Bands {
					for i, v := range got.Bands[b] {
						if d := int(v) - int(want.Bands[b][i]); d > 1 || d < -1 {
							t.Fatalf("%s band %d pixel %d: %d, gdalwarp %d", name, b+1, i, v, want.Bands[b][i])
						}
					}
				}
			}
			// The thumbnail: a JPEG of t1 averaged over 2 × 2 pixels
			// (gdal_translate -r average), within JPEG's loss: a mean
			// error of 4–7 DN a band on the scene's fine texture, where a
			// thumbnail shifted one pixel is 15–20 off and one with red
			// and blue swapped 20–27.
			var thumb string
			for _, a := range tr.Assets {
				if a.Name == plugins.PreviewThumbnail {
					thumb = filepath.Join(out, a.Path)
				}
			}
			if filepath.Ext(thumb) != ".jpg" {
				t.Fatalf("thumbnail %q, want a .jpg", thumb)
			}
			if b, err := os.ReadFile(thumb); err != nil || len(b) < 3 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF {
				t.Fatalf("thumbnail %s is not a JPEG (%v)", thumb, err)
			}
			ref := filepath.Join(tmp, tr.Tile.ID+"thumb.tif")
			gdal(t, "gdal_translate", "-q", "-outsize", "200", "200", "-r", "average", read("t1"), ref)
			got, err := raster.ReadFile[uint8](ctx, thumb)
			if err != nil {
				t.Fatal(err)
			}
			want, err := raster.ReadFile[uint8](ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != 200 || got.Height != 200 || len(got.Bands) != 3 {
				t.Fatalf("thumbnail is %dx%dx%d, want 200x200x3", got.Width, got.Height, len(got.Bands))
			}
			for b := range got.Bands {
				sum := 0
				for i, v := range got.Bands[b] {
					d := int(v) - int(want.Bands[b][i])
					sum += max(d, -d)
				}
				if mean := float64(sum) / float64(len(got.Bands[b])); mean > 10 {
					t.Errorf("thumbnail band %d: mean error %.2f against t1 averaged, want within 10", b+1, mean)
				}
			}
			// DSM windows: gdal_translate -projwin, exactly.
			dsm := map[string]*raster.Image[float32]{}
			for _, name := range []string{"dsm_t0", "dsm_t1"} {
				ref := filepath.Join(tmp, tr.Tile.ID+name+".tif")
				gdal(t, "gdal_translate", "-q", "-projwin", ff(e.MinX), ff(e.MaxY), ff(e.MaxX), ff(e.MinY), srcs[name], ref)
				got, err := raster.ReadFile[float32](ctx, read(name))
				if err != nil {
					t.Fatal(err)
				}
				want, err := raster.ReadFile[float32](ctx, ref)
				if err != nil {
					t.Fatal(err)
				}
				if got.Width != 200 || got.Height != 200 || !got.HasNoData || got.NoData != -9999 {
					t.Fatalf("%s is %dx%d nodata %v", name, got.Width, got.Height, got.NoData)
				}
				for i, v := range got.Bands[0] {
					if math.Float32bits(v) != math.Float32bits(want.Bands[0][i]) {
						t.Fatalf("%s pixel %d: %v, gdal_translate %v", name, i, v, want.Bands[0][i])
					}
				}
				dsm[name] = want
			}
			// ΔH and the threshold, recomputed here from gdal_translate's windows.
			dh, err := raster.ReadFile[float32](ctx, read("dh"))
			if err != nil {
				t.Fatal(err)
			}
			cd, err := raster.ReadFile[float32](ctx, read("cd3d"))
			if err != nil {
				t.Fatal(err)
			}
			for i := range dh.Bands[0] {
				a, b := dsm["dsm_t0"].Bands[0][i], dsm["dsm_t1"].Bands[0][i]
				want := b - a
				if a == -9999 || b == -9999 {
					want = -9999
				}
				if math.Float32bits(dh.Bands[0][i]) != math.Float32bits(want) {
					t.Fatalf("dh pixel %d: %v, want %v", i, dh.Bands[0][i], want)
				}
				wantCD := want
				if want != -9999 && want > -1 && want < 1 {
					wantCD = 0
				}
				if math.Float32bits(cd.Bands[0][i]) != math.Float32bits(wantCD) {
					t.Fatalf("cd3d pixel %d: %v, want %v", i, cd.Bands[0][i], wantCD)
				}
			}
		})
	}
	if straddling < 8 {
		t.Errorf("only %d tiles straddle two source files", straddling)
	}
}

// quality measures labels against the generator's truth, as cdflow score
// does (synth.Score).
type quality struct {
	iou, rmse, fpShare float64
}

func measure(t *testing.T, dir, out string, res *execute.Result) quality {
	t.Helper()
	q, err := synth.Score(context.Background(), dir, filepath.Join(out, "run"))
	if err != nil {
		t.Fatal(err)
	}
	if q.Tiles != len(res.Tiles) {
		t.Fatalf("scored %d tiles, the run made %d", q.Tiles, len(res.Tiles))
	}
	t.Logf("%s", q)
	return quality{iou: q.IoU, rmse: q.RMSE, fpShare: q.FalseShare}
}

// TestLabelQuality scores the labels against the truth, and reports what
// each noise-removal part contributes.
func TestLabelQuality(t *testing.T) {
	dir := sceneDir(t)
	out, res := run(t, plan(t, dir, denoised), 2)
	q := measure(t, dir, out, res)
	t.Logf("denoised: IoU(cd2d) %.4f, RMSE(cd3d) %.3f m, unchanged labelled changed %.3f %%", q.iou, q.rmse, 100*q.fpShare)
	// Bounds from the measurement on this scene (cdflow-synth/2: IoU 0.32,
	// RMSE 4.19 m, 8.4 % false changes), with a margin: they catch a
	// regression, not a target. The labels are far from good on a world
	// with vegetation, vehicles and LiDAR sampling in it.
	if q.iou < 0.25 {
		t.Errorf("IoU %.4f < 0.25", q.iou)
	}
	if q.rmse > 5 {
		t.Errorf("RMSE %.3f m > 5 m", q.rmse)
	}
	if q.fpShare > 0.12 {
		t.Errorf("%.3f %% of cells without a building change labelled changed > 12 %%", 100*q.fpShare)
	}
	// Without noise removal the labels are clearly worse: the parts matter.
	out0, res0 := run(t, plan(t, dir, thresholdOnly), 2)
	q0 := measure(t, dir, out0, res0)
	t.Logf("threshold only: IoU(cd2d) %.4f, RMSE(cd3d) %.3f m, unchanged labelled changed %.3f %%", q0.iou, q0.rmse, 100*q0.fpShare)
	if q0.fpShare < 2*q.fpShare || q0.iou >= q.iou {
		t.Errorf("noise removal does not help: %+v vs %+v", q, q0)
	}
	var dropped [4]int64
	for _, tr := range res.Tiles {
		for i, r := range []string{"vegetation", "opening", "min_area", "review"} {
			dropped[i] += int64(tr.Stats.Count("dropped_pixels." + r))
		}
	}
	t.Logf("dropped pixels: vegetation %d, opening %d, min_area %d, review %d", dropped[0], dropped[1], dropped[2], dropped[3])
	if dropped[0] == 0 || dropped[1] == 0 {
		t.Errorf("vegetation and opening dropped nothing: %v", dropped)
	}
}

// TestCancelLeavesNoPartialFile cancels a run after its first tile.
func TestCancelLeavesNoPartialFile(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := sceneDir(t)
	pl := plan(t, dir, denoised)
	out := t.TempDir()
	_, err := execute.Run(ctx, pl, execute.Options{Out: out, Jobs: 2, Events: cancelAfterFirst{cancel}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run returned %v, want context.Canceled", err)
	}
	files := 0
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.Contains(d.Name(), ".partial") {
			t.Errorf("half-written file left: %s", path)
		}
		if !slices.Contains([]string{".tif", ".png", ".jpg"}, filepath.Ext(path)) {
			return nil // the tile manifests
		}
		if _, err := raster.ReadFile[float32](context.Background(), path); err != nil {
			t.Errorf("unreadable product %s: %v", path, err)
		}
		files++
		return nil
	})
	if files == 0 || files >= 25*7 {
		t.Errorf("%d product files: the run was not stopped mid-way", files)
	}
}

type cancelAfterFirst struct{ cancel context.CancelFunc }

func (c cancelAfterFirst) Planned(int)               {}
func (c cancelAfterFirst) TileDone(string, int, int) { c.cancel() }

// BenchmarkTile measures one tile's processing, in MB/s of source pixels
// (orthophotos at 0.25 m and DSMs at 1 m, both epochs).
func BenchmarkTile(b *testing.B) {
	dir := b.TempDir()
	if _, err := synth.Generate(context.Background(), synth.Options{Out: dir, ExtentKm: [2]float64{0.2, 0.2}, SheetKm: 0.2, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	pl := plan(b, dir, denoised)
	if pl.Grid.Count() != 1 {
		b.Fatalf("%d tiles, want 1", pl.Grid.Count())
	}
	b.SetBytes(2*800*800*3 + 2*200*200*4)
	out := b.TempDir()
	for b.Loop() {
		if _, err := execute.Run(context.Background(), pl, execute.Options{Out: out, Jobs: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func mustAssemble(t testing.TB, pl *plans.Plan, res *execute.Result, sum *release.Summary, out string) *plugins.Release {
	t.Helper()
	rel, err := release.Assemble(pl, res, sum, out, "")
	if err != nil {
		t.Fatal(err)
	}
	return rel
}
