// Package geojson reads what planning needs of a GeoJSON file: its
// bounding box, its CRS and how many features it holds.
package geojson

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"

	"github.com/cdflow/cdflow/raster"
)

// Info is what plan needs of a GeoJSON file: its bounding box, its
// CRS and how many features it holds.
type Info struct {
	Extent   raster.Extent
	CRS      raster.CRS
	Features int
}

// maxGeoJSONSize bounds what plan reads into memory; review and AOI
// polygons are small.
const maxGeoJSONSize = 256 << 20

type geoJSON struct {
	Type     string          `json:"type"`
	Features []geoJSON       `json:"features"`
	Geometry *geoJSON        `json:"geometry"`
	Coords   json.RawMessage `json:"coordinates"`
	Geoms    []geoJSON       `json:"geometries"`
	CRS      *struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	} `json:"crs"`
}

var epsgName = regexp.MustCompile(`EPSG:(?:[0-9.]*:)?([0-9]+)$`)

// Read reads the bounding box of every geometry in a GeoJSON file.
// Without a "crs" member the coordinates are WGS 84 longitude/latitude, as
// RFC 7946 says.
func Read(path string) (Info, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Info{}, fmt.Errorf("read %s: %w", path, err)
	}
	if st.Size() > maxGeoJSONSize {
		return Info{}, fmt.Errorf("read %s: larger than %d MiB", path, maxGeoJSONSize>>20)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Info{}, fmt.Errorf("read %s: %w", path, err)
	}
	var doc geoJSON
	if err := json.Unmarshal(b, &doc); err != nil {
		return Info{}, fmt.Errorf("read %s: not GeoJSON: %w", path, err)
	}
	info := Info{Extent: raster.Extent{MinX: math.Inf(1), MinY: math.Inf(1), MaxX: math.Inf(-1), MaxY: math.Inf(-1)}}
	var walk func(g *geoJSON) error
	walk = func(g *geoJSON) error {
		switch g.Type {
		case "FeatureCollection":
			for i := range g.Features {
				if err := walk(&g.Features[i]); err != nil {
					return err
				}
			}
		case "Feature":
			info.Features++
			if g.Geometry != nil {
				return walk(g.Geometry)
			}
		case "GeometryCollection":
			for i := range g.Geoms {
				if err := walk(&g.Geoms[i]); err != nil {
					return err
				}
			}
		case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
			var c any
			if err := json.Unmarshal(g.Coords, &c); err != nil {
				return fmt.Errorf("bad %s coordinates: %w", g.Type, err)
			}
			return extendBox(&info.Extent, c)
		default:
			return fmt.Errorf("unknown GeoJSON type %q", g.Type)
		}
		return nil
	}
	if err := walk(&doc); err != nil {
		return Info{}, fmt.Errorf("read %s: %w", path, err)
	}
	if info.Extent.Empty() && !(info.Extent.MinX <= info.Extent.MaxX) {
		return Info{}, fmt.Errorf("read %s: no geometry", path)
	}
	code := 4326
	if doc.CRS != nil {
		m := epsgName.FindStringSubmatch(doc.CRS.Properties.Name)
		if m == nil {
			if n := doc.CRS.Properties.Name; n != "urn:ogc:def:crs:OGC:1.3:CRS84" && n != "OGC:CRS84" {
				return Info{}, fmt.Errorf("read %s: unsupported crs %q; write EPSG codes as urn:ogc:def:crs:EPSG::32630", path, n)
			}
		} else {
			code, _ = strconv.Atoi(m[1])
		}
	}
	info.CRS, err = raster.CRSFromEPSG(code)
	if err != nil {
		return Info{}, fmt.Errorf("read %s: %w", path, err)
	}
	return info, nil
}

func extendBox(e *raster.Extent, c any) error {
	arr, ok := c.([]any)
	if !ok {
		return fmt.Errorf("coordinates must be arrays")
	}
	if len(arr) >= 2 {
		x, okx := arr[0].(float64)
		y, oky := arr[1].(float64)
		if okx && oky {
			e.MinX, e.MaxX = math.Min(e.MinX, x), math.Max(e.MaxX, x)
			e.MinY, e.MaxY = math.Min(e.MinY, y), math.Max(e.MaxY, y)
			return nil
		}
	}
	for _, sub := range arr {
		if err := extendBox(e, sub); err != nil {
			return err
		}
	}
	return nil
}
