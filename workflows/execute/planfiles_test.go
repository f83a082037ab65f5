package execute_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plandoc"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

// What `cdflow plan` lists is exactly what the run then writes: every file
// under the output directory, for every publisher and option.
func TestPlanListsTheFilesTheRunWrites(t *testing.T) {
	ctx := context.Background()
	dir := sceneDir(t)
	src, err := os.ReadFile(filepath.Join(dir, "workflow.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	wf := string(src) + `
publish "report" "html" { path = "reports/release.html" }
publish "folders" "png" {
  path   = "training"
  format = "png"
  products = ["t0", "t1", "cd2d", "cd3d", "dsm_t1"]
}
`
	wf = strings.Replace(wf, `publish "parquet" "stats" {}`, `publish "parquet" "stats" { compression = "snappy" }`, 1)
	path := filepath.Join(dir, "planfiles.hcl")
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
	doc := plandoc.New(pl)
	out := t.TempDir()
	unlock, err := execute.LockOut(ctx, out, execute.Shard{}, nil) // as cdflow run does
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	res, err := execute.Run(ctx, pl, execute.Options{Out: out, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := release.PublishRun(ctx, pl, res, out, ""); err != nil {
		t.Fatal(err)
	}

	rows, _, err := schema.ReadTiles(ctx, filepath.Join(out, "run", "tiles.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	splitOf := map[string]string{}
	var splits []string
	for _, r := range rows {
		splitOf[r.TileID] = r.Split
		if !slices.Contains(splits, r.Split) {
			splits = append(splits, r.Split)
		}
	}
	templates := slices.Clone(doc.RunFiles)
	for _, p := range doc.Publish {
		templates = append(templates, p.Paths...)
	}
	planned := map[string]bool{}
	for _, tmpl := range templates {
		hasTile, hasSplit := strings.Contains(tmpl, "{tile}"), strings.Contains(tmpl, "{split}")
		switch {
		case hasTile:
			for id, s := range splitOf {
				planned[strings.NewReplacer("{tile}", id, "{split}", s).Replace(tmpl)] = true
			}
		case hasSplit:
			for _, s := range splits {
				planned[strings.ReplaceAll(tmpl, "{split}", s)] = true
			}
		default:
			planned[tmpl] = true
		}
	}
	found := map[string]bool{}
	err = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			r, _ := filepath.Rel(out, p)
			found[filepath.ToSlash(r)] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for f := range found {
		if !planned[f] {
			t.Errorf("the run wrote %s, which plan does not list", f)
		}
	}
	for f := range planned {
		if !found[f] {
			t.Errorf("plan lists %s, which the run did not write", f)
		}
	}
	if len(found) < 25*20 {
		t.Errorf("only %d files found", len(found))
	}
	t.Logf("%d files planned and written, from %d patterns", len(found), len(templates))
}
