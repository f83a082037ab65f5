package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
)

// runCdflow runs Main in-process and returns its exit code and output.
func runCdflow(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// diffCatalog publishes two releases of a synthetic scene with cdflow's own
// commands: 1.0.0 as generated, then 1.1.0 with the t1 DSM raised by 10 m
// on a 20 m square in the middle of one tile. It returns the catalog, the
// dataset and that tile.
func diffCatalog(t *testing.T) (root, dataset, tile string) {
	t.Helper()
	scene := t.TempDir()
	if code, _, stderr := runCdflow(t, "synth", "--out", scene, "--extent-km", "0.6x0.4", "--sheet-km", "0.6", "--seed", "1"); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(scene, "workflow.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	wf := string(b)
	m := regexp.MustCompile(`(?m)^dataset "([^"]+)"`).FindStringSubmatch(wf)
	if m == nil {
		t.Fatalf("no dataset block in the workflow:\n%s", wf)
	}
	dataset = m[1]
	root = filepath.Join(t.TempDir(), "catalog")
	// Both runs publish into one catalog, whatever their --out.
	wf = replaceOnce(t, wf, `catalog = "catalog"`, fmt.Sprintf("catalog = %q", root))
	run := func(name, wf string) {
		t.Helper()
		p := filepath.Join(scene, name) // beside the scene: its globs are relative
		if err := os.WriteFile(p, []byte(wf), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := runCdflow(t, "run", "--out", t.TempDir(), p); code != 0 {
			t.Fatalf("run %s: exit %d: %s", name, code, stderr)
		}
	}
	run("v1.hcl", wf)

	tiles, _, err := schema.ReadTiles(t.Context(), filepath.Join(root, dataset, "1.0.0", "tiles.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	first := tiles[0]
	for _, r := range tiles {
		if r.TileID < first.TileID {
			first = r
		}
	}
	raiseDSM(t, filepath.Join(scene, "dsm_t1"), (first.MinX+first.MaxX)/2, (first.MinY+first.MaxY)/2)
	run("v2.hcl", replaceOnce(t, wf, `version = "1.0.0"`, `version = "1.1.0"`))
	return root, dataset, first.TileID
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("the workflow should hold %q once:\n%s", old, s)
	}
	return strings.Replace(s, old, new, 1)
}

// raiseDSM adds 10 m to the 20 × 20 pixels around (x, y) in the DSM sheet
// holding them.
func raiseDSM(t *testing.T, dir string, x, y float64) {
	t.Helper()
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
		c0, r0 := int((x-gt[0])/gt[1])-10, int((y-gt[3])/gt[5])-10
		if c0 < 0 || r0 < 0 || c0+20 > img.Width || r0+20 > img.Height {
			continue
		}
		for r := r0; r < r0+20; r++ {
			for c := c0; c < c0+20; c++ {
				if v := img.Bands[0][r*img.Width+c]; !img.IsNoData(v) {
					img.Bands[0][r*img.Width+c] = v + 10
				}
			}
		}
		if err := raster.WriteGeoTIFF(t.Context(), f, img); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no DSM in %s holds (%g, %g)", dir, x, y)
}

func TestDiffCommand(t *testing.T) {
	root, ds, tile := diffCatalog(t)
	// The patch reaches the t1 DSM and what is made from it: ΔH, both
	// labels and the ΔH preview, whichever of them the release holds.
	items, err := schema.ReadItems(t.Context(), filepath.Join(root, ds, "1.1.0", "items.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	var assets []string
	for _, a := range items[0].Assets {
		if slices.Contains([]string{"dh", "dsm_t1", "cd3d", "cd2d", "cd3d_preview"}, a.Key) {
			assets = append(assets, a.Key)
		}
	}
	changedLine := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(tile+": "+strings.Join(assets, " ")) + `$`)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []*regexp.Regexp // each must match
		stderr []string         // each must be contained
		json   func(t *testing.T, doc map[string]any, d catalog.ReleaseDiff)
	}{{
		name: "one tile changed",
		args: []string{"diff", root, ds, "1.0.0", "1.1.0"},
		stdout: []*regexp.Regexp{
			regexp.MustCompile(`^` + regexp.QuoteMeta(ds) + ` 1\.0\.0 → 1\.1\.0: 0 added, 0 removed, 1 changed, \d+ moved, \d+ unchanged\n`),
			changedLine,
			regexp.MustCompile(`(?m)^table 2 \(1\.0\.0 → 1\.1\.0\):\n  subset  tiles +changed %`),
		},
	}, {
		name:   "itself",
		args:   []string{"diff", root, ds, "1.1.0", "1.1.0"},
		stdout: []*regexp.Regexp{regexp.MustCompile(`^` + regexp.QuoteMeta(ds) + ` 1\.1\.0 → 1\.1\.0: no difference \(\d+ tiles\)\n$`)},
	}, {
		name: "json",
		args: []string{"diff", "--json", root, ds, "1.0.0", "1.1.0"},
		json: func(t *testing.T, doc map[string]any, d catalog.ReleaseDiff) {
			for _, k := range []string{"dataset", "from", "to", "added", "removed", "changed", "moved", "table2", "unchanged"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("no %q in the JSON", k)
				}
			}
			row, _ := doc["table2"].([]any)[0].(map[string]any)
			for _, k := range []string{"subset", "tiles_from", "tiles_to", "changed_pct_from", "changed_pct_to", "dh_min_from", "dh_min_to", "dh_max_from", "dh_max_to"} {
				if _, ok := row[k]; !ok {
					t.Errorf("no %q in table2[0] %v", k, row)
				}
			}
			if fmt.Sprint(doc["added"]) != "[]" || fmt.Sprint(doc["removed"]) != "[]" {
				t.Errorf("added %v, removed %v; want [] and []", doc["added"], doc["removed"])
			}
			if d.Dataset != ds || d.From != "1.0.0" || d.To != "1.1.0" {
				t.Errorf("diff of %s %s → %s", d.Dataset, d.From, d.To)
			}
			if len(d.Changed) != 1 || d.Changed[0].Tile != tile || !slices.Equal(d.Changed[0].Assets, assets) {
				t.Errorf("changed = %+v, want %s with %v", d.Changed, tile, assets)
			}
		},
	}, {
		name: "json after the arguments, no difference",
		args: []string{"diff", root, ds, "1.0.0", "1.0.0", "--json"},
		json: func(t *testing.T, doc map[string]any, d catalog.ReleaseDiff) {
			if !d.Empty() || d.Unchanged == 0 {
				t.Errorf("diff of a release with itself: %+v", d)
			}
			for _, k := range []string{"added", "removed", "changed", "moved"} {
				if fmt.Sprint(doc[k]) != "[]" {
					t.Errorf("%s = %v, want []", k, doc[k])
				}
			}
		},
	}, {
		name:   "unknown version",
		args:   []string{"diff", root, ds, "1.0.0", "2.0.0"},
		code:   1,
		stderr: []string{`cdflow: diff: unknown version "2.0.0" of dataset ` + ds + ` (releases: 1.0.0, 1.1.0)`},
	}, {
		name:   "unknown dataset",
		args:   []string{"diff", root, "nope", "1.0.0", "1.1.0"},
		code:   1,
		stderr: []string{`unknown dataset "nope"`, "(datasets: " + ds + ")"},
	}, {
		name:   "dataset folder as catalog",
		args:   []string{"diff", filepath.Join(root, ds), ds, "1.0.0", "1.1.0"},
		code:   1,
		stderr: []string{"is a dataset folder: give the catalog's root, " + root},
	}, {
		name:   "not a catalog",
		args:   []string{"diff", filepath.Join(root, ds, "1.0.0"), ds, "1.0.0", "1.1.0"},
		code:   1,
		stderr: []string{"is not a cdflow catalog (no catalog.json)"},
	}, {
		name:   "three arguments",
		args:   []string{"diff", root, ds, "1.0.0"},
		code:   2,
		stderr: []string{"diff takes CATALOG DATASET V1 V2 (got 3 arguments)"},
	}, {
		name:   "no argument",
		args:   []string{"diff"},
		code:   2,
		stderr: []string{"(got 0 arguments)"},
	}, {
		name:   "bad flag",
		args:   []string{"diff", "--yaml", root, ds, "1.0.0", "1.1.0"},
		code:   2,
		stderr: []string{"flag provided but not defined: -yaml"},
	}, {
		name:   "help",
		args:   []string{"diff", "-h"},
		stderr: []string{"Usage: cdflow diff [flags] CATALOG DATASET V1 V2", `"tiles_from"`, "-json"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCdflow(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, re := range tt.stdout {
				if !re.MatchString(stdout) {
					t.Errorf("stdout does not match %s:\n%s", re, stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr does not say %q:\n%s", s, stderr)
				}
			}
			if tt.code != 0 && stdout != "" {
				t.Errorf("stdout on failure:\n%s", stdout)
			}
			if tt.json != nil {
				var doc map[string]any
				if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
				}
				var d catalog.ReleaseDiff
				if err := json.Unmarshal([]byte(stdout), &d); err != nil {
					t.Fatal(err)
				}
				tt.json(t, doc, d)
			}
		})
	}
}
