package stac_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/internal/stactest"
)

func TestMLAOISplit(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"train", "train"},
		{"test", "test"},
		{"val", "validate"},
		{"validate", ""},
		{"", ""},
	} {
		got, err := stac.MLAOISplit(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("MLAOISplit(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRasterDataType(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Byte", "uint8"}, {"uint8", "uint8"}, {"Float32", "float32"}, {"Int16", "int16"},
		{"CFloat64", "cfloat64"}, {"other", "other"}, {"float", ""}, {"", ""},
	} {
		got, err := stac.RasterDataType(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("RasterDataType(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// validTile is a tile item with no files behind it, for builder tests.
func validTile() stac.TileItem {
	return stac.TileItem{
		ID:            "x0-y0",
		Collection:    "ds-1.0.0-train",
		Split:         "train",
		GeometryWGS84: [][2]float64{{-4, 41}, {-3.99, 41}, {-3.99, 41.01}, {-4, 41.01}, {-4, 41}},
		BBoxWGS84:     [4]float64{-4, 41, -3.99, 41.01},
		Start:         epochT0,
		End:           epochT1,
		EPSG:          25830,
		Assets: []stac.TileAsset{{
			Key: "cd3d", Href: "cd3d.tif", MediaType: stac.MediaTypeCOG, Roles: []string{stac.RoleLabels},
			Shape:     [2]int{200, 100},
			Transform: [6]float64{355200, 1, 0, 4612600, 0, -2},
			Bands:     []stac.Band{{DataType: "Float32", Unit: "m"}},
			Checksum:  "1220" + strings.Repeat("ab", 32),
			Size:      10,
		}},
		Links: stac.ItemLinks{Root: "../../catalog.json", Parent: "../../train/collection.json"},
	}
}

func TestNewTileItemRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*stac.TileItem)
		error string
	}{
		{"no id", func(t *stac.TileItem) { t.ID = "" }, "no id"},
		{"unknown split", func(t *stac.TileItem) { t.Split = "validation" }, `unknown split "validation"`},
		{"open ring", func(t *stac.TileItem) { t.GeometryWGS84 = t.GeometryWGS84[:4] }, "not closed"},
		{"short ring", func(t *stac.TileItem) { t.GeometryWGS84 = t.GeometryWGS84[:2] }, "at least 4"},
		{"projected coordinates", func(t *stac.TileItem) {
			t.GeometryWGS84 = [][2]float64{{355200, 4612400}, {355400, 4612400}, {355400, 4612600}, {355200, 4612400}}
		}, "not lon, lat"},
		{"bbox upside down", func(t *stac.TileItem) { t.BBoxWGS84 = [4]float64{-4, 42, -3.99, 41} }, "south"},
		{"epochs reversed", func(t *stac.TileItem) { t.Start, t.End = t.End, t.Start }, "before start"},
		{"no epochs", func(t *stac.TileItem) { t.Start = time.Time{} }, "epochs are required"},
		{"no EPSG", func(t *stac.TileItem) { t.EPSG = 0 }, "EPSG"},
		{"collection without parent", func(t *stac.TileItem) { t.Links.Parent = "" }, "parent link"},
		{"absolute link", func(t *stac.TileItem) { t.Links.Root = "/srv/catalog.json" }, "root link"},
		{"URL link", func(t *stac.TileItem) { t.Links.Root = "https://example.com/catalog.json" }, "not a relative path"},
		{"absolute asset href", func(t *stac.TileItem) { t.Assets[0].Href = "/tmp/cd3d.tif" }, `asset "cd3d"`},
		{"bad checksum", func(t *stac.TileItem) { t.Assets[0].Checksum = "deadbeef" }, "multihash"},
		{"upper-case checksum", func(t *stac.TileItem) { t.Assets[0].Checksum = "1220" + strings.Repeat("AB", 32) }, "multihash"},
		{"negative size", func(t *stac.TileItem) { t.Assets[0].Size = -1 }, "negative size"},
		{"duplicate asset", func(t *stac.TileItem) { t.Assets = append(t.Assets, t.Assets[0]) }, "given twice"},
		{"bad data type", func(t *stac.TileItem) { t.Assets[0].Bands[0].DataType = "double" }, `unknown raster data type "double"`},
		{"empty band", func(t *stac.TileItem) { t.Assets[0].Bands = []stac.Band{{}} }, "empty band"},
		{"degenerate transform", func(t *stac.TileItem) { t.Assets[0].Transform = [6]float64{} }, "geotransform"},
		{"property collision", func(t *stac.TileItem) { t.Properties = map[string]any{"datetime": "2020-01-01T00:00:00Z"} }, `"datetime"`},
		{"extension property", func(t *stac.TileItem) { t.Properties = map[string]any{"ml-aoi:split": "train"} }, `"ml-aoi:split"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tile := validTile()
			tile.Assets[0].Bands = append([]stac.Band(nil), tile.Assets[0].Bands...)
			tc.edit(&tile)
			_, err := stac.NewTileItem(tile)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.error) || !strings.HasPrefix(err.Error(), "stac: tile ") {
				t.Errorf("error %q does not name the tile and contain %q", err, tc.error)
			}
		})
	}
}

func TestNewTileItemProjection(t *testing.T) {
	item, err := stac.NewTileItem(validTile())
	if err != nil {
		t.Fatal(err)
	}
	data, err := stac.Marshal(item)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Assets map[string]struct {
			Code      string    `json:"proj:code"`
			Shape     []int     `json:"proj:shape"`
			Transform []float64 `json:"proj:transform"`
			BBox      []float64 `json:"proj:bbox"`
		} `json:"assets"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	got := m.Assets["cd3d"]
	want := struct {
		code      string
		shape     []int
		transform []float64
		bbox      []float64
	}{
		"EPSG:25830",
		[]int{200, 100},
		// a, b, c, d, e, f from GDAL's c, a, b, f, d, e
		[]float64{1, 0, 355200, 0, -2, 4612600},
		// 100 columns of 1 m, 200 rows of 2 m
		[]float64{355200, 4612200, 355300, 4612600},
	}
	if got.Code != want.code || fmt.Sprint(got.Shape) != fmt.Sprint(want.shape) ||
		fmt.Sprint(got.Transform) != fmt.Sprint(want.transform) || fmt.Sprint(got.BBox) != fmt.Sprint(want.bbox) {
		t.Errorf("proj fields = %+v, want %+v", got, want)
	}
}

func TestNewTileItemNonFiniteStatistics(t *testing.T) {
	tile := validTile()
	nan := math.NaN()
	tile.Assets[0].Bands = []stac.Band{{DataType: "float32", NoData: &nan,
		Stats: &stac.BandStats{Min: nan, Max: nan, Mean: nan, StdDev: nan, ValidPercent: 0}}}
	item, err := stac.NewTileItem(tile)
	if err != nil {
		t.Fatal(err)
	}
	data, err := stac.Marshal(item)
	if err != nil {
		t.Fatalf("an all-nodata band cannot be written: %v", err)
	}
	if !strings.Contains(string(data), `"valid_percent": 0`) || strings.Contains(string(data), `"mean"`) {
		t.Errorf("statistics should keep valid_percent 0 and drop NaNs:\n%s", data)
	}
}

func TestNewReleaseCollectionRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*stac.ReleaseCollection)
		error string
	}{
		{"no version", func(r *stac.ReleaseCollection) { r.Version = "" }, "no version"},
		{"no license", func(r *stac.ReleaseCollection) { r.License = "" }, "no license"},
		{"bad split name", func(r *stac.ReleaseCollection) { r.Summaries.SplitCounts = map[string]int{"validation": 3} }, "split counts"},
		{"reversed range", func(r *stac.ReleaseCollection) { r.Summaries.DeltaH = stac.Range{Min: 3, Max: -3} }, "bad range"},
		{"NaN range", func(r *stac.ReleaseCollection) { r.Summaries.ChangeFraction = stac.Range{Min: math.NaN(), Max: 1} }, "bad range"},
		{"absolute report link", func(r *stac.ReleaseCollection) { r.Links.Report = "file:///tmp/report.html" }, "describedby link"},
		{"no tiles table", func(r *stac.ReleaseCollection) { r.TilesParquet.Href = "" }, "tiles table"},
		{"bad extent", func(r *stac.ReleaseCollection) { r.SpatialExtentWGS84 = [4]float64{355200, 4612400, 355400, 4612600} }, "spatial extent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := testRelease()
			tc.edit(&r)
			_, err := stac.NewReleaseCollection(r)
			if err == nil || !strings.Contains(err.Error(), tc.error) || !strings.Contains(err.Error(), r.ID) {
				t.Errorf("got %v, want an error naming %s and containing %q", err, r.ID, tc.error)
			}
		})
	}
}

func TestReleaseDescriptionExplainsVal(t *testing.T) {
	for _, description := range []string{"", "Some release."} {
		r := testRelease()
		r.Description = description
		c, err := stac.NewReleaseCollection(r)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Description, "`val`") || !strings.Contains(c.Description, "`validate`") {
			t.Errorf("description %q does not say val is validate", c.Description)
		}
	}
}

func TestMarshal(t *testing.T) {
	type inner struct {
		Z int    `json:"z"`
		A string `json:"a"`
	}
	v := map[string]any{"b": inner{Z: 1, A: "<&>"}, "a": []any{1.5, 1e21, 0.1}}
	got, err := stac.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "a": [
    1.5,
    1e+21,
    0.1
  ],
  "b": {
    "a": "<&>",
    "z": 1
  }
}
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := stac.Marshal(math.NaN()); err == nil {
		t.Error("NaN marshalled")
	}
}

func TestMarshalIsDeterministic(t *testing.T) {
	// Maps iterate in random order; build the same item repeatedly and
	// compare the bytes.
	tile := validTile()
	tile.Software = map[string]string{"cdflow": "1", "GDAL": "3.6.2", "godal": "0.0.18", "go": "1.26"}
	tile.Properties = map[string]any{"cdflow:a": 1, "cdflow:b": 2, "cdflow:c": map[string]any{"y": 1, "x": 2}}
	var first []byte
	for i := range 20 {
		item, err := stac.NewTileItem(tile)
		if err != nil {
			t.Fatal(err)
		}
		data, err := stac.Marshal(item)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = data
		} else if !bytes.Equal(first, data) {
			t.Fatalf("run %d gave different bytes", i)
		}
	}
}

func FuzzMarshalIsIdempotent(f *testing.F) {
	for _, seed := range []string{`{"b":1,"a":[1,2.5,"x"]}`, `[1e300, -0, 0.1]`, `"\u003c"`, `{"a":{"c":null,"b":true}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		once, err := stac.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var again any
		if err := json.Unmarshal(once, &again); err != nil {
			t.Fatal(err)
		}
		twice, err := stac.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Errorf("not idempotent:\n%s\n%s", once, twice)
		}
	})
}

func TestChecksumFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sum, size, err := stac.ChecksumFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; sum != want || size != 0 {
		t.Errorf("got %s, %d; want %s, 0", sum, size, want)
	}
	if _, _, err := stac.ChecksumFile(path + ".missing"); err == nil || !strings.Contains(err.Error(), path+".missing") {
		t.Errorf("got %v, want an error naming the file", err)
	}
}

func TestMissingSchemaFolder(t *testing.T) {
	shared := stactest.SchemaDir(t)
	if missing := stac.MissingSchemas(shared); len(missing) > 0 {
		t.Fatalf("the shared schema folder %s lacks %v", shared, missing)
	}

	t.Run("no folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "stac-schemas")
		_, err := stac.NewValidator(dir)
		if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("got %v, want an error saying %s does not exist", err, dir)
		}
	})
	t.Run("one file missing", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(shared)); err != nil {
			t.Fatal(err)
		}
		const gone = "stac-extensions.github.io/label/v1.0.1/schema.json"
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(gone))); err != nil {
			t.Fatal(err)
		}
		_, err := stac.NewValidator(dir)
		if err == nil || !strings.Contains(err.Error(), "lacks 1 of") || !strings.Contains(err.Error(), gone) {
			t.Errorf("got %v, want an error naming %s", err, gone)
		}
	})
}

func TestSchemaSourceIsFixed(t *testing.T) {
	v := stactest.Validator(t)
	if _, err := stac.NewValidator(""); err == nil || !strings.Contains(err.Error(), v.SchemaDir()) {
		t.Errorf("switching to online schemas: got %v, want an error naming %s", err, v.SchemaDir())
	}
	if _, err := stac.NewValidator(stactest.SchemaDir(t)); err != nil {
		t.Errorf("a second validator on the same folder: %v", err)
	}
}

func TestOfflineLoaderRefuses(t *testing.T) {
	stactest.Validator(t) // installs the loader
	for _, u := range []string{
		"file:///etc/passwd",
		"https://schemas.stacspec.org/../../etc/passwd",
		"https://../etc/passwd",
		"https://stac-extensions.github.io/sat/v1.0.0/schema.json",
		"ftp://example.com/schema.json",
	} {
		r, err := jsonschema.LoadURL(u)
		if err == nil {
			r.Close()
			t.Errorf("loaded %s", u)
		}
	}
	r, err := jsonschema.LoadURL("https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json#/definitions/core")
	if err != nil {
		t.Fatalf("a mirrored schema: %v", err)
	}
	r.Close()
}

func TestDefaultSchemaDir(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == stac.SchemaDirEnv {
				return v
			}
			return ""
		}
	}
	if dir, explicit := stac.DefaultSchemaDir(env("/opt/schemas")); dir != "/opt/schemas" || !explicit {
		t.Errorf("with %s set: got %q, %v", stac.SchemaDirEnv, dir, explicit)
	}
	// Tests run inside the module, so the folder beside it is found when
	// the environment says nothing (it exists here: SchemaDir would fail).
	if os.Getenv(stac.SchemaDirEnv) == "" {
		dir, explicit := stac.DefaultSchemaDir(env(""))
		if explicit || filepath.Base(dir) != "stac-schemas" {
			t.Errorf("from the module root: got %q, %v", dir, explicit)
		}
	}
}

func ExampleNewRootCatalog() {
	catalog, err := stac.NewRootCatalog(stac.RootCatalog{
		ID:          "cdflow",
		Description: "Change-detection datasets built with cdflow.",
		Children:    []stac.Link{{Href: "valladolid-3dcd/1.0.0/collection.json", Title: "3DCD Valladolid"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	data, err := stac.Marshal(catalog)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(data))
	// Output:
	// {
	//   "description": "Change-detection datasets built with cdflow.",
	//   "id": "cdflow",
	//   "links": [
	//     {
	//       "href": "./catalog.json",
	//       "rel": "root",
	//       "type": "application/json"
	//     },
	//     {
	//       "href": "valladolid-3dcd/1.0.0/collection.json",
	//       "rel": "child",
	//       "title": "3DCD Valladolid",
	//       "type": "application/json"
	//     }
	//   ],
	//   "stac_version": "1.1.0",
	//   "type": "Catalog"
	// }
}

// TestOptionalInputsStayValid builds items with the optional inputs left
// out and checks the schemas still accept them.
func TestOptionalInputsStayValid(t *testing.T) {
	for name, edit := range map[string]func(*stac.TileItem){
		"minimal":        func(*stac.TileItem) {},
		"no links":       func(t *stac.TileItem) { t.Collection, t.Links = "", stac.ItemLinks{} },
		"classes and qa": func(t *stac.TileItem) { t.Classes, t.QA = []float64{-1, 0, 1}, []string{"stripes"} },
		"no bands":       func(t *stac.TileItem) { t.Assets[0].Bands = nil },
		"preview only": func(t *stac.TileItem) {
			t.Assets[0].Shape, t.Assets[0].Bands, t.Assets[0].MediaType = [2]int{}, nil, stac.MediaTypePNG
		},
	} {
		t.Run(name, func(t *testing.T) {
			tile := validTile()
			edit(&tile)
			item, err := stac.NewTileItem(tile)
			if err != nil {
				t.Fatal(err)
			}
			data, err := stac.Marshal(item)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "item.json")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			stactest.AssertValid(t, path)
		})
	}
}

// Validation checks each asset's file against its file:size and
// file:checksum: a changed, truncated or missing file is a problem.
func TestValidateAssets(t *testing.T) {
	dir := stactest.SchemaDir(t)
	v, err := stac.NewValidator(dir)
	if err != nil {
		t.Fatal(err)
	}
	write := func(t *testing.T) (string, string) {
		folder := t.TempDir()
		file := filepath.Join(folder, "cd3d.tif")
		if err := os.WriteFile(file, []byte("pixels of cd3d"), 0o644); err != nil {
			t.Fatal(err)
		}
		sum, size, err := stac.ChecksumFile(file)
		if err != nil {
			t.Fatal(err)
		}
		tile := validTile()
		tile.Assets[0].Href, tile.Assets[0].Checksum, tile.Assets[0].Size = "./cd3d.tif", sum, size
		item, err := stac.NewTileItem(tile)
		if err != nil {
			t.Fatal(err)
		}
		data, err := stac.Marshal(item)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(folder, "item.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path, file
	}
	for _, tc := range []struct {
		name   string
		tamper func(file string) error
		want   string
	}{
		{"as published", func(string) error { return nil }, ""},
		{"truncated", func(f string) error { return os.Truncate(f, 3) }, "has 3 bytes, file:size says 14"},
		{"same size, other bytes", func(f string) error { return os.WriteFile(f, []byte("PIXELS OF CD3D"), 0o644) }, "does not match its file:checksum"},
		{"deleted", os.Remove, "no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, file := write(t)
			if err := tc.tamper(file); err != nil {
				t.Fatal(err)
			}
			report, err := v.Validate(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range report.Invalid {
				if p.Rule == "asset" {
					got = append(got, p.Message)
				}
			}
			switch {
			case tc.want == "" && (len(got) > 0 || report.Assets != 0):
				t.Errorf("problems on an untouched file: %v", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want) || report.Assets != 1):
				t.Errorf("problems %v, want one saying %q", got, tc.want)
			}
		})
	}
}
