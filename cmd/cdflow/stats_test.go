package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
)

// statsTiles is a small release: 2 train, 1 test and 2 val tiles of 200 m,
// one val tile without change.
func statsTiles(t *testing.T) []schema.TileStats {
	t.Helper()
	// dropped: min_area, opening, vegetation, review.
	tile := func(row, col int32, split string, changed int32, dhMin, dhMax float32, dropped [4]int32) schema.TileStats {
		minx, miny := 355000+200*float64(col), 4613000-200*float64(row+1)
		ext := raster.Extent{MinX: minx, MinY: miny, MaxX: minx + 200, MaxY: miny + 200}
		wkb, err := raster.ExtentWKB(ext)
		if err != nil {
			t.Fatal(err)
		}
		r := schema.TileStats{
			TileID: fmt.Sprintf("r%03dc%03d", row, col), Split: split, Row: row, Col: col,
			MinX: ext.MinX, MinY: ext.MinY, MaxX: ext.MaxX, MaxY: ext.MaxY, EPSG: 25830,
			DatetimeT0: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC),
			DatetimeT1: time.Date(2017, 7, 1, 0, 0, 0, 0, time.UTC),
			Pixels3D:   40000, ChangedPixels3D: changed, ChangeFraction: float64(changed) / 40000,
			DHHistogram: make([]int32, schema.HistogramBins),
			Counts: []schema.Count{{Name: "dropped_pixels.min_area", N: dropped[0]}, {Name: "dropped_pixels.opening", N: dropped[1]},
				{Name: "dropped_pixels.vegetation", N: dropped[2]}, {Name: "dropped_pixels.review", N: dropped[3]}},
			Geometry: wkb,
		}
		if changed > 0 {
			r.DHMin, r.DHMax = &dhMin, &dhMax
			r.DHHistogram[schema.HistogramBin(dhMin)] = 1
			r.DHHistogram[schema.HistogramBin(dhMax)] = changed - 1
		}
		return r
	}
	return []schema.TileStats{
		tile(0, 0, "train", 2000, -25, 12, [4]int32{100, 10, 0, 5}),
		tile(0, 1, "train", 1200, -3, 35, [4]int32{50, 0, 2, 0}),
		tile(1, 0, "test", 1600, -8, 9, [4]int32{20, 5, 0, 0}),
		tile(1, 1, "val", 800, -2.5, 6.5, [4]int32{}),
		tile(2, 0, "val", 0, 0, 0, [4]int32{10, 0, 0, 0}),
	}
}

func writeStatsRelease(t *testing.T, dir string, tiles []schema.TileStats, splits []schema.SplitStats) {
	t.Helper()
	crs, err := raster.CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	projjson, err := crs.PROJJSON()
	if err != nil {
		t.Fatal(err)
	}
	counters := []schema.Counter{{Name: "dropped_pixels.min_area", Doc: "a"}, {Name: "dropped_pixels.opening", Doc: "b"},
		{Name: "dropped_pixels.vegetation", Doc: "c"}, {Name: "dropped_pixels.review", Doc: "d"}}
	if err := schema.WriteTiles(t.Context(), filepath.Join(dir, "tiles.parquet"), tiles, schema.GeoInfo{PROJJSON: projjson}, schema.WithCounters(counters)); err != nil {
		t.Fatal(err)
	}
	if splits != nil {
		if err := schema.WriteSplits(t.Context(), filepath.Join(dir, "splits.parquet"), splits); err != nil {
			t.Fatal(err)
		}
	}
}

// The numbers below are worked out by hand from statsTiles: train holds
// 3200 of 80 000 pixels changed, the tiles' change fractions are 5, 3, 4,
// 2 and 0 %.
const statsTail = `
change fraction per tile (mean ± std):
  train    4.00 ±  1.00 %  (2 tiles)
  test     4.00 ±  0.00 %  (1 tile)
  val      1.00 ±  1.00 %  (2 tiles)
  all      2.80 ±  1.72 %  (5 tiles)
dropped pixels: min_area 180, opening 15, vegetation 2, review 5; total 202 (3.48 % of the pixels over the threshold)
`

const statsTable2 = `subset  tiles  changed %  unchanged %  ΔH min (m)  ΔH max (m)
train       2       4.00        96.00      -25.00       35.00
test        1       4.00        96.00       -8.00        9.00
val         2       1.00        99.00       -2.50        6.50
all         5       2.80        97.20      -25.00       35.00
`

func TestStatsCommand(t *testing.T) {
	tiles := statsTiles(t)

	// bare: tiles.parquet alone; Table 2 is summed from the tiles.
	bare := t.TempDir()
	writeStatsRelease(t, bare, tiles, nil)
	bareFile := filepath.Join(bare, "tiles.parquet")

	// release: splits.parquet beside tiles.parquet, as a run writes them.
	release := t.TempDir()
	writeStatsRelease(t, release, tiles, schema.SummarizeSplits(tiles))
	// mixed: a splits.parquet saying 320 train tiles, from another run.
	mixed := t.TempDir()
	other := schema.SummarizeSplits(tiles)
	other[0].Tiles = 320
	writeStatsRelease(t, mixed, tiles, other)

	broken := t.TempDir()
	notParquet := filepath.Join(broken, "tiles.parquet")
	if err := os.WriteFile(notParquet, []byte("subset,tiles\ntrain,320\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	missing := filepath.Join(bare, "nope.parquet")

	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    string // exact, when not empty
		stderrHas []string
	}{
		{name: "tiles file", args: []string{"stats", bareFile}, code: exitOK, stdout: statsTable2 + statsTail},
		{name: "release directory with splits.parquet", args: []string{"stats", release}, code: exitOK, stdout: statsTable2 + statsTail},
		{name: "splits.parquet of another run", args: []string{"stats", mixed}, code: exitFailure, stderrHas: []string{"splits.parquet does not describe the tiles of", "subset train: 320 tiles", "2 tiles", "different runs"}},
		{name: "missing file", args: []string{"stats", missing}, code: exitFailure, stderrHas: []string{missing, "does not exist"}},
		{name: "not Parquet", args: []string{"stats", notParquet}, code: exitFailure, stderrHas: []string{notParquet, "not a Parquet file"}},
		{name: "directory without tiles", args: []string{"stats", empty}, code: exitFailure, stderrHas: []string{empty, "no tiles.parquet"}},
		{name: "other Parquet file", args: []string{"stats", filepath.Join(release, "splits.parquet")}, code: exitFailure, stderrHas: []string{"splits.parquet", "not a file of this schema"}},
		{name: "no path", args: []string{"stats"}, code: exitUsage, stderrHas: []string{"got 0 arguments"}},
		{name: "two paths", args: []string{"stats", bareFile, bareFile}, code: exitUsage, stderrHas: []string{"got 2 arguments"}},
		{name: "bad flag", args: []string{"stats", "--csv", bareFile}, code: exitUsage, stderrHas: []string{"flag provided but not defined: -csv"}},
		{name: "help", args: []string{"stats", "-h"}, code: exitOK, stderrHas: []string{"Usage: cdflow stats [flags] PATH", "-json"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if tc.stdout != "" && stdout.String() != tc.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), tc.stdout)
			}
			for _, s := range tc.stderrHas {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr %q lacks %q", stderr.String(), s)
				}
			}
			if tc.code == exitFailure {
				if stdout.Len() != 0 {
					t.Errorf("failure printed to stdout: %q", stdout.String())
				}
				if lines := strings.Count(stderr.String(), "\n"); lines != 1 || !strings.HasPrefix(stderr.String(), "cdflow: ") {
					t.Errorf("want one error line, got %q", stderr.String())
				}
			}
		})
	}
}

func TestStatsJSON(t *testing.T) {
	tiles := statsTiles(t)
	dir := t.TempDir()
	writeStatsRelease(t, dir, tiles, nil)

	var stdout, stderr bytes.Buffer
	if code := Main([]string{"stats", "--json", dir}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got []struct {
		Subset        string   `json:"subset"`
		Tiles         int32    `json:"tiles"`
		ChangedPixels int64    `json:"changed_pixels"`
		ValidPixels   int64    `json:"valid_pixels"`
		ChangedPct    float64  `json:"changed_pct"`
		UnchangedPct  float64  `json:"unchanged_pct"`
		DHMin         *float32 `json:"dh_min"`
		DHMax         *float32 `json:"dh_max"`
		DHHistogram   []int64  `json:"dh_histogram"`
	}
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not the JSON of the subsets: %v", err)
	}
	want := schema.SummarizeSplits(tiles)
	if len(got) != len(want) {
		t.Fatalf("%d subsets, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Subset != w.Subset || g.Tiles != w.Tiles || g.ChangedPixels != w.ChangedPixels || g.ValidPixels != w.ValidPixels ||
			g.ChangedPct != w.ChangedPct || g.UnchangedPct != w.UnchangedPct ||
			*g.DHMin != *w.DHMin || *g.DHMax != *w.DHMax || !slices.Equal(g.DHHistogram, w.DHHistogram) {
			t.Errorf("subset %d = %+v, want %+v", i, g, w)
		}
	}
	if got[0].ChangedPct != 4 || *got[0].DHMin != -25 || *got[0].DHMax != 35 {
		t.Errorf("train = %+v, want 4 %% changed, ΔH -25 … 35 m", got[0])
	}
}
