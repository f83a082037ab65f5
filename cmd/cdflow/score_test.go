package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestScoreCommand scores a run of a scene's own workflow against the
// scene's truth, and refuses what is not a scene or a run.
func TestScoreCommand(t *testing.T) {
	dir := t.TempDir()
	scene := filepath.Join(dir, "scene")
	mustCdflow(t, "synth", "--out", scene, "--extent-km", "0.4x0.4", "--sheet-km", "0.4", "--seed", "2")
	out := filepath.Join(dir, "out")
	mustCdflow(t, "run", "--out", out, filepath.Join(scene, "workflow.hcl"))

	code, stdout, stderr := runCdflow(t, "score", "--json", scene, filepath.Join(out, "run"))
	if code != exitOK {
		t.Fatalf("score: exit %d: %s", code, stderr)
	}
	var q struct {
		Tiles        int     `json:"tiles"`
		IoU          float64 `json:"iou_cd2d"`
		Precision    float64 `json:"precision_cd2d"`
		Recall       float64 `json:"recall_cd2d"`
		RMSE         float64 `json:"rmse_cd3d_m"`
		ChangedCells int64   `json:"changed_cells"`
		False        float64 `json:"false_change_share"`
	}
	if err := json.Unmarshal([]byte(stdout), &q); err != nil {
		t.Fatalf("score --json: %v\n%s", err, stdout)
	}
	// The IoU is at most the precision and the recall, and above zero
	// when anything was found.
	if q.Tiles != 4 || q.ChangedCells == 0 || !(q.IoU > 0 && q.IoU <= q.Precision && q.IoU <= q.Recall) || !(q.RMSE > 0) || !(q.False > 0 && q.False < 1) {
		t.Errorf("score: %+v", q)
	}
	code, text, _ := runCdflow(t, "score", scene, filepath.Join(out, "run"))
	if code != exitOK || !strings.HasPrefix(text, "IoU(cd2d) ") || !strings.Contains(text, "4 tiles") {
		t.Errorf("score: exit %d, %q", code, text)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"score", scene}, exitUsage, "SCENE RUN"},
		{[]string{"score", out, filepath.Join(out, "run")}, exitFailure, "a cdflow synth scene"},
		{[]string{"score", scene, scene}, exitFailure, "no tiles/*/cd2d.tif"},
	} {
		code, _, stderr := runCdflow(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}
