package schema

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// Counters become columns after dh_histogram: groups as structs, in the
// order declared, and read back from the file's own schema.
func TestCounterColumns(t *testing.T) {
	cs := []Counter{
		{"dropped_pixels.review", "Dropped by review."},
		{"vehicles_seen", "Vehicles found on the tile."},
		{"dropped_pixels.cars", "Dropped as cars."},
		{"lidar.points", "Points read."},
	}
	sch, err := TileSchema(cs...)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	after := -1
	for i, f := range sch.Fields() {
		names = append(names, f.Name)
		if f.Name == countersAfter {
			after = i
		}
	}
	got := names[after+1 : after+4]
	if want := []string{"dropped_pixels", "vehicles_seen", "lidar"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("columns after %s = %v, want %v", countersAfter, got, want)
	}
	dp := sch.Field(after + 1).Type.(*arrow.StructType)
	if dp.NumFields() != 2 || dp.Field(0).Name != "review" || dp.Field(1).Name != "cars" {
		t.Errorf("dropped_pixels = %s, want review then cars", dp)
	}
	if sch.Field(after+2).Type.ID() != arrow.INT32 {
		t.Errorf("vehicles_seen is %s, want int32", sch.Field(after+2).Type)
	}

	row := testTile(t, 0, 0, "train")
	row.Counts = []Count{{"lidar.points", 7}, {"dropped_pixels.cars", 3}, {"vehicles_seen", 2}}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "tiles.parquet")
	ctx := context.Background()
	if err := writeTiles(ctx, path, mem, []TileStats{row}, GeoInfo{PROJJSON: testPROJJSON(t)}, WithCounters(cs)); err != nil {
		t.Fatal(err)
	}
	back, _, err := readTiles(ctx, path, mem)
	if err != nil {
		t.Fatal(err)
	}
	want := []Count{{"dropped_pixels.review", 0}, {"dropped_pixels.cars", 3}, {"vehicles_seen", 2}, {"lidar.points", 7}}
	if !reflect.DeepEqual(back[0].Counts, want) {
		t.Errorf("counts read back %v, want %v (file order, missing counts 0)", back[0].Counts, want)
	}
	if back[0].Count("dropped_pixels.cars") != 3 || back[0].Count("nope") != 0 {
		t.Error("Count looks up the wrong value")
	}

	// Without counters the file has none and reads none.
	row.Counts = nil
	if err := writeTiles(ctx, path, mem, []TileStats{row}, GeoInfo{PROJJSON: testPROJJSON(t)}); err != nil {
		t.Fatal(err)
	}
	back, _, err = readTiles(ctx, path, mem)
	if err != nil {
		t.Fatal(err)
	}
	if back[0].Counts != nil {
		t.Errorf("counts %v read from a file without counters", back[0].Counts)
	}
}

func TestCounterColumnsRefused(t *testing.T) {
	tests := []struct {
		name string
		cs   []Counter
		want string
	}{
		{"upper case", []Counter{{"Dropped.x", ""}}, "lower-case"},
		{"two dots", []Counter{{"a.b.c", ""}}, "at most one dot"},
		{"twice", []Counter{{"a.b", ""}, {"a.b", ""}}, "declared twice"},
		{"fixed column", []Counter{{"change_fraction", ""}}, "already"},
		{"fixed group", []Counter{{"assets.x", ""}}, "already"},
		{"counter then group", []Counter{{"a", ""}, {"a.b", ""}}, "counter of its own"},
		{"group then counter", []Counter{{"a.b", ""}, {"a", ""}}, "also a group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := TileSchema(tt.cs...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("TileSchema(%v) error %v, want it to say %q", tt.cs, err, tt.want)
			}
		})
	}
}

// Every codec writes a file the reader takes back; an unknown one is refused.
func TestCompression(t *testing.T) {
	ctx := context.Background()
	var rows []TileStats
	for i := range 500 { // enough rows for the codecs to matter
		rows = append(rows, testTile(t, int32(i/50), int32(i%50), "train"))
	}
	sizes := map[string]int64{}
	for _, c := range Compressions {
		path := filepath.Join(t.TempDir(), "tiles.parquet")
		if err := WriteTiles(ctx, path, rows, GeoInfo{PROJJSON: testPROJJSON(t)}, WithCounters(testCounters), WithCompression(c)); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		back, _, err := ReadTiles(ctx, path)
		if err != nil || len(back) != len(rows) || !reflect.DeepEqual(back[0], rows[0]) {
			t.Fatalf("%s: read back %v rows, err %v", c, len(back), err)
		}
		codecs, err := columnCodecs(path)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"zstd": "ZSTD", "snappy": "SNAPPY", "gzip": "GZIP", "none": "UNCOMPRESSED"}[c]
		for col, got := range codecs {
			if got != want {
				t.Errorf("%s: column %s written with %s", c, col, got)
			}
		}
		sizes[c] = fileSize(t, path)
	}
	if sizes["none"] <= sizes["zstd"] {
		t.Errorf("uncompressed file %d bytes, zstd %d: the codec made no difference", sizes["none"], sizes["zstd"])
	}
	err := WriteTiles(ctx, filepath.Join(t.TempDir(), "x.parquet"), rows, GeoInfo{PROJJSON: testPROJJSON(t)}, WithCompression("lz5"))
	if err == nil || !strings.Contains(err.Error(), `unknown Parquet compression "lz5"`) {
		t.Errorf("unknown codec: %v", err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// columnCodecs reads the codec of every column chunk from the file's footer.
func columnCodecs(path string) (map[string]string, error) {
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, err
	}
	defer rdr.Close()
	out := map[string]string{}
	md := rdr.MetaData()
	for rg := range md.NumRowGroups() {
		g := md.RowGroup(rg)
		for c := range g.NumColumns() {
			cc, err := g.ColumnChunk(c)
			if err != nil {
				return nil, err
			}
			out[cc.PathInSchema().String()] = strings.ToUpper(cc.Compression().String())
		}
	}
	return out, nil
}
