package catalog_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/plugins/publish"
	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	wfrelease "github.com/cdflow/cdflow/workflows/release"
)

// fixture is a small run of the synthetic scene's own workflow, ready to publish.
var fixture struct {
	once sync.Once
	dir  string
	rel  *catalog.Release
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// buildRelease runs the synthetic scene's workflow into out and returns the release.
func buildRelease(ctx context.Context, scene, out string) (*catalog.Release, error) {
	w, diags := workflows.NewParser(nil).Load(filepath.Join(scene, "workflow.hcl"), workflows.InputValues{})
	if diags.HasErrors() {
		return nil, diags
	}
	plan, diags := plans.New(ctx, w, plans.Options{})
	if diags.HasErrors() {
		return nil, diags
	}
	res, err := execute.Run(ctx, plan, execute.Options{Out: out, Jobs: 2})
	if err != nil {
		return nil, err
	}
	sum, err := wfrelease.Finish(ctx, plan, res)
	if err != nil {
		return nil, err
	}
	r, err := wfrelease.Assemble(plan, res, sum, out, "")
	if err != nil {
		return nil, err
	}
	return publish.CatalogRelease(r, plugins.ReleaseProducts(r.Products))
}

func release(t *testing.T) *catalog.Release {
	t.Helper()
	fixture.once.Do(func() {
		fixture.dir, fixture.err = os.MkdirTemp("", "cdflow-catalog-")
		if fixture.err != nil {
			return
		}
		scene := filepath.Join(fixture.dir, "scene")
		if _, fixture.err = synth.Generate(context.Background(), synth.Options{Out: scene, ExtentKm: [2]float64{0.6, 0.4}, SheetKm: 0.6, Seed: 5}); fixture.err != nil {
			return
		}
		fixture.rel, fixture.err = buildRelease(context.Background(), scene, filepath.Join(fixture.dir, "out"))
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	// Each test gets its own copy of the tiles, to edit.
	r := *fixture.rel
	r.Tiles = append([]catalog.Tile(nil), fixture.rel.Tiles...)
	for i := range r.Tiles {
		s := *r.Tiles[i].Stats
		r.Tiles[i].Stats = &s
	}
	return &r
}

func validator(t *testing.T) *stac.Validator {
	t.Helper()
	dir, _ := stac.DefaultSchemaDir(os.Getenv)
	if missing := stac.MissingSchemas(dir); len(missing) > 0 {
		t.Fatalf("offline STAC schemas missing in %q (set %s): %v", dir, stac.SchemaDirEnv, missing[:min(3, len(missing))])
	}
	v, err := stac.NewValidator(dir)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func assertValid(t *testing.T, v *stac.Validator, root string) {
	t.Helper()
	rep, err := v.Validate(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range rep.Invalid {
		t.Errorf("invalid: %s", inv)
	}
	if rep.Objects < 4 {
		t.Errorf("only %d objects reachable", rep.Objects)
	}
}

// listing maps every file under dir to its sha256, for before/after checks.
func listing(t *testing.T, dir string) map[string]string {
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
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	return out
}

func sameListing(t *testing.T, a, b map[string]string) {
	t.Helper()
	var diffs []string
	for k, v := range a {
		if b[k] != v {
			diffs = append(diffs, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			diffs = append(diffs, k)
		}
	}
	slices.Sort(diffs)
	if len(diffs) > 0 {
		t.Errorf("catalog changed: %v", diffs[:min(5, len(diffs))])
	}
}

func links(t *testing.T, path string) map[string]string {
	t.Helper()
	var doc struct {
		Links []struct{ Rel, Href string }
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range doc.Links {
		out[l.Rel] = l.Href
	}
	return out
}

func TestPublishVersions(t *testing.T) {
	ctx := context.Background()
	v := validator(t)
	root := t.TempDir()

	v1 := release(t)
	v1.Version = "1.0.0"
	p, err := catalog.Publish(ctx, root, v1, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.NoOp {
		t.Error("first publish reported a no-op")
	}
	assertValid(t, v, root)
	before := listing(t, root)

	// The same release again: nothing changes.
	again := release(t)
	again.Version = "1.0.0"
	p, err = catalog.Publish(ctx, root, again, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.NoOp {
		t.Error("republishing the same release was not a no-op")
	}
	sameListing(t, before, listing(t, root))

	// Different content under the same version is refused, the catalog untouched.
	changed := release(t)
	changed.Version = "1.0.0"
	changed.Title += " (edited)"
	_, err = catalog.Publish(ctx, root, changed, catalog.Options{})
	if !errors.Is(err, catalog.ErrReleaseExists) {
		t.Fatalf("publishing changed content as 1.0.0: %v", err)
	}
	if !strings.Contains(err.Error(), "bump `version`") || !strings.Contains(err.Error(), "1.0.1") {
		t.Errorf("error does not say how to bump the version: %v", err)
	}
	sameListing(t, before, listing(t, root))

	// A new version links both ways; the root has one child per dataset.
	v11 := release(t)
	v11.Version = "1.1.0"
	v11.Title += " (edited)"
	if _, err := catalog.Publish(ctx, root, v11, catalog.Options{}); err != nil {
		t.Fatal(err)
	}
	assertValid(t, v, root)
	ds := v1.Dataset
	l1 := links(t, filepath.Join(root, ds, "1.0.0", "collection.json"))
	l2 := links(t, filepath.Join(root, ds, "1.1.0", "collection.json"))
	if l1["successor-version"] != "../1.1.0/collection.json" || l1["latest-version"] != "../1.1.0/collection.json" || l1["predecessor-version"] != "" {
		t.Errorf("1.0.0 links: %v", l1)
	}
	if l2["predecessor-version"] != "../1.0.0/collection.json" || l2["latest-version"] != "../1.1.0/collection.json" || l2["successor-version"] != "" {
		t.Errorf("1.1.0 links: %v", l2)
	}
	// The old release's files did not change, only its version links.
	after := listing(t, root)
	for k, sum := range before {
		if strings.HasPrefix(k, filepath.Join(ds, "1.0.0")) && k != filepath.Join(ds, "1.0.0", "collection.json") && after[k] != sum {
			t.Errorf("released file %s changed", k)
		}
	}

	// Deprecating a release is metadata, not content: allowed in place.
	dep := release(t)
	dep.Version, dep.Deprecated = "1.0.0", true
	if p, err := catalog.Publish(ctx, root, dep, catalog.Options{}); err != nil || !p.NoOp {
		t.Fatalf("deprecate 1.0.0: %v (no-op %v)", err, p != nil && p.NoOp)
	}
	b, _ := os.ReadFile(filepath.Join(root, ds, "1.0.0", "collection.json"))
	if !strings.Contains(string(b), `"deprecated": true`) {
		t.Error("1.0.0 not marked deprecated")
	}
	assertValid(t, v, root)
}

// TestChecksumsMatchFiles checks every file:checksum and file:size of every item.
func TestChecksumsMatchFiles(t *testing.T) {
	root := t.TempDir()
	rel := release(t)
	if _, err := catalog.Publish(context.Background(), root, rel, catalog.Options{}); err != nil {
		t.Fatal(err)
	}
	items, _ := filepath.Glob(filepath.Join(root, rel.Dataset, rel.Version, "items", "*", "*.json"))
	if len(items) != len(rel.Tiles) {
		t.Fatalf("%d items for %d tiles", len(items), len(rel.Tiles))
	}
	checked := 0
	for _, it := range items {
		var doc struct {
			Assets map[string]struct {
				Href     string `json:"href"`
				Checksum string `json:"file:checksum"`
				Size     int64  `json:"file:size"`
			} `json:"assets"`
		}
		b, _ := os.ReadFile(it)
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for key, a := range doc.Assets {
			data, err := os.ReadFile(filepath.Join(filepath.Dir(it), a.Href))
			if err != nil {
				t.Fatalf("%s asset %s: %v", it, key, err)
			}
			sum := sha256.Sum256(data)
			if a.Checksum != "1220"+hex.EncodeToString(sum[:]) || a.Size != int64(len(data)) {
				t.Errorf("%s asset %s: checksum %s size %d do not match the file", it, key, a.Checksum, a.Size)
			}
			checked++
		}
	}
	if checked < 6*len(items) {
		t.Errorf("only %d assets checked", checked)
	}
}

// TestRecordedChecksumsAreTheFiles publishes the release twice: with the
// checksums the run recorded, which the catalog takes without reading the
// files, and with none, so that it reads every file. The catalogs must be
// the same, byte for byte.
func TestRecordedChecksumsAreTheFiles(t *testing.T) {
	recorded := release(t)
	read := release(t)
	var n atomic.Int64 // Make runs on the publish's workers
	for i := range read.Tiles {
		tl := &read.Tiles[i]
		made := tl.Make
		tl.Make = func() (catalog.Tile, error) {
			f := *tl
			if made != nil {
				var err error
				if f, err = made(); err != nil {
					return catalog.Tile{}, err
				}
			}
			f.Assets = slices.Clone(f.Assets)
			for j := range f.Assets {
				if f.Assets[j].SHA256 != "" {
					n.Add(1)
				}
				f.Assets[j].SHA256, f.Assets[j].Size = "", 0
			}
			return f, nil
		}
	}
	a, b := t.TempDir(), t.TempDir()
	if _, err := catalog.Publish(context.Background(), a, recorded, catalog.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.Publish(context.Background(), b, read, catalog.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got < int64(6*len(read.Tiles)) {
		t.Fatalf("the run recorded %d checksums for %d tiles: the recorded path was not exercised", got, len(read.Tiles))
	}
	sameListing(t, listing(t, a), listing(t, b))
}

// TestRebuildIsByteIdentical runs the workflow twice into two catalogs and
// compares them as `diff -r` would.
func TestRebuildIsByteIdentical(t *testing.T) {
	ctx := context.Background()
	release(t) // the scene
	scene := filepath.Join(fixture.dir, "scene")
	var roots [2]string
	for i := range roots {
		out := t.TempDir()
		rel, err := buildRelease(ctx, scene, out)
		if err != nil {
			t.Fatal(err)
		}
		roots[i] = filepath.Join(out, "catalog")
		if _, err := catalog.Publish(ctx, roots[i], rel, catalog.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("diff", "-r", roots[0], roots[1]).CombinedOutput(); err != nil {
		t.Errorf("the two catalogs differ: %v\n%s", err, out)
	}
	if n := len(listing(t, roots[0])); n < 20 {
		t.Errorf("only %d files compared", n)
	}
}

// TestKillDuringPublish stops a publish at every stage, as a kill would
// (no clean-up), and checks the catalog is still valid and the previous
// release intact; the next publish then completes.
func TestKillDuringPublish(t *testing.T) {
	ctx := context.Background()
	v := validator(t)
	stages := []string{catalog.StageLocked, catalog.StageStaged, catalog.StageRenamed, catalog.StageLinked, catalog.StageRoot}
	for _, stage := range stages {
		t.Run(stage, func(t *testing.T) {
			root := t.TempDir()
			v1 := release(t)
			if _, err := catalog.Publish(ctx, root, v1, catalog.Options{}); err != nil {
				t.Fatal(err)
			}
			old := listing(t, filepath.Join(root, v1.Dataset, v1.Version))
			killed := errors.New("killed")
			v2 := release(t)
			v2.Version = "2.0.0"
			_, err := catalog.Publish(ctx, root, v2, catalog.Options{Hook: func(s string) error {
				if s == stage {
					return killed
				}
				return nil
			}})
			if !errors.Is(err, killed) {
				t.Fatalf("publish not stopped at %s: %v", stage, err)
			}
			assertValid(t, v, root)
			now := listing(t, filepath.Join(root, v1.Dataset, v1.Version))
			for k, sum := range old {
				if k != "collection.json" && now[k] != sum {
					t.Errorf("previous release file %s changed", k)
				}
			}
			// The killed process is gone, and the kernel released its lock.
			p, err := catalog.Publish(ctx, root, release4(t, "2.0.0"), catalog.Options{})
			if err != nil {
				t.Fatalf("publish after the kill: %v", err)
			}
			wantNoOp := stage != catalog.StageLocked && stage != catalog.StageStaged
			if p.NoOp != wantNoOp {
				t.Errorf("publish after a kill at %s: no-op %v, want %v", stage, p.NoOp, wantNoOp)
			}
			assertValid(t, v, root)
			if l := links(t, filepath.Join(root, v1.Dataset, "1.0.0", "collection.json")); l["successor-version"] != "../2.0.0/collection.json" {
				t.Errorf("links not repaired: %v", l)
			}
			if _, err := os.Stat(filepath.Join(root, ".staging")); err == nil {
				t.Error("staging left behind")
			}
		})
	}
}

func release4(t *testing.T, version string) *catalog.Release {
	r := release(t)
	r.Version = version
	return r
}

// A second publisher waits for the first to finish, then publishes (or
// finds its release already there); a cancelled wait publishes nothing.
func TestConcurrentPublishWaits(t *testing.T) {
	root := t.TempDir()
	rel := release(t)
	// Another publisher holds the lock (this test stands in for it).
	unlock, err := lockedfile.MutexAt(filepath.Join(root, ".lock")).Lock()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := catalog.Publish(ctx, root, rel, catalog.Options{}); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for another cdflow") {
		t.Fatalf("publish under a held lock, cancelled: %v", err)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Errorf("catalog holds %d entries, want only the lock", len(entries))
	}
	done := make(chan error, 1)
	go func() {
		_, err := catalog.Publish(context.Background(), root, rel, catalog.Options{})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("publish did not wait for the lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatalf("publish once the lock is free: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, rel.Dataset, rel.Version, "collection.json")); err != nil {
		t.Error(err)
	}
}

func TestBadReleasesAreRefused(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *catalog.Release)
		want string
	}{
		{"unsafe tile id", func(r *catalog.Release) { r.Tiles[0].Stats.TileID = "../evil" }, "not a safe file name"},
		{"tile without statistics", func(r *catalog.Release) { r.Tiles[1].Stats = nil }, "tile 2 of"},
		{"duplicate tile id", func(r *catalog.Release) { r.Tiles[1].Stats.TileID = r.Tiles[0].Stats.TileID }, "appears twice"},
		{"unsafe asset name", func(r *catalog.Release) {
			f, err := r.Tiles[1].Make()
			if err != nil {
				panic(err)
			}
			f.Assets[0].Key = "../evil"
			r.Tiles[1] = f
		}, "not a safe file name"},
		{"bad version", func(r *catalog.Release) { r.Version = "v1" }, "not semver"},
		{"bad dataset name", func(r *catalog.Release) { r.Dataset = "a/b" }, "cannot be a folder name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			r := release(t)
			tc.edit(r)
			_, err := catalog.Publish(context.Background(), root, r, catalog.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(root); len(entries) != 0 {
				t.Errorf("refused release left %d entries", len(entries))
			}
		})
	}
}

// A tile made whole as its item is written (a release of many tiles) is
// checked then: an unsafe asset name, a failure to make it or a tile made
// without its row stops the publish, and no release is left behind.
func TestBadMadeAssetsAreRefused(t *testing.T) {
	tests := []struct {
		name string
		make func(catalog.Tile) (catalog.Tile, error)
		want string
	}{
		{"unsafe asset name", func(t catalog.Tile) (catalog.Tile, error) {
			t.Assets[0].Key = "../evil"
			return t, nil
		}, "not a safe file name"},
		{"tile unreadable", func(catalog.Tile) (catalog.Tile, error) {
			return catalog.Tile{}, errors.New("read back what the merge held on disk: EOF")
		}, "held on disk"},
		{"no row", func(t catalog.Tile) (catalog.Tile, error) {
			t.Stats = nil
			return t, nil
		}, "without statistics"},
		{"file's size changed since the run", func(t catalog.Tile) (catalog.Tile, error) {
			t.Assets = slices.Clone(t.Assets)
			t.Assets[0].Size++
			return t, nil
		}, "changed since"},
		{"recorded checksum not hex", func(t catalog.Tile) (catalog.Tile, error) {
			t.Assets = slices.Clone(t.Assets)
			t.Assets[0].SHA256 = "not-a-sha256"
			return t, nil
		}, "not 64 hexadecimal digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			r := release(t)
			last := &r.Tiles[len(r.Tiles)-1]
			made := last.Make
			last.Make = func() (catalog.Tile, error) {
				f, err := made()
				if err != nil {
					return catalog.Tile{}, err
				}
				return tc.make(f)
			}
			_, err := catalog.Publish(context.Background(), root, r, catalog.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), last.Stats.TileID) {
				t.Fatalf("error %v, want %q naming tile %s", err, tc.want, last.Stats.TileID)
			}
			entries, _ := os.ReadDir(root)
			for _, e := range entries {
				if e.Name() != ".lock" {
					t.Errorf("refused release left %s in the catalog", e.Name())
				}
			}
		})
	}
}

// A release's files are its own: editing or truncating the run's cached
// product afterwards changes nothing that was published.
func TestReleaseFilesAreNotLinks(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	release(t) // the scene
	rel, err := buildRelease(ctx, filepath.Join(fixture.dir, "scene"), out)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(out, "catalog")
	if _, err := catalog.Publish(ctx, root, rel, catalog.Options{}); err != nil {
		t.Fatal(err)
	}
	before := listing(t, root)
	for _, tile := range rel.Tiles {
		for _, a := range tile.Assets {
			if err := os.Truncate(a.File, 100); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := listing(t, root)
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("published %s changed when the run's cache was truncated", k)
		}
	}
}

// TestGroupedRelease publishes a release as one too large to list its
// items in one collection would be: items in block folders, each subset's
// collection linking its blocks' catalogs, which link the items; the tree
// stays valid and reaches every item once.
func TestGroupedRelease(t *testing.T) {
	root := t.TempDir()
	rel := release(t)
	if _, err := catalog.Publish(context.Background(), root, rel, catalog.Options{GroupAbove: 1}); err != nil {
		t.Fatal(err)
	}
	assertValid(t, validator(t), root)
	dir := filepath.Join(root, rel.Dataset, rel.Version)
	items, _ := filepath.Glob(filepath.Join(dir, "items", "r*_c*", "*", "*.json"))
	if len(items) != len(rel.Tiles) {
		t.Fatalf("%d items in block folders for %d tiles", len(items), len(rel.Tiles))
	}
	if flat, _ := filepath.Glob(filepath.Join(dir, "items", "*", "*.json")); len(flat) != 0 {
		t.Errorf("items outside block folders: %v", flat)
	}
	type link struct{ Rel, Href string }
	read := func(p string) []link {
		var doc struct{ Links []link }
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Links
	}
	reached := map[string]bool{}
	for _, split := range []string{"train", "test", "val"} {
		coll := filepath.Join(dir, split, "collection.json")
		if _, err := os.Stat(coll); err != nil {
			continue
		}
		for _, l := range read(coll) {
			switch l.Rel {
			case "item":
				t.Errorf("%s links item %s directly", coll, l.Href)
			case "child":
				block := filepath.Join(dir, split, l.Href)
				for _, il := range read(block) {
					if il.Rel != "item" {
						continue
					}
					item := filepath.Clean(filepath.Join(filepath.Dir(block), il.Href))
					reached[item] = true
					got := map[string]string{}
					for _, x := range read(item) {
						got[x.Rel] = filepath.Clean(filepath.Join(filepath.Dir(item), x.Href))
					}
					if got["collection"] != coll || got["parent"] != block {
						t.Errorf("item %s: collection %s, parent %s; want %s and %s", item, got["collection"], got["parent"], coll, block)
					}
				}
			}
		}
	}
	if len(reached) != len(rel.Tiles) {
		t.Errorf("the blocks' catalogs link %d items, want %d", len(reached), len(rel.Tiles))
	}
}
