package execute

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows"
)

// epochs finds, for each raster kind, the sources of the earlier (t0) and
// later (t1) epoch: by datetime, or by declaration order without datetimes.
type epochs struct {
	dsm, ortho [2]*workflows.PlannedSource
}

func findEpochs(plan *workflows.Plan) epochs {
	var e epochs
	pick := func(kind plugins.Kind) [2]*workflows.PlannedSource {
		var srcs []*workflows.PlannedSource
		for _, ps := range plan.Sources {
			if ps.Kind == kind {
				srcs = append(srcs, ps)
			}
		}
		sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].Datetime.Before(srcs[j].Datetime) })
		var out [2]*workflows.PlannedSource
		if len(srcs) > 0 {
			out[0], out[1] = srcs[0], srcs[len(srcs)-1]
		}
		return out
	}
	e.dsm, e.ortho = pick(plugins.DSM), pick(plugins.Orthophoto)
	return e
}

// datetimes returns the two epochs' datetimes (DSMs first, as ΔH is theirs).
func (e epochs) datetimes() (t0, t1 time.Time) {
	for _, pair := range [][2]*workflows.PlannedSource{e.dsm, e.ortho} {
		if pair[0] != nil && !pair[0].Datetime.IsZero() {
			return pair[0].Datetime, pair[1].Datetime
		}
	}
	return time.Time{}, time.Time{}
}

// tileStats computes a tile's row of tiles.parquet from its products in
// memory (cropped to the tile): no raster is read again.
func (ex *executor) tileStats(t *plugins.Tile, tile workflows.Tile, assets map[string]string) (schema.TileStats, error) {
	st := schema.TileStats{
		TileID: tile.ID, Row: int32(tile.Row), Col: int32(tile.Col),
		MinX: tile.Extent.MinX, MinY: tile.Extent.MinY, MaxX: tile.Extent.MaxX, MaxY: tile.Extent.MaxY,
		EPSG:        int32(ex.plan.Grid.CRS.EPSG),
		DHHistogram: make([]int32, schema.HistogramBins),
		Assets:      assets,
	}
	st.DatetimeT0, st.DatetimeT1 = ex.epochs.datetimes()
	wkb, err := raster.ExtentWKB(tile.Extent)
	if err != nil {
		return st, err
	}
	st.Geometry = wkb
	st.DroppedPixels = schema.DroppedPixels{
		MinArea:    int32(t.Counter("dropped.min_area")),
		Opening:    int32(t.Counter("dropped.opening")),
		Vegetation: int32(t.Counter("dropped.vegetation")),
		Review:     int32(t.Counter("dropped.review")),
	}
	for _, p := range t.Products() {
		switch p.Kind {
		case plugins.ElevationChange:
			img, err := raster.Crop(p.Float32, tile.Extent)
			if err != nil {
				return st, fmt.Errorf("statistics of %s: %w", p.Name, err)
			}
			res, _ := img.Res()
			changeStats(&st, img.Bands[0], res*res)
		case plugins.ChangeMask:
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
		case plugins.DSM:
			img, err := raster.Crop(p.Float32, tile.Extent)
			if err != nil {
				return st, fmt.Errorf("statistics of %s: %w", p.Name, err)
			}
			frac := nodataFraction(img)
			if ps := ex.epochs.dsm[0]; ps != nil && p.Name == ps.ProductName() {
				st.NodataFractionT0 = frac
			}
			if ps := ex.epochs.dsm[1]; ps != nil && p.Name == ps.ProductName() {
				st.NodataFractionT1 = frac
			}
		case plugins.Orthophoto:
			epoch, ok := ex.orthoEpoch[p.Name]
			if !ok || p.Uint8 == nil {
				continue
			}
			img, err := raster.Crop(p.Uint8, tile.Extent)
			if err != nil {
				return st, fmt.Errorf("statistics of %s: %w", p.Name, err)
			}
			mean := bandMeans(img)
			if epoch == 0 {
				st.OrthoMeanT0 = mean
			} else {
				st.OrthoMeanT1 = mean
			}
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
