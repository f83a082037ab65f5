package catalog_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdflow/cdflow/catalog"
	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	wfrelease "github.com/cdflow/cdflow/workflows/release"
)

// twoReleases is a catalog holding 1.0.0 and 1.1.0 of a synthetic scene's
// dataset, built by the real pipeline; 1.1.0's t1 DSM is 10 m higher on a
// 20 m square in the middle of one tile, Tile.
type twoReleases struct {
	Root, Dataset, Tile string
}

// publishTwoReleases runs the scene's workflow twice into one catalog: as
// generated (1.0.0), then with the DSM patch and the version bumped (1.1.0).
func publishTwoReleases(t *testing.T) twoReleases {
	t.Helper()
	ctx := t.Context()
	scene := t.TempDir()
	if _, err := synth.Generate(ctx, synth.Options{Out: scene, ExtentKm: [2]float64{0.6, 0.4}, SheetKm: 0.6, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(scene, "workflow.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "catalog")
	// The releases go to one catalog whatever out each run writes to.
	wf := replaceOnce(t, string(text), `catalog = "catalog"`, fmt.Sprintf("catalog = %q", root))

	first := runAndPublish(t, scene, "v1.hcl", wf, t.TempDir())
	// A tile of the release: QA leaves out tiles with voids (the river).
	i := slices.IndexFunc(first.Tiles, func(tr execute.TileResult) bool { return len(tr.Findings) == 0 })
	if i < 0 {
		t.Fatal("every tile has a QA finding")
	}
	tile := first.Tiles[i].Tile
	patchDSM(t, filepath.Join(scene, "dsm_t1"), tile.Extent)
	runAndPublish(t, scene, "v2.hcl", replaceOnce(t, wf, `version = "1.0.0"`, `version = "1.1.0"`), t.TempDir())
	return twoReleases{Root: root, Dataset: first.Dataset, Tile: tile.ID}
}

type runResult struct {
	Dataset string
	Tiles   []execute.TileResult
}

// runAndPublish writes the workflow beside the scene (its globs are
// relative to it), runs it into out and publishes it.
func runAndPublish(t *testing.T, scene, name, wf, out string) runResult {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(scene, name)
	if err := os.WriteFile(path, []byte(wf), 0o644); err != nil {
		t.Fatal(err)
	}
	w, diags := workflows.NewParser(nil).Load(path, workflows.InputValues{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	plan, diags := plans.New(ctx, w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	res, err := execute.Run(ctx, plan, execute.Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := wfrelease.PublishRun(ctx, plan, res, out, ""); err != nil {
		t.Fatal(err)
	}
	return runResult{Dataset: w.Dataset.Name, Tiles: res.Tiles}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("the workflow should hold %q once:\n%s", old, s)
	}
	return strings.Replace(s, old, new, 1)
}

// patchDSM raises by 10 m the 20 × 20 DSM pixels at the middle of e, far
// from e's edges so that no other tile (halo included) sees the change.
func patchDSM(t *testing.T, dir string, e raster.Extent) {
	t.Helper()
	cx, cy := (e.MinX+e.MaxX)/2, (e.MinY+e.MaxY)/2
	files, err := filepath.Glob(filepath.Join(dir, "*.tif"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		img, err := raster.ReadFile[float32](t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		gt := img.GeoTransform
		x0, y0 := int((cx-gt[0])/gt[1])-10, int((cy-gt[3])/gt[5])-10
		if x0 < 0 || y0 < 0 || x0+20 > img.Width || y0+20 > img.Height {
			continue
		}
		for y := y0; y < y0+20; y++ {
			for x := x0; x < x0+20; x++ {
				if v := img.Bands[0][y*img.Width+x]; !img.IsNoData(v) {
					img.Bands[0][y*img.Width+x] = v + 10
				}
			}
		}
		if err := raster.WriteGeoTIFF(t.Context(), f, img); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no DSM in %s holds the middle of %s", dir, e)
}

func readSplits(t *testing.T, root, dataset, version string) []schema.SplitStats {
	t.Helper()
	s, err := schema.ReadSplits(t.Context(), filepath.Join(root, dataset, version, "splits.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDiffReleases(t *testing.T) {
	f := publishTwoReleases(t)
	tests := []struct {
		name     string
		from, to string
		empty    bool
		changed  []string // tiles
	}{
		{"one tile changed", "1.0.0", "1.1.0", false, []string{f.Tile}},
		{"backwards", "1.1.0", "1.0.0", false, []string{f.Tile}},
		{"itself", "1.0.0", "1.0.0", true, nil},
		{"itself, later", "1.1.0", "1.1.0", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := catalog.Diff(t.Context(), f.Root, f.Dataset, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if d.Empty() != tt.empty {
				t.Errorf("Empty() = %v, want %v: %+v", d.Empty(), tt.empty, d)
			}
			if d.Dataset != f.Dataset || d.From != tt.from || d.To != tt.to {
				t.Errorf("diff of %s %s → %s", d.Dataset, d.From, d.To)
			}
			if len(d.Added)+len(d.Removed) > 0 {
				t.Errorf("added %v, removed %v; want none", d.Added, d.Removed)
			}
			var tiles []string
			for _, c := range d.Changed {
				tiles = append(tiles, c.Tile)
			}
			if !slices.Equal(tiles, tt.changed) {
				t.Fatalf("changed tiles %v, want %v", tiles, tt.changed)
			}
			all := len(readItems(t, f.Root, f.Dataset, tt.from))
			if d.Unchanged != all-len(tt.changed) {
				t.Errorf("unchanged = %d, want %d of %d", d.Unchanged, all-len(tt.changed), all)
			}
			if len(tt.changed) > 0 {
				// The patch is in dsm_t1, so ΔH, both labels and the ΔH
				// preview change; the orthophotos and the other DSM must not.
				var want []string
				for _, a := range readItems(t, f.Root, f.Dataset, tt.to)[0].Assets {
					if slices.Contains([]string{"dh", "dsm_t1", "cd3d", "cd2d", "cd3d_preview"}, a.Key) {
						want = append(want, a.Key)
					}
				}
				if got := d.Changed[0].Assets; !slices.Equal(got, want) {
					t.Errorf("changed assets %v, want %v", got, want)
				}
				// cd3d changed, so its subset's changed pixels did.
				if !slices.ContainsFunc(d.Table2, catalog.SubsetChange.Differs) {
					t.Errorf("no table 2 row differs: %+v", d.Table2)
				}
			}
			// The stratified split may move tiles when the changed tile's
			// change fraction moves it between strata; moves are reported,
			// and they must be the tiles whose subset differs.
			if want := splitMoves(t, f.Root, f.Dataset, tt.from, tt.to); !reflect.DeepEqual(d.Moved, want) {
				t.Errorf("moved = %+v, want %+v", d.Moved, want)
			}
			checkTable2(t, d.Table2, readSplits(t, f.Root, f.Dataset, tt.from), readSplits(t, f.Root, f.Dataset, tt.to))
		})
	}
}

func readItems(t *testing.T, root, dataset, version string) []schema.ItemRow {
	t.Helper()
	rows, err := schema.ReadItems(t.Context(), filepath.Join(root, dataset, version, "items.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// splitMoves works the moves out from the released JSON items, an
// independent source from the items.parquet Diff reads.
func splitMoves(t *testing.T, root, dataset, from, to string) []catalog.SplitMove {
	t.Helper()
	subsets := func(version string) map[string]string {
		out := map[string]string{}
		for _, s := range []string{"train", "test", "val"} {
			b, err := os.ReadFile(filepath.Join(root, dataset, version, s, "collection.json"))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			// Item links are "../items/<tile>/<tile>.json".
			for _, part := range strings.Split(string(b), `"../items/`)[1:] {
				out[part[:strings.Index(part, "/")]] = s
			}
		}
		return out
	}
	a, b := subsets(from), subsets(to)
	moves := []catalog.SplitMove{}
	for _, id := range slices.Sorted(maps.Keys(a)) {
		if s, ok := b[id]; ok && s != a[id] {
			moves = append(moves, catalog.SplitMove{Tile: id, From: a[id], To: s})
		}
	}
	return moves
}

// checkTable2 checks that every subset of both splits.parquet is one row,
// in Table 2 order, with both releases' values.
func checkTable2(t *testing.T, got []catalog.SubsetChange, from, to []schema.SplitStats) {
	t.Helper()
	var names []string
	for _, s := range append(slices.Clone(from), to...) {
		if !slices.Contains(names, s.Subset) {
			names = append(names, s.Subset)
		}
	}
	rank := func(s string) int {
		if i := slices.Index([]string{"train", "test", "val"}, s); i >= 0 {
			return i
		}
		return 3
	}
	slices.SortStableFunc(names, func(a, b string) int { return rank(a) - rank(b) })
	if len(got) != len(names) {
		t.Fatalf("table 2 has %d rows, want %d (%v)", len(got), len(names), names)
	}
	find := func(s []schema.SplitStats, name string) schema.SplitStats {
		for _, r := range s {
			if r.Subset == name {
				return r
			}
		}
		return schema.SplitStats{}
	}
	for i, name := range names {
		a, b := find(from, name), find(to, name)
		want := catalog.SubsetChange{Subset: name,
			TilesFrom: int(a.Tiles), TilesTo: int(b.Tiles),
			ChangedPctFrom: a.ChangedPct, ChangedPctTo: b.ChangedPct,
			DHMinFrom: a.DHMin, DHMinTo: b.DHMin, DHMaxFrom: a.DHMax, DHMaxTo: b.DHMax}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("table 2 row %d = %s, want %s", i, row(got[i]), row(want))
		}
	}
}

func row(s catalog.SubsetChange) string {
	f := func(p *float32) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("%s tiles %d→%d changed %v→%v ΔH min %s→%s max %s→%s", s.Subset, s.TilesFrom, s.TilesTo,
		s.ChangedPctFrom, s.ChangedPctTo, f(s.DHMinFrom), f(s.DHMinTo), f(s.DHMaxFrom), f(s.DHMaxTo))
}

// item is a tile of a hand-made release: assets maps key → checksum.
func item(t *testing.T, id, split string, assets map[string]string) schema.ItemRow {
	t.Helper()
	wkb, err := raster.ExtentWKB(raster.Extent{MinX: -4.75, MinY: 41.65, MaxX: -4.74, MaxY: 41.66})
	if err != nil {
		t.Fatal(err)
	}
	r := schema.ItemRow{
		ID: id, Collection: "ds-" + split, Split: split, Geometry: wkb,
		BBox:          [4]float64{-4.75, 41.65, -4.74, 41.66},
		StartDatetime: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC),
		EndDatetime:   time.Date(2017, 7, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, k := range slices.Sorted(maps.Keys(assets)) {
		r.Assets = append(r.Assets, schema.ItemAsset{Key: k, Href: "items/" + id + "/" + k + ".tif", Type: "image/tiff", Checksum: assets[k], Size: 1})
	}
	return r
}

func split(name string, tiles int32, changedPct float64, dh ...float32) schema.SplitStats {
	s := schema.SplitStats{Subset: name, Tiles: tiles, ChangedPct: changedPct, UnchangedPct: 100 - changedPct,
		DHHistogram: make([]int64, schema.HistogramBins)}
	if len(dh) == 2 {
		s.DHMin, s.DHMax = &dh[0], &dh[1]
	}
	return s
}

// writeRelease makes the files Diff reads of a release; the JSON files only
// need to exist.
func writeRelease(t *testing.T, root, dataset, version string, items []schema.ItemRow, splits []schema.SplitStats) {
	t.Helper()
	dir := filepath.Join(root, dataset, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(root, "catalog.json"), filepath.Join(root, dataset, "catalog.json"), filepath.Join(dir, "collection.json")} {
		if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if items != nil {
		if err := schema.WriteItems(t.Context(), filepath.Join(dir, "items.parquet"), items); err != nil {
			t.Fatal(err)
		}
	}
	if splits != nil {
		if err := schema.WriteSplits(t.Context(), filepath.Join(dir, "splits.parquet"), splits); err != nil {
			t.Fatal(err)
		}
	}
}

func f32(v float32) *float32 { return &v }

func TestDiff(t *testing.T) {
	abc := map[string]string{"a": "1220aa", "b": "1220bb", "c": "1220cc"}
	with := func(m map[string]string, k, v string) map[string]string {
		m = maps.Clone(m)
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	base := func(t *testing.T) []schema.ItemRow {
		return []schema.ItemRow{item(t, "r0c0", "train", abc), item(t, "r0c1", "test", abc), item(t, "r1c0", "validate", abc)}
	}
	table := []schema.SplitStats{split("train", 1, 5, -3, 12), split("test", 1, 4), split("val", 1, 0)}
	tests := []struct {
		name       string
		to         func(t *testing.T) []schema.ItemRow
		toSplits   []schema.SplitStats
		want       catalog.ReleaseDiff // Dataset, From, To and Table2 are filled in
		table2Diff bool
	}{{
		name: "same", to: base, toSplits: table,
		want: catalog.ReleaseDiff{Unchanged: 3},
	}, {
		name: "added and removed",
		to: func(t *testing.T) []schema.ItemRow {
			return []schema.ItemRow{item(t, "r0c1", "test", abc), item(t, "r1c0", "validate", abc), item(t, "r2c0", "train", abc)}
		},
		toSplits: table,
		want:     catalog.ReleaseDiff{Added: []string{"r2c0"}, Removed: []string{"r0c0"}, Unchanged: 2},
	}, {
		name: "checksums",
		to: func(t *testing.T) []schema.ItemRow {
			return []schema.ItemRow{item(t, "r0c0", "train", with(with(abc, "c", "1220c2"), "a", "1220a2")), item(t, "r0c1", "test", abc), item(t, "r1c0", "validate", with(abc, "b", "1220b2"))}
		},
		toSplits: table,
		want: catalog.ReleaseDiff{Changed: []catalog.TileChange{{Tile: "r0c0", Assets: []string{"a", "c"}}, {Tile: "r1c0", Assets: []string{"b"}}},
			Unchanged: 1},
	}, {
		name: "asset keys",
		to: func(t *testing.T) []schema.ItemRow {
			m := with(with(abc, "a", ""), "d", "1220dd")
			return []schema.ItemRow{item(t, "r0c0", "train", m), item(t, "r0c1", "test", m), item(t, "r1c0", "validate", m)}
		},
		toSplits: table,
		want: catalog.ReleaseDiff{Changed: []catalog.TileChange{
			{Tile: "r0c0", Assets: []string{"-a", "+d"}}, {Tile: "r0c1", Assets: []string{"-a", "+d"}}, {Tile: "r1c0", Assets: []string{"-a", "+d"}}}},
	}, {
		name: "moved",
		to: func(t *testing.T) []schema.ItemRow {
			return []schema.ItemRow{item(t, "r0c0", "validate", abc), item(t, "r0c1", "test", abc), item(t, "r1c0", "train", abc)}
		},
		toSplits: []schema.SplitStats{split("train", 1, 0), split("test", 1, 4), split("val", 1, 5, -3, 12)},
		want: catalog.ReleaseDiff{Moved: []catalog.SplitMove{{Tile: "r0c0", From: "train", To: "val"}, {Tile: "r1c0", From: "val", To: "train"}},
			Unchanged: 3},
		table2Diff: true,
	}, {
		name: "table 2 only", to: base,
		toSplits:   []schema.SplitStats{split("train", 1, 5, -3, 13), split("test", 1, 4), split("val", 1, 0), split("extra", 0, 0)},
		want:       catalog.ReleaseDiff{Unchanged: 3},
		table2Diff: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeRelease(t, root, "ds", "1.0.0", base(t), table)
			writeRelease(t, root, "ds", "2.0.0", tt.to(t), tt.toSplits)
			got, err := catalog.Diff(t.Context(), root, "ds", "1.0.0", "2.0.0")
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Dataset, want.From, want.To = "ds", "1.0.0", "2.0.0"
			for _, p := range []*[]string{&want.Added, &want.Removed} {
				if *p == nil {
					*p = []string{}
				}
			}
			if want.Changed == nil {
				want.Changed = []catalog.TileChange{}
			}
			if want.Moved == nil {
				want.Moved = []catalog.SplitMove{}
			}
			want.Table2 = got.Table2 // checked below
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("diff = %+v\nwant   %+v", *got, want)
			}
			checkTable2(t, got.Table2, table, tt.toSplits)
			if d := slices.ContainsFunc(got.Table2, catalog.SubsetChange.Differs); d != tt.table2Diff {
				t.Errorf("a table 2 row differs: %v, want %v", d, tt.table2Diff)
			}
			if empty := tt.name == "same"; got.Empty() != empty {
				t.Errorf("Empty() = %v, want %v", got.Empty(), empty)
			}
		})
	}
}

func TestDiffErrors(t *testing.T) {
	items := []schema.ItemRow{item(t, "r0c0", "train", map[string]string{"a": "1220aa"})}
	splits := []schema.SplitStats{split("train", 1, 0)}
	root := t.TempDir()
	for _, v := range []string{"1.0.0", "1.10.0", "1.9.0"} {
		writeRelease(t, root, "ds", v, items, splits)
	}
	writeRelease(t, root, "other", "0.1.0", items, splits)
	writeRelease(t, root, "broken", "1.0.0", items, splits)
	if err := os.WriteFile(filepath.Join(root, "broken", "1.0.0", "items.parquet"), []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeRelease(t, root, "broken", "2.0.0", items, nil) // no splits.parquet

	tests := []struct {
		name                    string
		root, dataset, from, to string
		is                      error
		want                    []string // in the message
	}{
		{"no catalog", filepath.Join(root, "nope"), "ds", "1.0.0", "1.9.0", os.ErrNotExist, []string{"not a cdflow catalog"}},
		{"unknown dataset", root, "dss", "1.0.0", "1.9.0", catalog.ErrUnknownDataset, []string{`"dss"`, "datasets: broken, ds, other"}},
		{"path as dataset", root, "../ds", "1.0.0", "1.9.0", catalog.ErrUnknownDataset, []string{`"../ds"`}},
		{"unknown from", root, "ds", "1.2.0", "1.9.0", catalog.ErrUnknownVersion, []string{`"1.2.0"`, "releases: 1.0.0, 1.9.0, 1.10.0"}},
		{"unknown to", root, "ds", "1.0.0", "v1.9.0", catalog.ErrUnknownVersion, []string{`"v1.9.0"`, "releases: 1.0.0, 1.9.0, 1.10.0"}},
		{"unreadable items", root, "broken", "1.0.0", "1.0.0", nil, []string{filepath.Join(root, "broken", "1.0.0", "items.parquet")}},
		{"no splits", root, "broken", "2.0.0", "2.0.0", os.ErrNotExist, []string{filepath.Join(root, "broken", "2.0.0", "splits.parquet")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := catalog.Diff(t.Context(), tt.root, tt.dataset, tt.from, tt.to)
			if err == nil {
				t.Fatalf("no error; diff %+v", d)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestWriteText(t *testing.T) {
	d := &catalog.ReleaseDiff{Dataset: "ds", From: "1.0.0", To: "1.1.0",
		Added: []string{"r2c0"}, Removed: []string{"r0c0"},
		Changed: []catalog.TileChange{{Tile: "r1c0", Assets: []string{"-a", "cd3d", "+d"}}},
		Moved:   []catalog.SplitMove{{Tile: "r1c1", From: "train", To: "val"}},
		Table2: []catalog.SubsetChange{
			{Subset: "train", TilesFrom: 2, TilesTo: 1, ChangedPctFrom: 4.5, ChangedPctTo: 4.25, DHMinFrom: f32(-3), DHMinTo: f32(-3), DHMaxFrom: f32(12), DHMaxTo: f32(22.5)},
			{Subset: "val", TilesFrom: 1, TilesTo: 2, DHMinTo: f32(-1), DHMaxTo: f32(2)},
		},
		Unchanged: 7}
	const want = `ds 1.0.0 → 1.1.0: 1 added, 1 removed, 1 changed, 1 moved, 7 unchanged

added:
  r2c0

removed:
  r0c0

changed (assets whose checksum differs; +new, -gone):
  r1c0: -a cd3d +d

moved:
  r1c1: train → val

table 2 (1.0.0 → 1.1.0):
  subset  tiles    changed %  ΔH min (m)     ΔH max (m)
  train   2 → 1  4.50 → 4.25       -3.00  12.00 → 22.50
  val     1 → 2         0.00   - → -1.00       - → 2.00
`
	same := &catalog.ReleaseDiff{Dataset: "ds", From: "1.0.0", To: "1.0.0", Unchanged: 7,
		Table2: []catalog.SubsetChange{{Subset: "train", TilesFrom: 7, TilesTo: 7}}}
	tests := []struct {
		name string
		d    *catalog.ReleaseDiff
		want string
	}{
		{"everything", d, want},
		{"empty", same, "ds 1.0.0 → 1.0.0: no difference (7 tiles)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.d.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}
