package changemask

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

var (
	_ plugins.Step     = (*Step)(nil)
	_ plugins.HaloStep = (*Step)(nil)
)

// groundRadius, in metres, is the window the ground under a building is
// the lowest point of: wider than a perimeter block's half-width.
const groundRadius = 40

// RunTile samples the 3D change map onto the 2D map's grid (nearest: a
// pixel takes the class of the cd3d pixel its centre falls in).
func (s *Step) RunTile(ctx context.Context, t *plugins.Tile, in map[string]plugins.TileInput, out []plugins.Product) error {
	src := in["input"]
	cd, err := src.Float32(ctx, src.Product().Resolution, "")
	if err != nil {
		return fmt.Errorf("change_mask %s: %w", out[0].Name, err)
	}
	mask := raster.NewImage[uint8](t.GridAt(out[0].Resolution), 1)
	// Without a change in the tile and its halo there is nothing to lean:
	// the DSMs and orthophotos need not be read.
	if !s.aligned() || !slices.ContainsFunc(cd.Bands[0], changemap.IsChange) {
		changemap.Mask2D(mask.Bands[0], mask.Width, mask.Height, cd.Bands[0], cd.Width, cd.Height, s.Cfg.Signed)
		return t.Put(ctx, &plugins.TileProduct{Product: out[0], Uint8: mask})
	}
	var dsm, ground [2][]float32
	var nd [2]changemap.Nodata
	var lean [2]changemap.Lean
	var rgb [2][3][]uint8
	var dsmImg [2]*raster.Image[float32]
	var orthoImg [2]*raster.Image[uint8]
	epochs := [2]string{"t0", "t1"}
	res := src.Product().Resolution
	for e, suffix := range epochs {
		d, err := in["dsm_"+suffix].Float32(ctx, res, "")
		if err != nil {
			return fmt.Errorf("change_mask %s: %w", out[0].Name, err)
		}
		o, err := in["ortho_"+suffix].Uint8(ctx, in["ortho_"+suffix].Product().Resolution, "")
		if err != nil {
			return fmt.Errorf("change_mask %s: %w", out[0].Name, err)
		}
		if len(o.Bands) < 3 {
			return fmt.Errorf("change_mask %s: ortho_%s has %d bands; the lean is estimated on RGB orthophotos", out[0].Name, suffix, len(o.Bands))
		}
		rgb[e] = [3][]uint8{o.Bands[0], o.Bands[1], o.Bands[2]}
		dsm[e] = d.Bands[0]
		nd[e] = changemap.Nodata{Value: float32(d.NoData), Set: d.HasNoData}
		ground[e] = make([]float32, len(dsm[e]))
		changemap.Ground(ground[e], dsm[e], nd[e], d.Width, d.Height, int(math.Round(groundRadius/res)))
		dsmImg[e], orthoImg[e] = d, o
	}
	// A tile whose changes are all gains (or all losses) sweeps them by
	// one epoch's lean only: the other's search would go unused.
	need := changemap.LeanNeeded(cd.Bands[0], dsm, ground, nd)
	for e, suffix := range epochs {
		if !need[e] {
			continue
		}
		d, o := dsmImg[e], orthoImg[e]
		lean[e] = changemap.EstimateLean(dsm[e], ground[e], nd[e], d.Width, d.Height, res,
			changemap.Luminance(o.Bands[0], o.Bands[1], o.Bands[2]), o.Width, o.Height, in["ortho_"+suffix].Product().Resolution)
	}
	changemap.LeanMask2D(mask.Bands[0], mask.Width, mask.Height, cd.Bands[0], cd.Width, cd.Height, s.Cfg.Signed, dsm, ground, nd, lean)
	if r := s.Cfg.RefineRadius; r > 0 {
		if len(rgb[0][0]) != len(mask.Bands[0]) || len(rgb[1][0]) != len(mask.Bands[0]) {
			return fmt.Errorf("change_mask %s: refine_radius draws the map's edges on the orthophotos, which must be at the map's %g m; resample them to it or set refine_radius = 0", out[0].Name, out[0].Resolution)
		}
		changemap.RefineEdges(mask.Bands[0], mask.Width, mask.Height, r, rgb, s.Cfg.Signed)
	}
	return t.Put(ctx, &plugins.TileProduct{Product: out[0], Uint8: mask})
}
