package geojson

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/raster"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		extent   raster.Extent
		epsg     int
		features int
		err      string
	}{
		{name: "polygons in a CRS", src: `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25830"}},
			"features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[5,2],[5,9],[1,2]]]}},
			{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[-3,4],[0,4],[0,5],[-3,4]]]]}}]}`,
			extent: raster.Extent{MinX: -3, MinY: 2, MaxX: 5, MaxY: 9}, epsg: 25830, features: 2},
		{name: "lon/lat by default", src: `{"type":"Feature","geometry":{"type":"Point","coordinates":[-4.7,41.6,700]}}`,
			extent: raster.Extent{MinX: -4.7, MinY: 41.6, MaxX: -4.7, MaxY: 41.6}, epsg: 4326, features: 1},
		{name: "geometry collection", src: `{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[0,0],[2,3]]}]}`,
			extent: raster.Extent{MaxX: 2, MaxY: 3}, epsg: 4326},
		{name: "not json", src: `{"type":`, err: "not GeoJSON"},
		{name: "unknown type", src: `{"type":"Circle"}`, err: `unknown GeoJSON type "Circle"`},
		{name: "no geometry", src: `{"type":"FeatureCollection","features":[]}`, err: "no geometry"},
		{name: "odd crs", src: `{"type":"Feature","crs":{"properties":{"name":"local"}},"geometry":{"type":"Point","coordinates":[0,0]}}`, err: "unsupported crs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "v.geojson")
			if err := os.WriteFile(path, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			info, err := Read(path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want one naming the file and containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.Extent != tt.extent || info.CRS.EPSG != tt.epsg || info.Features != tt.features {
				t.Errorf("info = %+v (EPSG %d), want extent %v EPSG %d features %d", info.Extent, info.CRS.EPSG, tt.extent, tt.epsg, tt.features)
			}
		})
	}
}
