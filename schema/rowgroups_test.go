package schema

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/cdflow/cdflow/schema/internal/table"
)

// TestRowGroups writes tables of more rows than a row group holds, in tile
// order and shuffled: every row reads back in id order, the file has one
// group per RowGroupRows rows (the last one short), and a shuffled input
// is left as it was.
func TestRowGroups(t *testing.T) {
	defer func(n int) { table.RowGroupRows = n }(table.RowGroupRows)
	table.RowGroupRows = 1000
	const n = 2500
	projjson := testPROJJSON(t)
	var tiles []TileStats
	var items []ItemRow
	for i := range n {
		split := []string{"train", "test", "val"}[i%3]
		tiles = append(tiles, testTile(t, int32(i/50), int32(i%50), split))
		items = append(items, testItem(t, i/50, i%50, []string{"train", "test", "validate"}[i%3]))
	}
	tiles, items = sortedByID(tiles), wantItems(items)
	shuffle := func(i, j int) {
		tiles[i], tiles[j] = tiles[j], tiles[i]
		items[i], items[j] = items[j], items[i]
	}
	wantTiles, wantItemRows := slices.Clone(tiles), slices.Clone(items)
	for _, order := range []string{"sorted", "shuffled"} {
		t.Run(order, func(t *testing.T) {
			if order == "shuffled" {
				rand.New(rand.NewPCG(1, 2)).Shuffle(n, shuffle)
			}
			inTiles, inItems := slices.Clone(tiles), slices.Clone(items)
			ctx := context.Background()
			dir := t.TempDir()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tp, ip := filepath.Join(dir, "tiles.parquet"), filepath.Join(dir, "items.parquet")
			if err := writeTiles(ctx, tp, mem, tiles, GeoInfo{PROJJSON: projjson}, WithCounters(testCounters)); err != nil {
				t.Fatal(err)
			}
			if err := writeItems(ctx, ip, mem, items); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tiles, inTiles) || !reflect.DeepEqual(items, inItems) {
				t.Error("writing reordered the caller's rows")
			}
			gotTiles, _, err := readTiles(ctx, tp, mem)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotTiles, wantTiles) {
				t.Error("tiles.parquet does not read back as its rows in id order")
			}
			gotItems, err := ReadItems(ctx, ip)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotItems, wantItemRows) {
				t.Error("items.parquet does not read back as its rows in id order")
			}
			for _, p := range []string{tp, ip} {
				if got := rowGroups(t, p); !slices.Equal(got, []int64{1000, 1000, 500}) {
					t.Errorf("%s: row groups of %v rows, want [1000 1000 500]", filepath.Base(p), got)
				}
			}
		})
	}
}

func rowGroups(t *testing.T, path string) []int64 {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	var rows []int64
	for i := range rdr.NumRowGroups() {
		rows = append(rows, rdr.MetaData().RowGroup(i).NumRows())
	}
	return rows
}

// TestItemsWriter writes items.parquet over many calls of uneven sizes,
// across row-group boundaries: the file is byte for byte the one
// WriteItems makes of all the rows at once. Rows out of ID order, twice
// the same ID, or none at all are refused, and nothing is left behind.
func TestItemsWriter(t *testing.T) {
	defer func(n int) { table.RowGroupRows = n }(table.RowGroupRows)
	table.RowGroupRows = 1000
	ctx := context.Background()
	var items []ItemRow
	for i := range 2500 {
		items = append(items, testItem(t, i/50, i%50, []string{"train", "test", "validate"}[i%3]))
	}
	items = wantItems(items)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.parquet")
	if err := WriteItems(ctx, whole, items); err != nil {
		t.Fatal(err)
	}
	for _, sizes := range [][]int{{1}, {999, 2}, {1000}, {2500}, {7, 1500, 3}} {
		t.Run(fmt.Sprint(sizes), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "items.parquet")
			w := NewItemsWriter(p)
			defer w.Abort()
			in := slices.Clone(items)
			for start, k := 0, 0; start < len(in); k++ {
				end := min(start+sizes[k%len(sizes)], len(in))
				if err := w.Write(ctx, in[start:end]...); err != nil {
					t.Fatal(err)
				}
				start = end
			}
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			got, want := mustRead(t, p), mustRead(t, whole)
			if !bytes.Equal(got, want) {
				t.Errorf("written in pieces: %d bytes that differ from WriteItems' %d", len(got), len(want))
			}
			if !reflect.DeepEqual(in, items) {
				t.Error("writing changed the caller's rows")
			}
		})
	}
	bad := []struct {
		name string
		rows []ItemRow
		want string
	}{
		{"out of order", []ItemRow{items[0], items[2], items[1]}, "comes after"},
		{"twice", []ItemRow{items[0], items[1], items[1]}, "two rows"},
		{"none", nil, "no items"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w := NewItemsWriter(filepath.Join(dir, "items.parquet"))
			err := w.Write(ctx, tc.rows...)
			if err == nil {
				err = w.Close(ctx)
			}
			w.Abort()
			checkRefused(t, dir, err, tc.want)
		})
	}
}

// TestTilesWriter is TestItemsWriter for tiles.parquet: written over
// calls of uneven sizes across row-group boundaries, it is the file
// WriteTiles makes of all the rows; bad input leaves nothing behind.
func TestTilesWriter(t *testing.T) {
	defer func(n int) { table.RowGroupRows = n }(table.RowGroupRows)
	table.RowGroupRows = 1000
	ctx := context.Background()
	var rows []TileStats
	for i := range 2500 {
		rows = append(rows, testTile(t, int32(i/50), int32(i%50), []string{"train", "test", "val"}[i%3]))
	}
	slices.SortFunc(rows, func(a, b TileStats) int { return strings.Compare(a.TileID, b.TileID) })
	geo := GeoInfo{PROJJSON: testPROJJSON(t)}
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.parquet")
	if err := WriteTiles(ctx, whole, rows, geo, WithCounters(testCounters)); err != nil {
		t.Fatal(err)
	}
	for _, sizes := range [][]int{{1}, {999, 2}, {1000}, {7, 1500, 3}} {
		t.Run(fmt.Sprint(sizes), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "tiles.parquet")
			w, err := NewTilesWriter(p, geo, WithCounters(testCounters))
			if err != nil {
				t.Fatal(err)
			}
			defer w.Abort()
			for start, k := 0, 0; start < len(rows); k++ {
				end := min(start+sizes[k%len(sizes)], len(rows))
				if err := w.Write(ctx, rows[start:end]...); err != nil {
					t.Fatal(err)
				}
				start = end
			}
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if got, want := mustRead(t, p), mustRead(t, whole); !bytes.Equal(got, want) {
				t.Errorf("written in pieces: %d bytes that differ from WriteTiles' %d", len(got), len(want))
			}
			got, _, err := ReadTiles(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(rows) || got[0].TileID != rows[0].TileID || got[len(got)-1].TileID != rows[len(rows)-1].TileID {
				t.Errorf("read back %d rows, want %d in the same order", len(got), len(rows))
			}
		})
	}
	noGeom := rows[1]
	noGeom.Geometry = nil
	bad := []struct {
		name string
		geo  GeoInfo
		rows []TileStats
		want string
	}{
		{"out of order", geo, []TileStats{rows[0], rows[2], rows[1]}, "comes after"},
		{"twice", geo, []TileStats{rows[0], rows[1], rows[1]}, "two rows"},
		{"bad row", geo, []TileStats{rows[0], noGeom}, "no geometry"},
		{"no CRS", GeoInfo{}, rows[:1], "PROJJSON"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := NewTilesWriter(filepath.Join(dir, "tiles.parquet"), tc.geo)
			if err == nil {
				err = w.Write(ctx, tc.rows...)
				if err == nil {
					err = w.Close(ctx)
				}
				w.Abort()
			}
			checkRefused(t, dir, err, tc.want)
		})
	}
}

// checkRefused wants a write refused with an error saying want, and
// nothing left in dir.
func checkRefused(t *testing.T, dir string, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused write left %s", entries[0].Name())
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOneEncodingPerColumn writes a table whose asset paths, all
// different, outgrow the Parquet writer's default dictionary limit (1 MB),
// where a dictionary-encoded column falls back to plain values mid-chunk.
// Every column chunk must have data pages of one encoding: with two, the
// library lists them in the footer in map order, and the same release is
// not the same bytes twice. The rows read back as written.
func TestOneEncodingPerColumn(t *testing.T) {
	var rows []TileStats
	for i := range 12000 {
		r := testTile(t, int32(i/100), int32(i%100), []string{"train", "test", "val"}[i%3])
		for k := range r.Assets {
			r.Assets[k] = fmt.Sprintf("items/r%03d_c%03d/%s/%s-%s.tif", i/100/64, i%100/64, r.TileID, k, strings.Repeat("x", 40))
		}
		rows = append(rows, r)
	}
	rows = sortedByID(rows)
	p := filepath.Join(t.TempDir(), "tiles.parquet")
	if err := WriteTiles(context.Background(), p, rows, GeoInfo{PROJJSON: testPROJJSON(t)}); err != nil {
		t.Fatal(err)
	}
	rdr, err := file.OpenParquetFile(p, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	for g := range rdr.NumRowGroups() {
		rg := rdr.MetaData().RowGroup(g)
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			var data []parquet.Encoding
			for _, st := range cc.EncodingStats() {
				if st.PageType.String() != "DICTIONARY_PAGE" {
					data = append(data, st.Encoding)
				}
			}
			if len(data) > 1 {
				t.Errorf("row group %d, column %s: data pages of %d encodings %v", g, cc.PathInSchema(), len(data), data)
			}
		}
	}
	got, _, err := ReadTiles(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, wrote %d", len(got), len(rows))
	}
	for i, want := range rows {
		if g := got[i]; g.TileID != want.TileID || g.Split != want.Split || !maps.Equal(g.Assets, want.Assets) {
			t.Fatalf("row %d reads back as %s %q %v, written %s %q %v", i, g.TileID, g.Split, g.Assets, want.TileID, want.Split, want.Assets)
		}
	}
}
