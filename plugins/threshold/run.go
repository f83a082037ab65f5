package threshold

import (
	"context"
	"fmt"
	"math"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

var (
	_ plugins.Step     = (*Step)(nil)
	_ plugins.HaloStep = (*Step)(nil)
)

// Halo is how far beyond the tile the noise removal must look to judge a
// region cut by the tile's edge: twice the side of a min_area square, and
// the opening's reach.
func (s *Step) Halo(res float64) float64 {
	h := 0.0
	if s.Cfg.MinArea > 0 {
		h = 2 * math.Ceil(math.Sqrt(s.Cfg.MinArea))
	}
	if s.Cfg.OpeningRadius > 0 {
		h = max(h, float64(2*s.Cfg.OpeningRadius+2)*res)
	}
	if s.Cfg.SlenderWidth > 0 {
		h = max(h, 4*s.Cfg.SlenderWidth)
	}
	// The sampling filter reads r pixels around every pixel of the halo.
	h += float64(s.Cfg.SamplingRadius) * res
	return h
}

// Counter names of the pixels each noise-removal part drops, in the order
// the parts run: a pixel is counted by the first part that drops it.
const (
	DroppedReview     = plugins.DroppedPixels + ".review"
	DroppedSampling   = plugins.DroppedPixels + ".sampling"
	DroppedSlender    = plugins.DroppedPixels + ".slender"
	DroppedEdges      = plugins.DroppedPixels + ".edges"
	DroppedVegetation = plugins.DroppedPixels + ".vegetation"
	DroppedOpening    = plugins.DroppedPixels + ".opening"
	DroppedMinArea    = plugins.DroppedPixels + ".min_area"
	DroppedPoints     = plugins.DroppedPixels + ".points"
)

var _ plugins.Counting = (*Step)(nil)

// Counters declares the drop counts as columns of tiles.parquet's
// dropped_pixels, whether or not the filter is on (a filter off drops 0).
func (s *Step) Counters() []plugins.Counter {
	return []plugins.Counter{
		{Name: DroppedMinArea, Doc: "In connected components smaller than min_area."},
		{Name: DroppedOpening, Doc: "Removed by the morphological opening."},
		{Name: DroppedVegetation, Doc: "Masked as vegetation."},
		{Name: DroppedReview, Doc: "Dropped by review polygons."},
		{Name: DroppedEdges, Doc: "On a changed region's edge with a fraction of its neighbours' ΔH: walls the DSMs slope across."},
		{Name: DroppedSlender, Doc: "In regions no wider than slender_width and at least slender_height tall: cranes, masts, wires."},
		{Name: DroppedSampling, Doc: "Within sampling_radius of the other epoch's surface: walls and edges the two surveys sampled differently."},
		// Last, so the columns before it keep their places.
		{Name: DroppedPoints, Doc: "Where the LiDAR points around the cell, in the epoch where the object stands, are mostly not building (ASPRS 6) or mostly multi-return pulses: vegetation, vehicles, cranes, earthworks."},
	}
}

// RunTile thresholds ΔH and removes noise: review "drop" polygons, then
// sampling, edges, vegetation, points, then the opening, slender and small
// regions; "keep" polygons protect their pixels from every automatic
// removal.
func (s *Step) RunTile(ctx context.Context, t *plugins.Tile, in map[string]plugins.TileInput, out []plugins.Product) error {
	name := out[0].Name
	res := out[0].Resolution
	dh, err := in["input"].Float32(ctx, res, "")
	if err != nil {
		return fmt.Errorf("threshold %s: %w", name, err)
	}
	n := dh.Width * dh.Height
	cd := raster.NewImage[float32](dh.Grid, 1)
	cd.NoData, cd.HasNoData = float64(changemap.NoData), true
	changemap.Threshold(cd.Bands[0], dh.Bands[0], float32(s.Cfg.MinAbs))
	mask := make([]uint8, n)
	changemap.Changed(mask, cd.Bands[0])

	// Drops are counted inside the tile only, not in its halo, where the
	// neighbouring tile counts them.
	x0, y0, tw, th := t.Inner(res)
	before := make([]uint8, n)
	stage := func(counter string, run func()) {
		copy(before, mask)
		run()
		c := 0
		for y := y0; y < y0+th; y++ {
			for i := y*dh.Width + x0; i < y*dh.Width+x0+tw; i++ {
				if before[i] != 0 && mask[i] == 0 {
					c++
				}
			}
		}
		t.Count(counter, int64(c))
	}

	var keep []uint8
	if rv, ok := in["review"]; ok {
		field := quoteIdent(s.Cfg.ReviewField)
		k, err := rv.Rasterize(ctx, res, field+" = 'keep'")
		if err != nil {
			return fmt.Errorf("threshold %s: review polygons: %w", name, err)
		}
		d, err := rv.Rasterize(ctx, res, field+" = 'drop'")
		if err != nil {
			return fmt.Errorf("threshold %s: review polygons: %w", name, err)
		}
		keep = k.Bands[0]
		stage(DroppedReview, func() { changemap.ClearWhere(mask, d.Bands[0], nil) })
	}
	if r := s.Cfg.SamplingRadius; r > 0 {
		d0, err := in["dsm_t0"].Float32(ctx, res, "")
		if err != nil {
			return fmt.Errorf("threshold %s: %w", name, err)
		}
		d1, err := in["dsm_t1"].Float32(ctx, res, "")
		if err != nil {
			return fmt.Errorf("threshold %s: %w", name, err)
		}
		stage(DroppedSampling, func() {
			changemap.Sampling(mask, d0.Bands[0], d1.Bands[0], nodataOf(d0), nodataOf(d1), dh.Width, dh.Height, r, float32(s.Cfg.MinAbs))
		})
	}
	if f := s.Cfg.EdgeFraction; f > 0 {
		stage(DroppedEdges, func() { changemap.TrimEdges(mask, dh.Bands[0], dh.Width, dh.Height, float32(f)) })
	}
	if v := s.Cfg.Vegetation; v != nil {
		veg, err := s.vegetation(ctx, in, dh.Width, dh.Height, res)
		if err != nil {
			return fmt.Errorf("threshold %s: %w", name, err)
		}
		stage(DroppedVegetation, func() { changemap.ClearWhere(mask, veg, keep) })
	}
	// Before the opening and min_area, so that what it leaves of a region
	// (a building cut from the site around it) is cleaned by them.
	if pt := s.Cfg.Points; pt != nil {
		var f [2]changemap.PointFeatures
		for e, attr := range []string{"features_t0", "features_t1"} {
			img, err := in[attr].Float32(ctx, res, "")
			if err != nil {
				return fmt.Errorf("threshold %s: point filter: %w", name, err)
			}
			if len(img.Bands) < 2 || img.Width != dh.Width || img.Height != dh.Height {
				return fmt.Errorf("threshold %s: point filter: %s is %d×%d with %d bands, want %d×%d with 2 (building, multi-return)",
					name, attr, img.Width, img.Height, len(img.Bands), dh.Width, dh.Height)
			}
			f[e] = changemap.PointFeatures{Building: img.Bands[0], Multi: img.Bands[1], Nodata: nodataOf(img)}
		}
		rule := changemap.PointRule{MinBuilding: float32(pt.Building()), MaxMulti: float32(pt.Multi())}
		stage(DroppedPoints, func() { changemap.DropByPoints(mask, dh.Bands[0], dh.Width, dh.Height, f[0], f[1], rule, keep) })
	}
	if r := s.Cfg.OpeningRadius; r > 0 {
		stage(DroppedOpening, func() { changemap.Open(mask, dh.Width, dh.Height, r, keep, make([]uint8, n)) })
	}
	if s.Cfg.SlenderWidth > 0 {
		width := int(math.Floor(s.Cfg.SlenderWidth/res + 1e-9))
		stage(DroppedSlender, func() {
			changemap.RemoveSlender(mask, cd.Bands[0], dh.Width, dh.Height, width, float32(s.Cfg.SlenderHeight), keep)
		})
	}
	if s.Cfg.MinArea > 0 {
		minPixels := int(math.Ceil(s.Cfg.MinArea/(res*res) - 1e-9))
		stage(DroppedMinArea, func() { changemap.RemoveSmallRegions(mask, dh.Width, dh.Height, minPixels, keep) })
	}
	changemap.ApplyMask(cd.Bands[0], mask)
	return t.Put(ctx, &plugins.TileProduct{Product: out[0], Float32: cd})
}

// vegetation marks ΔH pixels whose orthophoto pixels look like vegetation in either epoch.
func (s *Step) vegetation(ctx context.Context, in map[string]plugins.TileInput, w, h int, res float64) ([]uint8, error) {
	o0, o1 := in["ortho_t0"], in["ortho_t1"]
	ores := o0.Product().Resolution
	if o1.Product().Resolution != ores {
		return nil, fmt.Errorf("vegetation filter: ortho_t0 is at %g m but ortho_t1 at %g m; resample both to one resolution", ores, o1.Product().Resolution)
	}
	f := res / ores
	factor := int(math.Round(f))
	if factor < 1 || math.Abs(f-float64(factor)) > 1e-6 {
		return nil, fmt.Errorf("vegetation filter: the orthophotos' %g m pixels do not divide ΔH's %g m pixels; resample them to %g m or a whole fraction of it", ores, res, res)
	}
	a, err := o0.Uint8(ctx, ores, "")
	if err != nil {
		return nil, err
	}
	b, err := o1.Uint8(ctx, ores, "")
	if err != nil {
		return nil, err
	}
	if len(a.Bands) < 3 || len(b.Bands) < 3 {
		return nil, fmt.Errorf("vegetation filter: the orthophotos need 3 bands (RGB), got %d and %d", len(a.Bands), len(b.Bands))
	}
	index := changemap.ExcessGreen
	if s.Cfg.Vegetation.IndexName() == "vari" {
		index = changemap.VARI
	}
	veg := make([]uint8, w*h)
	changemap.VegetationMask(veg, w, h, factor,
		[3][]uint8{a.Bands[0], a.Bands[1], a.Bands[2]},
		[3][]uint8{b.Bands[0], b.Bands[1], b.Bands[2]},
		index, float32(s.Cfg.Vegetation.Threshold()))
	return veg, nil
}

func nodataOf(img *raster.Image[float32]) changemap.Nodata {
	return changemap.Nodata{Value: float32(img.NoData), Set: img.HasNoData}
}

// quoteIdent quotes a field name for an OGR SQL filter.
func quoteIdent(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}
