package schema

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/cdflow/cdflow/schema/internal/table"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestEveryFieldDocumented walks every field, struct members included.
func TestEveryFieldDocumented(t *testing.T) {
	var walk func(prefix string, fs []arrow.Field)
	walk = func(prefix string, fs []arrow.Field) {
		for _, f := range fs {
			if i := f.Metadata.FindKey(table.DescriptionKey); i < 0 || f.Metadata.Values()[i] == "" {
				t.Errorf("field %s%s has no description", prefix, f.Name)
			}
			if st, ok := f.Type.(*arrow.StructType); ok {
				walk(prefix+f.Name+".", st.Fields())
			}
		}
	}
	walk("tiles.", mustTileSchema(t).Fields())
	walk("splits.", SplitSchema().Fields())
	walk("items.", ItemsSchema(releaseAssetKeys).Fields())
}

// TestStoredSchema checks that an Arrow reader of tiles.parquet sees the
// same schema, descriptions included, as TileSchema.
func TestStoredSchema(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "tiles.parquet")
	if err := writeTiles(context.Background(), path, mem, []TileStats{testTile(t, 0, 0, "train")}, GeoInfo{PROJJSON: testPROJJSON(t)}, WithCounters(testCounters)); err != nil {
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
	for i, want := range mustTileSchema(t).Fields() {
		g := got.Field(i)
		if g.Name != want.Name || !arrow.TypeEqual(g.Type, want.Type) || g.Nullable != want.Nullable {
			t.Errorf("column %d: %s %s nullable=%v, want %s %s nullable=%v", i, g.Name, g.Type, g.Nullable, want.Name, want.Type, want.Nullable)
		}
		if d, _ := g.Metadata.GetValue(table.DescriptionKey); d == "" {
			t.Errorf("column %s: description lost in the file", g.Name)
		}
	}
}
