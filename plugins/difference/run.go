package difference

import (
	"context"
	"fmt"
	"slices"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

var _ plugins.Step = (*Step)(nil)

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
	if err := checkUnits(dh.Bands[0], before.Bands[0], after.Bands[0]); err != nil {
		return fmt.Errorf("difference %s: %w", out[0].Name, err)
	}
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

// MaxPlausibleDH is beyond any real elevation change (higher than Everest):
// a larger ΔH means the two DSMs are not in one unit, e.g. one in centimetres.
const MaxPlausibleDH = 9000

// nodataSentinels are the values DSM producers write where they have no
// height; a file that does not declare its nodata shows them as heights.
var nodataSentinels = []float32{-32767, -32768, -9999, -99999, -3.4028235e38, 3.4028235e38}

// checkUnits refuses a ΔH no surface change can make, naming the values
// and their likely cause: an undeclared nodata value, or another unit.
func checkUnits(dh, before, after []float32) error {
	for i, v := range dh {
		if v == changemap.NoData || (v <= MaxPlausibleDH && v >= -MaxPlausibleDH) {
			continue
		}
		for _, h := range []struct {
			name string
			v    float32
		}{{"H_t0", before[i]}, {"H_t1", after[i]}} {
			if slices.Contains(nodataSentinels, h.v) {
				return fmt.Errorf("ΔH reaches %.0f m because %s is %g, a value DSMs use for nodata that the file does not declare as such: declare it in the source block (nodata = %g) and run again", v, h.name, h.v, h.v)
			}
		}
		return fmt.Errorf("ΔH reaches %.0f m (H_t0 %.2f, H_t1 %.2f): the two DSMs are not in one unit — is one in centimetres or feet? Convert it to metres (e.g. gdal_calc.py --calc=\"A/100\") and run again", v, before[i], after[i])
	}
	return nil
}
