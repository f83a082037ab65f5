package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cdflow/cdflow/raster"
)

// The mistakes, races and tampering that once gave a wrong release with
// exit code 0: each now stops with exit code 1 and one clear message naming
// the culprit and what to do, before anything is published (the earlier
// good catalog stays byte-identical), or does the right thing.

// runIn runs cdflow with args in dir's scene and returns the exit code and
// stderr; out is the scene's out folder unless args name another.
func runIn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestTrustMatrix(t *testing.T) {
	base := goodScene(t)
	tests := []struct {
		name    string
		cmd     string // run (default) or validate
		breakIt func(t *testing.T, dir string)
		want    []string
	}{
		{name: "both DSMs as int16 decimetres", breakIt: func(t *testing.T, d string) {
			for _, e := range []string{"dsm_t0", "dsm_t1"} {
				toInt16Decimetres(t, filepath.Join(d, e))
			}
		}, want: []string{"implausible on", "tiles", "not in one unit", "decimetres", "nothing was published"}},
		{name: "the same DSM file for both epochs", breakIt: func(t *testing.T, d string) {
			editWorkflow(t, d, `files    = ["dsm_t1/*.tif"]`, `files    = ["dsm_t0/*.tif"]`)
		}, want: []string{"source.dsm.t1", "same file", "Point source.dsm.t1 at the other epoch's files"}},
		{name: "a link to the other epoch's DSM", breakIt: func(t *testing.T, d string) {
			os.RemoveAll(filepath.Join(d, "dsm_t1"))
			if err := os.Symlink(filepath.Join(d, "dsm_t0"), filepath.Join(d, "dsm_t1")); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"source.dsm.t1", "same file"}},
		{name: "a copy of the other epoch's DSM", breakIt: func(t *testing.T, d string) {
			os.RemoveAll(filepath.Join(d, "dsm_t1"))
			copyTree(t, filepath.Join(d, "dsm_t0"), filepath.Join(d, "dsm_t1"))
		}, want: []string{"source.dsm.t1", "same bytes"}},
		{name: "an orthophoto epoch offset by 0.125 m", breakIt: func(t *testing.T, d string) {
			rewrite(t, filepath.Join(d, "ortho_t1"), func(img *raster.Image[uint8]) *raster.Image[uint8] {
				img.GeoTransform[0] += 0.125
				return img
			})
		}, want: []string{"source.orthophoto.t1", "offset by 0.125 m", "gdalwarp", "-tap"}},
		{name: "the later epoch dated before the earlier", breakIt: func(t *testing.T, d string) {
			editWorkflow(t, d, `datetime = "2017-08-24T11:30:00Z"`, `datetime = "2009-08-24T11:30:00Z"`)
		}, want: []string{"source.orthophoto.t1", "dated 2009-08-24", "not t1 as its name says"}},
		{name: "a dataset named catalog.json", cmd: "validate", breakIt: func(t *testing.T, d string) {
			editWorkflow(t, d, `dataset "synth-seed9"`, `dataset "catalog.json"`)
		}, want: []string{"Reserved dataset name", "catalog.json"}},
		{name: "an empty version", cmd: "validate", breakIt: func(t *testing.T, d string) {
			editWorkflow(t, d, `version = "1.0.0"`, `version = ""`)
		}, want: []string{"Invalid dataset version", "empty"}},
		{name: "a subset STAC does not know", cmd: "validate", breakIt: func(t *testing.T, d string) {
			editWorkflow(t, d, "val = 0.09", "holdout = 0.09")
		}, want: []string{"Unknown subset", "holdout", "train, test or val"}},
		{name: "too many tiles (1 m tiles, a limit of 100 000)", cmd: "plan", breakIt: func(t *testing.T, d string) {
			editWorkflow(t, d, "size = 200", "size = 1")
		}, want: []string{"Too many tiles", "160000 tiles", "--max-tiles 160000"}},
		{name: "a rotated geotransform", breakIt: func(t *testing.T, d string) {
			rotate(t, firstFile(t, filepath.Join(d, "dsm_t1")))
		}, want: []string{"dsm_t1_E355000_N4610000.tif", "rotated", "north-up"}},
		{name: "an undeclared -32767 nodata", breakIt: func(t *testing.T, d string) {
			rewrite(t, filepath.Join(d, "dsm_t1"), func(img *raster.Image[float32]) *raster.Image[float32] {
				for i := range img.Width * 10 {
					img.Bands[0][i] = -32767
				}
				img.HasNoData = false
				return img
			})
		}, want: []string{"-32767", "nodata", "declare it in the source block (nodata = -32767)"}},
		{name: "file() outside the workflow's folder", cmd: "validate", breakIt: func(t *testing.T, d string) {
			editWorkflow(t, d, `license = "CC0-1.0"`, `license = "CC0-1.0"
  description = file("/etc/hostname")`)
		}, want: []string{"/etc/hostname", "outside the workflow's folder", "-allow-path"}},
		{name: "a publish folder made a link out of --out", breakIt: func(t *testing.T, d string) {
			outside := t.TempDir()
			os.RemoveAll(filepath.Join(d, "out", "catalog"))
			if err := os.Symlink(outside, filepath.Join(d, "out", "catalog")); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"symbolic link", "outside the output directory"}},
		{name: "nested brackets", cmd: "validate", breakIt: func(t *testing.T, d string) {
			editWorkflow(t, d, `license = "CC0-1.0"`, `license = "CC0-1.0"
  keywords = `+strings.Repeat("[", 60000)+strings.Repeat("]", 60000))
		}, want: []string{"Nesting too deep", "100 levels"}},
		{name: "a binary file", cmd: "validate", breakIt: func(t *testing.T, d string) {
			b := make([]byte, 3000)
			for i := range b {
				b[i] = byte(i * 7)
			}
			os.WriteFile(filepath.Join(d, "workflow.hcl"), b, 0o644)
		}, want: []string{"Not a workflow file", "binary data"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "scene")
			copyTree(t, base, dir)
			tc.breakIt(t, dir)
			catalogDir := filepath.Join(dir, "out", "catalog")
			before := treeListing(t, catalogDir)
			args := []string{"run", "-j", "2", filepath.Join(dir, "workflow.hcl"), "--out", filepath.Join(dir, "out")}
			switch tc.cmd {
			case "validate":
				args = []string{"validate", filepath.Join(dir, "workflow.hcl")}
			case "plan":
				args = []string{"plan", "--max-tiles", "100000", filepath.Join(dir, "workflow.hcl")}
			}
			code, _, msg := runIn(t, args...)
			if code != exitFailure {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", code, msg)
			}
			t.Logf("stderr: %s", firstLines(msg, 8))
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, firstLines(msg, 20))
				}
			}
			if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", msg)
			}
			if n := strings.Count(msg, "\n"); n > 40 {
				t.Errorf("%d lines of diagnostics", n)
			}
			sameTree(t, before, treeListing(t, catalogDir))
		})
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// toInt16Decimetres rewrites a DSM folder's files as int16 decimetres
// without a scale: a plausible delivery read as metres by mistake.
func toInt16Decimetres(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tif"))
	for _, f := range files {
		img, err := raster.ReadFile[float32](context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out := raster.NewImage[int16](img.Grid, 1)
		out.NoData, out.HasNoData = -32768, true
		for i, v := range img.Bands[0] {
			if img.HasNoData && float64(v) == img.NoData {
				out.Bands[0][i] = -32768
				continue
			}
			out.Bands[0][i] = int16(math.Round(float64(v) * 10))
		}
		if err := raster.WriteGeoTIFF(context.Background(), f, out); err != nil {
			t.Fatal(err)
		}
	}
}

// rotate gives a file a rotated geotransform, as some scanners' georeferencing does.
func rotate(t *testing.T, f string) {
	t.Helper()
	img, err := raster.ReadFile[float32](context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	img.GeoTransform[2], img.GeoTransform[4] = 0.05, 0.05
	if err := raster.WriteGeoTIFF(context.Background(), f, img); err != nil {
		t.Fatal(err)
	}
}

// Two runs of different workflows on one --out at once take turns: each
// release holds exactly its own workflow's products, byte for byte those of
// a run alone.
func TestConcurrentRunsDoNotMix(t *testing.T) {
	base := goodScene(t)
	dir := filepath.Join(t.TempDir(), "scene")
	copyTree(t, base, dir)
	os.RemoveAll(filepath.Join(dir, "out"))
	wf := filepath.Join(dir, "workflow.hcl")
	src, err := os.ReadFile(wf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "min_abs         = 1.0") {
		t.Fatal("workflow.hcl has no min_abs = 1.0 line to vary")
	}
	variant := func(name, minAbs, version string) string {
		s := strings.Replace(string(src), "min_abs         = 1.0", "min_abs         = "+minAbs, 1)
		s = strings.Replace(s, `version = "1.0.0"`, `version = "`+version+`"`, 1)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := variant("a.hcl", "1.0", "1.1.0"), variant("b.hcl", "3.0", "1.2.0")
	out := filepath.Join(dir, "out")
	var wg sync.WaitGroup
	codes := make([]int, 2)
	errs := make([]string, 2)
	for i, w := range []string{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, errs[i] = runIn(t, "run", "-j", "1", w, "--out", out)
		}()
	}
	wg.Wait()
	for i := range codes {
		if codes[i] != 0 {
			t.Fatalf("run %d: exit %d\n%s", i, codes[i], errs[i])
		}
	}
	if !strings.Contains(errs[0]+errs[1], "another cdflow run is using") {
		t.Logf("the runs did not overlap (no wait reported): %q %q", errs[0], errs[1])
	}
	// Each release equals the same workflow run alone.
	for _, c := range []struct{ wf, version string }{{a, "1.1.0"}, {b, "1.2.0"}} {
		alone := t.TempDir()
		if code, _, msg := runIn(t, "run", "-j", "2", c.wf, "--out", alone); code != 0 {
			t.Fatal(msg)
		}
		got := treeListing(t, filepath.Join(out, "catalog", "synth-seed9", c.version))
		want := treeListing(t, filepath.Join(alone, "catalog", "synth-seed9", c.version))
		for k, v := range want {
			if strings.HasSuffix(k, "collection.json") {
				continue // version links differ: the shared catalog has both releases
			}
			if got[k] != v {
				t.Errorf("release %s: %s differs from the same workflow run alone", c.version, k)
			}
		}
	}
}

// A cache file damaged after a run is not reused: the next run notices
// (size and checksum in the tile manifest) and redoes it.
func TestDamagedCacheIsRedone(t *testing.T) {
	base := goodScene(t)
	dir := filepath.Join(t.TempDir(), "scene")
	copyTree(t, base, dir)
	// A first run in the copy: its paths differ from the scene's, so every
	// tile is done again here and the cache is the copy's own.
	wf, out := filepath.Join(dir, "workflow.hcl"), filepath.Join(dir, "out")
	if code, _, msg := runIn(t, "run", "-j", "2", wf, "--out", out); code != 0 {
		t.Fatal(msg)
	}
	tiles, _ := filepath.Glob(filepath.Join(dir, "out", "run", "tiles", "*", "cd3d.tif"))
	if len(tiles) == 0 {
		t.Fatal("no cached cd3d")
	}
	good, err := os.ReadFile(tiles[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(tiles[0], 100); err != nil {
		t.Fatal(err)
	}
	editWorkflow(t, dir, `version = "1.0.0"`, `version = "1.0.1"`)
	code, stdout, msg := runIn(t, "run", "-j", "2", wf, "--out", out)
	if code != 0 {
		t.Fatal(msg)
	}
	if !strings.Contains(stdout, "processed 1 tiles") {
		t.Errorf("the damaged tile was not redone alone:\n%s", stdout)
	}
	tile := filepath.Base(filepath.Dir(tiles[0]))
	published, err := os.ReadFile(filepath.Join(dir, "out", "catalog", "synth-seed9", "1.0.1", "items", tile, "cd3d.tif"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(published, good) {
		t.Errorf("the new release's cd3d of %s (%d bytes) is not the product (%d bytes)", tile, len(published), len(good))
	}
	// And stac validate sees a published file changed afterwards.
	if err := os.Truncate(filepath.Join(dir, "out", "catalog", "synth-seed9", "1.0.1", "items", tile, "cd3d.tif"), 100); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runIn(t, "stac", "validate", filepath.Join(dir, "out", "catalog"))
	if code != exitFailure || !strings.Contains(stdout, "file:size says") || !strings.Contains(stdout, "1 assets missing or changed") {
		t.Errorf("stac validate on a tampered release: exit %d\n%s", code, stdout)
	}
}

// Settings that would fail later in a misleading way are refused at once.
func TestBadEnvironment(t *testing.T) {
	base := goodScene(t)
	for _, tc := range []struct {
		env, value string
		want       []string
	}{
		{"GDAL_CACHEMAX", "-5", []string{"GDAL_CACHEMAX=\"-5\"", "positive size"}},
		{"GDAL_MAX_DATASET_POOL_SIZE", "lots", []string{"GDAL_MAX_DATASET_POOL_SIZE", "positive number"}},
		{"SOURCE_DATE_EPOCH", "yesterday", []string{"SOURCE_DATE_EPOCH=\"yesterday\"", "seconds since 1970"}},
	} {
		t.Run(tc.env, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "scene")
			copyTree(t, base, dir)
			before := treeListing(t, filepath.Join(dir, "out"))
			t.Setenv(tc.env, tc.value)
			code, _, msg := runIn(t, "run", filepath.Join(dir, "workflow.hcl"), "--out", filepath.Join(dir, "out"))
			if code != exitFailure {
				t.Fatalf("exit %d\n%s", code, msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr does not say %q:\n%s", w, msg)
				}
			}
			sameTree(t, before, treeListing(t, filepath.Join(dir, "out")))
		})
	}
}

// Files a run writes all follow the umask, GDAL's and cdflow's alike.
func TestFileModesFollowUmask(t *testing.T) {
	base := goodScene(t)
	dir := filepath.Join(t.TempDir(), "scene")
	copyTree(t, base, dir)
	os.RemoveAll(filepath.Join(dir, "out"))
	bin := buildCdflow(t)
	cmd := exec.Command("sh", "-c", "umask 027 && exec "+bin+" run -j 2 "+filepath.Join(dir, "workflow.hcl")+" --out "+filepath.Join(dir, "out"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	modes := map[os.FileMode][]string{}
	filepath.WalkDir(filepath.Join(dir, "out"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			st, _ := d.Info()
			modes[st.Mode().Perm()] = append(modes[st.Mode().Perm()], filepath.Base(p))
		}
		return err
	})
	if len(modes) != 1 || modes[0o640] == nil {
		for m, files := range modes {
			t.Errorf("mode %o: %d files, e.g. %v", m, len(files), files[:min(3, len(files))])
		}
	}
}

var built struct {
	once sync.Once
	path string
	err  error
}

// buildCdflow builds the command once for the tests that need a process.
func buildCdflow(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "cdflow-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "cdflow")
		_, file, _, _ := runtime.Caller(0)
		cmd := exec.Command("go", "build", "-o", built.path, ".")
		cmd.Dir = filepath.Dir(file)
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// A command stops within a second of SIGINT or SIGTERM, even while busy
// (here: waiting for a plugin that never answers).
func TestSignalsStopPromptly(t *testing.T) {
	base := goodScene(t)
	bin := buildCdflow(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "scene")
			copyTree(t, base, dir)
			hang := filepath.Join(dir, "hang.sh")
			os.WriteFile(hang, []byte("#!/bin/sh\nsleep 60\n"), 0o755)
			editWorkflow(t, dir, `tiling {`, `plugin "hang" { source = "hang.sh" }
tiling {`)
			cmd := exec.Command(bin, "validate", filepath.Join(dir, "workflow.hcl"))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
			sent := time.Now()
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			took := time.Since(sent)
			if took > time.Second {
				t.Errorf("stopped %v after %s", took, sig)
			}
			if err == nil || !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("exit %v, stderr %q", err, stderr.String())
			}
		})
	}
}

// The smaller cases: a shard tampered with before merge, tables of two runs
// mixed, versions with build metadata, DSMs half a pixel off the orthophotos.
func TestTrustSmaller(t *testing.T) {
	base := goodScene(t)
	scene := func(t *testing.T) (dir, wf, out string) {
		dir = filepath.Join(t.TempDir(), "scene")
		copyTree(t, base, dir)
		return dir, filepath.Join(dir, "workflow.hcl"), filepath.Join(dir, "out")
	}
	t.Run("a shard's product swapped for another tile's", func(t *testing.T) {
		dir, wf, _ := scene(t)
		var shards []string
		for i := range 2 {
			d := filepath.Join(dir, fmt.Sprintf("shard%d", i))
			shards = append(shards, d)
			mustCdflow(t, "run", "-j", "2", "--shard", fmt.Sprintf("%d/2", i), "--out", d, wf)
		}
		tiles, _ := filepath.Glob(filepath.Join(shards[0], "run", "tiles", "*", "cd3d.tif"))
		if len(tiles) < 2 {
			t.Fatalf("shard 0 holds %d tiles", len(tiles))
		}
		a, err := os.ReadFile(tiles[1])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tiles[0], a, 0o644); err != nil {
			t.Fatal(err)
		}
		merged := filepath.Join(dir, "merged")
		code, _, msg := runIn(t, append([]string{"merge", "--out", merged, wf}, shards...)...)
		tile := filepath.Base(filepath.Dir(tiles[0]))
		if code != exitFailure || !strings.Contains(msg, "tile "+tile) || !strings.Contains(msg, "changed since") || !strings.Contains(msg, "rerun that shard") {
			t.Errorf("exit %d\n%s", code, msg)
		}
		if _, err := os.Stat(filepath.Join(merged, "catalog")); err == nil {
			t.Error("a catalog was published from the tampered shard")
		}
	})
	t.Run("splits.parquet of another run", func(t *testing.T) {
		dir, wf, out := scene(t)
		editWorkflow(t, dir, "min_abs         = 1.0", "min_abs         = 3.0")
		editWorkflow(t, dir, `version = "1.0.0"`, `version = "1.1.0"`)
		mustCdflow(t, "run", "-j", "2", wf, "--out", out)
		release := filepath.Join(out, "catalog", "synth-seed9", "1.0.0")
		mixed := filepath.Join(dir, "mixed")
		copyTree(t, release, mixed)
		other, err := os.ReadFile(filepath.Join(out, "catalog", "synth-seed9", "1.1.0", "splits.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(mixed, "splits.parquet"), 0o644)
		if err := os.WriteFile(filepath.Join(mixed, "splits.parquet"), other, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, stdout, msg := runIn(t, "stats", release); code != 0 || !strings.Contains(stdout, "train") {
			t.Fatalf("stats of the release itself: exit %d\n%s", code, msg)
		}
		code, stdout, msg := runIn(t, "stats", mixed)
		if code != exitFailure || !strings.Contains(msg, "does not describe the tiles of") || !strings.Contains(msg, "different runs") {
			t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, msg)
		}
	})
	t.Run("a version with build metadata", func(t *testing.T) {
		dir, wf, out := scene(t)
		editWorkflow(t, dir, `version = "1.0.0"`, `version = "1.0.0+rebuild.1"`)
		mustCdflow(t, "run", "-j", "2", wf, "--out", out)
		code, stdout, msg := runIn(t, "diff", filepath.Join(out, "catalog"), "synth-seed9", "1.0.0", "1.0.0+rebuild.1")
		if code != 0 || !strings.Contains(stdout, "1.0.0 → 1.0.0+rebuild.1: no difference") {
			t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, msg)
		}
	})
	t.Run("DSMs half a pixel off the orthophotos", func(t *testing.T) {
		dir, wf, _ := scene(t)
		for _, e := range []string{"dsm_t0", "dsm_t1"} {
			rewrite(t, filepath.Join(dir, e), func(img *raster.Image[float32]) *raster.Image[float32] {
				img.GeoTransform[0] += 0.5
				return img
			})
		}
		code, _, msg := runIn(t, "plan", wf)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, msg)
		}
		for _, w := range []string{"Pixels off the tile grid", "source.dsm.t0", "source.dsm.t1", "offset by 0.5 m east-west", "gdalwarp -tr 1 1 -tap"} {
			if !strings.Contains(msg, w) {
				t.Errorf("plan does not warn %q:\n%s", w, msg)
			}
		}
	})
}
