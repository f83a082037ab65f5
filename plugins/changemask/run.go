package changemask

import (
	"context"
	"fmt"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

var _ plugins.Step = (*Step)(nil)

// RunTile samples the 3D change map onto the 2D map's grid (nearest: a
// pixel takes the class of the cd3d pixel its centre falls in).
func (s *Step) RunTile(ctx context.Context, t *plugins.Tile, in map[string]plugins.TileInput, out []plugins.Product) error {
	src := in["input"]
	cd, err := src.Float32(ctx, src.Product().Resolution, "")
	if err != nil {
		return fmt.Errorf("change_mask %s: %w", out[0].Name, err)
	}
	mask := raster.NewImage[uint8](t.GridAt(out[0].Resolution), 1)
	changemap.Mask2D(mask.Bands[0], mask.Width, mask.Height, cd.Bands[0], cd.Width, cd.Height, s.Cfg.Signed)
	return t.Put(ctx, &plugins.TileProduct{Product: out[0], Uint8: mask})
}
