package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/internal/memlimit"
)

// mustCdflow runs the command in-process, fails the test on a non-zero
// exit, and returns what it wrote on stderr.
func mustCdflow(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Main(args, &out, &errb); code != exitOK {
		t.Fatalf("cdflow %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return errb.String()
}

// sameFolder fails unless two folders hold the same files with the same bytes.
func sameFolder(t *testing.T, want, got string) {
	t.Helper()
	files := func(root string) map[string][]byte {
		m := map[string][]byte{}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			m[rel] = b
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := files(want), files(got)
	if len(a) == 0 {
		t.Fatalf("%s is empty", want)
	}
	for p, wb := range a {
		gb, ok := b[p]
		switch {
		case !ok:
			t.Errorf("%s: missing in %s", p, got)
		case !bytes.Equal(wb, gb):
			t.Errorf("%s differs", p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			t.Errorf("%s: extra in %s", p, got)
		}
	}
}

// TestShardsMergeEqualSingleRun runs a scene on one machine, then as 4
// shards (in 4 folders, as pods without a shared volume, and in one shared
// folder), merges them, and checks that the catalog and the tables are the
// single run's, byte for byte.
func TestShardsMergeEqualSingleRun(t *testing.T) {
	dir := t.TempDir()
	scene := filepath.Join(dir, "scene")
	mustCdflow(t, "synth", "--out", scene, "--extent-km", "0.6x0.6", "--sheet-km", "0.3", "--seed", "5")
	wf := filepath.Join(scene, "workflow.hcl")
	single := filepath.Join(dir, "single")
	mustCdflow(t, "run", "--out", single, wf)

	var shardDirs []string
	shared := filepath.Join(dir, "shared")
	for i := range 4 {
		d := filepath.Join(dir, fmt.Sprintf("shard%d", i))
		shardDirs = append(shardDirs, d)
		mustCdflow(t, "run", "--shard", fmt.Sprintf("%d/4", i), "--out", d, wf)
		mustCdflow(t, "run", "--shard", fmt.Sprintf("%d/4", i), "--out", shared, wf)
	}
	if _, err := os.Stat(filepath.Join(shardDirs[0], "catalog")); err == nil {
		t.Error("a shard published a catalog")
	}
	merged := filepath.Join(dir, "merged")
	stderr := mustCdflow(t, append([]string{"merge", "--out", merged, wf}, shardDirs...)...)
	// Publishing a national release takes most of an hour: the merge says
	// how far it is, as it does for the tiles.
	items, _ := filepath.Glob(filepath.Join(merged, "catalog", "*", "*", "items", "*", "*.json"))
	for _, block := range []string{"publish.stac.catalog", "publish.parquet.stats"} {
		if want := fmt.Sprintf("%s: %d/%d items done", block, len(items), len(items)); len(items) == 0 || !strings.Contains(stderr, want) ||
			!strings.Contains(stderr, fmt.Sprintf("%s: %d items to process", block, len(items))) {
			t.Errorf("merge of %d items did not report publishing them (want %q):\n%s", len(items), want, stderr)
		}
	}
	if !strings.Contains(stderr, "statistics and split of 9 tiles\n") { // 0.6 × 0.6 km of 200 m tiles
		t.Errorf("merge did not say it computes the statistics and the split of its 9 tiles:\n%s", stderr)
	}
	if strings.Contains(stderr, "warning: a merge of") {
		t.Errorf("a merge of 9 tiles warned that memory is short:\n%s", stderr)
	}
	// In a cgroup whose limit is below what the tiles need, the merge
	// says so before it starts, and goes on.
	defer func(f func() (int64, string)) { memoryLimit = f }(memoryLimit)
	memoryLimit = func() (int64, string) { return 32 << 20, memlimit.ByCgroup }
	heap := filepath.Join(dir, "merge.heap")
	stderr = mustCdflow(t, "merge", "-memprofile", heap, "--out", shared, wf)
	if want := "cdflow: warning: a merge of 9 tiles needs about 97 MiB of memory, and this process may use 32 MiB (its cgroup's memory limit)"; !strings.HasPrefix(stderr, want) {
		t.Errorf("a merge limited to 32 MiB did not start by warning %q:\n%s", want, stderr)
	}
	if b, err := os.ReadFile(heap); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("merge -memprofile wrote no gzipped profile (%d bytes, %v)", len(b), err)
	}

	for _, got := range []string{merged, shared} {
		sameFolder(t, filepath.Join(single, "catalog"), filepath.Join(got, "catalog"))
		for _, f := range []string{"run/tiles.parquet", "run/splits.parquet", "tiles.parquet", "splits.parquet"} {
			a, err1 := os.ReadFile(filepath.Join(single, f))
			b, err2 := os.ReadFile(filepath.Join(got, f))
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("%s of %s differs from the single run's (%v, %v)", f, got, err1, err2)
			}
		}
	}
}

func TestMergeRefusesIncompleteShards(t *testing.T) {
	dir := t.TempDir()
	scene := filepath.Join(dir, "scene")
	mustCdflow(t, "synth", "--out", scene, "--extent-km", "0.4x0.4", "--sheet-km", "0.4")
	wf := filepath.Join(scene, "workflow.hcl")
	var dirs []string
	for i := range 3 {
		d := filepath.Join(dir, fmt.Sprintf("s%d", i))
		dirs = append(dirs, d)
		mustCdflow(t, "run", "--shard", fmt.Sprintf("%d/3", i), "--out", d, wf)
	}
	other := filepath.Join(dir, "other")
	mustCdflow(t, "run", "--shard", "1/2", "--out", other, wf)
	// The same scene with another threshold: its tiles differ.
	b, err := os.ReadFile(wf)
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(scene, "changed.hcl")
	if err := os.WriteFile(changed, bytes.Replace(b, []byte("min_abs         = 1.0"), []byte("min_abs         = 1.5"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, wf string
		dirs     []string
		want     string
		once     bool // the message must not repeat per shard
	}{
		{"missing shard", wf, dirs[:2], "shard 2/3 is missing", false},
		{"mixed shard counts", wf, append(append([]string{}, dirs...), other), "is shard 1 of 2", false},
		{"no partial results", wf, []string{scene}, "holds no partial results", false},
		{"another workflow", changed, dirs, "3 of the 3 shard manifests (", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"merge", "--out", filepath.Join(dir, "merged-"+strings.ReplaceAll(tc.name, " ", "-")), tc.wf}, tc.dirs...)
			if code := Main(args, &out, &errb); code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s", code, exitFailure, errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("stderr %q does not say %q", errb.String(), tc.want)
			}
			if n := strings.Count(errb.String(), "from another workflow"); tc.once && n != 1 {
				t.Errorf("stderr says %d times that shards come from another workflow, want once:\n%s", n, errb.String())
			}
		})
	}
	// A workflow naming its files by absolute paths, run as shards by its
	// absolute path, merges when named relatively from its folder.
	t.Run("relative workflow path", func(t *testing.T) {
		abs := filepath.Join(scene, "absolute.hcl")
		if err := os.WriteFile(abs, bytes.ReplaceAll(b, []byte(`files    = ["`), []byte(`files    = ["`+scene+`/`)), 0o644); err != nil {
			t.Fatal(err)
		}
		var dirs []string
		for i := range 2 {
			d := filepath.Join(dir, fmt.Sprintf("abs%d", i))
			dirs = append(dirs, d)
			mustCdflow(t, "run", "--shard", fmt.Sprintf("%d/2", i), "--out", d, abs)
		}
		t.Chdir(scene)
		mustCdflow(t, append([]string{"merge", "--out", filepath.Join(dir, "merged-relative"), "absolute.hcl"}, dirs...)...)
	})
	var out, errb bytes.Buffer
	if code := Main([]string{"run", "--shard", "4/4", wf}, &out, &errb); code != exitUsage {
		t.Errorf("--shard 4/4: exit %d, want %d", code, exitUsage)
	}
}
