package synth

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestWorkflowHCL parses workflow.hcl as HCL and checks its blocks against
// the scene: four sources whose globs (relative to the file) match the
// scene's files, the 3DCD steps, split and publish blocks.
func TestWorkflowHCL(t *testing.T) {
	dir, sc := sceneFor(t, small(1, "missing"))
	for _, points := range []bool{false, true} {
		name := fileWorkflow
		if points {
			name = fileWorkflowLidar
		}
		t.Run(name, func(t *testing.T) { checkWorkflow(t, dir, sc, name, points) })
	}
}

func checkWorkflow(t *testing.T, dir string, sc *Scene, name string, points bool) {
	src, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("workflow.hcl does not parse: %s", diags.Error())
	}
	body := f.Body.(*hclsyntax.Body)
	var got []string
	attrs := map[string]map[string]string{} // block → attribute → source text
	for _, b := range body.Blocks {
		key := strings.Join(append([]string{b.Type}, b.Labels...), ".")
		got = append(got, key)
		attrs[key] = map[string]string{}
		for name, a := range b.Body.Attributes {
			r := a.Expr.Range()
			attrs[key][name] = string(src[r.Start.Byte:r.End.Byte])
		}
	}
	want := []string{
		"dataset.synth-seed1",
		"source.orthophoto.t0", "source.orthophoto.t1", "source.dsm.t0", "source.dsm.t1",
		"tiling",
		"step.resample.t0", "step.resample.t1", "step.difference.dh", "step.threshold.cd3d", "step.change_mask.cd2d", "step.qa.check",
		"split",
		"publish.stac.catalog", "publish.parquet.stats",
	}
	dsm := [2]string{"source.dsm.t0", "source.dsm.t1"}
	if points {
		want = slices.Concat(want[:3], []string{"source.pointcloud.t0", "source.pointcloud.t1", "tiling", "step.rasterize.dsm_t0", "step.rasterize.dsm_t1"}, want[6:])
		dsm = [2]string{"step.rasterize.dsm_t0", "step.rasterize.dsm_t1"}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("blocks\n got %v\nwant %v", got, want)
	}
	src0 := strings.Replace(dsm[0], "step.rasterize.", "source.pointcloud.", 1)
	src0 = strings.Replace(src0, "dsm_", "", 1)
	checks := []struct{ block, attr, want string }{
		{"source.orthophoto.t0", "datetime", `"` + sc.Epochs[0].Datetime + `"`},
		{"source.orthophoto.t1", "datetime", `"` + sc.Epochs[1].Datetime + `"`},
		{src0, "datetime", `"` + sc.Epochs[0].Datetime + `"`},
		{"tiling", "size", "200"},
		{"step.resample.t1", "input", "source.orthophoto.t1"},
		{"step.resample.t0", "resolution", "0.5"},
		{"step.resample.t0", "method", `"average"`},
		{"step.difference.dh", "before", dsm[0]},
		{"step.difference.dh", "after", dsm[1]},
		{"step.threshold.cd3d", "min_abs", "1.0"},
		{"step.threshold.cd3d", "min_area", "20"},
		{"step.threshold.cd3d", "opening_radius", "1"},
		{"step.change_mask.cd2d", "input", "step.threshold.cd3d"},
		{"step.change_mask.cd2d", "resolution", "0.5"},
		{"step.qa.check", "dsm_t1", dsm[1]},
		{"step.qa.check", "ortho_t0", "source.orthophoto.t0"},
		{"step.qa.check", "dh", "step.difference.dh"},
		{"step.qa.check", "on_unreadable", `"fail"`},
		{"split", "ratios", "{ train = 0.68, test = 0.23, val = 0.09 }"},
		{"split", "stratify", `"change_fraction"`},
		{"split", "seed", "42"},
		{"publish.stac.catalog", "catalog", `"catalog"`},
	}
	for _, c := range checks {
		if g := attrs[c.block][c.attr]; g != c.want {
			t.Errorf("%s.%s = %s, want %s", c.block, c.attr, g, c.want)
		}
	}
	// Each source's glob, taken relative to the workflow file, matches exactly
	// the files scene.json lists for it.
	lists := map[string][]string{
		"source.orthophoto.t0": sc.Files.OrthoT0, "source.orthophoto.t1": sc.Files.OrthoT1,
		"source.dsm.t0": sc.Files.DSMT0, "source.dsm.t1": sc.Files.DSMT1,
	}
	if points {
		delete(lists, "source.dsm.t0")
		delete(lists, "source.dsm.t1")
		lists["source.pointcloud.t0"], lists["source.pointcloud.t1"] = sc.Files.PointsT0, sc.Files.PointsT1
		for e := range 2 {
			b := "step.rasterize.dsm_t" + strconv.Itoa(e)
			if attrs[b]["method"] != `"tin"` || attrs[b]["max_edge"] != "20" || attrs["source.pointcloud.t"+strconv.Itoa(e)]["returns"] != `"first"` {
				t.Errorf("%s: %v: not the scene's own rasterization (first returns, TIN, max edge 20 m)", b, attrs[b])
			}
			if attrs[b]["features"] != "true" || attrs["step.threshold.cd3d"]["features_t"+strconv.Itoa(e)] != b {
				t.Errorf("%s: features %q, threshold's features_t%d %q: the point filter does not read its features",
					b, attrs[b]["features"], e, attrs["step.threshold.cd3d"]["features_t"+strconv.Itoa(e)])
			}
		}
	}
	// The point filter is on exactly when the workflow reads the points.
	var filter *hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type == "step" && strings.Join(b.Labels, ".") == "threshold.cd3d" {
			for _, nb := range b.Body.Blocks {
				if nb.Type == "points" {
					filter = nb
				}
			}
		}
	}
	if (filter != nil) != points {
		t.Errorf("threshold's points block present %v, want %v", filter != nil, points)
	}
	if !points && (attrs["step.threshold.cd3d"]["features_t0"] != "" || attrs["step.threshold.cd3d"]["features_t1"] != "") {
		t.Errorf("the DSM workflow binds point features: %v", attrs["step.threshold.cd3d"])
	}
	for block, list := range lists {
		var globs []string
		if err := json.Unmarshal([]byte(attrs[block]["files"]), &globs); err != nil || len(globs) != 1 {
			t.Fatalf("%s.files = %s: %v", block, attrs[block]["files"], err)
		}
		matches, err := filepath.Glob(filepath.Join(dir, globs[0]))
		if err != nil {
			t.Fatal(err)
		}
		var rel []string
		for _, m := range matches {
			r, _ := filepath.Rel(dir, m)
			rel = append(rel, filepath.ToSlash(r))
		}
		if !reflect.DeepEqual(rel, list) {
			t.Errorf("%s: glob %s matches %v, scene.json lists %v", block, globs[0], rel, list)
		}
	}
}

// TestSceneJSON: scene.json is the Scene Generate returned, holds no
// timestamp, and its file lists name files that exist.
func TestSceneJSON(t *testing.T) {
	dir, sc := sceneFor(t, small(1, "stripes,corrupt,missing"))
	data, err := os.ReadFile(filepath.Join(dir, fileScene))
	if err != nil {
		t.Fatal(err)
	}
	var back Scene
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again, err := json.MarshalIndent(back, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if string(append(again, '\n')) != string(data) {
		t.Errorf("scene.json does not survive a load → save round trip")
	}
	mine, _ := json.MarshalIndent(sc, "", "  ")
	if string(mine) != string(again) {
		t.Errorf("scene.json differs from the Scene Generate returned")
	}
	// The only dates are the two epochs' acquisition dates: nothing of the run.
	if stamps := regexp.MustCompile(`\d{4}-\d\d-\d\dT`).FindAllString(string(data), -1); len(stamps) != 2 {
		t.Errorf("scene.json holds %d timestamps, want the 2 epoch dates", len(stamps))
	}
	files := slices.Concat(sc.Files.OrthoT0, sc.Files.OrthoT1, sc.Files.DSMT0, sc.Files.DSMT1, sc.Files.PointsT0, sc.Files.PointsT1, sc.Files.Truth)
	files = append(files, sc.Files.Workflow, sc.Files.WorkflowLidar, fileScene)
	if len(files) != sc.Counts.Files {
		t.Errorf("counts.files = %d, lists hold %d", sc.Counts.Files, len(files))
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("listed file: %v", err)
		}
	}
}
