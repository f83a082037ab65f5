package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

func TestHistogramBin(t *testing.T) {
	tests := []struct {
		dh   float32
		want int
	}{
		{-1000, 0},
		{float32(math.Inf(-1)), 0},
		{-40.5, 0},
		{-40, 0},
		{-39.01, 0},
		{-39, 1},
		{-1, 39},
		{-0.5, 39},
		{0, 40},
		{0.999, 40},
		{1, 41},
		{35, 75},
		{39.99, 79},
		{40, 79},
		{1e6, 79},
		{float32(math.Inf(1)), 79},
		{float32(math.NaN()), -1},
	}
	for _, tt := range tests {
		if got := HistogramBin(tt.dh); got != tt.want {
			t.Errorf("HistogramBin(%v) = %d, want %d", tt.dh, got, tt.want)
		}
	}
}

func TestTilesRoundTrip(t *testing.T) {
	projjson := testPROJJSON(t)
	full := testTile(t, 0, 0, "train")
	dsmOnly := noChange(testTile(t, 0, 1, "test"))
	unassigned := noChange(testTile(t, 1, 0, ""))
	unassigned.OrthoMeanT0 = &[3]float32{1, 2, 3} // one epoch with orthophoto, the other without
	local := testTile(t, 1, 1, "val")
	local.DatetimeT0 = time.Date(2010, 7, 1, 2, 0, 0, 999, time.FixedZone("CEST", 7200))
	localWant := local
	localWant.DatetimeT0 = time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC) // truncated to µs, in UTC
	emptyNonNil := testTile(t, 2, 0, "train")
	emptyNonNil.QAFlags, emptyNonNil.Assets = []string{}, map[string]string{}
	emptyWant := emptyNonNil
	emptyWant.QAFlags, emptyWant.Assets = nil, nil

	var many []TileStats
	for i := range 5000 { // more rows than a read batch
		many = append(many, testTile(t, int32(i/100), int32(i%100), []string{"train", "test", "val"}[i%3]))
	}

	tests := []struct {
		name string
		in   []TileStats
		want []TileStats // nil: in, sorted by tile ID
	}{
		{"one full tile", []TileStats{full}, nil},
		{"nulls, empty lists, DSM only", []TileStats{unassigned, dsmOnly, full}, nil},
		{"local time", []TileStats{local}, []TileStats{localWant}},
		{"empty non-nil list and map", []TileStats{emptyNonNil}, []TileStats{emptyWant}},
		{"no tiles", nil, []TileStats{}},
		{"many tiles", many, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), "tiles.parquet")
			ctx := context.Background()
			if err := writeTiles(ctx, path, mem, tt.in, GeoInfo{PROJJSON: projjson}, WithCounters(testCounters)); err != nil {
				t.Fatal(err)
			}
			got, geo, err := readTiles(ctx, path, mem)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = sortedByID(tt.in)
			}
			if len(got) != len(want) {
				t.Fatalf("read %d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
			var gotCRS, wantCRS any
			if err := json.Unmarshal([]byte(geo.PROJJSON), &gotCRS); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(projjson), &wantCRS); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotCRS, wantCRS) {
				t.Errorf("CRS read back differs:\n got %s\nwant %s", geo.PROJJSON, projjson)
			}
			if wantBBox := unionBBox(want); !reflect.DeepEqual(geo.BBox, wantBBox) {
				t.Errorf("bbox = %v, want %v", geo.BBox, wantBBox)
			}
		})
	}
}

// TestTilesBBox checks the bbox of the geo metadata, which the writer
// gathers row by row, with rows given over several calls.
func TestTilesBBox(t *testing.T) {
	rows := []TileStats{testTile(t, 0, 0, "train"), testTile(t, 3, 2, "test"), testTile(t, 1, 5, "val")}
	slices.SortFunc(rows, func(a, b TileStats) int { return strings.Compare(a.TileID, b.TileID) })
	path := filepath.Join(t.TempDir(), "tiles.parquet")
	w, err := NewTilesWriter(path, GeoInfo{PROJJSON: testPROJJSON(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for _, r := range rows {
		if err := w.Write(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, geo, err := ReadTiles(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{355000, 4613000 - 800, 355000 + 6*200, 4613000}
	if !reflect.DeepEqual(geo.BBox, want) {
		t.Errorf("bbox = %v, want %v", geo.BBox, want)
	}
}

// TestTilesDeterministic writes the same rows in different orders, with maps
// built in different insertion orders, and expects the same bytes.
func TestTilesDeterministic(t *testing.T) {
	projjson := testPROJJSON(t)
	var rows []TileStats
	for i := range 50 {
		r := testTile(t, int32(i/7), int32(i%7), []string{"train", "test", "val"}[i%3])
		if i%5 == 0 {
			r = noChange(r)
		}
		rows = append(rows, r)
	}
	shuffled := make([]TileStats, len(rows))
	for i, j := range rand.New(rand.NewPCG(1, 2)).Perm(len(rows)) {
		shuffled[j] = rows[i]
		// A fresh map: Go randomizes iteration order per map.
		if rows[i].Assets != nil {
			m := map[string]string{}
			for _, k := range []string{"t0", "dsm_t0", "cd3d", "dsm_t1"} {
				m[k] = rows[i].Assets[k]
			}
			shuffled[j].Assets = m
		}
	}
	reversed := make([]TileStats, len(rows))
	for i := range rows {
		reversed[len(rows)-1-i] = rows[i]
	}

	dir := t.TempDir()
	var first []byte
	for i, in := range [][]TileStats{rows, shuffled, reversed, rows} {
		path := filepath.Join(dir, "tiles.parquet")
		if err := WriteTiles(context.Background(), path, in, GeoInfo{PROJJSON: projjson}); err != nil {
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

// TestTilesFooter reads the file as any Parquet reader would: without the
// stored Arrow schema, through the footer only.
func TestTilesFooter(t *testing.T) {
	rows := []TileStats{testTile(t, 0, 0, "train"), noChange(testTile(t, 0, 1, "test")), testTile(t, 2, 3, "val")}
	rows[2].ChangeFraction = 0.25
	path := filepath.Join(t.TempDir(), "tiles.parquet")
	if err := WriteTiles(context.Background(), path, rows, GeoInfo{PROJJSON: testPROJJSON(t)}); err != nil {
		t.Fatal(err)
	}
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	md := rdr.MetaData()
	if md.KeyValueMetadata().FindValue("geo") == nil {
		t.Fatal(`no "geo" key in the footer`)
	}
	if md.NumRowGroups() != 1 {
		t.Fatalf("%d row groups, want 1", md.NumRowGroups())
	}
	if md.NumRows != int64(len(rows)) {
		t.Errorf("%d rows in the footer, want %d", md.NumRows, len(rows))
	}
	col := md.Schema.ColumnIndexByName("change_fraction")
	if col < 0 {
		t.Fatal("no change_fraction column")
	}
	cc, err := md.RowGroup(0).ColumnChunk(col)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Compression() != compress.Codecs.Zstd {
		t.Errorf("change_fraction compressed with %v, want zstd", cc.Compression())
	}
	st, err := cc.Statistics()
	if err != nil {
		t.Fatal(err)
	}
	fs, ok := st.(*metadata.Float64Statistics)
	if !ok || !fs.HasMinMax() {
		t.Fatalf("change_fraction has no min/max statistics (%T)", st)
	}
	if fs.Min() != 0 || fs.Max() != 0.25 {
		t.Errorf("change_fraction statistics min %v max %v, want 0 and 0.25", fs.Min(), fs.Max())
	}
	// Nullable columns count their nulls: one tile has no changed pixel.
	dhCol := md.Schema.ColumnIndexByName("dh_min")
	cc, err = md.RowGroup(0).ColumnChunk(dhCol)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := cc.Statistics(); err != nil || st.NullCount() != 1 {
		t.Errorf("dh_min statistics: %v nulls (err %v), want 1", st.NullCount(), err)
	}
}

func TestWriteTilesRefuses(t *testing.T) {
	projjson := testPROJJSON(t)
	good := testTile(t, 0, 0, "train")
	noGeom, point, shortHist, noID := good, good, good, good
	noGeom.Geometry = nil
	point.Geometry = []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // POINT (0 0)
	shortHist.DHHistogram = shortHist.DHHistogram[:40]
	noID.TileID = ""
	tests := []struct {
		name string
		rows []TileStats
		geo  GeoInfo
		want string
	}{
		{"duplicate tile", []TileStats{good, good}, GeoInfo{PROJJSON: projjson}, `two rows for "r000c000"`},
		{"no geometry", []TileStats{noGeom}, GeoInfo{PROJJSON: projjson}, "tile r000c000: no geometry"},
		{"point geometry", []TileStats{point}, GeoInfo{PROJJSON: projjson}, "tile r000c000: geometry is not a 2D WKB polygon"},
		{"short histogram", []TileStats{shortHist}, GeoInfo{PROJJSON: projjson}, "dh_histogram has 40 bins, want 80"},
		{"no tile ID", []TileStats{noID}, GeoInfo{PROJJSON: projjson}, "no tile ID"},
		{"no CRS", []TileStats{good}, GeoInfo{}, "CRS is not PROJJSON"},
		{"WKT instead of PROJJSON", []TileStats{good}, GeoInfo{PROJJSON: `PROJCRS["x"]`}, "CRS is not PROJJSON"},
		{"JSON but no object", []TileStats{good}, GeoInfo{PROJJSON: `"EPSG:25830"`}, "not a PROJJSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "tiles.parquet")
			err := WriteTiles(context.Background(), path, tt.rows, tt.geo)
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
		err := WriteTiles(ctx, filepath.Join(dir, "tiles.parquet"), []TileStats{good}, GeoInfo{PROJJSON: projjson})
		if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
			t.Fatalf("error %v, want context canceled", err)
		}
		assertEmptyDir(t, dir)
	})
	t.Run("missing directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope", "tiles.parquet")
		err := WriteTiles(context.Background(), path, []TileStats{good}, GeoInfo{PROJJSON: projjson})
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("error %v, want one naming %s", err, path)
		}
	})
}

// TestWriteTilesKeepsOldFile checks that a refused write leaves the file
// already in place untouched.
func TestWriteTilesKeepsOldFile(t *testing.T) {
	projjson := testPROJJSON(t)
	path := filepath.Join(t.TempDir(), "tiles.parquet")
	if err := WriteTiles(context.Background(), path, []TileStats{testTile(t, 0, 0, "train")}, GeoInfo{PROJJSON: projjson}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteTiles(context.Background(), path, []TileStats{{TileID: "x"}}, GeoInfo{PROJJSON: projjson}); err == nil {
		t.Fatal("a row without geometry was written")
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

func TestReadTilesRefuses(t *testing.T) {
	dir := t.TempDir()
	splits := filepath.Join(dir, "splits.parquet")
	if err := WriteSplits(context.Background(), splits, SummarizeSplits([]TileStats{testTile(t, 0, 0, "train")})); err != nil {
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
		{"other schema", splits, "column tile_id missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadTiles(context.Background(), tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, tt.path, tt.want)
			}
		})
	}
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left behind: %s", e.Name())
	}
}

// unionBBox is the union of the rows' extents (nil without rows), as the
// geo metadata should hold it.
func unionBBox(rows []TileStats) []float64 {
	if len(rows) == 0 {
		return nil
	}
	b := []float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, r := range rows {
		b[0], b[1] = min(b[0], r.MinX), min(b[1], r.MinY)
		b[2], b[3] = max(b[2], r.MaxX), max(b[3], r.MaxY)
	}
	return b
}
