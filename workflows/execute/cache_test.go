package execute_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/workflows/execute"
)

// TestChangedThresholdRedoesOnlyWhatDependsOnIt reruns a finished run with
// another min_area: the threshold's and the change mask's files are
// rewritten, the windows and ΔH are not (same inode), and the new products
// equal a fresh run's.
func TestChangedThresholdRedoesOnlyWhatDependsOnIt(t *testing.T) {
	ctx := context.Background()
	dir := sceneDir(t)
	out := t.TempDir()
	first, err := execute.Run(ctx, plan(t, dir, denoised), execute.Options{Out: out, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if first.Processed != 25 || first.Cached != 0 {
		t.Fatalf("first run: %d processed, %d cached", first.Processed, first.Cached)
	}
	stat := func(name string) map[string]os.FileInfo {
		m := map[string]os.FileInfo{}
		for _, tr := range first.Tiles {
			st, err := os.Stat(filepath.Join(out, tr.Products[name]))
			if err != nil {
				t.Fatal(err)
			}
			m[tr.Tile.ID] = st
		}
		return m
	}
	before := map[string]map[string]os.FileInfo{}
	for _, name := range []string{"t0", "t1", "dsm_t0", "dsm_t1", "dh", "cd3d", "cd2d"} {
		before[name] = stat(name)
	}
	// Nothing changed: every tile comes from the first run.
	again, err := execute.Run(ctx, plan(t, dir, denoised), execute.Options{Out: out, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if again.Processed != 0 || again.Cached != 25 {
		t.Fatalf("unchanged rerun: %d processed, %d cached", again.Processed, again.Cached)
	}
	changed := denoisedWith("min_area       = 20", "min_area       = 40")
	second, err := execute.Run(ctx, plan(t, dir, changed), execute.Options{Out: out, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if second.Processed != 25 {
		t.Fatalf("changed threshold: %d processed, %d cached", second.Processed, second.Cached)
	}
	for name, sts := range before {
		rewritten := name == "cd3d" || name == "cd2d"
		for id, st := range sts {
			now, err := os.Stat(filepath.Join(out, "run", "tiles", id, name+".tif"))
			if err != nil {
				t.Fatal(err)
			}
			if os.SameFile(st, now) == rewritten {
				t.Errorf("tile %s: %s rewritten = %v, want %v", id, name, !os.SameFile(st, now), rewritten)
			}
		}
	}
	// The products equal a fresh run's.
	freshOut := t.TempDir()
	fresh, err := execute.Run(ctx, plan(t, dir, changed), execute.Options{Out: freshOut, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range fresh.Tiles {
		for name, p := range tr.Products {
			a, _ := os.ReadFile(filepath.Join(freshOut, p))
			b, _ := os.ReadFile(filepath.Join(out, second.Tiles[i].Products[name]))
			if string(a) != string(b) {
				t.Errorf("tile %s: %s differs from a fresh run's", tr.Tile.ID, name)
			}
		}
		if tr.Stats.ChangedPixels3D != second.Tiles[i].Stats.ChangedPixels3D {
			t.Errorf("tile %s: statistics differ from a fresh run's", tr.Tile.ID)
		}
	}
	// -fresh redoes everything.
	all, err := execute.Run(ctx, plan(t, dir, changed), execute.Options{Out: out, Jobs: 2, Fresh: true})
	if err != nil {
		t.Fatal(err)
	}
	if all.Processed != 25 || all.Cached != 0 {
		t.Errorf("fresh run: %d processed, %d cached", all.Processed, all.Cached)
	}
}

func denoisedWith(old, new string) string {
	if !strings.Contains(denoised, old) {
		panic("denoised workflow has no " + old)
	}
	return strings.Replace(denoised, old, new, 1)
}
