package raster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// InspectVector reads what plan needs through OGR, the way GDAL reads the
// file everywhere else (rasterizing review polygons, say).
func TestInspectVector(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		extent   Extent
		epsg     int
		features int
		err      string
	}{
		{name: "polygons in a CRS", src: `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25830"}},
			"features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[5,2],[5,9],[1,2]]]}},
			{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[-3,4],[0,4],[0,5],[-3,4]]]]}}]}`,
			extent: Extent{MinX: -3, MinY: 2, MaxX: 5, MaxY: 9}, epsg: 25830, features: 2},
		{name: "lon/lat by default", src: `{"type":"Feature","geometry":{"type":"Point","coordinates":[-4.7,41.6]}}`,
			extent: Extent{MinX: -4.7, MinY: 41.6, MaxX: -4.7, MaxY: 41.6}, epsg: 4326, features: 1},
		{name: "geometry collection", src: `{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[0,0],[2,3]]}]}`,
			extent: Extent{MaxX: 2, MaxY: 3}, epsg: 4326, features: 1},
		{name: "not json", src: `{"type":`, err: "not recognized as a supported file format"},
		{name: "unknown type", src: `{"type":"Circle"}`, err: "not recognized as a supported file format"},
		{name: "no feature", src: `{"type":"FeatureCollection","features":[]}`, err: "no feature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "v.geojson")
			if err := os.WriteFile(path, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			info, err := InspectVector(path)
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
