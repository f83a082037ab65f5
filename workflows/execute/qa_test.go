package execute_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

// qaScenes generates each defect's scene once for all the QA tests: 1 km²
// in 0.5 km sheets, so each defect hits some 200 m tiles and not others.
type qaScenes struct {
	dir    string
	mu     sync.Mutex
	scenes map[string]*qaSceneOnce
}

type qaSceneOnce struct {
	once sync.Once
	dir  string
	sc   *synth.Scene
	err  error
}

func (q *qaScenes) get(t *testing.T, defects string) (string, *synth.Scene) {
	t.Helper()
	q.mu.Lock()
	s := q.scenes[defects]
	if s == nil {
		s = &qaSceneOnce{}
		q.scenes[defects] = s
	}
	q.mu.Unlock()
	s.once.Do(func() {
		d, err := synth.ParseDefects(defects)
		if err != nil {
			s.err = err
			return
		}
		s.dir = filepath.Join(q.dir, strings.NewReplacer("=", "", ".", "", ",", "-").Replace(defects))
		s.sc, s.err = synth.Generate(context.Background(), synth.Options{Out: s.dir, ExtentKm: [2]float64{1, 1}, SheetKm: 0.5, Seed: 1, Defects: d})
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.dir, s.sc
}

// qaBaseline is what the qa step finds on the scene without defects. The
// world has what real data has — voids where the river returns no pulse,
// thin void edges the stripe check takes for stripes, epochs scanned from
// different directions at different densities (walls sampled from
// different sides read as a few decimetres of shift) — so the clean scene
// is not free of findings; a defect is judged by what it adds to them.
type qaBaseline struct {
	once     sync.Once
	flagged  map[string]map[string]bool // check:input → tiles
	excluded map[string]bool
	tiles    map[string]bool // tiles with any finding
}

var baseline qaBaseline

func (q *qaScenes) baseline(t *testing.T) *qaBaseline {
	t.Helper()
	baseline.once.Do(func() {
		dir, _ := q.get(t, "none")
		_, res := run(t, qaPlan(t, dir), 2)
		baseline.flagged, baseline.excluded, baseline.tiles = map[string]map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, tr := range res.Tiles {
			for _, f := range tr.Findings {
				key := f.Check + ":" + f.Input
				if baseline.flagged[key] == nil {
					baseline.flagged[key] = map[string]bool{}
				}
				baseline.flagged[key][tr.Tile.ID] = true
				baseline.tiles[tr.Tile.ID] = true
				if f.Policy == plugins.PolicyExclude {
					baseline.excluded[tr.Tile.ID] = true
				}
			}
		}
	})
	if baseline.flagged == nil {
		t.Fatal("no baseline: the clean scene's run failed")
	}
	return &baseline
}

// without returns the tiles of m not in drop.
func without(m, drop map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		if !drop[k] {
			out[k] = true
		}
	}
	return out
}

var qaWorkflowSeq atomic.Int64

// qaPlan plans the scene's own workflow (which has the qa step) with old →
// new replacements, from a copy beside it so tests can share the scene.
func qaPlan(t *testing.T, dir string, edits ...string) *plans.Plan {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "workflow.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	if !strings.Contains(src, `step "qa" "check"`) {
		t.Fatal("the synthetic scene's workflow has no qa step")
	}
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(src, edits[i]) {
			t.Fatalf("workflow has no %q", edits[i])
		}
		src = strings.Replace(src, edits[i], edits[i+1], 1)
	}
	path := filepath.Join(dir, fmt.Sprintf("qa-%d.hcl", qaWorkflowSeq.Add(1)))
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	w, diags := workflows.NewParser(nil).Load(path, workflows.InputValues{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	pl, diags := plans.New(context.Background(), w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return pl
}

// truthTiles are the tiles a scene's defect touches: those whose extent
// overlaps the striped rows, the corrupt file or the missing sheet, or
// every tile for a bias or a shift of the whole later epoch.
func truthTiles(t *testing.T, sc *synth.Scene, grid plans.TileGrid, check string) map[string]bool {
	t.Helper()
	sheet := func(file string) raster.Extent {
		base := strings.TrimSuffix(filepath.Base(file), ".tif")
		for _, s := range sc.Sheets {
			if strings.HasSuffix(base, s.ID) {
				return raster.Extent{MinX: s.Bounds[0], MinY: s.Bounds[1], MaxX: s.Bounds[2], MaxY: s.Bounds[3]}
			}
		}
		t.Fatalf("no sheet for %s", file)
		return raster.Extent{}
	}
	var areas []raster.Extent
	switch check {
	case "stripes":
		res := sc.Resolution.DSM
		for _, sf := range sc.Defects.Stripes {
			e := sheet(sf.File)
			for _, s := range sf.Stripes {
				areas = append(areas, raster.Extent{
					MinX: e.MinX + float64(s.Col)*res, MaxX: e.MinX + float64(s.Col+s.Cols)*res,
					MaxY: e.MaxY - float64(s.Row)*res, MinY: e.MaxY - float64(s.Row+s.Rows)*res,
				})
			}
		}
	case "unreadable":
		areas = append(areas, sheet(sc.Defects.Corrupt.File))
	case "missing":
		areas = append(areas, sheet(sc.Defects.Missing.Files[0]))
	case "bias", "shift":
		areas = append(areas, grid.Extent)
	}
	truth := map[string]bool{}
	for _, tile := range grid.Tiles() {
		for _, a := range areas {
			if _, hit := tile.Extent.Intersect(a); hit {
				truth[tile.ID] = true
			}
		}
	}
	return truth
}

// precisionRecall scores flagged tiles against the truth.
func precisionRecall(flagged, truth map[string]bool) (precision, recall float64) {
	hit := 0
	for id := range flagged {
		if truth[id] {
			hit++
		}
	}
	precision, recall = 1, 1
	if len(flagged) > 0 {
		precision = float64(hit) / float64(len(flagged))
	}
	if len(truth) > 0 {
		recall = float64(hit) / float64(len(truth))
	}
	return precision, recall
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestQA generates a scene per defect kind and checks that the qa step
// flags exactly the tiles the defect touches (precision and recall 1
// against scene.json, on the tiles the clean scene does not already flag
// for the same check), with nothing flagged beyond the clean scene's
// findings, that bias and shift are measured within 0.1 m and 0.4 m
// (per tile; 0.25 m for the scene) of what was injected, and that the
// exclude policy leaves exactly the flagged tiles out of tiles.parquet. The
// clean scene's own findings are logged and bounded: only voids and
// stripes (the river), shift (sampling) and implausible ΔH, never a bias,
// a missing or an unreadable file.
func TestQA(t *testing.T) {
	scenes := &qaScenes{dir: t.TempDir(), scenes: map[string]*qaSceneOnce{}}
	t.Run("defects", func(t *testing.T) { testQADefects(t, scenes) })
	t.Run("fail", func(t *testing.T) { testQAFailPolicy(t, scenes) })
	t.Run("correct_bias", func(t *testing.T) { testQACorrectBias(t, scenes) })
}

func testQADefects(t *testing.T, scenes *qaScenes) {
	tests := []struct {
		defects string
		check   string   // the finding the defect must give; "" for none
		inputs  []string // the inputs it must be flagged on
		edits   []string // workflow edits (old, new, …)
		value   float64  // injected metres (bias, shift) and tolerance
		tol     float64  // per tile; the scene's estimate within 0.25 m
	}{
		{defects: "none"},
		{defects: "stripes", check: "stripes", inputs: []string{"dsm_t1"}},
		{defects: "corrupt", check: "unreadable", inputs: []string{"dsm_t1"}, edits: []string{`on_unreadable = "fail"`, `on_unreadable = "exclude"`}},
		{defects: "missing", check: "missing", inputs: []string{"dsm_t1", "ortho_t1"}},
		{defects: "bias=0.3", check: "bias", inputs: []string{"dsm_t1"}, value: 0.3, tol: 0.1},
		// Per tile: the clean scene reads up to 0.45 m of shift from sampling alone.
		{defects: "shift=0.5", check: "shift", inputs: []string{"dsm_t1"}, value: 0.5, tol: 0.4},
	}
	base := scenes.baseline(t)
	for key, tiles := range base.flagged {
		t.Logf("clean scene: %s on %d tiles %v", key, len(tiles), sortedKeys(tiles))
		switch strings.Split(key, ":")[0] {
		case "voids", "stripes", "shift", "implausible":
		default:
			t.Errorf("clean scene: %s findings on %v", key, sortedKeys(tiles))
		}
	}
	for _, tt := range tests {
		t.Run(tt.defects, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir, sc := scenes.get(t, tt.defects)
			pl := qaPlan(t, dir, tt.edits...)
			out, res := run(t, pl, 2)

			// Findings per (check, input), and the values measured.
			flagged := map[string]map[string]bool{}
			var values []float64
			for _, tr := range res.Tiles {
				if len(tr.Findings) != len(tr.Stats.QAFlags) {
					t.Errorf("tile %s: %d findings but qa_flags %v", tr.Tile.ID, len(tr.Findings), tr.Stats.QAFlags)
				}
				for i, f := range tr.Findings {
					key := f.Check + ":" + f.Input
					if flagged[key] == nil {
						flagged[key] = map[string]bool{}
					}
					flagged[key][tr.Tile.ID] = true
					if f.Check == tt.check {
						values = append(values, f.Value)
					}
					if i < len(tr.Stats.QAFlags) && tr.Stats.QAFlags[i] != f.Flag() {
						t.Errorf("tile %s: qa_flags[%d] = %q, want %q", tr.Tile.ID, i, tr.Stats.QAFlags[i], f.Flag())
					}
				}
			}
			truth := truthTiles(t, sc, pl.Grid, tt.check)
			want := map[string]bool{}
			for _, in := range tt.inputs {
				key := tt.check + ":" + in
				want[key] = true
				p, r := precisionRecall(without(flagged[key], base.flagged[key]), without(truth, base.flagged[key]))
				t.Logf("%s: %d tiles flagged, %d affected: precision %.2f, recall %.2f", key, len(flagged[key]), len(truth), p, r)
				if p != 1 || r != 1 {
					t.Errorf("%s: precision %.2f, recall %.2f\nflagged %v\n  truth %v", key, p, r, sortedKeys(flagged[key]), sortedKeys(truth))
				}
			}
			for key, tiles := range flagged {
				if extra := without(tiles, base.flagged[key]); !want[key] && len(extra) > 0 {
					t.Errorf("unexpected %s findings on %v", key, sortedKeys(extra))
				}
			}

			// Measurements: every tile's, and the scene's from the pre-pass.
			var scene []plugins.Finding
			for _, f := range res.Findings {
				if f.Check != tt.check || tt.tol == 0 {
					t.Errorf("unexpected scene finding %s", f)
					continue
				}
				scene = append(scene, f)
			}
			if tt.tol > 0 {
				if len(scene) != 1 {
					t.Fatalf("scene findings %v, want one %s", res.Findings, tt.check)
				}
				lo, hi := slices.Min(values), slices.Max(values)
				t.Logf("%s per tile %.3f … %.3f m, scene %.3f m (injected %g m)", tt.check, lo, hi, scene[0].Value, tt.value)
				for _, v := range values {
					if math.Abs(v-tt.value) > tt.tol {
						t.Errorf("%s estimated %.3f m on a tile, injected %g m (tolerance %g m)", tt.check, v, tt.value, tt.tol)
					}
				}
				if v := scene[0].Value; math.Abs(v-tt.value) > 0.25 {
					t.Errorf("%s estimated %.3f m for the scene, injected %g m (tolerance 0.25 m)", tt.check, v, tt.value)
				}
			}

			// The exclude policy leaves exactly the flagged tiles out.
			sum, err := release.Finish(ctx, pl, res)
			if err != nil {
				t.Fatal(err)
			}
			excluded := map[string]bool{}
			for _, tr := range res.Tiles {
				for _, f := range tr.Findings {
					if f.Policy == plugins.PolicyExclude {
						excluded[tr.Tile.ID] = true
					}
				}
			}
			extra := without(excluded, base.excluded)
			if tt.check == "stripes" || tt.check == "unreadable" || tt.check == "missing" {
				if len(extra) != len(without(truth, base.excluded)) {
					t.Errorf("%d tiles excluded beyond the clean scene's, want the %d affected", len(extra), len(without(truth, base.excluded)))
				}
			} else if len(extra) > 0 {
				t.Errorf("tiles %v excluded beyond the clean scene's; a %s only flags", sortedKeys(extra), tt.defects)
			}
			if strings.Join(sum.Excluded, ",") != strings.Join(sortedKeys(excluded), ",") {
				t.Errorf("summary excludes %v, want %v", sum.Excluded, sortedKeys(excluded))
			}
			rows, _, err := schema.ReadTiles(ctx, sum.TilesParquet)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows)+len(excluded) != len(res.Tiles) {
				t.Errorf("tiles.parquet has %d rows, want %d tiles less %d excluded", len(rows), len(res.Tiles), len(excluded))
			}
			for _, r := range rows {
				if excluded[r.TileID] {
					t.Errorf("excluded tile %s is in tiles.parquet", r.TileID)
				}
				if affected := truth[r.TileID] || base.tiles[r.TileID]; affected != (len(r.QAFlags) > 0) {
					t.Errorf("tile %s: qa_flags %v in tiles.parquet; affected or flagged in the clean scene: %v", r.TileID, r.QAFlags, affected)
				}
			}
			if len(sum.QA) != countFindings(res) {
				t.Errorf("%d QA rows for the report, want %d", len(sum.QA), countFindings(res))
			}
			if tt.check == "stripes" {
				checkRelease(t, pl, res, sum, out, excluded)
			}
		})
	}
}

func countFindings(res *execute.Result) int {
	n := len(res.Findings)
	for _, tr := range res.Tiles {
		n += len(tr.Findings)
	}
	return n
}

// checkRelease publishes a run and checks that its items are exactly the
// kept tiles and that its report lists the excluded ones.
func checkRelease(t *testing.T, pl *plans.Plan, res *execute.Result, sum *release.Summary, out string, excluded map[string]bool) {
	t.Helper()
	if _, err := release.Publish(context.Background(), pl, mustAssemble(t, pl, res, sum, out)); err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join(out, "catalog", pl.Workflow.Dataset.Name, pl.Workflow.Dataset.Version)
	items, err := os.ReadDir(filepath.Join(rel, "items"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Name())
		if excluded[it.Name()] {
			t.Errorf("excluded tile %s was published", it.Name())
		}
	}
	if len(got)+len(excluded) != len(res.Tiles) {
		t.Errorf("%d items published, want %d tiles less %d excluded", len(got), len(res.Tiles), len(excluded))
	}
	report, err := os.ReadFile(filepath.Join(rel, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	qa := string(report)
	if i := strings.Index(qa, `id="qa-findings"`); i >= 0 {
		qa = qa[i:]
	} else {
		t.Fatal("the report has no QA findings table")
	}
	for id := range excluded {
		if !strings.Contains(qa, "<td>"+id+"</td>") || !strings.Contains(qa, "tile excluded") {
			t.Errorf("the report's QA section does not list excluded tile %s", id)
		}
	}
}

// testQAFailPolicy: "fail" stops the run with an error naming the tile (or
// tiles) and the flag, before anything is published.
func testQAFailPolicy(t *testing.T, scenes *qaScenes) {
	base := scenes.baseline(t)
	tests := []struct {
		defects string
		edits   []string
		check   string
	}{
		// The scene's own workflow stops on an unreadable file, before any tile.
		{"corrupt", nil, "unreadable"},
		{"stripes", []string{`on_unreadable = "fail"`, `on_unreadable = "fail"` + "\n  on_stripes = \"fail\""}, "stripes"},
	}
	for _, tt := range tests {
		t.Run(tt.defects, func(t *testing.T) {
			t.Parallel()
			dir, sc := scenes.get(t, tt.defects)
			pl := qaPlan(t, dir, tt.edits...)
			out := t.TempDir()
			_, err := execute.Run(context.Background(), pl, execute.Options{Out: out, Jobs: 2})
			if err == nil {
				t.Fatal("the run went through")
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			if !strings.Contains(msg, tt.check+":dsm_t") || !strings.Contains(msg, `on_`+tt.check+` = "fail"`) {
				t.Errorf("the error does not name the flag %s and its policy", tt.check)
			}
			// The first tile to fail may be one the clean scene flags too.
			named := false
			for id := range truthTiles(t, sc, pl.Grid, tt.check) {
				named = named || strings.Contains(msg, id)
			}
			for id := range base.flagged[tt.check+":dsm_t0"] {
				named = named || strings.Contains(msg, id)
			}
			for id := range base.flagged[tt.check+":dsm_t1"] {
				named = named || strings.Contains(msg, id)
			}
			if !named {
				t.Error("the error names no affected tile")
			}
			if _, err := os.Stat(filepath.Join(out, "catalog")); err == nil {
				t.Error("a catalog was written")
			}
		})
	}
}

// testQACorrectBias: with correct_bias, the scene's bias is measured before
// the run and taken off the later DSM, so no tile keeps a bias, ΔH is as
// without the bias, and the lineage says so.
func testQACorrectBias(t *testing.T, scenes *qaScenes) {
	dir, _ := scenes.get(t, "bias=0.3")
	pl := qaPlan(t, dir, `on_unreadable = "fail"`, `on_unreadable = "fail"`+"\n  correct_bias = true")
	_, res := run(t, pl, 2)
	base := scenes.baseline(t)
	for _, tr := range res.Tiles {
		for _, f := range tr.Findings {
			if f.Check == "bias" || !base.flagged[f.Check+":"+f.Input][tr.Tile.ID] {
				t.Errorf("tile %s: %v after the correction", tr.Tile.ID, tr.Stats.QAFlags)
			}
		}
	}
	if len(res.Findings) != 1 || res.Findings[0].Check != "bias" || math.Abs(res.Findings[0].Value-0.3) > 0.1 ||
		!strings.Contains(res.Findings[0].Detail, "corrected") {
		t.Fatalf("scene findings %v, want the corrected bias", res.Findings)
	}
	if len(res.Lineage) != 1 || !strings.Contains(res.Lineage[0], "lowered by 0.3") {
		t.Errorf("lineage %q does not record the correction", res.Lineage)
	}
	// Stable ground in ΔH is back at 0: the median of |ΔH| < 1 m over a tile.
	tr := res.Tiles[len(res.Tiles)/2]
	dh, err := raster.ReadFile[float32](context.Background(), filepath.Join(filepath.Dir(res.Dir), tr.Products["dh"]))
	if err != nil {
		t.Fatal(err)
	}
	var stable []float64
	for _, v := range dh.Bands[0] {
		if v > -1 && v < 1 {
			stable = append(stable, float64(v))
		}
	}
	slices.Sort(stable)
	if m := stable[len(stable)/2]; math.Abs(m) > 0.05 {
		t.Errorf("tile %s: median stable ΔH %.3f m after the correction", tr.Tile.ID, m)
	}
	rel, err := release.Assemble(pl, res, mustFinish(t, pl, res), filepath.Dir(res.Dir), "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rel.Lineage, "lowered by "+strconv.FormatFloat(math.Round(res.Findings[0].Value*1000)/1000, 'f', 3, 64)) {
		t.Errorf("release lineage does not record the correction: %s", rel.Lineage)
	}
}

func mustFinish(t *testing.T, pl *plans.Plan, res *execute.Result) *release.Summary {
	t.Helper()
	sum, err := release.Finish(context.Background(), pl, res)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}
