package quality_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
)

// bounds are the figures a scene's own workflow must reach on it: each a
// little worse than measured (the measurement is in the comment), so the
// test catches a regression, not a target.
type bounds struct {
	iou, recall20, maxFalse, maxFalse2D, maxRMSE float64
}

// TestLabelQuality runs the scene's own workflow.hcl on two fixed seeds
// (1×1 km) and scores its labels.
func TestLabelQuality(t *testing.T) {
	tests := []struct {
		seed int64
		b    bounds
	}{
		// Measured: IoU 0.577, found 0.761 of the changes ≥ 20 m², false
		// changes 0.91 % (cd3d) and 2.53 % (cd2d), RMSE 4.30 m.
		{41, bounds{iou: 0.55, recall20: 0.73, maxFalse: 0.011, maxFalse2D: 0.029, maxRMSE: 4.7}},
		// Measured: IoU 0.589, found 0.781, 0.80 % and 1.57 % false, RMSE 4.84 m.
		{42, bounds{iou: 0.56, recall20: 0.75, maxFalse: 0.010, maxFalse2D: 0.019, maxRMSE: 5.2}},
	}
	for _, tc := range tests {
		t.Run("seed"+strconv.FormatInt(tc.seed, 10), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := t.TempDir()
			if _, err := synth.Generate(ctx, synth.Options{Out: dir, ExtentKm: [2]float64{1, 1}, SheetKm: 1, Seed: tc.seed}); err != nil {
				t.Fatal(err)
			}
			w, diags := workflows.NewParser(nil).Load(filepath.Join(dir, "workflow.hcl"), workflows.InputValues{})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			pl, diags := plans.New(ctx, w, plans.Options{})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			out := t.TempDir()
			res, err := execute.Run(ctx, pl, execute.Options{Out: out, Jobs: 1})
			if err != nil {
				t.Fatal(err)
			}
			q, err := synth.Score(ctx, dir, filepath.Join(out, "run"))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("seed %d: %s", tc.seed, q)
			if q.Tiles != len(res.Tiles) || q.Tiles != 25 {
				t.Fatalf("scored %d tiles, the run made %d, want 25", q.Tiles, len(res.Tiles))
			}
			if q.IoU < tc.b.iou {
				t.Errorf("IoU(cd2d) %.3f < %.3f", q.IoU, tc.b.iou)
			}
			if q.RecallObjects20 < tc.b.recall20 {
				t.Errorf("found %.3f of the building changes ≥ 20 m², want ≥ %.3f", q.RecallObjects20, tc.b.recall20)
			}
			if q.FalseShare > tc.b.maxFalse {
				t.Errorf("false changes on %.2f %% of the cells without a building change > %.2f %%", 100*q.FalseShare, 100*tc.b.maxFalse)
			}
			if q.FalseShare2D > tc.b.maxFalse2D {
				t.Errorf("cd2d labels %.2f %% of the pixels without a building change > %.2f %%", 100*q.FalseShare2D, 100*tc.b.maxFalse2D)
			}
			if q.RMSE > tc.b.maxRMSE {
				t.Errorf("RMSE(cd3d) %.2f m > %.2f m", q.RMSE, tc.b.maxRMSE)
			}
			// Each part of the noise removal the workflow turns on did
			// its part: the counters say it dropped pixels.
			for _, part := range []string{"sampling", "edges", "vegetation", "opening", "slender", "min_area"} {
				var n int64
				for _, tr := range res.Tiles {
					n += int64(tr.Stats.Count("dropped_pixels." + part))
				}
				if n == 0 {
					t.Errorf("%s dropped no pixel", part)
				}
			}
		})
	}
}
