package schema

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func hist64(pairs ...int64) []int64 {
	h := make([]int64, HistogramBins)
	for i := 0; i+1 < len(pairs); i += 2 {
		h[pairs[i]] = pairs[i+1]
	}
	return h
}

func TestSummarizeSplits(t *testing.T) {
	a := testTile(t, 0, 0, "train") // changed 2000, dh −12.5 … 20.25
	b := testTile(t, 3, 4, "train") // changed 2034, dh −16.5 … 23.25
	b.DHHistogram = hist32(0, 7, 79, 2)
	c := noChange(testTile(t, 0, 1, "test"))
	c.Pixels3D = 30000
	d := testTile(t, 1, 2, "val") // changed 2012
	e := testTile(t, 2, 0, "extra")
	f := noChange(testTile(t, 2, 1, ""))
	f.Pixels3D = 0

	got := SummarizeSplits([]TileStats{f, e, d, c, b, a})
	want := []SplitStats{
		{Subset: "train", Tiles: 2, ChangedPixels: 4034, ValidPixels: 80000,
			ChangedPct: 100 * 4034.0 / 80000, UnchangedPct: 100 * 75966.0 / 80000,
			DHMin: f32(-16.5), DHMax: f32(23.25), DHHistogram: hist64(0, 7, 27, 500, 41, 1200, 60, 300, 79, 2)},
		{Subset: "test", Tiles: 1, ChangedPixels: 0, ValidPixels: 30000,
			ChangedPct: 0, UnchangedPct: 100, DHHistogram: hist64()},
		{Subset: "val", Tiles: 1, ChangedPixels: 2012, ValidPixels: 40000,
			ChangedPct: 100 * 2012.0 / 40000, UnchangedPct: 100 * 37988.0 / 40000,
			DHMin: f32(-14.5), DHMax: f32(21.25), DHHistogram: hist64(27, 500, 41, 1200, 60, 300)},
		{Subset: "", Tiles: 1, DHHistogram: hist64()},
		{Subset: "extra", Tiles: 1, ChangedPixels: 2020, ValidPixels: 40000,
			ChangedPct: 100 * 2020.0 / 40000, UnchangedPct: 100 * 37980.0 / 40000,
			DHMin: f32(-12.5), DHMax: f32(22.25), DHHistogram: hist64(27, 500, 41, 1200, 60, 300)},
	}
	if len(got) != len(want) {
		t.Fatalf("%d subsets, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("subset %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if got := SummarizeSplits(nil); len(got) != 0 {
		t.Errorf("SummarizeSplits(nil) = %+v, want none", got)
	}
}

func TestCompareSubsets(t *testing.T) {
	in := []string{"zeta", "val", "", "holdout", "test", "train"}
	var got []SplitStats
	for _, n := range in {
		got = append(got, SplitStats{Subset: n})
	}
	sortSplits(got)
	var names []string
	for _, s := range got {
		names = append(names, s.Subset)
	}
	want := []string{"train", "test", "val", "", "holdout", "zeta"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("order %q, want %q", names, want)
	}
}

func TestSplitsRoundTrip(t *testing.T) {
	full := SplitStats{Subset: "train", Tiles: 320, ChangedPixels: 640000, ValidPixels: 12800000,
		ChangedPct: 5, UnchangedPct: 95, DHMin: f32(-25), DHMax: f32(35), DHHistogram: hist64(15, 12, 40, 1<<40, 75, 3)}
	empty := SplitStats{Subset: "val", Tiles: 42, ValidPixels: 1680000, UnchangedPct: 100, DHHistogram: hist64()}
	tests := []struct {
		name string
		in   []SplitStats
		want []SplitStats
	}{
		{"train test val", []SplitStats{empty, full, {Subset: "test", Tiles: 1, DHHistogram: hist64(1, 1)}},
			[]SplitStats{full, {Subset: "test", Tiles: 1, DHHistogram: hist64(1, 1)}, empty}},
		{"null ΔH", []SplitStats{empty}, []SplitStats{empty}},
		{"no subsets", nil, []SplitStats{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), "splits.parquet")
			if err := writeSplits(context.Background(), path, mem, tt.in); err != nil {
				t.Fatal(err)
			}
			got, err := readSplits(context.Background(), path, mem)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("read %d rows, want %d", len(got), len(tt.want))
			}
			for i := range tt.want {
				if !reflect.DeepEqual(got[i], tt.want[i]) {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestSplitsDeterministic(t *testing.T) {
	rows := SummarizeSplits([]TileStats{testTile(t, 0, 0, "train"), testTile(t, 0, 1, "test"), testTile(t, 0, 2, "val")})
	rev := []SplitStats{rows[2], rows[1], rows[0]}
	dir := t.TempDir()
	var files [][]byte
	for i, in := range [][]SplitStats{rows, rev} {
		path := filepath.Join(dir, "splits.parquet")
		if err := WriteSplits(context.Background(), path, in); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("the same subsets in another order gave different bytes")
	}
}

func TestWriteSplitsRefuses(t *testing.T) {
	ok := SplitStats{Subset: "train", DHHistogram: hist64()}
	tests := []struct {
		name string
		rows []SplitStats
		want string
	}{
		{"duplicate subset", []SplitStats{ok, ok}, `two rows for "train"`},
		{"no histogram", []SplitStats{{Subset: "test"}}, `subset "test": dh_histogram has 0 bins, want 80`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "splits.parquet")
			err := WriteSplits(context.Background(), path, tt.rows)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, path, tt.want)
			}
			assertEmptyDir(t, dir)
		})
	}
}

func TestReadSplitsOfTiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiles.parquet")
	if err := WriteTiles(context.Background(), path, []TileStats{testTile(t, 0, 0, "train")}, GeoInfo{PROJJSON: testPROJJSON(t)}); err != nil {
		t.Fatal(err)
	}
	_, err := ReadSplits(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "column subset missing") {
		t.Fatalf("error %v, want column subset missing", err)
	}
}

func TestFormatTable2(t *testing.T) {
	tests := []struct {
		name string
		in   []SplitStats
		want string
	}{
		{"3DCD", []SplitStats{
			{Subset: "train", Tiles: 320, ChangedPixels: 640000, ValidPixels: 12800000, ChangedPct: 5, UnchangedPct: 95, DHMin: f32(-25), DHMax: f32(35)},
			{Subset: "test", Tiles: 110, ChangedPixels: 176000, ValidPixels: 4400000, ChangedPct: 4, UnchangedPct: 96, DHMin: f32(-19.5), DHMax: f32(28.25)},
			{Subset: "val", Tiles: 42, ChangedPixels: 84000, ValidPixels: 1680000, ChangedPct: 5, UnchangedPct: 95},
		}, "" +
			"subset  tiles  changed %  unchanged %  ΔH min (m)  ΔH max (m)\n" +
			"train     320       5.00        95.00      -25.00       35.00\n" +
			"test      110       4.00        96.00      -19.50       28.25\n" +
			"val        42       5.00        95.00           -           -\n" +
			"all       472       4.77        95.23      -25.00       35.00\n"},
		{"one subset, no total", []SplitStats{{Subset: "", Tiles: 3}}, "" +
			"subset  tiles  changed %  unchanged %  ΔH min (m)  ΔH max (m)\n" +
			"(none)      3       0.00         0.00           -           -\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := FormatTable2(&b, tt.in); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
