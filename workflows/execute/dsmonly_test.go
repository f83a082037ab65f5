package execute_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

// dsmOnly is the synthetic scene's workflow without its orthophotos.
const dsmOnly = `
dataset "dsm-only" {
  title   = "DSM only"
  license = "CC0-1.0"
  version = "1.0.0"
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
step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}
step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abs  = 1.0
  min_area = 20
}
step "change_mask" "cd2d" {
  input = step.threshold.cd3d
}
split {
  ratios = { train = 0.68, test = 0.23, val = 0.09 }
  seed   = 42
}
publish "stac" "catalog" {
  catalog = "catalog"
}
`

// TestDSMOnlyRelease runs and publishes a workflow without orthophotos:
// the change mask is at the DSMs' 1 m, every item has a thumbnail (the
// later DSM in grey) and only files that exist, tiles.parquet has no
// orthophoto means, and the release validates.
func TestDSMOnlyRelease(t *testing.T) {
	ctx := context.Background()
	dir := sceneDir(t)
	path := filepath.Join(dir, "dsm-only.hcl")
	if err := os.WriteFile(path, []byte(dsmOnly), 0o644); err != nil {
		t.Fatal(err)
	}
	w, diags := workflows.NewParser(nil).Load(path, workflows.InputValues{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	pl, diags := plans.New(ctx, w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	out, res := run(t, pl, 2)
	sum, err := release.Finish(ctx, pl, res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := release.Publish(ctx, pl, mustAssemble(t, pl, res, sum, out)); err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Tiles {
		var thumb *plugins.Asset
		for i, a := range tr.Assets {
			if a.Kind == plugins.Orthophoto {
				t.Errorf("tile %s: orthophoto asset %s", tr.Tile.ID, a.Name)
			}
			if a.Name == plugins.PreviewThumbnail {
				thumb = &tr.Assets[i]
			}
			if _, err := os.Stat(filepath.Join(out, a.Path)); err != nil {
				t.Errorf("tile %s: asset %s: %v", tr.Tile.ID, a.Name, err)
			}
		}
		if thumb == nil || thumb.Kind != plugins.DSM {
			t.Fatalf("tile %s: thumbnail %+v, want one from the later DSM", tr.Tile.ID, thumb)
		}
		png, err := raster.ReadFile[uint8](ctx, filepath.Join(out, thumb.Path))
		if err != nil {
			t.Fatal(err)
		}
		if png.Width != 200 || png.Height != 200 || len(png.Bands) != 4 {
			t.Errorf("tile %s: thumbnail %dx%dx%d, want 200x200 RGBA", tr.Tile.ID, png.Width, png.Height, len(png.Bands))
		}
		cd2d, err := raster.ReadFile[uint8](ctx, filepath.Join(out, tr.Products["cd2d"]))
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := cd2d.Res(); r != 1 || cd2d.Width != 200 {
			t.Errorf("tile %s: cd2d at %g m, %d px wide; want the DSMs' 1 m", tr.Tile.ID, r, cd2d.Width)
		}
	}
	rows, _, err := schema.ReadTiles(ctx, sum.TilesParquet)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.OrthoMeanT0 != nil || r.OrthoMeanT1 != nil {
			t.Errorf("tile %s: orthophoto means %v %v, want null", r.TileID, r.OrthoMeanT0, r.OrthoMeanT1)
		}
	}
	rep, err := validator(t).Validate(ctx, filepath.Join(out, "catalog"))
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range rep.Invalid {
		t.Errorf("invalid STAC: %s", inv)
	}
	if rep.Objects != 6+len(res.Tiles) {
		t.Errorf("validated %d objects, want %d", rep.Objects, 6+len(res.Tiles))
	}
}
