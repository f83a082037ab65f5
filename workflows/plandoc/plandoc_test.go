package plandoc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/plandoc"
	"github.com/cdflow/cdflow/workflows/plans"

	_ "github.com/cdflow/cdflow/plugins/standard"
)

var update = flag.Bool("update", false, "rewrite testdata/aligned.json")

const workflow = `dataset "plan-test" {
  title   = "Plan test"
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
  files = ["dsm_t0/*.tif"]
}

source "dsm" "t1" {
  files = ["dsm_t1/*.tif"]
}

tiling {
  size = 200
}

step "resample" "t0" {
  input      = source.orthophoto.t0
  resolution = 0.5
}

step "resample" "t1" {
  input      = source.orthophoto.t1
  resolution = 0.5
}

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

step "threshold" "cd3d" {
  input   = step.difference.dh
  min_abs = 1
}

step "change_mask" "cd2d" {
  input      = step.threshold.cd3d
  resolution = 0.5
}

split {
  ratios = { train = 0.68, test = 0.23, val = 0.09 }
  seed   = 42
}

publish "stac" "catalog" {}
publish "parquet" "stats" {}
`

// scene writes two epochs of RGB orthophotos and DSMs at 1 m over
// 1010 × 1005 m with GDAL.
func scene(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	crs, err := raster.CRSFromEPSG(32630)
	if err != nil {
		t.Fatal(err)
	}
	g := raster.NorthUp(crs, raster.Extent{MinX: 356000, MinY: 4612000, MaxX: 357010, MaxY: 4613005}, 1, 1)
	ctx := context.Background()
	for i, name := range []string{"ortho_t0", "ortho_t1", "dsm_t0", "dsm_t1"} {
		path := filepath.Join(dir, name, "a.tif")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if name[:3] == "dsm" {
			img := raster.NewImage[float32](g, 1)
			img.NoData, img.HasNoData = -9999, true
			img.Bands[0][0] = float32(i) // epochs differ: plan refuses twice the same data
			err = raster.WriteGeoTIFF(ctx, path, img)
		} else {
			img := raster.NewImage[uint8](g, 3)
			img.Bands[0][0] = uint8(i)
			err = raster.WriteGeoTIFF(ctx, path, img)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "workflow.hcl"), []byte(workflow), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGolden compares the document of a plan with testdata/aligned.json
// (refresh with go test -update when a change is intended).
func TestGolden(t *testing.T) {
	dir := scene(t)
	w, diags := workflows.NewParser(nil).Load(filepath.Join(dir, "workflow.hcl"), workflows.InputValues{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, diags := plans.New(context.Background(), w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	doc := plandoc.New(p)
	doc.Workflow = "workflow.hcl" // the temporary directory differs every run
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "aligned.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("document differs from %s (run with -update if intended):\n%s", golden, got)
	}
	var back plandoc.Document
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	if back.TileCount != 25 || back.Columns != 5 || back.Rows != 5 || len(back.Steps) != 5 ||
		back.Steps[2].Address != "step.difference.dh" || back.Split == nil || back.Split.Subsets[0].Count != 17 ||
		back.CRS.EPSG != 32630 || back.Extent != [4]float64{356000, 4612000, 357000, 4613000} {
		t.Errorf("decoded golden = %+v", back)
	}
}

// Example shows the path from a workflow file to its JSON plan.
func Example() {
	p := workflows.NewParser(nil)
	w, diags := p.Load("workflow.hcl", workflows.InputValues{Vars: []string{"data=/mnt/3dcd"}})
	if diags.HasErrors() {
		return // print diags with hcl.NewDiagnosticTextWriter(os.Stderr, p.Files(), 0, false)
	}
	plan, diags := plans.New(context.Background(), w, plans.Options{})
	if diags.HasErrors() {
		return
	}
	_ = json.NewEncoder(os.Stdout).Encode(plandoc.New(plan))
}
