package difference

import (
	"context"
	"fmt"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/plugins/changemap"
	"github.com/cdflow/cdflow/plugins/raster"
)

var _ plugins.TileRunner = (*Step)(nil)

// RunTile reads both DSM windows on the tile grid, writes them when they
// come from sources, and writes ΔH = after − before.
func (s *Step) RunTile(ctx context.Context, t *plugins.Tile, in map[string]plugins.TileInput, out []plugins.Product) error {
	res := out[0].Resolution
	before, err := in["before"].Float32(ctx, res, s.Cfg.Method)
	if err != nil {
		return fmt.Errorf("difference %s: %w", out[0].Name, err)
	}
	after, err := in["after"].Float32(ctx, res, s.Cfg.Method)
	if err != nil {
		return fmt.Errorf("difference %s: %w", out[0].Name, err)
	}
	dh := raster.NewImage[float32](before.Grid, 1)
	dh.NoData, dh.HasNoData = float64(changemap.NoData), true
	changemap.Difference(dh.Bands[0], before.Bands[0], after.Bands[0], nodataOf(before), nodataOf(after))
	if err := t.Put(ctx, &plugins.TileProduct{Product: out[0], Float32: dh}); err != nil {
		return err
	}
	windows := map[string]*raster.Image[float32]{
		in["before"].Product().Name: before,
		in["after"].Product().Name:  after,
	}
	for _, p := range out[1:] {
		img := windows[p.Name]
		if img == nil {
			return fmt.Errorf("difference %s: no DSM window named %s", out[0].Name, p.Name)
		}
		if err := t.Put(ctx, &plugins.TileProduct{Product: p, Float32: img}); err != nil {
			return err
		}
	}
	return nil
}

func nodataOf(img *raster.Image[float32]) changemap.Nodata {
	return changemap.Nodata{Value: float32(img.NoData), Set: img.HasNoData}
}
