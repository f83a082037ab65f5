package stac

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac/extensions/file/v2"
	"github.com/cdflow/cdflow/stac/extensions/label/v1"
	"github.com/cdflow/cdflow/stac/extensions/mlaoi/v0"
	"github.com/cdflow/cdflow/stac/extensions/processing/v1"
	"github.com/cdflow/cdflow/stac/extensions/projection/v2"
	"github.com/cdflow/cdflow/stac/extensions/raster/v1"
)

// Version is the STAC version of every object cdflow writes.
const Version = "1.1.0"

// Media types of the files a release holds.
const (
	MediaTypeCOG     = "image/tiff; application=geotiff; profile=cloud-optimized"
	MediaTypePNG     = "image/png"
	MediaTypeParquet = "application/vnd.apache.parquet"
	MediaTypeJSON    = "application/json"
	MediaTypeGeoJSON = "application/geo+json"
	MediaTypeHTML    = "text/html"
)

// Asset roles (STAC best practices, plus the label extension's "labels" and
// stac-geoparquet's "stac-items").
const (
	RoleData      = "data"
	RoleLabels    = "labels"
	RoleThumbnail = "thumbnail"
	RoleOverview  = "overview"
	RoleMetadata  = "metadata"
	RoleSTACItems = "stac-items"
)

// Asset keys of a tile item.
const (
	AssetT0          = "t0"
	AssetT1          = "t1"
	AssetDSMT0       = "dsm_t0"
	AssetDSMT1       = "dsm_t1"
	AssetCD2D        = "cd2d"
	AssetCD3D        = "cd3d"
	AssetThumbnail   = "thumbnail"
	AssetCD3DPreview = "cd3d_preview"
)

// Subsets of a release, as the workflow's split block names them.
const (
	SplitTrain = "train"
	SplitTest  = "test"
	SplitVal   = "val"
)

// PropertyQA is the item property listing a tile's QA flags.
const PropertyQA = "cdflow:qa"

// MLAOISplit returns the ml-aoi:split value of a subset: the extension calls
// the validation subset "validate" where cdflow says "val".
func MLAOISplit(split string) (string, error) {
	switch split {
	case SplitTrain:
		return mlaoi.SplitTrain, nil
	case SplitTest:
		return mlaoi.SplitTest, nil
	case SplitVal:
		return mlaoi.SplitValidate, nil
	}
	return "", fmt.Errorf("unknown split %q (want %s, %s or %s)", split, SplitTrain, SplitTest, SplitVal)
}

// TileItem is everything the STAC item of one tile says, in plain Go values.
// Geometry and bbox are already in WGS84: reprojecting is the caller's job,
// so this package needs no GDAL.
type TileItem struct {
	ID string
	// Collection is the id of the split collection the item belongs to.
	Collection string
	// Split is train, test or val.
	Split string
	// GeometryWGS84 is the tile outline: a closed ring of lon, lat positions.
	GeometryWGS84 [][2]float64
	// BBoxWGS84 is west, south, east, north.
	BBoxWGS84 [4]float64
	// Start and End are the two epochs (start_datetime, end_datetime).
	Start, End time.Time
	// EPSG is the code of the assets' projected CRS; 0 when the CRS has
	// none (a LAS file's custom WKT), and then PROJJSON describes it.
	EPSG     int
	PROJJSON json.RawMessage
	Assets   []TileAsset
	// Classes are the pixel values of the 2D change label, e.g. 0 and 1.
	Classes []float64
	// LabelDescription replaces the default label:description.
	LabelDescription string
	// QA lists the tile's QA flags, written as cdflow:qa; a clean tile has
	// no cdflow:qa (an empty list shows as "n/a" in STAC Browser).
	QA []string
	// Properties are extra item properties; they must not collide with
	// the ones the builder writes.
	Properties map[string]any
	// Software maps program to version (processing:software).
	Software map[string]string
	// Lineage is processing:lineage: how the tile was made, in prose.
	Lineage string
	Links   ItemLinks
}

// ItemLinks are the hrefs of an item's links, relative to the item file.
type ItemLinks struct {
	// Root is the root catalog.json.
	Root string
	// Parent is the collection.json of the item's split collection; it is
	// also the item's collection link unless Collection is set.
	Parent string
	// Collection, when set, is the split collection's collection.json and
	// Parent a catalog between them (a block of a large release).
	Collection string
}

// TileAsset is one file of a tile.
type TileAsset struct {
	Key string
	// Href is relative to the item file.
	Href        string
	MediaType   string
	Title       string
	Description string
	Roles       []string
	// Shape is [rows, columns], as proj:shape. A zero Shape marks a file
	// without a grid (the PNG previews): no proj:* fields are written.
	Shape [2]int
	// Transform is the GDAL geotransform of the file.
	Transform [6]float64
	// ProjBBox is xmin, ymin, xmax, ymax in the EPSG CRS; when zero it is
	// computed from Shape and Transform.
	ProjBBox [4]float64
	// Bands are the raster:bands, one per band; none for previews.
	Bands []Band
	// Checksum is the SHA2-256 multihash ("1220" + hex); see ChecksumFile.
	Checksum string
	Size     int64
}

// Band describes one band of a raster file.
type Band struct {
	// DataType is a raster extension data type ("uint8", "float32") or the
	// GDAL name ("Byte", "Float32").
	DataType string
	// NoData is nil when the band has none; NaN and ±Inf are allowed.
	NoData *float64
	// Unit is "m" for elevations and elevation differences.
	Unit  string
	Stats *BandStats
}

// BandStats are the statistics of a band's valid pixels.
type BandStats struct {
	Min, Max, Mean, StdDev float64
	// ValidPercent is the share of pixels that are not nodata, 0–100.
	ValidPercent float64
}

// NewTileItem builds the STAC item of one tile. It checks what the schemas
// would reject later (and some things they would not, such as a missing
// checksum), so a broken item fails here with the tile and asset named.
func NewTileItem(t TileItem) (*gostac.Item, error) {
	item, err := newTileItem(t)
	if err != nil {
		return nil, fmt.Errorf("stac: tile %s: %w", t.ID, err)
	}
	return item, nil
}

func newTileItem(t TileItem) (*gostac.Item, error) {
	if t.ID == "" {
		return nil, errors.New("no id")
	}
	split, err := MLAOISplit(t.Split)
	if err != nil {
		return nil, err
	}
	geometry, err := polygon(t.GeometryWGS84)
	if err != nil {
		return nil, err
	}
	if err := checkBBox(t.BBoxWGS84); err != nil {
		return nil, err
	}
	if t.Start.IsZero() || t.End.IsZero() {
		return nil, errors.New("start and end epochs are required")
	}
	if t.End.Before(t.Start) {
		return nil, fmt.Errorf("end epoch %s is before start epoch %s", timestamp(t.End), timestamp(t.Start))
	}
	crs := assetCRS{projjson: t.PROJJSON}
	switch {
	case t.EPSG > 0:
		crs.code = fmt.Sprintf("EPSG:%d", t.EPSG)
	case t.EPSG < 0 || !json.Valid(t.PROJJSON):
		return nil, fmt.Errorf("bad CRS: EPSG code %d and no PROJJSON", t.EPSG)
	}
	if t.Collection != "" && t.Links.Parent == "" {
		// STAC requires a collection link whenever the collection field is set.
		return nil, fmt.Errorf("collection %q given without a parent link", t.Collection)
	}

	properties := map[string]any{
		"datetime":       timestamp(t.End), // the later epoch: when the change is seen (STAC Browser shows a null as "n/a")
		"start_datetime": timestamp(t.Start),
		"end_datetime":   timestamp(t.End),
	}
	if len(t.QA) > 0 {
		properties[PropertyQA] = t.QA
	}
	for _, k := range slices.Sorted(maps.Keys(t.Properties)) {
		if _, taken := properties[k]; taken || isExtensionProperty(k) {
			return nil, fmt.Errorf("property %q is written by the builder", k)
		}
		properties[k] = t.Properties[k]
	}

	assets := make(map[string]*gostac.Asset, len(t.Assets))
	for _, a := range t.Assets {
		if _, dup := assets[a.Key]; dup {
			return nil, fmt.Errorf("asset %q given twice", a.Key)
		}
		asset, err := newTileAsset(a, crs)
		if err != nil {
			return nil, fmt.Errorf("asset %q: %w", a.Key, err)
		}
		assets[a.Key] = asset
	}

	labels := &label.Item{
		Type:        label.TypeRaster,
		Description: t.LabelDescription,
		Tasks:       []string{"segmentation", "regression"},
		Methods:     []string{"automated"},
	}
	if labels.Description == "" {
		labels.Description = "cd2d: 2D change mask (pixel values listed in label:classes); " +
			"cd3d: elevation change DSM(t1) - DSM(t0) in metres, with changes below the threshold set to 0."
	}
	if len(t.Classes) > 0 {
		// An empty class list would match both of the schema's oneOf
		// branches (strings, numbers) and fail; leave it out instead.
		classes := make([]any, len(t.Classes))
		for i, c := range t.Classes {
			classes[i] = c
		}
		labels.Classes = []*label.Classes{{Name: nil, Classes: classes}}
	}
	extensions := []gostac.Extension{labels, &mlaoi.Item{Split: split}}
	if len(t.Software) > 0 || t.Lineage != "" {
		extensions = append(extensions, &processing.Item{Software: t.Software, Lineage: t.Lineage})
	}

	var links []*gostac.Link
	if t.Links.Root != "" {
		links = append(links, &gostac.Link{Rel: "root", Href: t.Links.Root, Type: MediaTypeJSON})
	}
	if t.Links.Parent != "" {
		links = append(links, &gostac.Link{Rel: "parent", Href: t.Links.Parent, Type: MediaTypeJSON})
		if t.Collection != "" {
			href := t.Links.Parent
			if t.Links.Collection != "" {
				href = t.Links.Collection
			}
			links = append(links, &gostac.Link{Rel: "collection", Href: href, Type: MediaTypeJSON})
		}
	}
	if err := checkRelative(links); err != nil {
		return nil, err
	}

	bbox := t.BBoxWGS84
	return &gostac.Item{
		Version:    Version,
		Id:         t.ID,
		Geometry:   geometry,
		Bbox:       bbox[:],
		Properties: properties,
		Links:      nonNil(links),
		Assets:     assets,
		Collection: t.Collection,
		Extensions: extensions,
	}, nil
}

// assetCRS is how the projection extension names the assets' CRS: an
// authority code when there is one, else the full PROJJSON.
type assetCRS struct {
	code     string
	projjson json.RawMessage
}

func (c assetCRS) json() any {
	if c.code != "" {
		return nil
	}
	return c.projjson
}

func newTileAsset(a TileAsset, crs assetCRS) (*gostac.Asset, error) {
	if a.Key == "" {
		return nil, errors.New("no key")
	}
	if err := checkHref(a.Href); err != nil {
		return nil, err
	}
	if !sha256Multihash.MatchString(a.Checksum) {
		return nil, fmt.Errorf("checksum %q is not a SHA2-256 multihash (1220 followed by 64 hex digits)", a.Checksum)
	}
	if a.Size < 0 {
		return nil, fmt.Errorf("negative size %d", a.Size)
	}
	size := a.Size
	asset := &gostac.Asset{
		Href:        a.Href,
		Type:        a.MediaType,
		Title:       a.Title,
		Description: a.Description,
		Roles:       a.Roles,
	}
	if a.Shape != [2]int{} {
		if a.Shape[0] <= 0 || a.Shape[1] <= 0 {
			return nil, fmt.Errorf("bad shape %v", a.Shape)
		}
		gt := a.Transform
		if gt[1] == 0 || gt[5] == 0 {
			return nil, fmt.Errorf("degenerate geotransform %v", gt)
		}
		bbox := a.ProjBBox
		if bbox == [4]float64{} {
			bbox = gridBBox(a.Shape, gt)
		}
		asset.Extensions = append(asset.Extensions, &projection.Asset{
			Code:      crs.code,
			PROJJSON:  crs.json(),
			Shape:     []int{a.Shape[0], a.Shape[1]},
			Transform: []float64{gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]},
			BBox:      bbox[:],
		})
	}
	if len(a.Bands) > 0 {
		bands := make([]*raster.Band, len(a.Bands))
		for i, b := range a.Bands {
			band, err := rasterBand(b)
			if err != nil {
				return nil, fmt.Errorf("band %d: %w", i+1, err)
			}
			bands[i] = band
		}
		asset.Extensions = append(asset.Extensions, &raster.Asset{Bands: bands})
	}
	asset.Extensions = append(asset.Extensions, &file.Asset{Checksum: a.Checksum, Size: &size})
	// ml-aoi marks which inputs are features and which are labels, so ML
	// loaders need not know cdflow's asset keys.
	switch {
	case slices.Contains(a.Roles, RoleLabels):
		asset.Extensions = append(asset.Extensions, &mlaoi.Asset{Role: mlaoi.RoleLabel})
	case slices.Contains(a.Roles, RoleData):
		asset.Extensions = append(asset.Extensions, &mlaoi.Asset{Role: mlaoi.RoleFeature})
	}
	return asset, nil
}

// rasterDataTypes maps GDAL's data type names to the raster extension's.
var rasterDataTypes = map[string]string{
	"Byte": "uint8", "Int8": "int8", "UInt16": "uint16", "Int16": "int16",
	"UInt32": "uint32", "Int32": "int32", "UInt64": "uint64", "Int64": "int64",
	"Float16": "float16", "Float32": "float32", "Float64": "float64",
	"CInt16": "cint16", "CInt32": "cint32", "CFloat32": "cfloat32", "CFloat64": "cfloat64",
}

// RasterDataType returns the raster extension's name for a data type given
// either way ("Byte" or "uint8").
func RasterDataType(name string) (string, error) {
	if t, ok := rasterDataTypes[name]; ok {
		return t, nil
	}
	for _, t := range rasterDataTypes {
		if t == name {
			return t, nil
		}
	}
	if name == "other" {
		return name, nil
	}
	return "", fmt.Errorf("unknown raster data type %q", name)
}

func rasterBand(b Band) (*raster.Band, error) {
	band := &raster.Band{Unit: b.Unit}
	if b.DataType != "" {
		t, err := RasterDataType(b.DataType)
		if err != nil {
			return nil, err
		}
		band.DataType = t
	}
	if b.NoData != nil {
		band.NoData = noData(*b.NoData)
	}
	if s := b.Stats; s != nil {
		// An all-nodata band has NaN statistics; JSON has no NaN, so those
		// are left out and valid_percent (0) says why.
		st := &raster.Statistics{
			Minimum:      finite(s.Min),
			Maximum:      finite(s.Max),
			Mean:         finite(s.Mean),
			StdDev:       finite(s.StdDev),
			ValidPercent: finite(s.ValidPercent),
		}
		if *st != (raster.Statistics{}) {
			band.Statistics = st
		}
	}
	if band.DataType == "" && band.NoData == nil && band.Unit == "" && band.Statistics == nil {
		return nil, errors.New("empty band: the raster extension needs at least one field")
	}
	return band, nil
}

// noData writes the non-finite values the way the raster extension spells them.
func noData(v float64) any {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return v
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// gridBBox is the extent of a grid; taking all four corners keeps it right
// for rotated geotransforms too.
func gridBBox(shape [2]int, gt [6]float64) [4]float64 {
	rows, cols := float64(shape[0]), float64(shape[1])
	bbox := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, c := range [][2]float64{{0, 0}, {cols, 0}, {0, rows}, {cols, rows}} {
		x := gt[0] + c[0]*gt[1] + c[1]*gt[2]
		y := gt[3] + c[0]*gt[4] + c[1]*gt[5]
		bbox[0], bbox[1] = math.Min(bbox[0], x), math.Min(bbox[1], y)
		bbox[2], bbox[3] = math.Max(bbox[2], x), math.Max(bbox[3], y)
	}
	return bbox
}

func polygon(ring [][2]float64) (map[string]any, error) {
	if len(ring) < 4 {
		return nil, fmt.Errorf("geometry ring has %d positions, want at least 4", len(ring))
	}
	if ring[0] != ring[len(ring)-1] {
		return nil, errors.New("geometry ring is not closed (first position differs from last)")
	}
	for _, p := range ring {
		if err := checkLonLat(p[0], p[1]); err != nil {
			return nil, fmt.Errorf("geometry: %w", err)
		}
	}
	coordinates := make([][]float64, len(ring))
	for i, p := range ring {
		coordinates[i] = []float64{p[0], p[1]}
	}
	return map[string]any{"type": "Polygon", "coordinates": [][][]float64{coordinates}}, nil
}

func checkBBox(b [4]float64) error {
	if err := checkLonLat(b[0], b[1]); err != nil {
		return fmt.Errorf("bbox: %w", err)
	}
	if err := checkLonLat(b[2], b[3]); err != nil {
		return fmt.Errorf("bbox: %w", err)
	}
	// west > east is legal: the box crosses the antimeridian.
	if b[1] > b[3] {
		return fmt.Errorf("bbox south %g is north of north %g", b[1], b[3])
	}
	return nil
}

func checkLonLat(lon, lat float64) error {
	if !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) {
		return fmt.Errorf("position (%g, %g) is not lon, lat in WGS84 degrees", lon, lat)
	}
	return nil
}

// checkHref refuses hrefs that would tie the catalog to one place: a
// release must work wherever its folder is copied.
func checkHref(href string) error {
	switch {
	case href == "":
		return errors.New("empty href")
	case strings.Contains(href, "://") || strings.HasPrefix(href, "/") || strings.Contains(href, `\`):
		return fmt.Errorf("href %q is not a relative path with forward slashes", href)
	}
	return nil
}

func checkRelative(links []*gostac.Link) error {
	for _, l := range links {
		if err := checkHref(l.Href); err != nil {
			return fmt.Errorf("%s link: %w", l.Rel, err)
		}
	}
	return nil
}

// isExtensionProperty reports whether k belongs to an extension the item
// builder writes; setting those through Properties would bypass it.
func isExtensionProperty(k string) bool {
	for _, p := range []string{"label:", "ml-aoi:", "processing:", "proj:", "raster:", "file:"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// timestamp formats t as RFC 3339 in UTC, as STAC wants.
func timestamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// nonNil turns a nil slice into an empty one, so JSON says [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
