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
	iou, recall20, maxFalse, maxRMSE float64
}

// TestLabelQuality runs the scene's own workflow.hcl on two fixed seeds
// (1×1 km) and scores its labels.
func TestLabelQuality(t *testing.T) {
	tests := []struct {
		seed int64
		b    bounds
	}{
		// Measured: IoU 0.528, found 0.732 of the changes ≥ 20 m²,
		// 1.94 % false changes, RMSE 3.62 m.
		{41, bounds{iou: 0.50, recall20: 0.70, maxFalse: 0.023, maxRMSE: 4.0}},
		// Measured: IoU 0.540, found 0.751, 1.45 % false, RMSE 4.26 m.
		{42, bounds{iou: 0.51, recall20: 0.72, maxFalse: 0.018, maxRMSE: 4.6}},
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
			if q.RMSE > tc.b.maxRMSE {
				t.Errorf("RMSE(cd3d) %.2f m > %.2f m", q.RMSE, tc.b.maxRMSE)
			}
			// The sampling filter and the alignment did their part: the
			// counters say the filter dropped pixels.
			var sampling int64
			for _, tr := range res.Tiles {
				sampling += int64(tr.Stats.Count("dropped_pixels.sampling"))
			}
			if sampling == 0 {
				t.Error("the sampling filter dropped no pixel")
			}
		})
	}
}
