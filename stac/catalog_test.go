package stac_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/internal/stactest"
)

var (
	epochT0 = time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)
	epochT1 = time.Date(2017, 7, 1, 0, 0, 0, 0, time.UTC)
)

func ptr(v float64) *float64 { return &v }

// testTiles are the tiles of the test release: one per subset.
var testTiles = []struct {
	id, split string
	x, y      float64 // lower-left corner in EPSG:25830
}{
	{"x355200-y4612400", stac.SplitTrain, 355200, 4612400},
	{"x355400-y4612400", stac.SplitTest, 355400, 4612400},
	{"x355600-y4612400", stac.SplitVal, 355600, 4612400},
}

// writeAsset writes a small stand-in file and returns its checksum and size.
func writeAsset(t testing.TB, dir, name string) (string, int64) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("cdflow test asset "+name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, size, err := stac.ChecksumFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sum, size
}

// tileItem writes the files of one tile into dir and describes them.
func tileItem(t testing.TB, dir, id, split string, x, y float64) stac.TileItem {
	t.Helper()
	// A 200 m tile near Valladolid; the WGS84 ring is what a caller would
	// get from OSR, rounded.
	lon0, lat0 := -4.7300+(x-355200)/83000, 41.6500
	lon1, lat1 := lon0+0.0024, lat0+0.0018
	orthoGT := [6]float64{x, 0.5, 0, y + 200, 0, -0.5}
	dsmGT := [6]float64{x, 1, 0, y + 200, 0, -1}
	rgb := func(mean float64) []stac.Band {
		var bands []stac.Band
		for range 3 {
			bands = append(bands, stac.Band{DataType: "Byte", Stats: &stac.BandStats{Min: 0, Max: 255, Mean: mean, StdDev: 40, ValidPercent: 100}})
		}
		return bands
	}
	elevation := func(min, max float64) []stac.Band {
		return []stac.Band{{DataType: "Float32", NoData: ptr(math.NaN()), Unit: "m",
			Stats: &stac.BandStats{Min: min, Max: max, Mean: (min + max) / 2, StdDev: 2.5, ValidPercent: 99.5}}}
	}
	asset := func(key, file, mediaType, title string, roles []string, shape [2]int, gt [6]float64, bands []stac.Band) stac.TileAsset {
		sum, size := writeAsset(t, dir, file)
		return stac.TileAsset{Key: key, Href: file, MediaType: mediaType, Title: title, Roles: roles,
			Shape: shape, Transform: gt, Bands: bands, Checksum: sum, Size: size}
	}
	preview := asset(stac.AssetCD3DPreview, "cd3d_preview.png", stac.MediaTypePNG, "ΔH preview", []string{stac.RoleOverview}, [2]int{}, [6]float64{}, nil)
	preview.Description = "ΔH in a diverging colour map: blue −10 m or less, white 0, red +10 m or more; transparent where nodata."
	return stac.TileItem{
		ID:            id,
		Collection:    "valladolid-3dcd-1.0.0-" + split,
		Split:         split,
		GeometryWGS84: [][2]float64{{lon0, lat0}, {lon1, lat0}, {lon1, lat1}, {lon0, lat1}, {lon0, lat0}},
		BBoxWGS84:     [4]float64{lon0, lat0, lon1, lat1},
		Start:         epochT0,
		End:           epochT1,
		EPSG:          25830,
		Assets: []stac.TileAsset{
			asset(stac.AssetT0, "t0.tif", stac.MediaTypeCOG, "Orthophoto 2010", []string{stac.RoleData}, [2]int{400, 400}, orthoGT, rgb(110)),
			asset(stac.AssetT1, "t1.tif", stac.MediaTypeCOG, "Orthophoto 2017", []string{stac.RoleData}, [2]int{400, 400}, orthoGT, rgb(120)),
			asset(stac.AssetDSMT0, "dsm_t0.tif", stac.MediaTypeCOG, "DSM 2010", []string{stac.RoleData}, [2]int{200, 200}, dsmGT, elevation(690, 720)),
			asset(stac.AssetDSMT1, "dsm_t1.tif", stac.MediaTypeCOG, "DSM 2017", []string{stac.RoleData}, [2]int{200, 200}, dsmGT, elevation(690, 731)),
			asset(stac.AssetCD2D, "cd2d.tif", stac.MediaTypeCOG, "2D change mask", []string{stac.RoleLabels}, [2]int{400, 400}, orthoGT,
				[]stac.Band{{DataType: "uint8", NoData: ptr(255), Stats: &stac.BandStats{Min: 0, Max: 1, Mean: 0.04, StdDev: 0.2, ValidPercent: 100}}}),
			asset(stac.AssetCD3D, "cd3d.tif", stac.MediaTypeCOG, "Elevation change", []string{stac.RoleLabels}, [2]int{200, 200}, dsmGT, elevation(-12.5, 11)),
			asset(stac.AssetThumbnail, "thumbnail.png", stac.MediaTypePNG, "Orthophoto 2017 quicklook", []string{stac.RoleThumbnail}, [2]int{}, [6]float64{}, nil),
			preview,
		},
		Classes:  []float64{0, 1},
		QA:       []string{},
		Software: map[string]string{"cdflow": "0.0.0-test", "GDAL": "3.6.2"},
		Lineage:  "Orthophotos averaged to 0.5 m; ΔH = DSM(2017) − DSM(2010), |ΔH| < 1 m set to 0, components < 20 m² removed.",
		Links:    stac.ItemLinks{Root: "../../../../catalog.json", Parent: "../../" + split + "/collection.json"},
	}
}

func testRelease() stac.ReleaseCollection {
	return stac.ReleaseCollection{
		ID:          "valladolid-3dcd-1.0.0",
		Title:       "3DCD Valladolid 1.0.0",
		Description: "2D and 3D change detection tiles from two epochs of orthophotos and DSMs <test & check>.",
		License:     "CC-BY-4.0",
		Keywords:    []string{"change detection", "DSM", "3DCD"},
		Providers: []stac.Provider{
			{Name: "IGN", Roles: []string{"producer", "licensor"}, URL: "https://www.ign.es"},
			{Name: "cdflow", Roles: []string{"processor"}},
		},
		Version:            "1.0.0",
		SpatialExtentWGS84: [4]float64{-4.7300, 41.6500, -4.7228 + 0.0024, 41.6518},
		Start:              epochT0,
		End:                epochT1,
		Summaries: stac.ReleaseSummaries{
			SplitCounts:    map[string]int{stac.SplitTrain: 1, stac.SplitTest: 1, stac.SplitVal: 1},
			ChangeFraction: stac.Range{Min: 0.01, Max: 0.12},
			DeltaH:         stac.Range{Min: -12.5, Max: 11},
		},
		ItemAssets: []stac.TileAsset{
			{Key: stac.AssetT0, MediaType: stac.MediaTypeCOG, Title: "Orthophoto 2010", Roles: []string{stac.RoleData},
				Bands: []stac.Band{{DataType: "uint8"}, {DataType: "uint8"}, {DataType: "uint8"}}},
			{Key: stac.AssetCD3D, MediaType: stac.MediaTypeCOG, Title: "Elevation change", Roles: []string{stac.RoleLabels},
				Bands: []stac.Band{{DataType: "float32", NoData: ptr(math.NaN()), Unit: "m", Stats: &stac.BandStats{Max: 3}}}},
			{Key: stac.AssetThumbnail, MediaType: stac.MediaTypePNG, Roles: []string{stac.RoleThumbnail}},
		},
		Links: stac.ReleaseLinks{
			Root:   "../../catalog.json",
			Parent: "../../catalog.json",
			Children: []stac.Link{
				{Href: "train/collection.json", Title: "train"},
				{Href: "test/collection.json", Title: "test"},
				{Href: "val/collection.json", Title: "val"},
			},
			Report:      "report.html",
			Latest:      "./collection.json",
			Predecessor: "../0.9.0/collection.json",
		},
		TilesParquet: stac.TableAsset{
			Href: "tiles.parquet", Title: "Per-tile statistics",
			Columns: []stac.TableColumn{
				{Name: "tile_id", Type: "string", Description: "tile identifier"},
				{Name: "split", Type: "string", Description: "train, test or val"},
				{Name: "change_fraction", Type: "float64", Description: "share of changed pixels"},
				{Name: "geometry", Type: "binary", Description: "tile outline, WKB"},
			},
			PrimaryGeometry: "geometry",
			Rows:            3,
		},
		ItemsParquet: stac.TableAsset{Href: "items.parquet", Title: "STAC items (stac-geoparquet)"},
	}
}

// writeCatalog writes a complete small catalog under dir and returns the
// paths of its item files, keyed by tile id.
func writeCatalog(t testing.TB, dir string) map[string]string {
	t.Helper()
	release := filepath.Join(dir, "valladolid-3dcd", "1.0.0")
	items := map[string]string{}
	bySplit := map[string][]stac.Link{}
	for _, tile := range testTiles {
		itemDir := filepath.Join(release, "items", tile.id)
		mkdir(t, itemDir)
		item, err := stac.NewTileItem(tileItem(t, itemDir, tile.id, tile.split, tile.x, tile.y))
		if err != nil {
			t.Fatal(err)
		}
		items[tile.id] = filepath.Join(itemDir, tile.id+".json")
		write(t, items[tile.id], item)
		bySplit[tile.split] = append(bySplit[tile.split], stac.Link{Href: "../items/" + tile.id + "/" + tile.id + ".json"})
	}

	r := testRelease()
	for _, table := range []*stac.TableAsset{&r.TilesParquet, &r.ItemsParquet} {
		table.Checksum, table.Size = writeAsset(t, release, table.Href)
	}
	writeAsset(t, release, "report.html")
	collection, err := stac.NewReleaseCollection(r)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(release, "collection.json"), collection)

	for _, split := range []string{stac.SplitTrain, stac.SplitTest, stac.SplitVal} {
		c, err := stac.NewSplitCollection(r, stac.SplitCollection{
			ID:                 r.ID + "-" + split,
			Split:              split,
			Title:              "3DCD Valladolid 1.0.0 " + split,
			SpatialExtentWGS84: r.SpatialExtentWGS84,
			Root:               "../../../catalog.json",
			Parent:             "../collection.json",
			Items:              bySplit[split],
		})
		if err != nil {
			t.Fatal(err)
		}
		mkdir(t, filepath.Join(release, split))
		write(t, filepath.Join(release, split, "collection.json"), c)
	}

	root, err := stac.NewRootCatalog(stac.RootCatalog{
		ID:          "cdflow",
		Title:       "cdflow datasets",
		Description: "Change-detection datasets built with cdflow.",
		Children:    []stac.Link{{Href: "valladolid-3dcd/1.0.0/collection.json", Title: "3DCD Valladolid"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "catalog.json"), root)
	return items
}

func mkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t testing.TB, path string, v any) {
	t.Helper()
	data, err := stac.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %s: %v", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogIsValid(t *testing.T) {
	dir := t.TempDir()
	writeCatalog(t, dir)
	report, err := stactest.Validator(t).Validate(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, problem := range report.Invalid {
		t.Errorf("%s", problem)
	}
	// root + release + 3 splits + 3 items
	if report.Objects != 8 {
		t.Errorf("visited %d objects, want 8", report.Objects)
	}
}

func TestGolden(t *testing.T) {
	dir := t.TempDir()
	items := writeCatalog(t, dir)
	for golden, path := range map[string]string{
		"testdata/item.json":       items["x355600-y4612400"],
		"testdata/collection.json": filepath.Join(dir, "valladolid-3dcd", "1.0.0", "collection.json"),
		"testdata/catalog.json":    filepath.Join(dir, "catalog.json"),
		"testdata/split-val.json":  filepath.Join(dir, "valladolid-3dcd", "1.0.0", "val", "collection.json"),
	} {
		t.Run(golden, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			stactest.Golden(t, golden, data)
		})
	}
}

// TestLoadSaveRoundTrip reads every file of the catalog into the go-stac
// types and writes it again: the bytes must not change.
func TestLoadSaveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	writeCatalog(t, dir)
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		n++
		want, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var v any
		switch {
		case filepath.Base(path) == "catalog.json":
			v, err = stac.ReadCatalog(path)
		case filepath.Base(path) == "collection.json":
			v, err = stac.ReadCollection(path)
		default:
			v, err = stac.ReadItem(path)
		}
		if err != nil {
			return err
		}
		got, err := stac.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if string(got) != string(want) {
			rel, _ := filepath.Rel(dir, path)
			t.Errorf("%s: load → save changed the bytes:\n%s", rel, firstDifference(string(got), string(want)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 8 {
		t.Errorf("round-tripped %d files, want 8", n)
	}
}

func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}

func TestChecksumsMatchFiles(t *testing.T) {
	dir := t.TempDir()
	items := writeCatalog(t, dir)
	for id, path := range items {
		item, err := stac.ReadItem(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(item.Assets) != 8 {
			t.Errorf("%s has %d assets, want 8", id, len(item.Assets))
		}
		for key, asset := range item.Assets {
			data, err := json.Marshal(asset.Extensions)
			if err != nil {
				t.Fatal(err)
			}
			sum, size, err := stac.ChecksumFile(filepath.Join(filepath.Dir(path), asset.Href))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), `"file:checksum":"`+sum+`"`) || !strings.Contains(string(data), fmt.Sprintf(`"file:size":%d`, size)) {
				t.Errorf("%s asset %s: extensions %s do not carry checksum %s and size %d", id, key, data, sum, size)
			}
		}
	}
}

// TestBrokenObjectsAreReported breaks one object of a valid catalog at a
// time and checks that exactly that object is reported, with the rule.
func TestBrokenObjectsAreReported(t *testing.T) {
	const broken = "x355400-y4612400"
	tests := []struct {
		name     string
		breakIt  func(t *testing.T, dir string, items map[string]string) (path string)
		rule     string // substring of Invalid.Rule
		message  string // substring of Invalid.Message
		nObjects int
		// unchecked: the object's problem is a schema that could not be
		// loaded, so it counts as not checked.
		unchecked bool
	}{
		{
			name: "proj:shape of the wrong type",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				return editJSON(t, items[broken], func(m map[string]any) {
					m["assets"].(map[string]any)["t0"].(map[string]any)["proj:shape"] = "400x400"
				})
			},
			rule:     "https://stac-extensions.github.io/projection/v2.0.0/schema.json#/definitions/fields/properties/proj:shape/type",
			message:  "/assets/t0/proj:shape",
			nObjects: 8,
		},
		{
			name: "ml-aoi split spelled as cdflow's val",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				return editJSON(t, items[broken], func(m map[string]any) {
					m["properties"].(map[string]any)["ml-aoi:split"] = "val"
				})
			},
			rule:     "https://stac-extensions.github.io/ml-aoi/v0.2.0/schema.json#/definitions/fields/properties/ml-aoi:split/enum",
			message:  "/properties/ml-aoi:split",
			nObjects: 8,
		},
		{
			name: "required label field missing",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				return editJSON(t, items[broken], func(m map[string]any) {
					delete(m["properties"].(map[string]any), "label:type")
				})
			},
			rule:     "https://stac-extensions.github.io/label/v1.0.1/schema.json#",
			message:  "label:type",
			nObjects: 8,
		},
		{
			name: "proj:epsg, which projection v2 rejects",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				return editJSON(t, items[broken], func(m map[string]any) {
					m["assets"].(map[string]any)["cd3d"].(map[string]any)["proj:epsg"] = 25830
				})
			},
			rule:     "projection/v2.0.0/schema.json#/definitions/fields/additionalProperties",
			message:  "/assets/cd3d",
			nObjects: 8,
		},
		{
			name: "core: datetime null without end_datetime",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				return editJSON(t, items[broken], func(m map[string]any) {
					delete(m["properties"].(map[string]any), "end_datetime")
				})
			},
			rule:     "https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/",
			message:  "end_datetime",
			nObjects: 8,
		},
		{
			name: "extension schema not in the offline folder",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				return editJSON(t, items[broken], func(m map[string]any) {
					m["stac_extensions"] = append(m["stac_extensions"].([]any), "https://stac-extensions.github.io/sat/v1.0.0/schema.json")
				})
			},
			rule:      "schema",
			message:   "is not in",
			nObjects:  8,
			unchecked: true,
		},
		{
			name: "missing item file",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				if err := os.Remove(items[broken]); err != nil {
					t.Fatal(err)
				}
				return items[broken]
			},
			rule:     "link",
			message:  "item link from",
			nObjects: 8,
		},
		{
			name: "not JSON",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				if err := os.WriteFile(items[broken], []byte("{\"type\": "), 0o644); err != nil {
					t.Fatal(err)
				}
				return items[broken]
			},
			rule:     "json",
			message:  "unexpected end of JSON",
			nObjects: 8,
		},
		{
			name: "absolute root link in an item",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				return editJSON(t, items[broken], func(m map[string]any) {
					m["links"].([]any)[0].(map[string]any)["href"] = "/srv/catalog.json"
				})
			},
			rule:     "self-contained",
			message:  `root link "/srv/catalog.json"`,
			nObjects: 8,
		},
		{
			name: "absolute child href",
			breakIt: func(t *testing.T, dir string, items map[string]string) string {
				return editJSON(t, filepath.Join(dir, "valladolid-3dcd", "1.0.0", "collection.json"), func(m map[string]any) {
					for _, l := range m["links"].([]any) {
						if link := l.(map[string]any); link["href"] == "test/collection.json" {
							link["href"] = "https://example.com/test/collection.json"
						}
					}
				})
			},
			rule:     "self-contained",
			message:  `child link "https://example.com/test/collection.json"`,
			nObjects: 6, // the test split and its item are not reached
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			items := writeCatalog(t, dir)
			path := tc.breakIt(t, dir, items)
			invalid, err := stactest.Validator(t).ValidateTree(context.Background(), filepath.Join(dir, "catalog.json"))
			if err != nil {
				t.Fatal(err)
			}
			if len(invalid) != 1 {
				t.Fatalf("got %d problems, want 1: %v", len(invalid), invalid)
			}
			got := invalid[0]
			if got.Path != path {
				t.Errorf("path = %s, want %s", got.Path, path)
			}
			if !strings.Contains(got.Rule, tc.rule) {
				t.Errorf("rule = %q, want it to contain %q", got.Rule, tc.rule)
			}
			if !strings.Contains(got.Message, tc.message) {
				t.Errorf("message = %q, want it to contain %q", got.Message, tc.message)
			}
			report, err := stactest.Validator(t).Validate(context.Background(), filepath.Join(dir, "catalog.json"))
			if err != nil {
				t.Fatal(err)
			}
			if report.Objects != tc.nObjects || report.InvalidObjects() != 1 {
				t.Errorf("report: %d objects, %d invalid; want %d, 1", report.Objects, report.InvalidObjects(), tc.nObjects)
			}
			wantUnchecked := 0
			if tc.unchecked {
				wantUnchecked = 1
			}
			if n := report.UncheckedObjects(); n != wantUnchecked {
				t.Errorf("report: %d objects not checked, want %d", n, wantUnchecked)
			}
		})
	}
}

// editJSON rewrites the JSON file at path through edit and returns path.
func editJSON(t *testing.T, path string, edit func(map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err = json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidateRootErrors(t *testing.T) {
	v := stactest.Validator(t)
	if _, err := v.ValidateTree(context.Background(), filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("validating a missing root succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	writeCatalog(t, dir)
	if _, err := v.ValidateTree(ctx, dir); err == nil {
		t.Error("validation ignored a cancelled context")
	}
}

func TestReadErrorsNameTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "item.json")
	if err := os.WriteFile(path, []byte(`{"type": "Feature", "assets": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := stac.ReadItem(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want an error naming %s", err, path)
	}
}

func BenchmarkValidateTree(b *testing.B) {
	dir := b.TempDir()
	writeCatalog(b, dir)
	v := stactest.Validator(b)
	ctx := context.Background()
	for b.Loop() {
		report, err := v.Validate(ctx, dir)
		if err != nil || len(report.Invalid) > 0 {
			b.Fatal(err, report.Invalid)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/8, "µs/object")
}
