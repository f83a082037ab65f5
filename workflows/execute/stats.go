package execute

import (
	"fmt"
	"math"
	"slices"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows/plans"
)

// tileStats computes a tile's row of tiles.parquet from its products in
// memory (cropped to the tile): no raster is read again. Which product
// feeds which column goes by kind and epoch (plugins.Primary): the 3D
// change map the change columns, the 2D map change_fraction_2d, each
// epoch's DSM its nodata share and each epoch's orthophoto its mean colour.
func (ex *executor) tileStats(t *plugins.Tile, tile plans.Tile, assets map[string]string) (schema.TileStats, error) {
	st := schema.TileStats{
		TileID: tile.ID, Row: int32(tile.Row), Col: int32(tile.Col),
		MinX: tile.Extent.MinX, MinY: tile.Extent.MinY, MaxX: tile.Extent.MaxX, MaxY: tile.Extent.MaxY,
		EPSG:        int32(ex.plan.Grid.CRS.EPSG),
		DHHistogram: make([]int32, schema.HistogramBins),
		Assets:      assets,
	}
	st.DatetimeT0, st.DatetimeT1 = ex.plan.Release.Start, ex.plan.Release.End
	wkb, err := raster.ExtentWKB(tile.Extent)
	if err != nil {
		return st, err
	}
	st.Geometry = wkb
	for _, c := range ex.counters {
		st.Counts = append(st.Counts, schema.Count{Name: c.Name, N: int32(t.Counter(c.Name))})
	}
	get := func(p plugins.Product, ok bool) *plugins.TileProduct {
		if !ok {
			return nil
		}
		tp, _ := t.Get(p.Name)
		return tp
	}
	if p := get(plugins.PrimaryAny(ex.products, plugins.ElevationChange)); p != nil && p.Float32 != nil {
		img, err := raster.Crop(p.Float32, tile.Extent)
		if err != nil {
			return st, fmt.Errorf("statistics of %s: %w", p.Name, err)
		}
		res, _ := img.Res()
		changeStats(&st, img.Bands[0], res*res)
	}
	if p := get(plugins.PrimaryAny(ex.products, plugins.ChangeMask)); p != nil && p.Uint8 != nil {
		img, err := raster.Crop(p.Uint8, tile.Extent)
		if err != nil {
			return st, fmt.Errorf("statistics of %s: %w", p.Name, err)
		}
		changed := 0
		for _, v := range img.Bands[0] {
			if v != changemap.NoChange {
				changed++
			}
		}
		st.ChangeFraction2D = float64(changed) / float64(len(img.Bands[0]))
	}
	for e, dst := range map[plugins.Epoch]*float64{plugins.T0: &st.NodataFractionT0, plugins.T1: &st.NodataFractionT1} {
		if p := get(plugins.Primary(ex.products, plugins.DSM, e)); p != nil && p.Float32 != nil {
			img, err := raster.Crop(p.Float32, tile.Extent)
			if err != nil {
				return st, fmt.Errorf("statistics of %s: %w", p.Name, err)
			}
			*dst = nodataFraction(img)
		}
	}
	for e, dst := range map[plugins.Epoch]**[3]float32{plugins.T0: &st.OrthoMeanT0, plugins.T1: &st.OrthoMeanT1} {
		if p := get(plugins.Primary(ex.products, plugins.Orthophoto, e)); p != nil && p.Uint8 != nil {
			img, err := raster.Crop(p.Uint8, tile.Extent)
			if err != nil {
				return st, fmt.Errorf("statistics of %s: %w", p.Name, err)
			}
			*dst = bandMeans(img)
		}
	}
	return st, nil
}

// changeStats fills the cd3d columns: counts, fractions, ΔH statistics
// over changed pixels, volumes and the histogram.
func changeStats(st *schema.TileStats, cd []float32, area float64) {
	var valid, pos, neg int
	var sum, sumSq float64
	changed := make([]float32, 0, len(cd)/8)
	for _, v := range cd {
		if v == changemap.NoData {
			continue
		}
		valid++
		if v == 0 {
			continue
		}
		changed = append(changed, v)
		f := float64(v)
		sum += f
		sumSq += f * f
		if v > 0 {
			pos++
			st.VolumeGainM3 += f * area
		} else {
			neg++
			st.VolumeLossM3 -= f * area
		}
		if b := schema.HistogramBin(v); b >= 0 {
			st.DHHistogram[b]++
		}
	}
	st.Pixels3D, st.ChangedPixels3D = int32(valid), int32(len(changed))
	if valid > 0 {
		st.ChangeFraction = float64(len(changed)) / float64(valid)
		st.PositiveFraction = float64(pos) / float64(valid)
		st.NegativeFraction = float64(neg) / float64(valid)
	}
	if len(changed) == 0 {
		return
	}
	slices.Sort(changed)
	n := float64(len(changed))
	mean := sum / n
	f32 := func(v float64) *float32 { x := float32(v); return &x }
	st.DHMin, st.DHMax = f32(float64(changed[0])), f32(float64(changed[len(changed)-1]))
	st.DHMean = f32(mean)
	st.DHStd = f32(math.Sqrt(max(0, sumSq/n-mean*mean)))
	st.DHP05, st.DHP50, st.DHP95 = f32(Percentile(changed, 5)), f32(Percentile(changed, 50)), f32(Percentile(changed, 95))
}

// Percentile of sorted values, by linear interpolation between the closest
// ranks (numpy's default), so analysts can reproduce it.
func Percentile(sorted []float32, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	r := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(r))
	hi := min(lo+1, len(sorted)-1)
	f := r - float64(lo)
	return float64(sorted[lo]) + f*(float64(sorted[hi])-float64(sorted[lo]))
}

func nodataFraction(img *raster.Image[float32]) float64 {
	nd := changemap.Nodata{Value: float32(img.NoData), Set: img.HasNoData}
	n := 0
	for _, v := range img.Bands[0] {
		if nd.Is(v) {
			n++
		}
	}
	return float64(n) / float64(len(img.Bands[0]))
}

func bandMeans(img *raster.Image[uint8]) *[3]float32 {
	if len(img.Bands) < 3 {
		return nil
	}
	var out [3]float32
	for b := 0; b < 3; b++ {
		var s uint64
		for _, v := range img.Bands[b] {
			s += uint64(v)
		}
		out[b] = float32(float64(s) / float64(len(img.Bands[b])))
	}
	return &out
}
