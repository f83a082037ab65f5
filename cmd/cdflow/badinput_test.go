package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/plugins/publish"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

// The bad-input matrix: every case fails with exit code 1 and a message that
// names the file, block or tile and says what to do, and leaves the catalog
// of an earlier good run exactly as it was.

var badBase struct {
	once  sync.Once
	dir   string // scene + a good run's output in dir/scene/out
	err   error
	scene string
}

// goodScene makes a 0.4 km × 0.4 km scene in four sheets and publishes it once.
func goodScene(t *testing.T) string {
	t.Helper()
	badBase.once.Do(func() {
		badBase.dir, badBase.err = os.MkdirTemp("", "cdflow-badinput-")
		if badBase.err != nil {
			return
		}
		badBase.scene = filepath.Join(badBase.dir, "scene")
		if _, badBase.err = synth.Generate(context.Background(), synth.Options{Out: badBase.scene, ExtentKm: [2]float64{0.4, 0.4}, SheetKm: 0.2, Seed: 9}); badBase.err != nil {
			return
		}
		var stdout, stderr bytes.Buffer
		if code := Main([]string{"run", "-j", "2", filepath.Join(badBase.scene, "workflow.hcl"), "--out", filepath.Join(badBase.scene, "out")}, &stdout, &stderr); code != 0 {
			badBase.err = errors.New("good run failed: " + stderr.String())
		}
	})
	if badBase.err != nil {
		t.Fatal(badBase.err)
	}
	return badBase.scene
}

// copyTree copies a directory (files only, preserving layout).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

func treeListing(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = hex.EncodeToString(s[:])
		return nil
	})
	return out
}

func editWorkflow(t *testing.T, dir, old, new string) {
	t.Helper()
	p := filepath.Join(dir, "workflow.hcl")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("workflow has no %q", old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rewrite rewrites every file of a source folder through fn.
func rewrite[T raster.Pixel](t *testing.T, dir string, fn func(img *raster.Image[T]) *raster.Image[T]) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tif"))
	for _, f := range files {
		img, err := raster.ReadFile[T](context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if err := raster.WriteGeoTIFF(context.Background(), f, fn(img)); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func firstFile(t *testing.T, dir string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.tif"))
	if len(files) == 0 {
		t.Fatalf("no file in %s", dir)
	}
	return files[0]
}

func TestBadInputMatrix(t *testing.T) {
	base := goodScene(t)
	tests := []struct {
		name    string
		breakIt func(t *testing.T, dir string) // makes the input bad
		want    []string                       // all must appear on stderr
	}{
		{"missing file", func(t *testing.T, d string) {
			editWorkflow(t, d, `files    = ["dsm_t1/*.tif"]`, `files    = ["dsm_t1/dsm_2017.tif"]`)
		}, []string{"dsm_t1/dsm_2017.tif", "does not exist"}},
		{"empty glob", func(t *testing.T, d string) {
			editWorkflow(t, d, `files    = ["dsm_t1/*.tif"]`, `files    = ["dsm_2017/*.tif"]`)
		}, []string{"dsm_2017/*.tif", "matches no file"}},
		{"not a raster", func(t *testing.T, d string) {
			os.WriteFile(firstFile(t, filepath.Join(d, "dsm_t1")), []byte("elevation,x,y\n"), 0o644)
		}, []string{"dsm_t1_E355000_N4610000.tif", "not a readable raster"}},
		{"truncated GeoTIFF", func(t *testing.T, d string) {
			f := firstFile(t, filepath.Join(d, "dsm_t1"))
			st, _ := os.Stat(f)
			os.Truncate(f, st.Size()/2)
		}, []string{"dsm_t1_E355000_N4610000.tif", "truncated or corrupt", "replace it"}},
		{"DSM without CRS", func(t *testing.T, d string) {
			rewrite(t, filepath.Join(d, "dsm_t1"), func(img *raster.Image[float32]) *raster.Image[float32] {
				img.CRS = raster.CRS{}
				return img
			})
		}, []string{"source.dsm.t1", "no coordinate reference system", "-a_srs"}},
		{"epochs in different CRSs", func(t *testing.T, d string) {
			utm, _ := raster.CRSFromEPSG(32630)
			rewrite(t, filepath.Join(d, "dsm_t1"), func(img *raster.Image[float32]) *raster.Image[float32] {
				img.CRS = utm
				return img
			})
		}, []string{"source.dsm.t1", "EPSG:32630", "gdalwarp"}},
		{"non-overlapping epochs", func(t *testing.T, d string) {
			rewrite(t, filepath.Join(d, "dsm_t1"), func(img *raster.Image[float32]) *raster.Image[float32] {
				img.GeoTransform[0] += 100000
				return img
			})
		}, []string{"source.dsm.t1", "overlap"}},
		{"orthophoto not 3-band uint8", func(t *testing.T, d string) {
			rewrite(t, filepath.Join(d, "ortho_t1"), func(img *raster.Image[uint8]) *raster.Image[uint8] {
				img.Bands = img.Bands[:1]
				return img
			})
		}, []string{"source.orthophoto.t1", "1 band(s)", "red, green and blue"}},
		{"DSM in centimetres", func(t *testing.T, d string) {
			rewrite(t, filepath.Join(d, "dsm_t1"), func(img *raster.Image[float32]) *raster.Image[float32] {
				for i, v := range img.Bands[0] {
					if v != -9999 {
						img.Bands[0][i] = v * 100
					}
				}
				return img
			})
		}, []string{"tile E355", "not in one unit", "centimetres", "metres"}},
		{"tile size not a multiple of the resolution", func(t *testing.T, d string) {
			editWorkflow(t, d, "size = 200", "size = 200.3")
		}, []string{"200.3", "multiple"}},
		{"ratios not summing to 1", func(t *testing.T, d string) {
			editWorkflow(t, d, "val = 0.09", "val = 0.19")
		}, []string{"ratios", "1.1"}},
		{"output path escapes the output directory", func(t *testing.T, d string) {
			editWorkflow(t, d, `catalog = "catalog"`, `catalog = "../../catalog"`)
		}, []string{"../../catalog", "leaves the output directory"}},
		{"duplicate tile ids", func(t *testing.T, d string) {
			editWorkflow(t, d, "size = 200", "size = 200\n  id   = \"tile\"")
		}, []string{"not be unique", "{minx}"}},
		{"unsafe tile ids", func(t *testing.T, d string) {
			editWorkflow(t, d, "size = 200", "size = 200\n  id   = \"../{minx}_{miny}\"")
		}, []string{"Invalid tile id template"}},
		{"catalog directory not writable", func(t *testing.T, d string) {
			// Root ignores file modes, so the catalog is made a file: no
			// directory can be created or written in its place.
			os.RemoveAll(filepath.Join(d, "out", "catalog"))
			os.WriteFile(filepath.Join(d, "out", "catalog"), []byte("not a folder"), 0o444)
		}, []string{"catalog", "writable"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "scene")
			copyTree(t, base, dir)
			tc.breakIt(t, dir)
			before := treeListing(t, filepath.Join(dir, "out", "catalog"))
			var stdout, stderr bytes.Buffer
			code := Main([]string{"run", "-j", "2", filepath.Join(dir, "workflow.hcl"), "--out", filepath.Join(dir, "out")}, &stdout, &stderr)
			msg := stderr.String()
			if code != exitFailure {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", code, msg)
			}
			t.Logf("stderr: %s", msg)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", msg)
			}
			after := treeListing(t, filepath.Join(dir, "out", "catalog"))
			if len(before) != len(after) {
				t.Fatalf("catalog changed: %d files before, %d after", len(before), len(after))
			}
			for k, v := range before {
				if after[k] != v {
					t.Errorf("catalog file %s changed", k)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "out", "catalog", ".staging")); err == nil {
				t.Error("a staging folder was left")
			}
		})
	}
}

// TestDiskFullDuringPublish fills the catalog's file system mid-publish: a
// size-limited tmpfs when this machine lets us mount one, else a fault
// injected where the release is written. The catalog stays as it was.
func TestDiskFullDuringPublish(t *testing.T) {
	base := goodScene(t)
	dir := filepath.Join(t.TempDir(), "scene")
	copyTree(t, base, dir)
	editWorkflow(t, dir, `version = "1.0.0"`, `version = "2.0.0"`)
	good := filepath.Join(base, "out", "catalog")
	size := int64(0)
	for rel := range treeListing(t, good) {
		st, _ := os.Stat(filepath.Join(good, rel))
		size += st.Size()
	}
	mnt := filepath.Join(t.TempDir(), "small")
	os.MkdirAll(mnt, 0o755)
	// Room for the earlier release and half another: the new one cannot fit.
	opt := "size=" + strconv.FormatInt(size*3/2/1024+64, 10) + "k"
	if exec.Command("mount", "-t", "tmpfs", "-o", opt, "tmpfs", mnt).Run() == nil {
		t.Cleanup(func() { exec.Command("umount", mnt).Run() })
		root := filepath.Join(mnt, "catalog")
		copyTree(t, good, root)
		editWorkflow(t, dir, `catalog = "catalog"`, `catalog = "`+root+`"`)
		before := treeListing(t, root)
		var stdout, stderr bytes.Buffer
		code := Main([]string{"run", "-j", "2", filepath.Join(dir, "workflow.hcl"), "--out", filepath.Join(dir, "out")}, &stdout, &stderr)
		if code != exitFailure || !strings.Contains(stderr.String(), "no space left on device") {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
		}
		sameTree(t, before, treeListing(t, root))
		t.Logf("disk full on a %s tmpfs: %s", opt, strings.TrimSpace(stderr.String()))
		return
	}
	// No mount here: inject ENOSPC once the release is staged.
	root := filepath.Join(dir, "out", "catalog")
	before := treeListing(t, root)
	rel := releaseOf(t, dir)
	_, err := catalog.Publish(context.Background(), root, rel, catalog.Options{Hook: func(stage string) error {
		if stage == catalog.StageStaged {
			return &os.PathError{Op: "write", Path: root, Err: syscall.ENOSPC}
		}
		return nil
	}})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("publish: %v", err)
	}
	after := treeListing(t, root)
	for k := range after {
		if strings.HasPrefix(k, ".staging") || k == ".lock" {
			delete(after, k)
		}
	}
	sameTree(t, before, after)
	t.Log("disk full simulated by fault injection: mounting a tmpfs is not permitted here")
}

func sameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("catalog changed: %d files before, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("catalog file %s changed", k)
		}
	}
}

// releaseOf runs a scene's workflow and returns its release, unpublished.
func releaseOf(t *testing.T, dir string) *catalog.Release {
	t.Helper()
	ctx := context.Background()
	w, diags := workflows.NewParser(nil).Load(filepath.Join(dir, "workflow.hcl"), workflows.InputValues{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	plan, diags := plans.New(ctx, w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	out := filepath.Join(dir, "out")
	res, err := execute.Run(ctx, plan, execute.Options{Out: out, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := release.Finish(ctx, plan, res)
	if err != nil {
		t.Fatal(err)
	}
	r, err := release.Assemble(plan, res, sum, out, "")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := publish.CatalogRelease(r, plugins.ReleaseProducts(r.Products))
	if err != nil {
		t.Fatal(err)
	}
	return rel
}
