package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	m := geoMetadata{
		Version:       geoVersion,
		PrimaryColumn: geometryColumn,
		Columns: map[string]geoColumn{geometryColumn: {
			Encoding:      "WKB",
			GeometryTypes: []string{"Polygon"},
			CRS:           crs.Bytes(),
			BBox:          g.BBox,
		}},
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
