package schema

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// geoKey is the Parquet key-value metadata key of GeoParquet.
const geoKey = "geo"

// GeoInfo is what the GeoParquet metadata of tiles.parquet says about its
// geometry column.
type GeoInfo struct {
	// PROJJSON is the CRS of the geometry column (the tile CRS) as a PROJJSON
	// object, as raster.CRS.PROJJSON returns it. Required: without it readers
	// would take the coordinates for longitude/latitude. ReadTiles returns it
	// compacted.
	PROJJSON string
	// BBox is [minx, miny, maxx, maxy] of all tiles. WriteTiles computes it
	// from the rows and ignores the value given; ReadTiles fills it (nil for
	// a file without tiles).
	BBox []float64
}

// geoMetadata is GeoParquet 1.1's "geo" object. Structs, not maps, so the
// keys come out in the order the specification lists them, every time.
type geoMetadata struct {
	Version       string               `json:"version"`
	PrimaryColumn string               `json:"primary_column"`
	Columns       map[string]geoColumn `json:"columns"`
}

type geoColumn struct {
	Encoding      string          `json:"encoding"`
	GeometryTypes []string        `json:"geometry_types"`
	CRS           json.RawMessage `json:"crs,omitempty"`
	BBox          []float64       `json:"bbox,omitempty"`
	Covering      *geoCovering    `json:"covering,omitempty"`
}

// geoCovering is GeoParquet 1.1's "covering": a per-row bounding-box struct
// column readers use to skip row groups and rows without decoding WKB.
type geoCovering struct {
	BBox geoBBoxCovering `json:"bbox"`
}

// geoBBoxCovering names, for each bound, the path [column, field] of the
// struct column that holds it.
type geoBBoxCovering struct {
	XMin [2]string `json:"xmin"`
	YMin [2]string `json:"ymin"`
	XMax [2]string `json:"xmax"`
	YMax [2]string `json:"ymax"`
}

// bboxCovering is the covering of a struct column named column with the
// fields xmin, ymin, xmax and ymax, the names GeoParquet requires.
func bboxCovering(column string) *geoCovering {
	return &geoCovering{BBox: geoBBoxCovering{
		XMin: [2]string{column, "xmin"}, YMin: [2]string{column, "ymin"},
		XMax: [2]string{column, "xmax"}, YMax: [2]string{column, "ymax"},
	}}
}

const (
	geoVersion     = "1.1.0"
	geometryColumn = "geometry"
)

// marshal renders the "geo" metadata value.
func (g GeoInfo) marshal() (string, error) {
	var crs bytes.Buffer
	if err := json.Compact(&crs, []byte(g.PROJJSON)); err != nil {
		return "", fmt.Errorf("geo metadata: CRS is not PROJJSON: %w", err)
	}
	if crs.Len() == 0 || crs.Bytes()[0] != '{' {
		return "", fmt.Errorf("geo metadata: CRS is not a PROJJSON object: %.40q", g.PROJJSON)
	}
	return marshalGeo(geoColumn{
		Encoding:      "WKB",
		GeometryTypes: []string{"Polygon"},
		CRS:           crs.Bytes(),
		BBox:          g.BBox,
	})
}

// marshalGeo renders the "geo" metadata value of a file whose one geometry
// column, named geometryColumn, c describes.
func marshalGeo(c geoColumn) (string, error) {
	m := geoMetadata{
		Version:       geoVersion,
		PrimaryColumn: geometryColumn,
		Columns:       map[string]geoColumn{geometryColumn: c},
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return "", fmt.Errorf("geo metadata: %w", err)
	}
	return strings.TrimSuffix(out.String(), "\n"), nil
}

// parseGeo reads the "geo" metadata value of a file we wrote.
func parseGeo(s string) (GeoInfo, error) {
	var m geoMetadata
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return GeoInfo{}, fmt.Errorf("geo metadata: %w", err)
	}
	if !strings.HasPrefix(m.Version, "1.") {
		return GeoInfo{}, fmt.Errorf("geo metadata: GeoParquet version %q, want 1.x", m.Version)
	}
	c, ok := m.Columns[m.PrimaryColumn]
	if !ok {
		return GeoInfo{}, fmt.Errorf("geo metadata: primary column %q not described", m.PrimaryColumn)
	}
	g := GeoInfo{BBox: c.BBox}
	if len(c.CRS) > 0 && string(c.CRS) != "null" {
		var crs bytes.Buffer
		if err := json.Compact(&crs, c.CRS); err != nil {
			return GeoInfo{}, fmt.Errorf("geo metadata: crs: %w", err)
		}
		g.PROJJSON = crs.String()
	}
	return g, nil
}

// wkbPolygonBounds reads a 2D WKB polygon (the only geometry type our geo
// metadata declares) and returns xmin, ymin, xmax, ymax of its vertices. It
// reads the whole geometry, so a truncated or padded one is refused.
func wkbPolygonBounds(wkb []byte) ([4]float64, error) {
	if !isWKBPolygon(wkb) {
		return [4]float64{}, errors.New("not a 2D WKB polygon")
	}
	var order binary.ByteOrder = binary.LittleEndian
	if wkb[0] == 0 {
		order = binary.BigEndian
	}
	p := wkb[5:]
	next := func() (uint32, bool) {
		if len(p) < 4 {
			return 0, false
		}
		v := order.Uint32(p)
		p = p[4:]
		return v, true
	}
	b := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	rings, ok := next()
	if !ok {
		return b, errors.New("truncated WKB polygon")
	}
	if rings == 0 {
		return b, errors.New("empty WKB polygon")
	}
	for range rings {
		n, ok := next()
		// 16 bytes a point; comparing before multiplying avoids overflow.
		if !ok || uint64(n) > uint64(len(p))/16 {
			return b, errors.New("truncated WKB polygon")
		}
		for range n {
			x := math.Float64frombits(order.Uint64(p))
			y := math.Float64frombits(order.Uint64(p[8:]))
			p = p[16:]
			if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
				return b, errors.New("WKB polygon has a non-finite coordinate")
			}
			b[0], b[1] = min(b[0], x), min(b[1], y)
			b[2], b[3] = max(b[2], x), max(b[3], y)
		}
	}
	if len(p) != 0 {
		return b, fmt.Errorf("%d bytes after the WKB polygon", len(p))
	}
	if math.IsInf(b[0], 0) {
		return b, errors.New("WKB polygon has no vertex")
	}
	return b, nil
}
