package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/cdflow/cdflow/schema/internal/table"
)

// releaseAssetKeys are the asset keys of a cdflow tile item, in the order
// the stac package writes them, not sorted.
var releaseAssetKeys = []string{"t0", "t1", "dsm_t0", "dsm_t1", "cd2d", "cd3d", "thumbnail", "cd3d_preview"}

// testItem makes the item of the tile at (row, col) of a 0.0025° grid
// near Valladolid, with every field set; tests then change what they need.
func testItem(t testing.TB, row, col int, split string) ItemRow {
	t.Helper()
	id := fmt.Sprintf("r%03dc%03d", row, col)
	w, n := -4.75+0.0025*float64(col), 41.65-0.002*float64(row)
	var assets []ItemAsset
	for i, k := range releaseAssetKeys {
		a := ItemAsset{
			Key:      k,
			Href:     "items/" + id + "/" + k + ".tif",
			Type:     "image/tiff; application=geotiff; profile=cloud-optimized",
			Roles:    []string{"data"},
			Checksum: fmt.Sprintf("1220%064x", row*1000+col*10+i),
			Size:     int64(100000 + row*100 + col + i),
		}
		switch k {
		case "cd2d", "cd3d":
			a.Roles = []string{"labels", "data"}
		case "thumbnail", "cd3d_preview":
			a.Href, a.Type, a.Roles = "items/"+id+"/"+k+".png", "image/png", []string{"thumbnail"}
		}
		assets = append(assets, a)
	}
	return ItemRow{
		ID: id, Collection: "valladolid-3dcd-" + split, Split: split,
		Geometry:      tileWKB(t, w, n-0.002, w+0.0025, n),
		BBox:          [4]float64{w, n - 0.002, w + 0.0025, n},
		StartDatetime: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC),
		EndDatetime:   time.Date(2017, 7, 1, 10, 30, 15, 123456000, time.UTC),
		ProjCode:      "EPSG:25830",
		// Exact in binary, so the footer statistics test can compare.
		ChangeFraction: float64(row*8+col) / 1024,
		QA:             []string{"stripes_t0", "vertical_bias"},
		Assets:         assets,
	}
}

// wantItems is how rows read back: sorted by ID, each with its assets
// sorted by key.
func wantItems(rows []ItemRow) []ItemRow {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b ItemRow) int { return strings.Compare(a.ID, b.ID) })
	for i := range out {
		out[i].Assets = sortedAssets(out[i].Assets)
	}
	return out
}

func TestItemsRoundTrip(t *testing.T) {
	full := testItem(t, 0, 0, "train")
	clean := testItem(t, 0, 1, "validate")
	clean.QA, clean.ProjCode = nil, "" // no QA flag; a CRS without a code
	clean.Assets[2].Roles = nil
	local := testItem(t, 1, 0, "test")
	local.StartDatetime = time.Date(2010, 7, 1, 2, 0, 0, 999, time.FixedZone("CEST", 7200))
	localWant := local
	localWant.StartDatetime = time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC) // truncated to µs, in UTC
	localWant.Assets = sortedAssets(local.Assets)
	emptyNonNil := testItem(t, 1, 1, "train")
	emptyNonNil.QA = []string{}
	emptyNonNil.Assets[0].Roles = []string{}
	emptyWant := emptyNonNil
	emptyWant.QA = nil
	emptyWant.Assets = slices.Clone(emptyNonNil.Assets)
	emptyWant.Assets[0].Roles = nil
	emptyWant.Assets = sortedAssets(emptyWant.Assets)
	oneAsset := testItem(t, 2, 0, "train")
	oneAsset.Assets = oneAsset.Assets[5:6]

	var many []ItemRow
	for i := range 5000 { // more rows than a read batch
		many = append(many, testItem(t, i/100, i%100, mlAOISplits[i%3]))
	}

	tests := []struct {
		name string
		in   []ItemRow
		want []ItemRow // nil: wantItems(in)
	}{
		{"one item", []ItemRow{full}, nil},
		{"no QA, no proj:code, no roles", []ItemRow{clean, full}, nil},
		{"local time", []ItemRow{local}, []ItemRow{localWant}},
		{"empty non-nil lists", []ItemRow{emptyNonNil}, []ItemRow{emptyWant}},
		{"one asset", []ItemRow{oneAsset}, nil},
		{"many items", many, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), "items.parquet")
			ctx := context.Background()
			if err := writeItems(ctx, path, mem, tt.in); err != nil {
				t.Fatal(err)
			}
			got, err := readItems(ctx, path, mem)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = wantItems(tt.in)
			}
			if len(got) != len(want) {
				t.Fatalf("read %d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestItemsDeterministic writes the same items in different orders, each
// with its assets in a different order, and expects the same bytes.
func TestItemsDeterministic(t *testing.T) {
	var rows []ItemRow
	for i := range 60 {
		rows = append(rows, testItem(t, i/9, i%9, mlAOISplits[i%3]))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	shuffled := make([]ItemRow, len(rows))
	for i, j := range rng.Perm(len(rows)) {
		shuffled[j] = rows[i]
		shuffled[j].Assets = slices.Clone(rows[i].Assets)
		rng.Shuffle(len(shuffled[j].Assets), func(a, b int) {
			shuffled[j].Assets[a], shuffled[j].Assets[b] = shuffled[j].Assets[b], shuffled[j].Assets[a]
		})
	}
	reversed := slices.Clone(rows)
	slices.Reverse(reversed)

	dir := t.TempDir()
	var first []byte
	for i, in := range [][]ItemRow{rows, shuffled, reversed, rows} {
		path := filepath.Join(dir, "items.parquet")
		if err := WriteItems(context.Background(), path, in); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
			continue
		}
		if !bytes.Equal(b, first) {
			t.Fatalf("write %d: %d bytes differ from the first write (%d bytes)", i, len(b), len(first))
		}
	}
}

// itemsFooter writes rows and returns the file's Parquet metadata.
func itemsFooter(t *testing.T, rows []ItemRow) *metadata.FileMetaData {
	t.Helper()
	path := filepath.Join(t.TempDir(), "items.parquet")
	if err := WriteItems(context.Background(), path, rows); err != nil {
		t.Fatal(err)
	}
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdr.Close() })
	return rdr.MetaData()
}

// TestItemsGeoMetadata validates the "geo" value against the GeoParquet 1.1
// schema and pins it: no crs (OGC:CRS84), the bbox covering, the overall
// bbox; and checks that the validator rejects a broken covering, so the
// pass means something.
func TestItemsGeoMetadata(t *testing.T) {
	sch := geoParquetSchema(t)
	rows := []ItemRow{testItem(t, 3, 2, "train"), testItem(t, 0, 0, "test"), testItem(t, 1, 5, "validate")}
	md := itemsFooter(t, rows)
	kv := md.KeyValueMetadata()
	geo := kv.FindValue("geo")
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
	// Row 3 is the southernmost, column 0 the westernmost, column 5 the
	// easternmost and row 0 the northernmost.
	bbox, err := json.Marshal([]float64{rows[1].BBox[0], rows[0].BBox[1], rows[2].BBox[2], rows[1].BBox[3]})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"1.1.0","primary_column":"geometry","columns":{"geometry":{"encoding":"WKB","geometry_types":["Polygon"],"bbox":` +
		string(bbox) + `,"covering":{"bbox":{"xmin":["bbox","xmin"],"ymin":["bbox","ymin"],"xmax":["bbox","xmax"],"ymax":["bbox","ymax"]}}}}}`
	if *geo != want {
		t.Errorf("geo metadata\n got %s\nwant %s", *geo, want)
	}
	if g, err := parseGeo(*geo); err != nil || g.PROJJSON != "" {
		t.Errorf("parseGeo: %+v, %v; want no CRS", g, err)
	}
	if s := kv.FindValue("stac-geoparquet"); s == nil || *s != `{"version":"1.1.0"}` {
		t.Errorf("stac-geoparquet metadata %v, want {\"version\":\"1.1.0\"}", s)
	}

	for _, bad := range []struct{ name, from, to string }{
		{"covering field renamed", `["bbox","xmin"]`, `["bbox","west"]`},
		{"covering bound missing", `"ymax":["bbox","ymax"]`, `"zmax":["bbox","zmax"]`},
		{"bbox of 5 values", `"bbox":[`, `"bbox":[0,`},
	} {
		t.Run(bad.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(strings.Replace(*geo, bad.from, bad.to, 1)), &v); err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err == nil {
				t.Error("validator accepted it")
			}
		})
	}
}

// TestItemsFooter reads the file as a GeoParquet reader does, through the
// footer only: the stac-geoparquet column order, the bbox leaves with
// min/max statistics (what the covering is for), and datetime all null.
func TestItemsFooter(t *testing.T) {
	rows := []ItemRow{testItem(t, 0, 0, "train"), testItem(t, 4, 7, "test"), testItem(t, 2, 3, "validate")}
	md := itemsFooter(t, rows)
	if md.NumRows != int64(len(rows)) || md.NumRowGroups() != 1 {
		t.Fatalf("%d rows in %d row groups, want %d in 1", md.NumRows, md.NumRowGroups(), len(rows))
	}
	var top []string
	root := md.Schema.Root()
	for i := range root.NumFields() {
		top = append(top, root.Field(i).Name())
	}
	wantTop := []string{"type", "stac_version", "stac_extensions", "id", "geometry", "bbox", "collection",
		"datetime", "start_datetime", "end_datetime", "ml-aoi:split", "proj:code", "cdflow:change_fraction", "cdflow:qa", "assets"}
	if !slices.Equal(top, wantTop) {
		t.Errorf("columns %v\nwant %v", top, wantTop)
	}

	stats := func(path string) metadata.TypedStatistics {
		t.Helper()
		col := md.Schema.ColumnIndexByName(path)
		if col < 0 {
			t.Fatalf("no column %s", path)
		}
		cc, err := md.RowGroup(0).ColumnChunk(col)
		if err != nil {
			t.Fatal(err)
		}
		st, err := cc.Statistics()
		if err != nil || st == nil {
			t.Fatalf("%s: no statistics (%v)", path, err)
		}
		return st
	}
	for _, b := range []struct {
		path     string
		min, max float64
	}{
		{"bbox.xmin", rows[0].BBox[0], rows[1].BBox[0]},
		{"bbox.ymax", rows[1].BBox[3], rows[0].BBox[3]},
		{"cdflow:change_fraction", 0, float64(4*8+7) / 1024},
	} {
		fs, ok := stats(b.path).(*metadata.Float64Statistics)
		if !ok || !fs.HasMinMax() || fs.Min() != b.min || fs.Max() != b.max {
			t.Errorf("%s statistics %v, want min %v max %v", b.path, fs, b.min, b.max)
		}
	}
	if n := stats("datetime").NullCount(); n != 0 {
		t.Errorf("datetime has %d nulls, want none: it is the later epoch", n)
	}
	if col := md.Schema.ColumnIndexByName("assets.cd3d.file:checksum"); col < 0 {
		t.Error("no column assets.cd3d.file:checksum")
	}
}

func TestItemsSchema(t *testing.T) {
	sch := ItemsSchema([]string{"t1", "cd3d", "t1", "t0"})
	assets, ok := sch.FieldsByName("assets")
	if !ok {
		t.Fatal("no assets column")
	}
	var keys []string
	for _, f := range assets[0].Type.(*arrow.StructType).Fields() {
		keys = append(keys, f.Name)
	}
	if want := []string{"cd3d", "t0", "t1"}; !slices.Equal(keys, want) {
		t.Errorf("asset keys %v, want %v (sorted, once each)", keys, want)
	}

	// An Arrow reader sees the schema the writer used, nested descriptions
	// included.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "items.parquet")
	if err := writeItems(context.Background(), path, mem, []ItemRow{testItem(t, 0, 0, "train")}); err != nil {
		t.Fatal(err)
	}
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	want := ItemsSchema(releaseAssetKeys)
	if got.NumFields() != want.NumFields() {
		t.Fatalf("%d columns, want %d", got.NumFields(), want.NumFields())
	}
	for i, w := range want.Fields() {
		g := got.Field(i)
		if g.Name != w.Name || !arrow.TypeEqual(g.Type, w.Type) || g.Nullable != w.Nullable {
			t.Errorf("column %d: %s %s nullable=%v, want %s %s nullable=%v", i, g.Name, g.Type, g.Nullable, w.Name, w.Type, w.Nullable)
		}
	}
	gotAssets, _ := got.FieldsByName("assets")
	cd3d, _ := gotAssets[0].Type.(*arrow.StructType).FieldByName("cd3d")
	href, _ := cd3d.Type.(*arrow.StructType).FieldByName("href")
	if d, _ := href.Metadata.GetValue(table.DescriptionKey); d == "" {
		t.Error("assets.cd3d.href: description lost in the file")
	}
}

func TestWriteItemsRefuses(t *testing.T) {
	good := testItem(t, 0, 0, "train")
	other := testItem(t, 0, 1, "test")
	with := func(f func(r *ItemRow)) ItemRow {
		r := good
		r.Assets = slices.Clone(good.Assets)
		f(&r)
		return r
	}
	point := []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // POINT (0 0)
	tests := []struct {
		name string
		rows []ItemRow
		want string
	}{
		{"no items", nil, "no items"},
		{"duplicate id", []ItemRow{good, other, good}, `two rows for "r000c000"`},
		{"no id", []ItemRow{with(func(r *ItemRow) { r.ID = "" })}, "an item has no id"},
		{"no collection", []ItemRow{with(func(r *ItemRow) { r.Collection = "" })}, "item r000c000: no collection"},
		{"val for validate", []ItemRow{with(func(r *ItemRow) { r.Split = "val" })}, `ml-aoi:split "val", want train, test, validate (the ml-aoi extension calls cdflow's val subset validate)`},
		{"no geometry", []ItemRow{with(func(r *ItemRow) { r.Geometry = nil })}, "item r000c000: no geometry"},
		{"point geometry", []ItemRow{with(func(r *ItemRow) { r.Geometry = point })}, "item r000c000: geometry: not a 2D WKB polygon"},
		{"truncated geometry", []ItemRow{with(func(r *ItemRow) { r.Geometry = r.Geometry[:len(r.Geometry)-8] })}, "truncated WKB polygon"},
		{"bbox misses geometry", []ItemRow{with(func(r *ItemRow) { r.BBox[2] -= 0.001 })}, "does not contain the geometry"},
		{"projected bbox", []ItemRow{with(func(r *ItemRow) {
			r.Geometry, r.BBox = tileWKB(t, 355000, 4612800, 355200, 4613000), [4]float64{355000, 4612800, 355200, 4613000}
		})}, "is not in longitude, latitude"},
		{"bbox upside down", []ItemRow{with(func(r *ItemRow) { r.BBox[1], r.BBox[3] = r.BBox[3], r.BBox[1] })}, "minimum above its maximum"},
		{"NaN bbox", []ItemRow{with(func(r *ItemRow) { r.BBox[0] = math.NaN() })}, "not finite"},
		{"no start", []ItemRow{with(func(r *ItemRow) { r.StartDatetime = time.Time{} })}, "start_datetime and end_datetime are required"},
		{"end before start", []ItemRow{with(func(r *ItemRow) { r.StartDatetime, r.EndDatetime = r.EndDatetime, r.StartDatetime })}, "end_datetime 2010-07-01T00:00:00Z is before start_datetime"},
		{"NaN change fraction", []ItemRow{with(func(r *ItemRow) { r.ChangeFraction = math.NaN() })}, "cdflow:change_fraction NaN is not in 0–1"},
		{"percent change fraction", []ItemRow{with(func(r *ItemRow) { r.ChangeFraction = 5 })}, "cdflow:change_fraction 5 is not in 0–1"},
		{"no assets", []ItemRow{with(func(r *ItemRow) { r.Assets = nil })}, "item r000c000: no assets"},
		{"asset twice", []ItemRow{with(func(r *ItemRow) { r.Assets = append(r.Assets, r.Assets[3]) })}, `item r000c000: two assets "dsm_t1"`},
		{"asset without key", []ItemRow{with(func(r *ItemRow) { r.Assets[1].Key = "" })}, "an asset has no key"},
		{"asset without href", []ItemRow{with(func(r *ItemRow) { r.Assets[0].Href = "" })}, "asset t0: no href"},
		{"asset without type", []ItemRow{with(func(r *ItemRow) { r.Assets[0].Type = "" })}, "asset t0: no media type"},
		{"asset without checksum", []ItemRow{with(func(r *ItemRow) { r.Assets[5].Checksum = "" })}, "asset cd3d: no file:checksum"},
		{"negative size", []ItemRow{with(func(r *ItemRow) { r.Assets[5].Size = -1 })}, "asset cd3d: file:size -1"},
		// The first item by ID sets the keys, whatever the input order.
		{"asset missing", []ItemRow{other, with(func(r *ItemRow) { r.Assets = r.Assets[1:] })},
			`item r000c001: asset "t0", which item r000c000 lacks`},
		{"asset extra", []ItemRow{with(func(r *ItemRow) {
			r.Assets = append(r.Assets, ItemAsset{Key: "zz", Href: "x", Type: "y", Checksum: "z"})
		}), other},
			`item r000c001: no asset "zz", which item r000c000 has`},
		{"asset renamed", []ItemRow{good, with(func(r *ItemRow) { r.ID = "r000c002"; r.Assets[7].Key = "preview" })},
			`item r000c002: no asset "cd3d_preview", which item r000c000 has`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "items.parquet")
			err := WriteItems(context.Background(), path, tt.rows)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, path, tt.want)
			}
			assertEmptyDir(t, dir)
		})
	}

	t.Run("canceled", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := WriteItems(ctx, filepath.Join(dir, "items.parquet"), []ItemRow{good})
		if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
			t.Fatalf("error %v, want context canceled", err)
		}
		assertEmptyDir(t, dir)
	})
}

// TestWriteItemsKeepsOldFile checks that a refused write leaves the file
// already in place untouched, and that a written one is world-readable.
func TestWriteItemsKeepsOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "items.parquet")
	if err := WriteItems(context.Background(), path, []ItemRow{testItem(t, 0, 0, "train")}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteItems(context.Background(), path, []ItemRow{{ID: "x"}}); err == nil {
		t.Fatal("an item without collection and geometry was written")
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("a refused write changed the file in place")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("file mode %v, want 0644", fi.Mode().Perm())
	}
}

func TestReadItemsRefuses(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	tiles := filepath.Join(dir, "tiles.parquet")
	if err := WriteTiles(ctx, tiles, []TileStats{testTile(t, 0, 0, "train")}, GeoInfo{PROJJSON: testPROJJSON(t)}); err != nil {
		t.Fatal(err)
	}
	splits := filepath.Join(dir, "splits.parquet")
	if err := WriteSplits(ctx, splits, SummarizeSplits([]TileStats{testTile(t, 0, 0, "train")})); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.parquet")
	if err := os.WriteFile(garbage, []byte("not parquet at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(dir, "none.parquet"), "no such file"},
		{"not parquet", garbage, garbage},
		{"tiles.parquet", tiles, "column assets has type map"},
		{"splits.parquet", splits, "column assets missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadItems(ctx, tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, tt.path, tt.want)
			}
		})
	}
}
