package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/internal/s3test"
)

// filesAttr matches a synthetic workflow's relative source patterns and
// its catalog path, to point them at object storage.
var (
	filesAttr   = regexp.MustCompile(`"((?:ortho|dsm|points)_t[01]/\*\.(?:tif|laz))"`)
	catalogAttr = regexp.MustCompile(`catalog = "catalog"`)
)

// remoteWorkflow writes a copy of a synthetic scene's workflow (in a
// folder of its own) whose sources, and optionally catalog, are under
// base (s3://bucket/prefix).
func remoteWorkflow(t *testing.T, wf, dir, base, catalog string) string {
	t.Helper()
	b, err := os.ReadFile(wf)
	if err != nil {
		t.Fatal(err)
	}
	s := filesAttr.ReplaceAllString(string(b), fmt.Sprintf(`"%s/$1"`, base))
	if catalog != "" {
		s = catalogAttr.ReplaceAllString(s, fmt.Sprintf("catalog = %q", catalog))
	}
	if !strings.Contains(s, "s3://") {
		t.Fatalf("no source of %s was rewritten", wf)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.Base(wf))
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sameCatalog is sameFolder for a catalog built from the same files read
// from disk (want) and from base (got), published to catalogURL (or ""):
// only the workflow quoted in the report says where they were read and
// where the catalog went; the lock is not content.
func sameCatalog(t *testing.T, want, got, base, catalogURL string) {
	t.Helper()
	os.Remove(filepath.Join(want, ".lock"))
	os.Remove(filepath.Join(got, ".lock"))
	reports, _ := filepath.Glob(filepath.Join(got, "*", "*", "report.html"))
	if len(reports) == 0 {
		t.Fatalf("no report under %s", got)
	}
	for _, r := range reports {
		b, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		if catalogURL != "" {
			b = bytes.ReplaceAll(b, []byte(catalogURL), []byte("catalog"))
		}
		if err := os.WriteFile(r, bytes.ReplaceAll(b, []byte(base+"/"), nil), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sameFolder(t, want, got)
}

// cdflowFails runs the command and returns its stderr, failing the test
// unless it exits with exitFailure or exitUsage.
func cdflowFails(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Main(args, &out, &errb); code == exitOK {
		t.Fatalf("cdflow %s succeeded, want a failure\n%s", strings.Join(args, " "), out.String())
	}
	return errb.String()
}

// TestObjectStorage runs the CLI against a real S3 server (SeaweedFS):
// sources read from it, releases published to it, shards exchanged
// through it, each compared with the same work on disk.
func TestObjectStorage(t *testing.T) {
	srv := s3test.Start(t)
	srv.SetEnv(t)
	dir := t.TempDir()
	scene := filepath.Join(dir, "scene")
	mustCdflow(t, "synth", "--out", scene, "--extent-km", "0.4x0.4", "--sheet-km", "0.2", "--seed", "7")
	bucket := srv.Bucket(t, "cli")
	srv.UploadDir(t, scene, objstore.URL{Bucket: bucket, Key: "scene"})
	wf := filepath.Join(scene, "workflow.hcl")
	single := filepath.Join(dir, "single")
	mustCdflow(t, "run", "--out", single, wf)

	base := "s3://" + bucket + "/scene"
	t.Run("sources and catalog", func(t *testing.T) {
		cat := "s3://" + bucket + "/catalog"
		rwf := remoteWorkflow(t, wf, filepath.Join(dir, "remote-wf"), base, cat)
		out := filepath.Join(dir, "remote")
		mustCdflow(t, "run", "--out", out, rwf)
		got := filepath.Join(dir, "remote-catalog")
		srv.DownloadDir(t, objstore.URL{Bucket: bucket, Key: "catalog"}, got)
		sameCatalog(t, filepath.Join(single, "catalog"), got, base, cat)
		mustCdflow(t, "stac", "validate", got)
		for _, f := range []string{"tiles.parquet", "splits.parquet"} {
			a, err1 := os.ReadFile(filepath.Join(single, f))
			b, err2 := os.ReadFile(filepath.Join(out, f))
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("%s from object storage differs from the disk run's (%v, %v)", f, err1, err2)
			}
		}
		// The same release again: a no-op.
		var stdout, stderr bytes.Buffer
		if code := Main([]string{"run", "--out", out, rwf}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "nothing to do") {
			t.Errorf("republish: exit %d\n%s%s", code, stdout.String(), stderr.String())
		}
	})

	// GDAL's own variables instead of AWS_ENDPOINT_URL, on a copy of the
	// scene GDAL has not read yet (it caches what it read by name).
	t.Run("GDAL's variables", func(t *testing.T) {
		t.Setenv("AWS_ENDPOINT_URL", "")
		t.Setenv("AWS_S3_ENDPOINT", strings.TrimPrefix(srv.Endpoint, "http://"))
		t.Setenv("AWS_HTTPS", "NO")
		t.Setenv("AWS_VIRTUAL_HOSTING", "FALSE")
		base := "s3://" + bucket + "/scene-gdal"
		srv.UploadDir(t, scene, objstore.URL{Bucket: bucket, Key: "scene-gdal"})
		rwf := remoteWorkflow(t, wf, filepath.Join(dir, "gdal-wf"), base, "")
		out := filepath.Join(dir, "gdal")
		mustCdflow(t, "run", "--out", out, rwf)
		sameCatalog(t, filepath.Join(single, "catalog"), filepath.Join(out, "catalog"), base, "")
	})

	t.Run("point clouds", func(t *testing.T) {
		// Every tile of so small a scene touches its edge, where the QA step
		// flags the rasterized DSMs' voids: without it, the run publishes.
		b, err := os.ReadFile(filepath.Join(scene, "workflow-lidar.hcl"))
		if err != nil {
			t.Fatal(err)
		}
		noQA := regexp.MustCompile(`(?s)step "qa" "check" \{.*?\n\}\n`).ReplaceAllString(string(b), "")
		lwf := filepath.Join(scene, "workflow-lidar-noqa.hcl")
		if err := os.WriteFile(lwf, []byte(noQA), 0o644); err != nil {
			t.Fatal(err)
		}
		local := filepath.Join(dir, "lidar-single")
		mustCdflow(t, "run", "--out", local, lwf)
		rwf := remoteWorkflow(t, lwf, filepath.Join(dir, "lidar-wf"), base, "")
		out := filepath.Join(dir, "lidar-remote")
		mustCdflow(t, "run", "--out", out, rwf)
		sameCatalog(t, filepath.Join(local, "catalog"), filepath.Join(out, "catalog"), base, "")
	})

	t.Run("shards", func(t *testing.T) {
		shards := "s3://" + bucket + "/run"
		for i := range 2 {
			// Each pod has its own scratch folder and no shared volume.
			mustCdflow(t, "run", "--shard", fmt.Sprintf("%d/2", i), "--upload", shards, "--out", filepath.Join(dir, fmt.Sprintf("pod%d", i)), wf)
		}
		merged := filepath.Join(dir, "merged")
		mustCdflow(t, "merge", "--out", merged, wf, shards)
		sameCatalog(t, filepath.Join(single, "catalog"), filepath.Join(merged, "catalog"), base, "")
		if m, _ := filepath.Glob(filepath.Join(merged, ".shards-*")); len(m) > 0 {
			t.Errorf("downloaded shards left behind: %v", m)
		}

		// Merged into a catalog on the same server: the shards' products
		// are copied there on the server, not uploaded again, and the
		// release is the same.
		cat := "s3://" + bucket + "/catalog-merged"
		cwf := remoteWorkflow(t, wf, filepath.Join(dir, "merge-wf"), base, cat)
		rshards := "s3://" + bucket + "/run-remote"
		for i := range 2 {
			mustCdflow(t, "run", "--shard", fmt.Sprintf("%d/2", i), "--upload", rshards, "--out", filepath.Join(dir, fmt.Sprintf("rpod%d", i)), cwf)
		}
		var stdout, stderr bytes.Buffer
		if code := Main([]string{"merge", "--out", filepath.Join(dir, "merged-remote"), cwf, rshards}, &stdout, &stderr); code != exitOK {
			t.Fatalf("merge to %s: exit %d\n%s%s", cat, code, stdout.String(), stderr.String())
		}
		got := filepath.Join(dir, "merged-catalog")
		srv.DownloadDir(t, objstore.URL{Bucket: bucket, Key: "catalog-merged"}, got)
		sameCatalog(t, filepath.Join(single, "catalog"), got, base, cat)
		products := 0
		filepath.WalkDir(got, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/items/") && slices.Contains([]string{".tif", ".png", ".jpg"}, filepath.Ext(p)) {
				products++
			}
			return nil
		})
		if want := fmt.Sprintf(", %d of them copied on the server from the shards)", products); products == 0 || !strings.Contains(stdout.String(), want) {
			t.Errorf("merge to %s: want %q (the %d products and previews) in\n%s", cat, want, products, stdout.String())
		}
		// Every publish block copies on the server: the merge downloaded
		// the shards' manifests and object indexes, not their products,
		// which are placeholders in its output folder.
		placeholders, bytesHeld := 0, int64(0)
		filepath.WalkDir(filepath.Join(dir, "merged-remote", "run", "tiles"), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if _, ok := objstore.Placeholder(p); ok {
				placeholders++
			} else if st, err := os.Stat(p); err == nil {
				bytesHeld += st.Size()
			}
			return nil
		})
		// (The tiles QA excludes have theirs too.)
		if placeholders < products || bytesHeld != 0 {
			t.Errorf("merge to %s: %d placeholders and %d bytes of files under run/tiles; want the %d published products and previews among the placeholders, no bytes", cat, placeholders, bytesHeld, products)
		}

		// Merged again: the published objects are compared with the
		// placeholders' objects (not with their empty files), and found
		// the same.
		stdout.Reset()
		stderr.Reset()
		if code := Main([]string{"merge", "--out", filepath.Join(dir, "merged-remote-again"), cwf, rshards}, &stdout, &stderr); code != exitOK {
			t.Fatalf("merge to %s again: exit %d\n%s%s", cat, code, stdout.String(), stderr.String())
		}
		if want := "was already published in " + cat + " with the same content"; !strings.Contains(stdout.String(), want) {
			t.Errorf("merge to %s again: want %q in\n%s", cat, want, stdout.String())
		}

		// A shard's object replaced after its upload: the merge refuses
		// it when it copies it, naming it, and publishes nothing.
		cat2 := "s3://" + bucket + "/catalog-stale"
		swf := remoteWorkflow(t, wf, filepath.Join(dir, "stale-wf"), base, cat2)
		sshards := "s3://" + bucket + "/run-stale"
		for i := range 2 {
			mustCdflow(t, "run", "--shard", fmt.Sprintf("%d/2", i), "--upload", sshards, "--out", filepath.Join(dir, fmt.Sprintf("spod%d", i)), swf)
		}
		tiles, err := srv.Client.List(t.Context(), objstore.URL{Bucket: bucket, Key: "run-stale/run/tiles/"})
		if err != nil {
			t.Fatal(err)
		}
		var victim objstore.URL
		for _, o := range tiles {
			if strings.HasSuffix(o.URL.Key, ".tif") {
				victim = o.URL
				break
			}
		}
		if victim.Key == "" {
			t.Fatalf("no product among the %d objects the shards uploaded", len(tiles))
		}
		if _, err := srv.Client.PutBytes(t.Context(), victim, []byte("not the product"), objstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		msg := cdflowFails(t, "merge", "--out", filepath.Join(dir, "merged-stale"), swf, sshards)
		for _, w := range []string{victim.String(), "no longer the object it was", "upload that shard again"} {
			if !strings.Contains(msg, w) {
				t.Errorf("merge of a replaced object: stderr does not say %q:\n%s", w, msg)
			}
		}
		if left, err := srv.Client.List(t.Context(), objstore.URL{Bucket: bucket, Key: "catalog-stale/"}); err != nil {
			t.Fatal(err)
		} else {
			for _, o := range left {
				if strings.HasSuffix(o.URL.Key, "catalog.json") || strings.HasSuffix(o.URL.Key, "/collection.json") {
					t.Errorf("a refused merge published %s", o.URL)
				}
			}
		}

		// Uploaded again, as the error says: the shards send only the
		// replaced object (and their object indexes and manifests), and
		// the merge publishes the release.
		sent := 0
		uploaded := regexp.MustCompile(`uploaded (\d+) files to \S+ \((\d+) more were already there, unchanged\)`)
		for i := range 2 {
			var stdout, stderr bytes.Buffer
			if code := Main([]string{"run", "--shard", fmt.Sprintf("%d/2", i), "--upload", sshards, "--out", filepath.Join(dir, fmt.Sprintf("spod%d", i)), swf}, &stdout, &stderr); code != exitOK {
				t.Fatalf("shard %d/2 uploaded again: exit %d\n%s%s", i, code, stdout.String(), stderr.String())
			}
			m := uploaded.FindStringSubmatch(stdout.String())
			if m == nil {
				t.Fatalf("shard %d/2 uploaded again: no count of the files already there in\n%s", i, stdout.String())
			}
			n, _ := strconv.Atoi(m[1])
			sent += n
		}
		if sent != 2*2+1 {
			t.Errorf("the shards uploaded again sent %d files; want the replaced product and each shard's index and manifest, 5", sent)
		}
		mustCdflow(t, "merge", "--out", filepath.Join(dir, "merged-restored"), swf, sshards)
		restored := filepath.Join(dir, "restored-catalog")
		srv.DownloadDir(t, objstore.URL{Bucket: bucket, Key: "catalog-stale"}, restored)
		sameCatalog(t, filepath.Join(single, "catalog"), restored, base, cat2)

		// Without its object index (uploaded before the manifest, so only
		// removed by hand), a shard is refused before anything is copied.
		idx := objstore.URL{Bucket: bucket, Key: "run-stale/run/shards/objects-0001-of-0002.json"}
		if err := srv.Client.Remove(t.Context(), idx); err != nil {
			t.Fatal(err)
		}
		msg = cdflowFails(t, "merge", "--out", filepath.Join(dir, "merged-noindex"), swf, sshards)
		for _, w := range []string{"shard 1/2", "no object index", idx.String(), "--upload s3://" + bucket + "/run-stale"} {
			if !strings.Contains(msg, w) {
				t.Errorf("merge without an object index: stderr does not say %q:\n%s", w, msg)
			}
		}
	})

	t.Run("bad input", func(t *testing.T) {
		tests := []struct {
			name  string
			files string
			env   map[string]string
			want  []string
		}{
			{"unknown bucket", "s3://no-such-bucket-cdflow/x/*.tif", nil, []string{"s3://no-such-bucket-cdflow/x/", "does not exist", "create it or correct the URL"}},
			{"missing object", "s3://" + bucket + "/scene/ortho_t0/missing.tif", nil, []string{"s3://" + bucket + "/scene/ortho_t0/missing.tif", "no such object"}},
			{"glob matches nothing", "s3://" + bucket + "/scene/ortho_t0/*.jp2", nil, []string{"nothing matches s3://" + bucket + "/scene/ortho_t0/*.jp2"}},
			{"wrong credentials", "s3://" + bucket + "/scene/ortho_t0/*.tif", map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong"}, []string{"s3://" + bucket + "/scene/ortho_t0/", "AWS_SECRET_ACCESS_KEY"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				for k, v := range tc.env {
					t.Setenv(k, v)
				}
				b, err := os.ReadFile(wf)
				if err != nil {
					t.Fatal(err)
				}
				bad := strings.Replace(string(b), `"ortho_t0/*.tif"`, fmt.Sprintf("%q", tc.files), 1)
				p := filepath.Join(t.TempDir(), "workflow.hcl")
				if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
					t.Fatal(err)
				}
				stderr := cdflowFails(t, "validate", p)
				for _, w := range tc.want {
					if !strings.Contains(stderr, w) {
						t.Errorf("stderr does not say %q:\n%s", w, stderr)
					}
				}
			})
		}
		for _, tc := range []struct {
			name string
			args []string
			want string
		}{
			{"upload without shard", []string{"run", "--upload", "s3://" + bucket + "/x", wf}, "--upload goes with --shard"},
			{"merge of nothing", []string{"merge", "--out", t.TempDir(), wf, "s3://" + bucket + "/nothing"}, "s3://" + bucket + "/nothing holds no partial results"},
			{"upload to an unknown bucket", []string{"run", "--shard", "0/2", "--upload", "s3://no-such-bucket-cdflow/run", "--out", t.TempDir(), wf}, "bucket \"no-such-bucket-cdflow\" does not exist"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if stderr := cdflowFails(t, tc.args...); !strings.Contains(stderr, tc.want) {
					t.Errorf("stderr does not say %q:\n%s", tc.want, stderr)
				}
			})
		}
		// A damaged object is named as the workflow names it (s3://…), not
		// by GDAL's name for it (/vsis3/…): a point cloud's in the
		// workflow's diagnostics, an orthophoto's in the run's error.
		for _, tc := range []struct {
			name, dir, workflow string
			// flagged: also run with on_unreadable = "flag". A point
			// cloud's chunk table is read when the workflow is planned,
			// before any QA policy applies; an orthophoto's blocks by the
			// tiles.
			flagged bool
		}{
			{"damaged point cloud", "points_t1", "workflow-lidar.hcl", false},
			{"damaged orthophoto", "ortho_t1", "workflow.hcl", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				files, err := filepath.Glob(filepath.Join(scene, tc.dir, "*"))
				if err != nil || len(files) == 0 {
					t.Fatalf("no file in %s (%v)", tc.dir, err)
				}
				b, err := os.ReadFile(files[0])
				if err != nil {
					t.Fatal(err)
				}
				key := "damaged/" + tc.dir + "/" + filepath.Base(files[0])
				if _, err := srv.Client.PutBytes(t.Context(), objstore.URL{Bucket: bucket, Key: key}, b[:len(b)*2/3], objstore.PutOptions{}); err != nil {
					t.Fatal(err)
				}
				rwf := remoteWorkflow(t, filepath.Join(scene, tc.workflow), t.TempDir(), base, "")
				w, err := os.ReadFile(rwf)
				if err != nil {
					t.Fatal(err)
				}
				from, to := fmt.Sprintf(`"%s/%s/`, base, tc.dir), fmt.Sprintf(`"s3://%s/damaged/%s/`, bucket, tc.dir)
				if !strings.Contains(string(w), from) {
					t.Fatalf("%s reads no %s", rwf, from)
				}
				if err := os.WriteFile(rwf, []byte(strings.Replace(string(w), from, to, 1)), 0o644); err != nil {
					t.Fatal(err)
				}
				stderr := cdflowFails(t, "run", "--out", t.TempDir(), rwf)
				want := "s3://" + bucket + "/" + key
				if !strings.Contains(stderr, want) || strings.Contains(stderr, "/vsis3/") {
					t.Errorf("stderr does not name %s as written:\n%s", want, stderr)
				}
				if !tc.flagged {
					return
				}
				// Flagged instead, the release's report names it so too.
				flag := strings.Replace(strings.Replace(string(w), from, to, 1), `on_unreadable = "fail"`, `on_unreadable = "flag"`, 1)
				if err := os.WriteFile(rwf, []byte(flag), 0o644); err != nil {
					t.Fatal(err)
				}
				out := t.TempDir()
				mustCdflow(t, "run", "--out", out, rwf)
				reports, err := filepath.Glob(filepath.Join(out, "catalog", "*", "*", "report.html"))
				if err != nil || len(reports) != 1 {
					t.Fatalf("reports %v (%v), want one", reports, err)
				}
				r, err := os.ReadFile(reports[0])
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(r), want) || strings.Contains(string(r), "/vsis3/") {
					t.Errorf("the report's QA section does not name %s as written", want)
				}
			})
		}
		// A catalog that cannot be published to is said before any tile
		// runs, not at the end of the run.
		for _, tc := range []struct {
			name, catalog string
			env           map[string]string
			want          string
		}{
			{"catalog in an unknown bucket", "s3://no-such-bucket-cdflow/catalog", nil, `publish.stac.catalog: open s3://no-such-bucket-cdflow/catalog: bucket "no-such-bucket-cdflow" does not exist`},
			{"catalog with refused credentials", "s3://" + bucket + "/catalog2", map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong"}, "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cwf := remoteWorkflow(t, wf, t.TempDir(), base, tc.catalog)
				for k, v := range tc.env {
					t.Setenv(k, v)
				}
				out := t.TempDir()
				for _, cmd := range [][]string{{"run", "--out", out, cwf}, {"merge", "--out", out, cwf}} {
					if stderr := cdflowFails(t, cmd...); !strings.Contains(stderr, tc.want) {
						t.Errorf("%s: stderr does not say %q:\n%s", cmd[0], tc.want, stderr)
					}
				}
				if _, err := os.Stat(filepath.Join(out, "run")); err == nil {
					t.Errorf("the run started before the catalog was checked: %s exists", filepath.Join(out, "run"))
				}
			})
		}
	})
}
