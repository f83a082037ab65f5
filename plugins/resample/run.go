package resample

import (
	"context"
	"fmt"

	"github.com/cdflow/cdflow/plugins"
)

var _ plugins.Step = (*Step)(nil)

// RunTile reads the input on the tile at the configured resolution.
func (s *Step) RunTile(ctx context.Context, t *plugins.Tile, in map[string]plugins.TileInput, out []plugins.Product) error {
	src := in["input"]
	p := &plugins.TileProduct{Product: out[0]}
	var err error
	switch src.Product().Kind {
	case plugins.Orthophoto:
		p.Uint8, err = src.Uint8(ctx, out[0].Resolution, s.Cfg.Method)
	case plugins.DSM:
		p.Float32, err = src.Float32(ctx, out[0].Resolution, s.Cfg.Method)
	default:
		return fmt.Errorf("resample %s: cannot resample %s", out[0].Name, src.Product().Kind.Describe())
	}
	if err != nil {
		return fmt.Errorf("resample %s: %w", out[0].Name, err)
	}
	return t.Put(ctx, p)
}
