package catalog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/internal/s3test"
)

// remoteListing maps every object under prefix to its ETag (the MD5 of
// one-part uploads), keys relative to prefix.
func remoteListing(t *testing.T, c *objstore.Client, prefix objstore.URL) map[string]string {
	t.Helper()
	objs, err := c.List(context.Background(), objstore.URL{Bucket: prefix.Bucket, Key: prefix.Key + "/"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range objs {
		out[strings.TrimPrefix(o.URL.Key, prefix.Key+"/")] = o.ETag
	}
	return out
}

// tilesOf returns the release's tiles, made when made on demand.
func tilesOf(t *testing.T, rel *catalog.Release) []catalog.Tile {
	t.Helper()
	out := make([]catalog.Tile, len(rel.Tiles))
	for i, tile := range rel.Tiles {
		if tile.Make != nil {
			var err error
			if tile, err = tile.Make(); err != nil {
				t.Fatal(err)
			}
		}
		out[i] = tile
	}
	return out
}

// assetsOf lists every tile's assets.
func assetsOf(t *testing.T, rel *catalog.Release) []catalog.Asset {
	t.Helper()
	var out []catalog.Asset
	for _, tile := range tilesOf(t, rel) {
		out = append(out, tile.Assets...)
	}
	return out
}

// pull downloads a remote catalog into a fresh folder, for the validator.
func pull(t *testing.T, srv *s3test.Server, root objstore.URL) string {
	t.Helper()
	dir := t.TempDir()
	if n := srv.DownloadDir(t, root, dir); n == 0 {
		t.Fatalf("nothing under %s", root)
	}
	return dir
}

// TestPublishRemote publishes to a real S3 server (SeaweedFS, started
// here) and checks Publish's guarantees hold there too.
func TestPublishRemote(t *testing.T) {
	ctx := context.Background()
	v := validator(t)
	srv := s3test.Start(t)
	c := srv.Client

	t.Run("versions", func(t *testing.T) {
		root := objstore.URL{Bucket: srv.Bucket(t, "versions"), Key: "data/catalog"}
		v1 := release(t)
		v1.Version = "1.0.0"
		start := time.Now()
		p, err := catalog.PublishRemote(ctx, c, root, v1, catalog.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("published %d files in %v", p.Files, time.Since(start))
		if p.NoOp || p.Dir != root.String()+"/"+v1.Dataset+"/1.0.0" {
			t.Errorf("first publish: %+v", p)
		}
		got := pull(t, srv, root)
		assertValid(t, v, got)
		// The same release on disk: the object store holds the same bytes.
		disk := t.TempDir()
		if _, err := catalog.Publish(ctx, disk, release4(t, "1.0.0"), catalog.Options{}); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("diff", "-r", "-x", ".lock", disk, got).CombinedOutput(); err != nil {
			t.Errorf("the remote catalog differs from the same catalog on disk: %v\n%s", err, out)
		}
		before := remoteListing(t, c, root)
		if _, ok := before[".lock"]; ok {
			t.Error("lock left behind")
		}

		// The same release again: nothing changes.
		p, err = catalog.PublishRemote(ctx, c, root, release4(t, "1.0.0"), catalog.Options{})
		if err != nil || !p.NoOp {
			t.Fatalf("republish: %v (no-op %v)", err, p != nil && p.NoOp)
		}
		sameListing(t, before, remoteListing(t, c, root))

		// Different content under the same version is refused, nothing touched.
		changed := release4(t, "1.0.0")
		changed.Title += " (edited)"
		_, err = catalog.PublishRemote(ctx, c, root, changed, catalog.Options{})
		if !errors.Is(err, catalog.ErrReleaseExists) || !strings.Contains(err.Error(), "bump `version`") || !strings.Contains(err.Error(), root.String()) || !strings.Contains(err.Error(), "file(s) differ: collection.json differs, report.html differs") {
			t.Fatalf("publishing changed content as 1.0.0: %v", err)
		}
		sameListing(t, before, remoteListing(t, c, root))

		// A new version links both ways, the old release's files untouched.
		v11 := release4(t, "1.1.0")
		v11.Title += " (edited)"
		if _, err := catalog.PublishRemote(ctx, c, root, v11, catalog.Options{}); err != nil {
			t.Fatal(err)
		}
		got = pull(t, srv, root)
		assertValid(t, v, got)
		l1 := links(t, filepath.Join(got, v1.Dataset, "1.0.0", "collection.json"))
		if l1["successor-version"] != "../1.1.0/collection.json" || l1["latest-version"] != "../1.1.0/collection.json" {
			t.Errorf("1.0.0 links: %v", l1)
		}
		after := remoteListing(t, c, root)
		for k, etag := range before {
			if strings.HasPrefix(k, v1.Dataset+"/1.0.0/") && k != v1.Dataset+"/1.0.0/collection.json" && after[k] != etag {
				t.Errorf("released object %s changed", k)
			}
		}
	})

	// Files downloaded from the server (a merge's shards) are copied there,
	// not uploaded; a file whose object was replaced since is uploaded.
	t.Run("copies", func(t *testing.T) {
		bucket := srv.Bucket(t, "copies")
		root := objstore.URL{Bucket: bucket, Key: "catalog"}
		rel := release4(t, "1.0.0")
		// The release's files stand for the downloaded ones: copies, so
		// that their origin stays theirs.
		dir := t.TempDir()
		n := 0
		var stale objstore.URL
		for i, tile := range tilesOf(t, rel) {
			for j, a := range tile.Assets {
				b, err := os.ReadFile(a.File)
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(dir, tile.Stats.TileID, filepath.Base(a.File))
				os.MkdirAll(filepath.Dir(file), 0o755)
				if err := os.WriteFile(file, b, 0o644); err != nil {
					t.Fatal(err)
				}
				o, err := c.PutFile(ctx, objstore.URL{Bucket: bucket, Key: "shards/" + tile.Stats.TileID + "/" + filepath.Base(a.File)}, file, objstore.PutOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if err := objstore.SetOrigin(file, o); err != nil {
					t.Fatal(err)
				}
				tile.Assets[j].File = file
				n++
				stale = o.URL
			}
			tile.Make = nil
			rel.Tiles[i] = tile
		}
		if _, err := c.PutBytes(ctx, stale, []byte("replaced"), objstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		p, err := catalog.PublishRemote(ctx, c, root, rel, catalog.Options{CopyOrigins: true})
		if err != nil {
			t.Fatal(err)
		}
		if n < 2 || p.Copied != n-1 {
			t.Errorf("copied %d of %d files on the server, want all but the replaced one", p.Copied, n)
		}
		disk := t.TempDir()
		if _, err := catalog.Publish(ctx, disk, release4(t, "1.0.0"), catalog.Options{}); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("diff", "-r", "-x", ".lock", disk, pull(t, srv, root)).CombinedOutput(); err != nil {
			t.Errorf("the catalog made of copies differs from the same catalog on disk: %v\n%s", err, out)
		}
	})

	t.Run("deprecate", func(t *testing.T) {
		root := objstore.URL{Bucket: srv.Bucket(t, "deprecate"), Key: "catalog"}
		if _, err := catalog.PublishRemote(ctx, c, root, release4(t, "1.0.0"), catalog.Options{}); err != nil {
			t.Fatal(err)
		}
		// Deprecating a release is metadata, not content: allowed in place.
		dep := release4(t, "1.0.0")
		dep.Deprecated = true
		if p, err := catalog.PublishRemote(ctx, c, root, dep, catalog.Options{}); err != nil || !p.NoOp {
			t.Fatalf("deprecate 1.0.0: %v (no-op %v)", err, p != nil && p.NoOp)
		}
		b, err := c.Get(ctx, root.Join(dep.Dataset, "1.0.0", "collection.json"))
		if err != nil || !strings.Contains(string(b), `"deprecated": true`) {
			t.Errorf("1.0.0 not marked deprecated (%v)", err)
		}
	})

	// Staged in a folder on the tiles' file system, the release's files
	// are links to the tiles' own, not copies; the objects uploaded are the
	// same bytes as from a stage of copies, the tiles' files are untouched,
	// and a killed publish's stage left there is removed.
	t.Run("stage", func(t *testing.T) {
		ref := objstore.URL{Bucket: srv.Bucket(t, "stage-ref"), Key: "catalog"}
		if _, err := catalog.PublishRemote(ctx, c, ref, release(t), catalog.Options{BaseURL: "https://example.org/catalog"}); err != nil {
			t.Fatal(err)
		}
		rel := release(t)
		sources := map[string]bool{}
		before := map[string][]byte{}
		for _, a := range assetsOf(t, rel) {
			sources[a.File] = true
			b, err := os.ReadFile(a.File)
			if err != nil {
				t.Fatal(err)
			}
			before[a.File] = b
		}
		if len(before) == 0 {
			t.Fatal("the release has no tile files")
		}
		stage := t.TempDir()
		killed := filepath.Join(stage, ".cdflow-publish-killed", "release")
		if err := os.MkdirAll(killed, 0o755); err != nil {
			t.Fatal(err)
		}
		linked, staged := 0, 0
		root := objstore.URL{Bucket: srv.Bucket(t, "stage"), Key: "catalog"}
		_, err := catalog.PublishRemote(ctx, c, root, rel, catalog.Options{Stage: stage, BaseURL: "https://example.org/catalog", Hook: func(s string) error {
			if s != catalog.StageStaged {
				return nil
			}
			if _, err := os.Stat(killed); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the killed publish's stage is still there (%v)", err)
			}
			dirs, _ := filepath.Glob(filepath.Join(stage, ".cdflow-publish-*"))
			if len(dirs) != 1 {
				t.Fatalf("stages in %s: %v, want one", stage, dirs)
			}
			return filepath.WalkDir(dirs[0], func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || filepath.Ext(p) == ".json" || filepath.Ext(p) == ".parquet" || filepath.Ext(p) == ".html" {
					return err
				}
				staged++
				fi, err := os.Stat(p)
				if err != nil {
					return err
				}
				for src := range sources {
					if si, err := os.Stat(src); err == nil && os.SameFile(fi, si) {
						linked++
						return nil
					}
				}
				t.Errorf("staged %s is not a link to a tile's file", p)
				return nil
			})
		}})
		if err != nil {
			t.Fatal(err)
		}
		if staged == 0 || linked != staged {
			t.Errorf("%d of %d staged tile files are links", linked, staged)
		}
		if left, err := os.ReadDir(stage); err != nil || len(left) > 0 {
			t.Errorf("left in the stage folder: %v (%v)", left, err)
		}
		sameListing(t, remoteListing(t, c, ref), remoteListing(t, c, root))
		for f, b := range before {
			if now, err := os.ReadFile(f); err != nil || !bytes.Equal(now, b) {
				t.Errorf("tile file %s changed by the publish (%v)", f, err)
			}
		}
	})

	// A publish killed while uploading leaves objects under a version that
	// has no collection.json: the next publish of that version replaces
	// them, and removes those its release does not have.
	t.Run("leftovers", func(t *testing.T) {
		root := objstore.URL{Bucket: srv.Bucket(t, "leftovers"), Key: "catalog"}
		rel := release(t)
		ver := root.Join(rel.Dataset, rel.Version)
		for _, junk := range []string{"items/gone/gone.json", "tiles.parquet"} {
			if _, err := c.PutBytes(ctx, ver.Join(junk), []byte("half-written"), objstore.PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if p, err := catalog.PublishRemote(ctx, c, root, rel, catalog.Options{}); err != nil || p.NoOp {
			t.Fatalf("publish over leftovers: %v (no-op %v)", err, p != nil && p.NoOp)
		}
		got := pull(t, srv, root)
		assertValid(t, v, got)
		disk := t.TempDir()
		if _, err := catalog.Publish(ctx, disk, release(t), catalog.Options{}); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("diff", "-r", "-x", ".lock", disk, got).CombinedOutput(); err != nil {
			t.Errorf("leftovers survived the publish: %v\n%s", err, out)
		}
	})

	// An upload that fails ends the publish with an error naming the
	// file, and nothing is published.
	t.Run("upload fails", func(t *testing.T) {
		root := objstore.URL{Bucket: srv.Bucket(t, "fails"), Key: "catalog"}
		rel := release(t)
		stage := t.TempDir()
		var broken string
		_, err := catalog.PublishRemote(ctx, c, root, rel, catalog.Options{Stage: stage, Hook: func(s string) error {
			if s != catalog.StageStaged {
				return nil
			}
			// A staged file that cannot be read: a link to nothing.
			files, _ := filepath.Glob(filepath.Join(stage, ".cdflow-publish-*", "release", "items", "*", "*.tif"))
			if len(files) == 0 {
				t.Fatal("no staged product to break")
			}
			broken = files[len(files)/2]
			if err := os.Remove(broken); err != nil {
				return err
			}
			return os.Symlink(filepath.Join(stage, "nothing"), broken)
		}})
		if err == nil || !strings.Contains(err.Error(), filepath.Base(broken)) {
			t.Fatalf("publish with an unreadable staged file: %v, want an error naming %s", err, filepath.Base(broken))
		}
		if got := remoteListing(t, c, root); got[rel.Dataset+"/"+rel.Version+"/collection.json"] != "" || got["catalog.json"] != "" {
			t.Errorf("a failed upload published: %v", got)
		}
	})

	t.Run("killed", func(t *testing.T) {
		stages := []string{catalog.StageLocked, catalog.StageStaged, catalog.StageUploaded, catalog.StageRenamed, catalog.StageLinked, catalog.StageRoot}
		for _, stage := range stages {
			t.Run(stage, func(t *testing.T) {
				root := objstore.URL{Bucket: srv.Bucket(t, "kill-"+stage), Key: "catalog"}
				v1 := release(t)
				if _, err := catalog.PublishRemote(ctx, c, root, v1, catalog.Options{}); err != nil {
					t.Fatal(err)
				}
				old := remoteListing(t, c, root)
				killed := errors.New("killed")
				_, err := catalog.PublishRemote(ctx, c, root, release4(t, "2.0.0"), catalog.Options{Hook: func(s string) error {
					if s == stage {
						return killed
					}
					return nil
				}})
				if !errors.Is(err, killed) {
					t.Fatalf("publish not stopped at %s: %v", stage, err)
				}
				assertValid(t, v, pull(t, srv, root))
				now := remoteListing(t, c, root)
				for k, etag := range old {
					if strings.HasPrefix(k, v1.Dataset+"/"+v1.Version+"/") && !strings.HasSuffix(k, v1.Version+"/collection.json") && now[k] != etag {
						t.Errorf("previous release object %s changed", k)
					}
				}
				p, err := catalog.PublishRemote(ctx, c, root, release4(t, "2.0.0"), catalog.Options{})
				if err != nil {
					t.Fatalf("publish after the kill: %v", err)
				}
				wantNoOp := stage != catalog.StageLocked && stage != catalog.StageStaged && stage != catalog.StageUploaded
				if p.NoOp != wantNoOp {
					t.Errorf("publish after a kill at %s: no-op %v, want %v", stage, p.NoOp, wantNoOp)
				}
				got := pull(t, srv, root)
				assertValid(t, v, got)
				if l := links(t, filepath.Join(got, v1.Dataset, v1.Version, "collection.json")); l["successor-version"] != "../2.0.0/collection.json" {
					t.Errorf("links not repaired: %v", l)
				}
				// The same two releases published on disk: the same bytes.
				disk := t.TempDir()
				for _, ver := range []string{v1.Version, "2.0.0"} {
					if _, err := catalog.Publish(ctx, disk, release4(t, ver), catalog.Options{}); err != nil {
						t.Fatal(err)
					}
				}
				if out, err := exec.Command("diff", "-r", "-x", ".lock", disk, got).CombinedOutput(); err != nil {
					t.Errorf("after the kill and a publish, the remote catalog differs from the disk one: %v\n%s", err, out)
				}
			})
		}
	})

	// A published version's objects lost or added since: publishing the
	// same release again names them instead of calling it a no-op.
	t.Run("compare", func(t *testing.T) {
		root := objstore.URL{Bucket: srv.Bucket(t, "compare"), Key: "catalog"}
		v1 := release(t)
		if _, err := catalog.PublishRemote(ctx, c, root, v1, catalog.Options{}); err != nil {
			t.Fatal(err)
		}
		dir := root.Join(v1.Dataset, v1.Version)
		items := dir.Join("items")
		items.Key += "/"
		objs, err := c.List(ctx, items)
		if err != nil || len(objs) == 0 {
			t.Fatalf("no items listed (%v)", err)
		}
		lost := strings.TrimPrefix(objs[len(objs)/2].URL.Key, dir.Key+"/")
		if err := c.Remove(ctx, objs[len(objs)/2].URL); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutBytes(ctx, dir.Join("stray.json"), []byte("{}"), objstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err = catalog.PublishRemote(ctx, c, root, release(t), catalog.Options{})
		want := fmt.Sprintf("(2 file(s) differ: %s is new, stray.json would go)", lost)
		if !errors.Is(err, catalog.ErrReleaseExists) || !strings.Contains(err.Error(), want) {
			t.Fatalf("publish over a version that lost %s and gained stray.json: %v, want %s", lost, err, want)
		}
	})

	// Objects lost or changed on the server between their upload and the
	// commit: the publish checks the listing, refuses, and publishes
	// nothing; the previous release stays as it was.
	t.Run("tampered", func(t *testing.T) {
		for _, tc := range []struct {
			name, want string
			tamper     func(u objstore.URL) error
		}{
			{"lost", "is missing", func(u objstore.URL) error { return c.Remove(ctx, u) }},
			{"changed", "differs", func(u objstore.URL) error {
				_, err := c.PutBytes(ctx, u, []byte("not the file"), objstore.PutOptions{})
				return err
			}},
			{"extra", "is extra", func(u objstore.URL) error {
				_, err := c.PutBytes(ctx, u.Join("..", "stray.json"), []byte("{}"), objstore.PutOptions{})
				return err
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				root := objstore.URL{Bucket: srv.Bucket(t, "tamper-"+tc.name), Key: "catalog"}
				v1 := release(t)
				if _, err := catalog.PublishRemote(ctx, c, root, v1, catalog.Options{}); err != nil {
					t.Fatal(err)
				}
				old := remoteListing(t, c, root)
				v2 := release4(t, "2.0.0")
				var named string
				_, err := catalog.PublishRemote(ctx, c, root, v2, catalog.Options{Hook: func(s string) error {
					if s != catalog.StageUploaded {
						return nil
					}
					items := root.Join(v2.Dataset, "2.0.0", "items")
					items.Key += "/"
					objs, err := c.List(ctx, items)
					if err != nil || len(objs) == 0 {
						return fmt.Errorf("nothing uploaded to tamper with (%v)", err)
					}
					u := objs[len(objs)/2].URL
					named = strings.TrimPrefix(u.Key, root.Join(v2.Dataset, "2.0.0").Key+"/")
					if tc.name == "extra" {
						named = "stray.json"
					}
					return tc.tamper(u)
				}})
				// The object is named: a missing one found again by its number
				// in the stage's walk, an extra one by the listing.
				if err == nil || !strings.Contains(err.Error(), "does not hold what was uploaded") || !strings.Contains(err.Error(), named+" "+tc.want) {
					t.Fatalf("publish over a %s object (%s): %v", tc.name, named, err)
				}
				now := remoteListing(t, c, root)
				if _, ok := now[v2.Dataset+"/2.0.0/collection.json"]; ok {
					t.Error("the version was published")
				}
				for k, etag := range old {
					if now[k] != etag {
						t.Errorf("object %s of the catalog changed", k)
					}
				}
				assertValid(t, v, pull(t, srv, root))
			})
		}
	})

	t.Run("lock held", func(t *testing.T) {
		root := objstore.URL{Bucket: srv.Bucket(t, "lock"), Key: "catalog"}
		if _, err := c.PutBytes(ctx, root.Join(".lock"), []byte(`{"host":"elsewhere"}`), objstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		rel := release(t) // built before the clock starts
		wctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		defer cancel()
		_, err := catalog.PublishRemote(wctx, c, root, rel, catalog.Options{})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for another cdflow") || !strings.Contains(err.Error(), "delete "+root.String()+"/.lock") {
			t.Fatalf("publish under a held lock: %v", err)
		}
		if n := len(remoteListing(t, c, root)); n != 1 {
			t.Errorf("%d objects under the catalog, want only the lock", n)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		bucket := srv.Bucket(t, "bad")
		cfg := srv.Config()
		cfg.SecretKey = "not-the-secret"
		wrong, err := objstore.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			client *objstore.Client
			root   objstore.URL
			target error
			want   string
		}{
			{"unknown bucket", c, objstore.URL{Bucket: "no-such-bucket-cdflow", Key: "catalog"}, objstore.ErrNoBucket, "create it or correct the URL"},
			{"wrong credentials", wrong, objstore.URL{Bucket: bucket, Key: "catalog"}, objstore.ErrAccess, "AWS_SECRET_ACCESS_KEY"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := catalog.PublishRemote(ctx, tc.client, tc.root, release(t), catalog.Options{})
				if !errors.Is(err, tc.target) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "s3://"+tc.root.Bucket+"/") {
					t.Fatalf("error %v: want %v naming the URL and saying %q", err, tc.target, tc.want)
				}
			})
		}
	})
}
