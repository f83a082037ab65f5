package schema

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cdflow/cdflow/schema/internal/table"
)

// The ΔH histogram: HistogramBins bins of 1 m from HistogramMin; see the
// package documentation.
const (
	HistogramMin  = -40
	HistogramBins = 80
)

// HistogramBin returns the dh_histogram bin of a ΔH value in metres: bin i
// holds −40+i ≤ ΔH < −39+i; values below −40 m go to bin 0 and values of
// +40 m or more to bin 79. NaN has no bin: it returns −1, which callers
// must not count (nodata is never a changed pixel).
func HistogramBin(dh float32) int {
	if math.IsNaN(float64(dh)) {
		return -1
	}
	b := math.Floor(float64(dh)) - HistogramMin
	switch {
	case b < 0:
		return 0
	case b >= HistogramBins:
		return HistogramBins - 1
	}
	return int(b)
}

// TileStats is one row of tiles.parquet: the statistics of one tile,
// computed while the tile is processed. Nullable columns are pointers (nil
// is null). Times are stored to the microsecond and read back in UTC; empty
// lists and maps read back as nil.
type TileStats struct {
	TileID string
	Split  string // subset: train, test, val, …; "" before the split ran
	Row    int32
	Col    int32

	MinX, MinY, MaxX, MaxY float64 // tile extent in the tile CRS
	EPSG                   int32   // 0 when the CRS has no EPSG code

	DatetimeT0, DatetimeT1 time.Time

	Pixels3D         int32   // valid (not nodata) pixels of cd3d
	ChangedPixels3D  int32   // changed pixels of cd3d
	ChangeFraction   float64 // ChangedPixels3D / Pixels3D; 0 when no valid pixel
	ChangeFraction2D float64 // changed / valid pixels of cd2d
	PositiveFraction float64 // changed pixels with ΔH > 0, over valid pixels
	NegativeFraction float64 // changed pixels with ΔH < 0, over valid pixels

	// ΔH statistics over changed pixels, in metres; nil when the tile has none.
	DHMin, DHMax, DHMean, DHStd *float32
	DHP05, DHP50, DHP95         *float32

	VolumeGainM3 float64 // Σ ΔH·area over changed pixels with ΔH > 0
	VolumeLossM3 float64 // Σ |ΔH|·area over changed pixels with ΔH < 0 (≥ 0)

	DHHistogram []int32 // HistogramBins counts; see HistogramBin

	// Counts are the steps' per-tile counters (see Counter), in the order
	// the file declares them; e.g. "dropped_pixels.min_area".
	Counts []Count

	NodataFractionT0, NodataFractionT1 float64 // nodata share of each DSM on the tile

	OrthoMeanT0, OrthoMeanT1 *[3]float32 // mean R, G, B; nil without orthophotos

	QAFlags  []string          // QA findings; empty when none
	Assets   map[string]string // product name → path relative to the release directory
	Geometry []byte            // WKB polygon of the tile extent, in the tile CRS
}

var tileColumns = []table.Column[TileStats]{
	table.String("tile_id", "Stable tile identifier, unique in the release; rows are sorted by it.",
		func(r *TileStats) *string { return &r.TileID }),
	table.DictString("split", "Subset the tile belongs to (train, test, val, …); empty before the split ran.",
		func(r *TileStats) *string { return &r.Split }),
	table.Int32("row", "Row of the tile in the tiling grid.",
		func(r *TileStats) *int32 { return &r.Row }),
	table.Int32("col", "Column of the tile in the tiling grid.",
		func(r *TileStats) *int32 { return &r.Col }),
	table.Float64("minx", "Tile extent: minimum x in the tile CRS.",
		func(r *TileStats) *float64 { return &r.MinX }),
	table.Float64("miny", "Tile extent: minimum y in the tile CRS.",
		func(r *TileStats) *float64 { return &r.MinY }),
	table.Float64("maxx", "Tile extent: maximum x in the tile CRS.",
		func(r *TileStats) *float64 { return &r.MaxX }),
	table.Float64("maxy", "Tile extent: maximum y in the tile CRS.",
		func(r *TileStats) *float64 { return &r.MaxY }),
	table.Int32("epsg", "EPSG code of the tile CRS; 0 when it has none (the geo metadata holds the full CRS).",
		func(r *TileStats) *int32 { return &r.EPSG }),
	table.Time("datetime_t0", "Acquisition time of the first epoch.",
		func(r *TileStats) *time.Time { return &r.DatetimeT0 }),
	table.Time("datetime_t1", "Acquisition time of the second epoch.",
		func(r *TileStats) *time.Time { return &r.DatetimeT1 }),
	table.Int32("pixels_3d", "Valid (not nodata) pixels of the 3D change map cd3d.",
		func(r *TileStats) *int32 { return &r.Pixels3D }),
	table.Int32("changed_pixels_3d", "Changed pixels of cd3d (|ΔH| over the threshold, after noise removal).",
		func(r *TileStats) *int32 { return &r.ChangedPixels3D }),
	table.Float64("change_fraction", "changed_pixels_3d / pixels_3d; 0 when the tile has no valid pixel.",
		func(r *TileStats) *float64 { return &r.ChangeFraction }),
	table.Float64("change_fraction_2d", "Changed / valid pixels of the 2D change map cd2d.",
		func(r *TileStats) *float64 { return &r.ChangeFraction2D }),
	table.Float64("positive_fraction", "Changed pixels with ΔH > 0 (construction, growth) over valid pixels of cd3d.",
		func(r *TileStats) *float64 { return &r.PositiveFraction }),
	table.Float64("negative_fraction", "Changed pixels with ΔH < 0 (demolition, loss) over valid pixels of cd3d.",
		func(r *TileStats) *float64 { return &r.NegativeFraction }),
	table.OptFloat32("dh_min", "Minimum ΔH = H_t1 − H_t0 over changed pixels, in metres; null when none.",
		func(r *TileStats) **float32 { return &r.DHMin }),
	table.OptFloat32("dh_max", "Maximum ΔH over changed pixels, in metres; null when none.",
		func(r *TileStats) **float32 { return &r.DHMax }),
	table.OptFloat32("dh_mean", "Mean ΔH over changed pixels, in metres; null when none.",
		func(r *TileStats) **float32 { return &r.DHMean }),
	table.OptFloat32("dh_std", "Standard deviation (population) of ΔH over changed pixels, in metres; null when none.",
		func(r *TileStats) **float32 { return &r.DHStd }),
	table.OptFloat32("dh_p05", "5th percentile of ΔH over changed pixels, in metres; null when none.",
		func(r *TileStats) **float32 { return &r.DHP05 }),
	table.OptFloat32("dh_p50", "Median of ΔH over changed pixels, in metres; null when none.",
		func(r *TileStats) **float32 { return &r.DHP50 }),
	table.OptFloat32("dh_p95", "95th percentile of ΔH over changed pixels, in metres; null when none.",
		func(r *TileStats) **float32 { return &r.DHP95 }),
	table.Float64("volume_gain_m3", "Sum of ΔH × pixel area over changed pixels with ΔH > 0, in m³.",
		func(r *TileStats) *float64 { return &r.VolumeGainM3 }),
	table.Float64("volume_loss_m3", "Sum of |ΔH| × pixel area over changed pixels with ΔH < 0, in m³ (positive).",
		func(r *TileStats) *float64 { return &r.VolumeLossM3 }),
	table.Int32List("dh_histogram", "Changed pixels per 1 m ΔH bin: 80 bins, bin i counts −40+i ≤ ΔH < −39+i; ΔH below −40 m counts in bin 0, ΔH of +40 m or more in bin 79.",
		func(r *TileStats) *[]int32 { return &r.DHHistogram }),
	table.Float64("nodata_fraction_t0", "Share of nodata pixels of the first-epoch DSM on the tile.",
		func(r *TileStats) *float64 { return &r.NodataFractionT0 }),
	table.Float64("nodata_fraction_t1", "Share of nodata pixels of the second-epoch DSM on the tile.",
		func(r *TileStats) *float64 { return &r.NodataFractionT1 }),
	table.RGB("ortho_mean_t0", "Mean R, G, B (three values) of the first-epoch orthophoto on the tile; null without orthophotos.",
		func(r *TileStats) **[3]float32 { return &r.OrthoMeanT0 }),
	table.RGB("ortho_mean_t1", "Mean R, G, B (three values) of the second-epoch orthophoto on the tile; null without orthophotos.",
		func(r *TileStats) **[3]float32 { return &r.OrthoMeanT1 }),
	table.StringList("qa_flags", "Quality findings on the tile (stripes, nodata, coregistration, …); empty when none.",
		func(r *TileStats) *[]string { return &r.QAFlags }),
	table.StringMap("assets", "Product name → file path relative to the release directory, sorted by name.",
		func(r *TileStats) *map[string]string { return &r.Assets }),
	table.Binary("geometry", "Tile extent as a WKB polygon in the tile CRS (GeoParquet primary geometry column).",
		func(r *TileStats) *[]byte { return &r.Geometry }),
}

// countersAfter is the column the counter columns follow.
const countersAfter = "dh_histogram"

// tileLayout returns tiles.parquet's columns with the counters' among them.
func tileLayout(counters []Counter) ([]table.Column[TileStats], error) {
	cc, err := counterColumns(counters)
	if err != nil {
		return nil, err
	}
	if len(cc) == 0 {
		return tileColumns, nil
	}
	var out []table.Column[TileStats]
	for _, c := range tileColumns {
		out = append(out, c)
		if c.Field.Name == countersAfter {
			out = append(out, cc...)
		}
	}
	return out, nil
}

// TileSchema returns the Arrow schema of tiles.parquet with the columns of
// the given counters.
func TileSchema(counters ...Counter) (*arrow.Schema, error) {
	cols, err := tileLayout(counters)
	if err != nil {
		return nil, err
	}
	return table.NewSchema(cols), nil
}

// WriteTiles writes rows as the GeoParquet file path (tiles.parquet),
// sorted by tile ID, atomically. geo.PROJJSON is the CRS of the geometry
// column; the bounding box is computed from the rows. WithCounters adds the
// steps' counters as columns (a row without a count has 0).
func WriteTiles(ctx context.Context, path string, rows []TileStats, geo GeoInfo, opts ...Option) error {
	return writeTiles(ctx, path, memory.DefaultAllocator, rows, geo, opts...)
}

func writeTiles(ctx context.Context, path string, mem memory.Allocator, rows []TileStats, geo GeoInfo, opts ...Option) error {
	sorted, err := table.SortRows(rows, func(a, b *TileStats) int { return cmp.Compare(a.TileID, b.TileID) },
		func(r *TileStats) string { return r.TileID })
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w, err := newTilesWriter(path, mem, geo, opts...)
	if err != nil {
		return err
	}
	defer w.Abort()
	if err := w.Write(ctx, sorted...); err != nil {
		return err
	}
	return w.Close(ctx)
}

// TilesWriter writes tiles.parquet as WriteTiles does, a row group at a
// time, for a release whose rows are too many to hold at once: they come
// in tile ID order, over as many calls to Write as the caller likes. The
// file appears on Close.
type TilesWriter struct {
	path string
	geo  GeoInfo
	w    *table.Writer[TileStats]
	last string
	bbox []float64
}

// NewTilesWriter starts writing tiles.parquet at path; geo.PROJJSON is the
// CRS of the geometry column, and the bounding box is computed from the rows.
func NewTilesWriter(path string, geo GeoInfo, opts ...Option) (*TilesWriter, error) {
	return newTilesWriter(path, memory.DefaultAllocator, geo, opts...)
}

func newTilesWriter(path string, mem memory.Allocator, geo GeoInfo, opts ...Option) (*TilesWriter, error) {
	o := newOptions(opts)
	cols, err := tileLayout(o.counters)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	// The CRS is checked before any row is written, not at Close.
	if _, err := geo.marshal(); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	tw, err := table.NewWriter(path, mem, table.NewSchema(cols), cols, o.codec)
	if err != nil {
		return nil, err
	}
	return &TilesWriter{path: path, geo: geo, w: tw}, nil
}

// Write adds rows, which follow those written before in tile ID order.
func (w *TilesWriter) Write(ctx context.Context, rows ...TileStats) error {
	for i := range rows {
		r := &rows[i]
		if w.bbox != nil && r.TileID <= w.last {
			if r.TileID == w.last {
				return fmt.Errorf("write %s: two rows for %q", w.path, r.TileID)
			}
			return fmt.Errorf("write %s: tile %s comes after %s: tiles are written in ID order", w.path, r.TileID, w.last)
		}
		if err := checkTile(r); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
		if w.bbox == nil {
			w.bbox = []float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		}
		w.last = r.TileID
		b := w.bbox
		b[0], b[1] = min(b[0], r.MinX), min(b[1], r.MinY)
		b[2], b[3] = max(b[2], r.MaxX), max(b[3], r.MaxY)
	}
	return w.w.Write(ctx, rows...)
}

// Close writes the last rows and the GeoParquet metadata and puts the
// file in place.
func (w *TilesWriter) Close(ctx context.Context) error {
	geo := w.geo
	// nil without tiles: GeoParquet's bbox is optional and an empty one
	// has no valid value.
	geo.BBox = w.bbox
	meta, err := geo.marshal()
	if err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return w.w.Close(ctx, []table.KeyValue{{Key: geoKey, Value: meta}})
}

// Abort drops the file unless Close put it in place.
func (w *TilesWriter) Abort() { w.w.Abort() }

// checkTile refuses rows that would make an invalid or misdescribed file:
// no ID, a geometry the geo metadata would not describe, or a histogram of
// other bins.
func checkTile(r *TileStats) error {
	switch {
	case r.TileID == "":
		return fmt.Errorf("a row has no tile ID")
	case len(r.Geometry) == 0:
		return fmt.Errorf("tile %s: no geometry", r.TileID)
	case !isWKBPolygon(r.Geometry):
		return fmt.Errorf("tile %s: geometry is not a 2D WKB polygon", r.TileID)
	case len(r.DHHistogram) != HistogramBins:
		return fmt.Errorf("tile %s: dh_histogram has %d bins, want %d", r.TileID, len(r.DHHistogram), HistogramBins)
	}
	return nil
}

// isWKBPolygon reads the WKB header: a byte-order mark, then the geometry
// type, 3 for a 2D polygon — what the geo metadata declares.
func isWKBPolygon(wkb []byte) bool {
	if len(wkb) < 5 {
		return false
	}
	switch wkb[0] {
	case 0:
		return binary.BigEndian.Uint32(wkb[1:5]) == 3
	case 1:
		return binary.LittleEndian.Uint32(wkb[1:5]) == 3
	}
	return false
}

// ReadTiles reads a tiles.parquet written by WriteTiles: its rows in file
// order (by tile ID), with the counters the file holds, and its GeoParquet
// metadata.
func ReadTiles(ctx context.Context, path string) ([]TileStats, GeoInfo, error) {
	return readTiles(ctx, path, memory.DefaultAllocator)
}

func readTiles(ctx context.Context, path string, mem memory.Allocator) ([]TileStats, GeoInfo, error) {
	rows, kv, err := table.ReadLayout(ctx, path, mem, tileFileLayout)
	if err != nil {
		return nil, GeoInfo{}, err
	}
	meta, ok := kv[geoKey]
	if !ok {
		return nil, GeoInfo{}, fmt.Errorf("read %s: no GeoParquet %q metadata", path, geoKey)
	}
	geo, err := parseGeo(meta)
	if err != nil {
		return nil, GeoInfo{}, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, geo, nil
}

// TileDetail is the part of a tile's row whose size grows with what the
// tile holds: its histogram, counters, QA flags, asset paths and geometry.
// A release of many tiles keeps it on disk until the row is written, and
// the fixed-size rest of the row in memory. Its JSON keeps nil and empty
// apart, as the table does (null against an empty list).
type TileDetail struct {
	DHHistogram []int32           `json:"h"`
	Counts      []Count           `json:"c"`
	QAFlags     []string          `json:"q"`
	Assets      map[string]string `json:"a"`
	Geometry    []byte            `json:"g"`
}

// TakeDetail moves the row's detail out of it: r keeps its fixed-size
// fields, and WithDetail puts the detail back.
func (r *TileStats) TakeDetail() TileDetail {
	d := TileDetail{DHHistogram: r.DHHistogram, Counts: r.Counts, QAFlags: r.QAFlags, Assets: r.Assets, Geometry: r.Geometry}
	r.DHHistogram, r.Counts, r.QAFlags, r.Assets, r.Geometry = nil, nil, nil, nil, nil
	return d
}

// WithDetail returns the row with d as its detail.
func (r TileStats) WithDetail(d TileDetail) TileStats {
	r.DHHistogram, r.Counts, r.QAFlags, r.Assets, r.Geometry = d.DHHistogram, d.Counts, d.QAFlags, d.Assets, d.Geometry
	return r
}
