package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/workflows/plans"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestSummarizeExtrapolates checks that a tool run on a sample of the tiles
// is scaled to all of them, and that medians are taken per figure.
func TestSummarizeExtrapolates(t *testing.T) {
	runs := []sample{{Wall: 10, User: 15, Sys: 1, MaxRSSMB: 80}, {Wall: 12, User: 17, Sys: 1, MaxRSSMB: 90}, {Wall: 11, User: 16, Sys: 2, MaxRSSMB: 70}}
	m := summarize("GDAL script", runs, 500, 100, 2080)
	if !m.Extrapolated || m.WallS != 55 || m.CPUS != 90 || m.UserS != 80 || m.MaxRSSMB != 80 {
		t.Errorf("got %+v", m)
	}
	if m.TilesPerS != 500.0/55 || m.SourceMBPerS != 2080.0/55 {
		t.Errorf("rates %v tiles/s %v MB/s", m.TilesPerS, m.SourceMBPerS)
	}
	if all := summarize("cdflow", runs, 500, 500, 2080); all.Extrapolated || all.WallS != 11 {
		t.Errorf("got %+v", all)
	}
}

func TestCompareWorkflow(t *testing.T) {
	src := `dataset "d" {}

step "threshold" "cd3d" {
  input          = step.difference.dh
  min_abs        = 1.0
  min_area       = 20
  vegetation {
    index = "exg"
  }
}

step "qa" "check" {
  dh = step.difference.dh
}

step "change_mask" "cd2d" {
  input         = step.threshold.cd3d
  resolution    = 0.5
  align         = "orthophoto"
  refine_radius = 3
  ortho_t0      = step.resample.t0
}
`
	got, err := compareWorkflow(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"input   = step.difference.dh\n  min_abs = 1.0\n}\n",
		"step \"change_mask\" \"cd2d\" {\n  input         = step.threshold.cd3d\n  resolution    = 0.5\n}\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, gone := range []string{"min_area", "vegetation", `step "qa"`, "align", "refine_radius", "ortho_t0"} {
		if strings.Contains(got, gone) {
			t.Errorf("%s kept in\n%s", gone, got)
		}
	}
	if strings.Contains(got, "}\n\n\nstep") {
		t.Errorf("blank lines left where the qa step was:\n%s", got)
	}
	if _, err := compareWorkflow(`dataset "d" {}`); err == nil {
		t.Error("a workflow without threshold step accepted")
	}
}

// TestUnalignedWorkflow checks that only the change_mask block changes:
// cut to its input and resolution, every other line kept as it was.
func TestUnalignedWorkflow(t *testing.T) {
	head := `dataset "d" {}

step "threshold" "cd3d" {
  input           = step.difference.dh
  min_abs         = 1.0
  sampling_radius = 2
  dsm_t0          = source.dsm.t0
  vegetation {
    index = "exg"
  }
}

`
	tail := `
step "qa" "check" {
  dh = step.difference.dh
}
`
	src := head + `step "change_mask" "cd2d" {
  input         = step.threshold.cd3d
  resolution    = 0.5
  align         = "orthophoto"
  refine_radius = 3
  dsm_t0        = source.dsm.t0
  ortho_t0      = step.resample.t0
}
` + tail
	want := head + `step "change_mask" "cd2d" {
  input         = step.threshold.cd3d
  resolution    = 0.5
}
` + tail
	got, err := unalignedWorkflow(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, body, ok := strings.Cut(got, "\n\n"); !ok || body != want {
		t.Errorf("got\n%s\nwant (after the comment)\n%s", got, want)
	}
	if _, err := unalignedWorkflow(head + tail); err == nil {
		t.Error("a workflow without change_mask step accepted")
	}
}

func TestSampleTiles(t *testing.T) {
	tiles := make([]plans.Tile, 10)
	for i := range tiles {
		tiles[i].Col = i
	}
	got := sampleTiles(tiles, 3)
	if len(got) != 3 || got[0].Col != 0 || got[1].Col != 3 || got[2].Col != 6 {
		t.Errorf("sample %v", got)
	}
	if len(sampleTiles(tiles, 20)) != 10 || len(sampleTiles(tiles, 0)) != 10 {
		t.Error("a sample larger than the grid is not the grid")
	}
}

func TestSetAside(t *testing.T) {
	work := t.TempDir()
	spent := filepath.Join(work, "spent")
	out := filepath.Join(work, "cdflow")
	if err := setAside(spent, out); err != nil {
		t.Fatalf("no output yet: %v", err)
	}
	if _, err := os.Stat(spent); err == nil {
		t.Fatal("spent made with nothing to set aside")
	}
	// The same output dir twice: both runs' files are kept apart until
	// spent is deleted.
	for run := range 2 {
		if err := os.MkdirAll(filepath.Join(out, "items"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "items", "a.json"), []byte{byte('0' + run)}, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := setAside(spent, out); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("run %d: %s still there (%v)", run, out, err)
		}
	}
	got, err := filepath.Glob(filepath.Join(spent, "cdflow-*", "cdflow", "items", "a.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range got {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seen[string(b)] = true
	}
	if len(got) != 2 || !seen["0"] || !seen["1"] {
		t.Fatalf("set aside: %v holding %v, want both runs' files", got, seen)
	}
}
