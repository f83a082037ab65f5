// Package autzenlidar holds the tests of the Autzen LiDAR example: they run
// its workflows on the real files of ../shared/data/lidar and check the
// README's figures.
package autzenlidar

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

// lidarDir is $CDFLOW_SHARED/data/lidar, or the workflows' default.
func lidarDir(t *testing.T) (string, workflows.InputValues) {
	t.Helper()
	var in workflows.InputValues
	dir := filepath.Join("..", "..", "..", "shared", "data", "lidar")
	if s := os.Getenv("CDFLOW_SHARED"); s != "" {
		dir = filepath.Join(s, "data", "lidar")
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		in.Vars = []string{"data=" + abs}
	}
	if _, err := os.Stat(filepath.Join(dir, "autzen-bmx-2010.las")); err != nil {
		t.Fatalf("LiDAR files missing (set CDFLOW_SHARED to the shared folder): %v", err)
	}
	return dir, in
}

// build runs a workflow to a published release and returns its folder.
func build(t *testing.T, workflow string) (*plans.Plan, *release.Summary, string) {
	t.Helper()
	ctx := context.Background()
	shared, in := lidarDir(t)
	w, diags := workflows.NewParser(nil).Load(workflow, in)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	pl, diags := plans.New(ctx, w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	out := t.TempDir()
	res, err := execute.Run(ctx, pl, execute.Options{Out: out, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := release.Finish(ctx, pl, res)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := release.Assemble(pl, res, sum, out, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := release.Publish(ctx, pl, rel); err != nil {
		t.Fatal(err)
	}
	v, err := stac.NewValidator(filepath.Join(shared, "..", "..", "stac-schemas"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := v.Validate(ctx, filepath.Join(out, "catalog"))
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range rep.Invalid {
		t.Errorf("invalid STAC: %s", inv)
	}
	return pl, sum, out
}

// readmeTable is the README's figures table: subset → its cells.
func readmeTable(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(strings.Trim(sc.Text(), "| "), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) == 7 && (cells[0] == "train" || cells[0] == "test" || cells[0] == "val") {
			rows[cells[0]] = cells[1:]
		}
	}
	if len(rows) != 3 {
		t.Fatalf("README figures table has %d subset rows, want 3", len(rows))
	}
	return rows
}

// TestBMXPair runs the two-epoch workflow and checks the README's table
// against splits.parquet, and the release's heights against the files':
// in metres, within the surveys' range.
func TestBMXPair(t *testing.T) {
	pl, sum, _ := build(t, "bmx-2010_2023.hcl")
	if pl.Grid.Count() != 6 {
		t.Errorf("%d tiles, want 6", pl.Grid.Count())
	}
	want := readmeTable(t)
	valid := 0
	for _, s := range sum.Splits {
		w, ok := want[s.Subset]
		if !ok {
			continue
		}
		got := []string{strconv.Itoa(int(s.Tiles)), strconv.FormatInt(s.ValidPixels, 10), strconv.FormatInt(s.ChangedPixels, 10),
			fmt.Sprintf("%.2f", s.ChangedPct), f32(s.DHMin), f32(s.DHMax)}
		if strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("subset %s: run gives %v, README says %v", s.Subset, got, w)
		}
		valid += int(s.ValidPixels)
		delete(want, s.Subset)
	}
	if len(want) > 0 {
		t.Errorf("subsets of the README missing from the release: %v", want)
	}
	if valid != 576 {
		t.Errorf("%d valid ΔH cells, the README says 576", valid)
	}
	// The BMX track is a few metres of relief at ~130 m: heights in
	// metres, not the files' feet (~430).
	changed := 0
	for _, r := range sum.Tiles {
		if r.DHMin == nil {
			continue // no change in the tile
		}
		changed++
		if *r.DHMin < -5 || *r.DHMax > 5 {
			t.Errorf("tile %s: ΔH %s … %s, want a few metres at most", r.TileID, f32(r.DHMin), f32(r.DHMax))
		}
	}
	if changed < 4 {
		t.Errorf("%d tiles with changes, want at least 4", changed)
	}
}

// TestTrimDSM runs the single-survey workflow on the LAZ file in a CRS
// without an EPSG code: eight tiles (the README's 4 × 2), the release valid
// STAC with the CRS as PROJJSON.
func TestTrimDSM(t *testing.T) {
	pl, sum, out := build(t, "trim-dsm.hcl")
	if pl.Grid.Count() != 8 || pl.Grid.CRS.EPSG != 0 {
		t.Errorf("%d tiles in %s, want 8 in the file's custom CRS", pl.Grid.Count(), pl.Grid.CRS)
	}
	rows, _, err := schema.ReadTiles(context.Background(), sum.TilesParquet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows in tiles.parquet, want 8", len(rows))
	}
	items, err := filepath.Glob(filepath.Join(out, "catalog", "autzen-trim-dsm", "1.0.0", "items", "*", "*.json"))
	if err != nil || len(items) != 8 {
		t.Fatalf("%d items (%v), want 8", len(items), err)
	}
	b, err := os.ReadFile(items[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"proj:projjson"`) || strings.Contains(string(b), `"proj:code"`) {
		t.Errorf("item %s: want the CRS as proj:projjson and no proj:code", items[0])
	}
}

func f32(v *float32) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *v)
}
