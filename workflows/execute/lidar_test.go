package execute_test

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/plans"
)

// TestLidarWorkflow generates a scene and runs the 3DCD workflow from its
// LAZ files (examples/3dcd/workflow-lidar.hcl). The scene's DSMs were
// rasterized from the same points the way the rasterize step does (first
// returns, TIN, max edge 20 m): the step's DSMs equal them, cell for cell,
// but where a tile's halo and a block's ring see different points at the
// edge of a void. The labels are measured against the truth (logged as
// measured).
func TestLidarWorkflow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := synth.Generate(ctx, synth.Options{Out: dir, ExtentKm: [2]float64{0.6, 0.6}, SheetKm: 0.3, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	w, diags := workflows.NewParser(nil).Load(filepath.Join("..", "..", "examples", "3dcd", "workflow-lidar.hcl"),
		workflows.InputValues{Vars: []string{"data=" + dir}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	pl, diags := plans.New(ctx, w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	out, res := run(t, pl, 2)
	if len(res.Tiles) != 9 {
		t.Fatalf("%d tiles, want 9", len(res.Tiles))
	}
	for e, name := range []string{"dsm_t0", "dsm_t1"} {
		scene := sceneDSM(t, dir, e)
		var diffs []float64
		var same, cells, voids int
		for _, tr := range res.Tiles {
			got, err := raster.ReadFile[float32](ctx, filepath.Join(out, tr.Products[name]))
			if err != nil {
				t.Fatal(err)
			}
			want, err := raster.Crop(scene, tr.Tile.Extent)
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != want.Width || got.GeoTransform != want.GeoTransform {
				t.Fatalf("tile %s: %s on grid %v %dx%d, the scene's DSM on %v %dx%d", tr.Tile.ID, name, got.GeoTransform, got.Width, got.Height, want.GeoTransform, want.Width, want.Height)
			}
			for i, v := range got.Bands[0] {
				cells++
				nd, wnd := float64(v) == got.NoData, float64(want.Bands[0][i]) == want.NoData
				if nd != wnd {
					voids++
				}
				if nd || wnd {
					continue
				}
				diffs = append(diffs, float64(v-want.Bands[0][i]))
				if math.Abs(float64(v-want.Bands[0][i])) <= 0.001 {
					same++
				}
			}
		}
		t.Logf("%s: %d of %d cells equal the scene's within 1 mm, %d void in one only", name, same, cells, voids)
		// Measured: 99.40 % and 99.76 % of the cells equal; the others lie
		// by voids, where a triangle's points differ between the tile's
		// halo and the block's ring.
		if float64(same+voids) < 0.99*float64(cells) || voids > cells/1000 {
			t.Errorf("%s: only %d of %d cells equal the scene's DSM within 1 mm (%d void in one only)", name, same, cells, voids)
		}
		slices.Sort(diffs)
		med := diffs[len(diffs)/2]
		abs := make([]float64, len(diffs))
		for i, d := range diffs {
			abs[i] = math.Abs(d)
		}
		slices.Sort(abs)
		p50, p75 := abs[len(abs)/2], abs[len(abs)*3/4]
		t.Logf("%s from LiDAR − the scene's DSM over %d cells: median %+.3f m, |Δ| median %.3f m, 75th percentile %.3f m", name, len(diffs), med, p50, p75)
		if math.Abs(med) > 0.001 || p50 > 0.001 {
			t.Errorf("%s: median %+.3f m, |Δ| median %.3f m; the DSMs disagree", name, med, p50)
		}
	}
	q := measure(t, dir, out, res)
	t.Logf("labels from LiDAR: IoU(cd2d) %.4f, RMSE(cd3d) %.3f m, unchanged labelled changed %.3f %%", q.iou, q.rmse, 100*q.fpShare)
	if q.iou < 0.3 {
		t.Errorf("IoU %.4f: the LiDAR workflow's labels miss the scene's changes", q.iou)
	}
}

// sceneDSM is the scene's DSM of an epoch, through a VRT of its sheets.
func sceneDSM(t *testing.T, dir string, epoch int) *raster.Image[float32] {
	t.Helper()
	sheets, err := filepath.Glob(filepath.Join(dir, []string{"dsm_t0", "dsm_t1"}[epoch], "*.tif"))
	if err != nil || len(sheets) == 0 {
		t.Fatalf("no DSM sheets: %v", err)
	}
	vrt := filepath.Join(t.TempDir(), "dsm.vrt")
	gdal(t, append([]string{"gdalbuildvrt", "-q", vrt}, sheets...)...)
	img, err := raster.ReadFile[float32](context.Background(), vrt)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
