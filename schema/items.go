package schema

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cdflow/cdflow/schema/internal/table"
)

// ItemRow is one row of items.parquet: the STAC item of one tile, as the
// stac-geoparquet layout flattens it (properties as top-level columns,
// assets as a struct). Times are stored to the microsecond and read back in
// UTC; empty lists read back as nil; ReadItems returns Assets sorted by key.
type ItemRow struct {
	ID         string
	Collection string // ID of the item's collection (its split collection)
	// Split is the ml-aoi:split value: train, test or validate. The
	// extension says validate where cdflow's split block says val.
	Split string
	// Geometry is the tile outline as a WKB polygon in WGS84 longitude,
	// latitude, as the item's GeoJSON geometry.
	Geometry []byte
	// BBox is xmin, ymin, xmax, ymax in longitude, latitude; it must
	// contain Geometry, since readers filter rows by it alone.
	BBox                       [4]float64
	StartDatetime, EndDatetime time.Time // the two epochs
	ProjCode                   string    // proj:code of the assets, e.g. "EPSG:25830"; "" is null
	ChangeFraction             float64   // cdflow:change_fraction, 0–1
	QA                         []string  // cdflow:qa flags; empty when clean
	// Assets must have the same keys in every row of a file (the assets
	// column is a struct with one field per key); any order.
	Assets []ItemAsset
}

// ItemAsset is one asset of an item, with the fields of STAC's asset object
// and of the file extension that a client needs to fetch and check a file.
type ItemAsset struct {
	Key string
	// Href locates the file: relative to the directory holding
	// items.parquet (the release directory), or an absolute URL.
	Href     string
	Type     string // media type
	Roles    []string
	Checksum string // file:checksum, a SHA2-256 multihash in hex
	Size     int64  // file:size in bytes
}

// The constant parts of the layout.
const (
	itemType      = "Feature"
	stacVersion   = "1.1.0"
	bboxColumn    = "bbox"
	assetsColumn  = "assets"
	stacGeoKey    = "stac-geoparquet" // the Parquet metadata key stac-geoparquet defines
	stacGeoFormat = "1.1.0"           // the stac-geoparquet version of the layout
)

// itemExtensions are the STAC extensions whose fields items.parquet holds
// (file:*, ml-aoi:*, proj:*), sorted. The JSON items declare more (raster,
// label, processing), but their fields are not columns here, and a reader
// turning rows back into items must not declare extensions it cannot fill.
var itemExtensions = []string{
	"https://stac-extensions.github.io/file/v2.1.0/schema.json",
	"https://stac-extensions.github.io/ml-aoi/v0.2.0/schema.json",
	"https://stac-extensions.github.io/projection/v2.0.0/schema.json",
}

// mlAOISplits are the values the ml-aoi extension allows for ml-aoi:split.
var mlAOISplits = []string{"train", "test", "validate"}

// itemColumns is the stac-geoparquet layout of items.parquet, in the
// stac-geoparquet column order: core fields, properties, then assets.
//
// There is no links column, although stac-geoparquet lists one:
// items.parquet is an index for finding tiles by place, time and property;
// the JSON items hold the links (root, parent, collection, self), and
// their hrefs are relative to the item files, so copied here they would
// resolve wrongly against items.parquet's directory.
//
// Strings are plain strings, not Arrow dictionaries (as tiles.parquet's
// split is): stac-geoparquet readers turn each column back into a JSON
// value.
func itemColumns(assetKeys []string) []table.Column[ItemRow] {
	return []table.Column[ItemRow]{
		table.ConstString[ItemRow]("type", "GeoJSON type of the item: always Feature.", itemType),
		table.ConstString[ItemRow]("stac_version", "STAC version of the item: "+stacVersion+".", stacVersion),
		table.ConstStringList[ItemRow]("stac_extensions", "Schema URIs of the STAC extensions whose fields this table holds (file, ml-aoi, projection); the JSON items declare more.", itemExtensions),
		table.String("id", "Item ID (the tile ID), unique in the release; rows are sorted by it.",
			func(r *ItemRow) *string { return &r.ID }),
		table.Binary("geometry", "Tile outline as a WKB polygon in WGS84 longitude, latitude (GeoParquet primary geometry column; no crs in the geo metadata means OGC:CRS84).",
			func(r *ItemRow) *[]byte { return &r.Geometry }),
		table.Float64Struct(bboxColumn, "Bounding box of geometry in longitude, latitude: the item's bbox, and GeoParquet 1.1's bbox covering of geometry.",
			[]string{"xmin", "ymin", "xmax", "ymax"},
			[]string{"West bound (minimum longitude).", "South bound (minimum latitude).", "East bound (maximum longitude).", "North bound (maximum latitude)."},
			func(r *ItemRow) []*float64 { return []*float64{&r.BBox[0], &r.BBox[1], &r.BBox[2], &r.BBox[3]} }),
		table.String("collection", "ID of the STAC collection the item belongs to (its split collection).",
			func(r *ItemRow) *string { return &r.Collection }),
		table.Time("datetime", "The later epoch (end_datetime), when the change is seen; the item spans start_datetime to end_datetime.",
			func(r *ItemRow) *time.Time { return &r.EndDatetime }),
		table.Time("start_datetime", "Acquisition time of the first epoch (t0).",
			func(r *ItemRow) *time.Time { return &r.StartDatetime }),
		table.Time("end_datetime", "Acquisition time of the second epoch (t1).",
			func(r *ItemRow) *time.Time { return &r.EndDatetime }),
		table.String("ml-aoi:split", "Subset of the item: train, test or validate (the ml-aoi extension's name for cdflow's val subset).",
			func(r *ItemRow) *string { return &r.Split }),
		table.OptString("proj:code", "CRS of the item's raster assets, e.g. EPSG:25830; null when the CRS has no code.",
			func(r *ItemRow) *string { return &r.ProjCode }),
		table.Float64("cdflow:change_fraction", "Share of the tile's valid cd3d pixels that changed, 0–1 (change_fraction in tiles.parquet).",
			func(r *ItemRow) *float64 { return &r.ChangeFraction }),
		table.StringList("cdflow:qa", "Quality findings on the tile (qa_flags in tiles.parquet); empty when none.",
			func(r *ItemRow) *[]string { return &r.QA }),
		assetsCol(assetKeys),
	}
}

// normalizeAssetKeys sorts the keys and drops repeats: the order of the
// assets struct's fields, whatever order the assets come in.
func normalizeAssetKeys(keys []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(keys)))
}

// ItemsSchema returns the Arrow schema of an items.parquet whose items have
// the given asset keys: the assets column has one field per key, sorted; a
// key given twice appears once. WriteItems needs at least one key, since
// Parquet cannot store a struct without fields.
func ItemsSchema(assetKeys []string) *arrow.Schema {
	return table.NewSchema(itemColumns(normalizeAssetKeys(assetKeys)))
}

// assetFields are the members of one asset's struct.
func assetFields() []arrow.Field {
	return []arrow.Field{
		table.Field("href", arrow.BinaryTypes.String, false, "Location of the file: relative to the directory holding items.parquet, or an absolute URL."),
		table.Field("type", arrow.BinaryTypes.String, false, "Media type of the file."),
		table.Field("roles", arrow.ListOfNonNullable(arrow.BinaryTypes.String), false, "Semantic roles of the asset (data, labels, thumbnail, overview, …)."),
		table.Field("file:checksum", arrow.BinaryTypes.String, false, "SHA2-256 multihash of the file, in hex (file extension)."),
		table.Field("file:size", arrow.PrimitiveTypes.Int64, false, "Size of the file in bytes (file extension)."),
	}
}

// assetsCol is the assets struct: one member per key (keys normalized),
// each a struct of assetFields. A row's assets are matched to the members
// by key; WriteItems has checked that the keys are the same.
func assetsCol(keys []string) table.Column[ItemRow] {
	members := make([]arrow.Field, len(keys))
	for i, k := range keys {
		members[i] = table.Field(k, arrow.StructOf(assetFields()...), false, "The item's "+k+" asset.")
	}
	return table.Column[ItemRow]{
		Field: table.Field(assetsColumn, arrow.StructOf(members...), false,
			"The item's assets, one member per asset key; every item of a release has the same keys."),
		Writer: func(b array.Builder) func(*ItemRow) error {
			bb := b.(*array.StructBuilder)
			ws := make([]func(*ItemAsset), len(keys))
			for i := range keys {
				ws[i] = assetWriter(bb.FieldBuilder(i).(*array.StructBuilder))
			}
			return func(r *ItemRow) error {
				assets := sortedAssets(r.Assets)
				if len(assets) != len(keys) {
					return fmt.Errorf("item %s: %d assets, want %d", r.ID, len(assets), len(keys))
				}
				bb.Append(true)
				for i, a := range assets {
					if a.Key != keys[i] {
						return fmt.Errorf("item %s: asset %q where %q belongs", r.ID, a.Key, keys[i])
					}
					ws[i](&a)
				}
				return nil
			}
		},
		Reader: func(a arrow.Array) func(int, *ItemRow) error {
			aa := a.(*array.Struct)
			rs := make([]func(int, *ItemAsset), len(keys))
			for i := range keys {
				rs[i] = assetReader(aa.Field(i).(*array.Struct))
			}
			return func(i int, r *ItemRow) error {
				r.Assets = make([]ItemAsset, len(keys))
				for j, k := range keys {
					r.Assets[j].Key = k
					rs[j](i, &r.Assets[j])
				}
				return nil
			}
		},
	}
}

// assetWriter appends one asset to the struct builder of its key.
func assetWriter(b *array.StructBuilder) func(*ItemAsset) {
	href := b.FieldBuilder(0).(*array.StringBuilder)
	typ := b.FieldBuilder(1).(*array.StringBuilder)
	roles := b.FieldBuilder(2).(*array.ListBuilder)
	role := roles.ValueBuilder().(*array.StringBuilder)
	sum := b.FieldBuilder(3).(*array.StringBuilder)
	size := b.FieldBuilder(4).(*array.Int64Builder)
	return func(a *ItemAsset) {
		b.Append(true)
		href.Append(a.Href)
		typ.Append(a.Type)
		roles.Append(true)
		table.AppendStrings(role, a.Roles)
		sum.Append(a.Checksum)
		size.Append(a.Size)
	}
}

// assetReader fills an asset (all but its key) from row i of its struct.
func assetReader(s *array.Struct) func(int, *ItemAsset) {
	href := s.Field(0).(*array.String)
	typ := s.Field(1).(*array.String)
	roles := s.Field(2).(*array.List)
	role := roles.ListValues().(*array.String)
	sum := s.Field(3).(*array.String)
	size := s.Field(4).(*array.Int64)
	return func(i int, a *ItemAsset) {
		a.Href, a.Type = href.Value(i), typ.Value(i)
		a.Roles = nil
		start, end := roles.ValueOffsets(i)
		for j := start; j < end; j++ {
			a.Roles = append(a.Roles, role.Value(int(j)))
		}
		a.Checksum, a.Size = sum.Value(i), size.Value(i)
	}
}

func sortedAssets(assets []ItemAsset) []ItemAsset {
	return slices.SortedFunc(slices.Values(assets), func(a, b ItemAsset) int { return cmp.Compare(a.Key, b.Key) })
}

// WriteItems writes rows as the stac-geoparquet file path (items.parquet),
// sorted by ID, atomically. The asset keys are those of the rows, which
// must all have the same; there must be at least one row, since the
// assets struct takes its members from the rows.
func WriteItems(ctx context.Context, path string, rows []ItemRow, opts ...Option) error {
	return writeItems(ctx, path, memory.DefaultAllocator, rows, opts...)
}

func writeItems(ctx context.Context, path string, mem memory.Allocator, rows []ItemRow, opts ...Option) error {
	sorted, err := table.SortRows(rows, func(a, b *ItemRow) int { return cmp.Compare(a.ID, b.ID) },
		func(r *ItemRow) string { return r.ID })
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := newItemsWriter(path, mem, opts...)
	defer w.Abort()
	if err := w.Write(ctx, sorted...); err != nil {
		return err
	}
	return w.Close(ctx)
}

// ItemsWriter writes items.parquet as WriteItems does, a row group at a
// time, for a release whose rows are too many to hold at once: they come
// in ID order, over as many calls to Write as the caller likes. The file
// appears on Close.
type ItemsWriter struct {
	path  string
	mem   memory.Allocator
	opts  []Option
	w     *table.Writer[ItemRow]
	keys  []string
	first string // the first item's ID, which set the keys
	last  string
	bbox  []float64
}

// NewItemsWriter starts writing items.parquet at path.
func NewItemsWriter(path string, opts ...Option) *ItemsWriter {
	return newItemsWriter(path, memory.DefaultAllocator, opts...)
}

func newItemsWriter(path string, mem memory.Allocator, opts ...Option) *ItemsWriter {
	return &ItemsWriter{path: path, mem: mem, opts: opts}
}

// Write adds rows, which follow those written before in ID order.
func (w *ItemsWriter) Write(ctx context.Context, rows ...ItemRow) error {
	for i := range rows {
		r := &rows[i]
		start := w.w == nil
		if start {
			// The first item by ID sets the keys, so the error for a
			// mismatch names the same items whatever the input order.
			keys := make([]string, len(r.Assets))
			for i, a := range r.Assets {
				keys[i] = a.Key
			}
			w.keys, w.first = normalizeAssetKeys(keys), r.ID
		} else if r.ID <= w.last {
			if r.ID == w.last {
				return fmt.Errorf("write %s: two rows for %q", w.path, r.ID)
			}
			return fmt.Errorf("write %s: item %s comes after %s: items are written in ID order", w.path, r.ID, w.last)
		}
		if err := checkItem(r, w.keys, w.first); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
		if start {
			// Opened once the first item is known good: an empty assets
			// struct is no Parquet schema.
			cols := itemColumns(w.keys)
			tw, err := table.NewWriter(w.path, w.mem, table.NewSchema(cols), cols, newOptions(w.opts).codec)
			if err != nil {
				return err
			}
			w.w = tw
			w.bbox = []float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		}
		w.last = r.ID
		b := w.bbox
		b[0], b[1] = min(b[0], r.BBox[0]), min(b[1], r.BBox[1])
		b[2], b[3] = max(b[2], r.BBox[2]), max(b[3], r.BBox[3])
	}
	if w.w == nil {
		return nil
	}
	return w.w.Write(ctx, rows...)
}

// Close writes the last rows and the file's metadata and puts it in place.
func (w *ItemsWriter) Close(ctx context.Context) error {
	if w.w == nil {
		return fmt.Errorf("write %s: no items (the assets struct takes its members from the items, and Parquet cannot store an empty struct)", w.path)
	}
	geo, err := marshalGeo(geoColumn{
		Encoding:      "WKB",
		GeometryTypes: []string{"Polygon"},
		// No crs: GeoParquet then means OGC:CRS84, longitude and latitude
		// on WGS84, which is what STAC geometries are.
		BBox:     w.bbox,
		Covering: bboxCovering(bboxColumn),
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	// No collections: the release's collection.json files hold them.
	stacMeta, err := json.Marshal(struct {
		Version string `json:"version"`
	}{stacGeoFormat})
	if err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return w.w.Close(ctx, []table.KeyValue{{Key: geoKey, Value: geo}, {Key: stacGeoKey, Value: string(stacMeta)}})
}

// Abort drops the file unless Close put it in place.
func (w *ItemsWriter) Abort() {
	if w.w != nil {
		w.w.Abort()
	}
}

// checkItem refuses an item that would make an invalid or misleading file:
// missing required values, a geometry the geo metadata would not describe,
// a bbox that does not cover it (readers filter on the bbox alone), or
// assets other than those of the first item, first.
func checkItem(r *ItemRow, keys []string, first string) error {
	if r.ID == "" {
		return errors.New("an item has no id")
	}
	if err := checkItemFields(r); err != nil {
		return fmt.Errorf("item %s: %w", r.ID, err)
	}
	if err := checkAssets(r, keys, first); err != nil {
		return fmt.Errorf("item %s: %w", r.ID, err)
	}
	return nil
}

func checkItemFields(r *ItemRow) error {
	switch {
	case r.Collection == "":
		return errors.New("no collection")
	case !slices.Contains(mlAOISplits, r.Split):
		hint := ""
		if r.Split == "val" {
			hint = " (the ml-aoi extension calls cdflow's val subset validate)"
		}
		return fmt.Errorf("ml-aoi:split %q, want %s%s", r.Split, strings.Join(mlAOISplits, ", "), hint)
	case len(r.Geometry) == 0:
		return errors.New("no geometry")
	case r.StartDatetime.IsZero() || r.EndDatetime.IsZero():
		return errors.New("start_datetime and end_datetime are required")
	case r.EndDatetime.Before(r.StartDatetime):
		return fmt.Errorf("end_datetime %s is before start_datetime %s",
			r.EndDatetime.UTC().Format(time.RFC3339Nano), r.StartDatetime.UTC().Format(time.RFC3339Nano))
	case !(r.ChangeFraction >= 0 && r.ChangeFraction <= 1): // NaN too
		return fmt.Errorf("cdflow:change_fraction %v is not in 0–1", r.ChangeFraction)
	}
	g, err := wkbPolygonBounds(r.Geometry)
	if err != nil {
		return fmt.Errorf("geometry: %w", err)
	}
	b := r.BBox
	for _, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("bbox %v is not finite", b)
		}
	}
	switch {
	case b[0] > b[2] || b[1] > b[3]:
		// STAC lets a bbox crossing the antimeridian have xmin > xmax; no
		// tile of a projected grid does, and GeoParquet's covering cannot.
		return fmt.Errorf("bbox %v has a minimum above its maximum", b)
	case b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90:
		return fmt.Errorf("bbox %v is not in longitude, latitude", b)
	case g[0] < b[0] || g[1] < b[1] || g[2] > b[2] || g[3] > b[3]:
		return fmt.Errorf("bbox %v does not contain the geometry (bounds %v)", b, g)
	}
	return nil
}

// checkAssets checks each asset, then that the item has exactly the keys
// of the first item, naming both items when not.
func checkAssets(r *ItemRow, keys []string, first string) error {
	assets := sortedAssets(r.Assets)
	for i, a := range assets {
		switch {
		case a.Key == "":
			return errors.New("an asset has no key")
		case i > 0 && assets[i-1].Key == a.Key:
			return fmt.Errorf("two assets %q", a.Key)
		case a.Href == "":
			return fmt.Errorf("asset %s: no href", a.Key)
		case a.Type == "":
			return fmt.Errorf("asset %s: no media type", a.Key)
		case a.Checksum == "":
			return fmt.Errorf("asset %s: no file:checksum", a.Key)
		case a.Size < 0:
			return fmt.Errorf("asset %s: file:size %d", a.Key, a.Size)
		}
	}
	if len(keys) == 0 {
		return errors.New("no assets (the assets struct needs at least one member)")
	}
	for _, k := range keys {
		if _, ok := slices.BinarySearchFunc(assets, k, func(a ItemAsset, k string) int { return cmp.Compare(a.Key, k) }); !ok {
			return fmt.Errorf("no asset %q, which item %s has (every item of a release has the same assets)", k, first)
		}
	}
	for _, a := range assets {
		if _, ok := slices.BinarySearch(keys, a.Key); !ok {
			return fmt.Errorf("asset %q, which item %s lacks (every item of a release has the same assets)", a.Key, first)
		}
	}
	return nil
}

// ReadItems reads an items.parquet written by WriteItems: its rows in file
// order (by ID), each with its assets sorted by key.
func ReadItems(ctx context.Context, path string) ([]ItemRow, error) {
	return readItems(ctx, path, memory.DefaultAllocator)
}

func readItems(ctx context.Context, path string, mem memory.Allocator) ([]ItemRow, error) {
	rows, kv, err := table.ReadLayout(ctx, path, mem, itemLayout)
	if err != nil {
		return nil, err
	}
	meta, ok := kv[geoKey]
	if !ok {
		return nil, fmt.Errorf("read %s: no GeoParquet %q metadata", path, geoKey)
	}
	if _, err := parseGeo(meta); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, nil
}

// itemLayout takes the asset keys from the file's assets struct, since
// they vary between releases.
func itemLayout(file *arrow.Schema) (*arrow.Schema, []table.Column[ItemRow], error) {
	idx := file.FieldIndices(assetsColumn)
	if len(idx) != 1 {
		return nil, nil, fmt.Errorf("column %s missing or repeated", assetsColumn)
	}
	st, ok := file.Field(idx[0]).Type.(*arrow.StructType)
	if !ok {
		return nil, nil, fmt.Errorf("column %s has type %s, want a struct", assetsColumn, file.Field(idx[0]).Type)
	}
	keys := make([]string, st.NumFields())
	for i, f := range st.Fields() {
		keys[i] = f.Name
	}
	// Normalized, so keys out of order or repeated (not our writer's) make
	// a schema that table.CheckSchema refuses.
	cols := itemColumns(normalizeAssetKeys(keys))
	return table.NewSchema(cols), cols, nil
}
