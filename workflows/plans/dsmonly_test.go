package plans

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows"
)

// dsmOnlyWorkflow has DSM sources only: no orthophoto, no resample step.
const dsmOnlyWorkflow = `dataset "dsm-only" {
  version = "1.0.0"
}

source "dsm" "t0" {
  files    = ["dsm_t0.tif"]
  datetime = "2000-09-25"
}

source "dsm" "t1" {
  files    = ["dsm_t1.tif"]
  datetime = "2004-10-13"
}

tiling {
  size = %s
}

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
%s}

step "threshold" "cd3d" {
  input = step.difference.dh
}

step "change_mask" "cd2d" {
  input = step.threshold.cd3d
}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}

publish "stac" "catalog" {}
`

// TestPlanDSMOnly plans DSM-only workflows on a 10 m and a 2 m grid that
// do not share pixel edges: the product resolution is declared or the
// coarser of the two, every later product follows it, and a resolution
// that does not divide the tile is reported once, on the difference step.
func TestPlanDSMOnly(t *testing.T) {
	tests := []struct {
		name       string
		size       string
		difference string // more attributes of the difference step
		res        float64
		tiles      int
		wantErr    string
		errAt      string
	}{
		{name: "declared 2 m", size: "100", difference: "  resolution = 2\n  method     = \"bilinear\"\n", res: 2, tiles: 16},
		{name: "default: the coarser, 10 m", size: "100", res: 10, tiles: 16},
		{name: "coarser does not divide the tile", size: "105", wantErr: "Tile size is not a multiple of the resolution", errAt: `step "difference" "dh"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeRasters(t, dir, []rasterSpec{
				{path: "dsm_t0.tif", epsg: 26910, extent: raster.Extent{MinX: 561000, MinY: 5115000, MaxX: 562000, MaxY: 5116000}, res: 10, bands: 1, dsm: true},
				// 2.8 mm off the 10 m grid's edges, as the real 2004-10-11 DEM.
				{path: "dsm_t1.tif", epsg: 26910, extent: raster.Extent{MinX: 561099.9972, MinY: 5115099.9972, MaxX: 561599.9972, MaxY: 5115599.9972}, res: 2, bands: 1, dsm: true},
			})
			src := fmt.Sprintf(dsmOnlyWorkflow, tt.size, tt.difference)
			writeFile(t, filepath.Join(dir, "workflow.hcl"), src)
			w := mustLoad(t, filepath.Join(dir, "workflow.hcl"), workflows.InputValues{})
			p, diags := New(context.Background(), w, Options{})
			if tt.wantErr != "" {
				errs := diags.Errs()
				if p != nil || len(errs) != 1 {
					t.Fatalf("want one error %q, got:\n%s", tt.wantErr, diagText(diags))
				}
				d := errs[0].(*hcl.Diagnostic)
				if d.Summary != tt.wantErr || d.Subject == nil || d.Subject.Start.Line != lineOf(t, src, tt.errAt) {
					t.Fatalf("want %q at %q, got:\n%s", tt.wantErr, tt.errAt, diagText(diags))
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("plan failed:\n%s", diagText(diags))
			}
			if p.Grid.Count() != tt.tiles {
				t.Errorf("%d tiles, want %d", p.Grid.Count(), tt.tiles)
			}
			var names []string
			for _, s := range w.Steps {
				for _, o := range s.Outputs {
					names = append(names, o.Name)
					if o.Resolution != tt.res {
						t.Errorf("product %s at %g m, want %g m", o.Name, o.Resolution, tt.res)
					}
				}
			}
			if fmt.Sprint(names) != "[dh dsm_t0 dsm_t1 cd3d cd2d]" {
				t.Errorf("products %v, want dh, both DSM windows, cd3d and cd2d", names)
			}
		})
	}
}
