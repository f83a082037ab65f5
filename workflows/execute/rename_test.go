package execute_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

// renamed maps the synthetic scene's step names to others.
var renamed = map[string]string{
	"t0": "early", "t1": "late", "dh": "elev_diff", "cd3d": "change3d", "cd2d": "mask2d", "check": "inputs",
}

// Products are found by kind, never by a step's name: the synthetic scene's
// workflow with every step renamed publishes the same release, file for
// file, apart from the names.
func TestRenamedStepsSameRelease(t *testing.T) {
	ctx := context.Background()
	dir := sceneDir(t)
	src, err := os.ReadFile(filepath.Join(dir, "workflow.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for old, nu := range renamed {
		text = regexp.MustCompile(`(step "[a-z_]+" )"`+old+`"`).ReplaceAllString(text, `$1"`+nu+`"`)
		text = regexp.MustCompile(`(step\.[a-z_]+\.)`+old+`\b`).ReplaceAllString(text, "${1}"+nu)
	}
	for _, nu := range renamed {
		if !strings.Contains(text, `"`+nu+`"`) {
			t.Fatalf("step %s not renamed in:\n%s", nu, text)
		}
	}
	runPublished := func(name, wf string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(wf), 0o644); err != nil {
			t.Fatal(err)
		}
		w, diags := workflows.NewParser(nil).Load(path, workflows.InputValues{})
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
		if _, _, err := release.PublishRun(ctx, pl, res, out, ""); err != nil {
			t.Fatal(err)
		}
		rels, _ := filepath.Glob(filepath.Join(out, "catalog", "*", "*", "collection.json"))
		if len(rels) != 1 {
			t.Fatalf("releases %v", rels)
		}
		return filepath.Dir(rels[0])
	}
	a := runPublished("original.hcl", string(src))
	b := runPublished("renamed.hcl", text)

	back := func(s string) string { // a renamed name → the original
		for old, nu := range renamed {
			s = strings.ReplaceAll(s, nu+"_preview", old+"_preview")
			s = regexp.MustCompile(`\b`+nu+`\b`).ReplaceAllString(s, old)
		}
		return s
	}
	var files []string
	err = filepath.WalkDir(b, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			r, _ := filepath.Rel(b, p)
			files = append(files, r)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var compared, products int
	for _, r := range files {
		want, err := os.ReadFile(filepath.Join(a, back(r)))
		if err != nil {
			t.Errorf("the renamed release has %s, the original no %s", r, back(r))
			continue
		}
		got, err := os.ReadFile(filepath.Join(b, r))
		if err != nil {
			t.Fatal(err)
		}
		compared++
		switch filepath.Ext(r) {
		case ".tif", ".png", ".parquet":
			if filepath.Base(r) == "tiles.parquet" || filepath.Base(r) == "items.parquet" {
				continue // asset names in the rows; compared below
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the original's %s", r, back(r))
			}
			if filepath.Ext(r) == ".tif" {
				products++
			}
		case ".json":
			if g, w := normalizedJSON(t, back(string(got))), normalizedJSON(t, string(want)); !reflect.DeepEqual(g, w) {
				t.Errorf("%s differs from the original's beyond the names:\n%s\n%s", r, g, w)
			}
		}
	}
	if compared != len(files) || products == 0 {
		t.Fatalf("compared %d of %d files, %d products", compared, len(files), products)
	}
	ta, _, err := schema.ReadTiles(ctx, filepath.Join(a, "tiles.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	tb, _, err := schema.ReadTiles(ctx, filepath.Join(b, "tiles.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range tb {
		assets := map[string]string{}
		for k, v := range tb[i].Assets {
			assets[back(k)] = back(v)
		}
		tb[i].Assets = assets
	}
	if !reflect.DeepEqual(ta, tb) {
		t.Error("tiles.parquet differs beyond the names")
	}
	t.Logf("%d files compared, %d products identical byte for byte", compared, products)
}

// normalizedJSON drops what holds the steps' names in an order or a hash:
// the lineage (step addresses), and items.parquet's checksum and the type of
// its assets column (a struct of the asset keys, sorted by name).
func normalizedJSON(t *testing.T, s string) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	if props, ok := doc["properties"].(map[string]any); ok {
		delete(props, "processing:lineage")
	}
	if assets, ok := doc["assets"].(map[string]any); ok {
		if a, ok := assets["tiles"].(map[string]any); ok { // its assets column maps names to paths
			delete(a, "file:checksum")
			delete(a, "file:size")
		}
		if a, ok := assets["geoparquet-items"].(map[string]any); ok {
			delete(a, "file:checksum")
			delete(a, "file:size")
			cols, _ := a["table:columns"].([]any)
			for _, c := range cols {
				if cm, ok := c.(map[string]any); ok && cm["name"] == "assets" {
					delete(cm, "type")
				}
			}
		}
	}
	out, _ := json.MarshalIndent(doc, "", " ")
	return string(out)
}
