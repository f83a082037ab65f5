package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

// geoParquetSchema compiles the GeoParquet 1.1 metadata schema from the
// shared folder, with its PROJJSON $ref served from the local copy: tests
// never reach the network.
func geoParquetSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	paths := sharedFiles(t, "geoparquet-schema/v1.1.0/schema.json", "geoparquet-schema/projjson.schema.json")
	const (
		geoURL = "https://geoparquet.org/releases/v1.1.0/schema.json"
		// The URL the GeoParquet schema's crs $ref names. The local copy is
		// PROJ's v0.5 schema (its $id says so), which Debian's PROJ ships
		// and GDAL 3.6 writes.
		projjsonURL = "https://proj.org/schemas/v0.7/projjson.schema.json"
	)
	c := jsonschema.NewCompiler()
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schema %s is not in the shared folder; tests do not download", u)
	}
	for url, p := range map[string]string{geoURL: paths[0], projjsonURL: paths[1]} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		err = c.AddResource(url, f)
		f.Close()
		if err != nil {
			t.Fatalf("load %s: %v", p, err)
		}
	}
	s, err := c.Compile(geoURL)
	if err != nil {
		t.Fatalf("compile %s: %v", paths[0], err)
	}
	return s
}

func TestGeoMetadataValidates(t *testing.T) {
	sch := geoParquetSchema(t)
	projjson := testPROJJSON(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		rows []TileStats
	}{
		{"tiles", []TileStats{testTile(t, 0, 0, "train"), noChange(testTile(t, 4, 7, "val"))}},
		{"no tiles", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".parquet")
			if err := WriteTiles(context.Background(), path, tc.rows, GeoInfo{PROJJSON: projjson}); err != nil {
				t.Fatal(err)
			}
			rdr, err := file.OpenParquetFile(path, false)
			if err != nil {
				t.Fatal(err)
			}
			defer rdr.Close()
			geo := rdr.MetaData().KeyValueMetadata().FindValue("geo")
			if geo == nil {
				t.Fatal(`no "geo" metadata`)
			}
			var v any
			if err := json.Unmarshal([]byte(*geo), &v); err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Fatalf("geo metadata does not validate: %#v\n%s", err, *geo)
			}
		})
	}
}

// TestGeoMetadataLayout pins the key order and values the issue specifies,
// and checks that the validator rejects what it should, so a pass above
// means something.
func TestGeoMetadataLayout(t *testing.T) {
	projjson := testPROJJSON(t)
	got, err := GeoInfo{PROJJSON: projjson, BBox: []float64{355000, 4612000, 356200.5, 4613000}}.marshal()
	if err != nil {
		t.Fatal(err)
	}
	var crs bytes.Buffer
	if err := json.Compact(&crs, []byte(projjson)); err != nil {
		t.Fatal(err)
	}
	want := `{"version":"1.1.0","primary_column":"geometry","columns":{"geometry":{"encoding":"WKB","geometry_types":["Polygon"],"crs":` +
		crs.String() + `,"bbox":[355000,4612000,356200.5,4613000]}}}`
	if got != want {
		t.Fatalf("geo metadata\n got %s\nwant %s", got, want)
	}

	sch := geoParquetSchema(t)
	for _, bad := range []struct{ name, from, to string }{
		{"old version", `"version":"1.1.0"`, `"version":"1.0.0"`},
		{"unknown geometry type", `["Polygon"]`, `["Square"]`},
		{"short bbox", `[355000,4612000,356200.5,4613000]`, `[355000,4612000]`},
		{"CRS not PROJJSON", `"crs":` + crs.String(), `"crs":{"type":"Nonsense"}`},
	} {
		t.Run(bad.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(strings.Replace(got, bad.from, bad.to, 1)), &v); err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err == nil {
				t.Error("validator accepted it")
			}
		})
	}
}

func TestParseGeo(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
		want              GeoInfo
	}{
		{"ours", `{"version":"1.1.0","primary_column":"geometry","columns":{"geometry":{"encoding":"WKB","geometry_types":["Polygon"],"crs":{"type":"ProjectedCRS"},"bbox":[1,2,3,4]}}}`,
			"", GeoInfo{PROJJSON: `{"type":"ProjectedCRS"}`, BBox: []float64{1, 2, 3, 4}}},
		{"null CRS", `{"version":"1.0.0","primary_column":"g","columns":{"g":{"encoding":"WKB","geometry_types":[],"crs":null}}}`,
			"", GeoInfo{}},
		{"version 2", `{"version":"2.0.0","primary_column":"g","columns":{"g":{}}}`, `version "2.0.0"`, GeoInfo{}},
		{"no primary column", `{"version":"1.1.0","primary_column":"g","columns":{}}`, `primary column "g"`, GeoInfo{}},
		{"not JSON", `{`, "geo metadata", GeoInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseGeo(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.PROJJSON != tt.want.PROJJSON || fmt.Sprint(got.BBox) != fmt.Sprint(tt.want.BBox) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
