package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/plugins"
)

// TestInputBindsAcceptedOutput: an input naming a step binds the first of
// its products of a kind the input accepts — the threshold's features_t0
// the rasterize step's point features, its dsm_t0 the DSM itself.
func TestInputBindsAcceptedOutput(t *testing.T) {
	src, err := os.ReadFile("testdata/invalid/point_filter.hcl")
	if err != nil {
		t.Fatal(err)
	}
	// The fixture made valid: both rasterize steps write features, one
	// threshold reads them (and the DSMs, for the sampling filter).
	valid := strings.Replace(string(src), "  resolution = 1\n}", "  resolution = 1\n  features   = true\n}", 1)
	valid = valid[:strings.Index(valid, "step \"threshold\" \"cd3d\"")] + `step "threshold" "cd3d" {
  input           = step.difference.dh
  features_t0     = step.rasterize.dsm_t0
  features_t1     = step.rasterize.dsm_t1
  dsm_t0          = step.rasterize.dsm_t0
  dsm_t1          = step.rasterize.dsm_t1
  sampling_radius = 1
  points {}
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
`
	dir := filepath.Join(t.TempDir(), "w")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The sources' globs are relative to the fixture's folder.
	data, _ := filepath.Abs("testdata/data")
	valid = strings.ReplaceAll(valid, "../data/", filepath.ToSlash(data)+"/")
	path := filepath.Join(dir, "w.hcl")
	if err := os.WriteFile(path, []byte(valid), 0o644); err != nil {
		t.Fatal(err)
	}
	w, diags := NewParser(nil).Load(path, InputValues{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	s := w.Step("step.threshold.cd3d")
	if s == nil {
		t.Fatal("no threshold step")
	}
	r := w.Step("step.rasterize.dsm_t0")
	if len(r.Outputs) != 2 || r.Outputs[1].Name != "dsm_t0_points" || r.Outputs[1].Kind != plugins.PointFeatures || r.Outputs[1].Epoch != plugins.T0 {
		t.Fatalf("rasterize outputs %+v", r.Outputs)
	}
	for name, want := range map[string]int{"features_t0": 1, "features_t1": 1, "dsm_t0": 0, "dsm_t1": 0, "input": 0} {
		if in := s.Input(name); in == nil || in.Output != want {
			t.Errorf("%s binds %+v, want output %d", name, in, want)
		}
	}
}
