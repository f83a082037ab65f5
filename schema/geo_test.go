package schema

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/cdflow/cdflow/raster"
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

func TestWKBPolygonBounds(t *testing.T) {
	rect := tileWKB(t, -4.75, 41.6, -4.7, 41.65)
	bigEndian, err := raster.PolygonWKB("POLYGON ((0 0, 10 0, 10 5, 0 0), (1 1, 2 1, 2 2, 1 1))")
	if err != nil {
		t.Fatal(err)
	}
	// GDAL writes little-endian; swap every field to get the same polygon
	// big-endian: byte order, type, ring count, point counts, coordinates.
	bigEndian = toBigEndianPolygon(t, bigEndian)
	noRings := []byte{1, 3, 0, 0, 0, 0, 0, 0, 0}
	tests := []struct {
		name    string
		wkb     []byte
		want    [4]float64
		wantErr string
	}{
		{"rectangle", rect, [4]float64{-4.75, 41.6, -4.7, 41.65}, ""},
		{"big-endian with a hole", bigEndian, [4]float64{0, 0, 10, 5}, ""},
		{"truncated", rect[:len(rect)-1], [4]float64{}, "truncated"},
		{"trailing bytes", append(slices.Clone(rect), 0), [4]float64{}, "1 bytes after"},
		{"no rings", noRings, [4]float64{}, "empty WKB polygon"},
		{"huge point count", []byte{1, 3, 0, 0, 0, 1, 0, 0, 0, 255, 255, 255, 255}, [4]float64{}, "truncated"},
		{"point", []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, [4]float64{}, "not a 2D WKB polygon"},
		{"empty", nil, [4]float64{}, "not a 2D WKB polygon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wkbPolygonBounds(tt.wkb)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("bounds %v, want %v", got, tt.want)
			}
		})
	}
}

// toBigEndianPolygon re-encodes a little-endian WKB polygon big-endian.
func toBigEndianPolygon(t *testing.T, le []byte) []byte {
	t.Helper()
	if le[0] != 1 {
		t.Fatalf("WKB byte order %d, want little-endian", le[0])
	}
	be := []byte{0}
	p := le[1:]
	u32 := func() uint32 {
		v := binary.LittleEndian.Uint32(p)
		p = p[4:]
		be = binary.BigEndian.AppendUint32(be, v)
		return v
	}
	u32() // type
	for range u32() {
		for range u32() * 2 {
			be = binary.BigEndian.AppendUint64(be, binary.LittleEndian.Uint64(p))
			p = p[8:]
		}
	}
	return be
}
