package catalog

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/internal/s3test"
)

// keyOrderNames are paths whose byte order (S3's listing order) is not
// filepath.WalkDir's: a name that extends a folder's name with a byte
// below '/' ("a-b", "a.json", "items.parquet") sorts before the folder's
// files.
var keyOrderNames = []string{
	"a0", "a/x", "a.json", "a-b", "a/y/z.json", "a/y.json",
	"items/E1/E1.json", "items.parquet", "items/E1-b/E1-b.json", "items/E10/t.tif",
	"tiles.parquet", "tiles/E1/dh.tif",
}

func TestWalkKeyOrder(t *testing.T) {
	dir := t.TempDir()
	for _, p := range keyOrderNames {
		write(t, dir, p, p)
	}
	var got []string
	if err := walkKeyOrder(dir, func(rel string) error { got = append(got, rel); return nil }); err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(keyOrderNames))
	if !slices.Equal(got, want) {
		t.Errorf("walkKeyOrder visits\n%q\nwant byte order\n%q", got, want)
	}
	// The case the walk exists for: WalkDir's order is another.
	var walkDir []string
	if err := walkFiles(dir, func(rel string) error { walkDir = append(walkDir, rel); return nil }); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(walkDir, want) {
		t.Error("filepath.WalkDir visits these names in byte order too: the test names no case walkKeyOrder is for")
	}
	if err := walkKeyOrder(filepath.Join(dir, "gone"), func(string) error { return nil }); err == nil {
		t.Error("walking a folder that does not exist: no error")
	}
}

// TestJoinListing checks both joins against a real server's listing: its
// order is the one walkKeyOrder has to match for joinListing.
func TestJoinListing(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	c := srv.Client
	root := objstore.URL{Bucket: srv.Bucket(t, "join"), Key: "cat/1.0.0"}
	staged := t.TempDir()
	for _, p := range keyOrderNames {
		write(t, staged, p, p)
	}
	write(t, staged, "collection.json", "{}") // never walked: the commit
	// The server holds the stage's files but a-b and items.parquet, and
	// two it does not have.
	for _, p := range append(slices.Clone(keyOrderNames), "a/w", "zz", "collection.json") {
		if p == "a-b" || p == "items.parquet" {
			continue
		}
		if _, err := c.PutBytes(ctx, root.Join(p), []byte(p), objstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var walked []string
	if err := walkStaged(staged, func(_ int, rel string) error { walked = append(walked, rel); return nil }); err != nil {
		t.Fatal(err)
	}
	var wantMatched []string
	for _, p := range walked {
		if p != "a-b" && p != "items.parquet" {
			wantMatched = append(wantMatched, p)
		}
	}
	for _, tc := range []struct {
		name string
		join joinFunc
	}{{"listing", joinListing}, {"stat", joinByStat}} {
		t.Run(tc.name, func(t *testing.T) {
			var matched, extra, missing []string
			err := tc.join(ctx, c, staged, root,
				func(i int, rel string, o objstore.Object) error {
					if walked[i] != rel {
						t.Errorf("%s matched as staged file %d, %s", rel, i, walked[i])
					}
					if o.Size != int64(len(rel)) {
						t.Errorf("%s matched the object %s of %d bytes", rel, o.URL, o.Size)
					}
					matched = append(matched, rel)
					return nil
				},
				func(rel string) { extra = append(extra, rel) },
				func(rel string) { missing = append(missing, rel) })
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(matched, wantMatched) {
				t.Errorf("matched %q, want %q", matched, wantMatched)
			}
			if want := []string{"a/w", "collection.json", "zz"}; !slices.Equal(extra, want) {
				t.Errorf("extra %q, want %q", extra, want)
			}
			if want := []string{"a-b", "items.parquet"}; !slices.Equal(missing, want) {
				t.Errorf("missing %q, want %q", missing, want)
			}
			// An error from match stops the join and is returned.
			stopErr := errors.New("stop")
			if err := tc.join(ctx, c, staged, root, func(int, string, objstore.Object) error { return stopErr }, func(string) {}, func(string) {}); !errors.Is(err, stopErr) {
				t.Errorf("join whose match fails: %v, want %v", err, stopErr)
			}
			// A stage that cannot be walked is an error, not a release of nothing.
			if err := tc.join(ctx, c, filepath.Join(staged, "gone"), root, func(int, string, objstore.Object) error { return nil }, func(string) {}, func(string) {}); err == nil {
				t.Error("join with a stage that does not exist: no error")
			}
		})
	}
	// A listing out of byte order runs the check again, from nothing, by
	// stat: every staged file is looked up before the listing is read for
	// extra keys, where joinListing interleaves them.
	t.Run("unordered", func(t *testing.T) {
		var calls []string
		runs := 0
		err := joinEither(func(join joinFunc) error {
			runs++
			calls = nil
			if runs == 1 {
				return fmt.Errorf("server: %w", errUnordered)
			}
			return join(ctx, c, staged, root,
				func(int, string, objstore.Object) error { calls = append(calls, "match"); return nil },
				func(string) { calls = append(calls, "extra") },
				func(string) { calls = append(calls, "missing") })
		})
		if err != nil || runs != 2 {
			t.Fatalf("joinEither after an unordered listing: %v after %d runs, want nil after 2", err, runs)
		}
		if i := slices.Index(calls, "extra"); i < 0 || slices.Contains(calls[i:], "match") {
			t.Errorf("the second run interleaved the listing with the lookups (%v): it did not join by stat", calls)
		}
	})
}

func TestUploadRecords(t *testing.T) {
	r, err := newUploadRecords(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const n = 1000
	rec := func(i int) uploaded {
		u := uploaded{size: int64(i) * 1_000_003}
		for j := range u.md5 {
			u.md5[j] = byte(i*31 + j)
		}
		return u
	}
	// Uploads finish in any order.
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(n) {
		if err := r.set(i, rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	rr := r.reader()
	for i := 0; i < n; i += 1 + i%3 { // some skipped, as missing files are
		got, err := rr.at(i)
		if err != nil {
			t.Fatal(err)
		}
		if got != rec(i) {
			t.Fatalf("record %d = %+v, want %+v", i, got, rec(i))
		}
	}
	if _, err := rr.at(3); err == nil {
		t.Error("a record read after a later one: no error")
	}
	if _, err := r.reader().at(n); err == nil {
		t.Error("a record past the last: no error")
	}
}

func TestCompareReleases(t *testing.T) {
	files := map[string]string{
		"collection.json":         `{"id":"r","links":[]}`,
		"items/a.json":            `{"id":"a"}`,
		"items/b.json":            `{"id":"b"}`,
		"tiles/E1/dh.tif":         "dh",
		"tiles/E1-extra/note.txt": "x",
	}
	for _, tc := range []struct {
		name string
		edit func(dir string) // applied to the new release
		want string
	}{
		{"same", func(string) {}, ""},
		{"new", func(d string) { write(t, d, "tiles/E1/cd3d.tif", "cd") }, "1 file(s) differ: tiles/E1/cd3d.tif is new"},
		{"gone", func(d string) { os.Remove(filepath.Join(d, "items", "b.json")) }, "1 file(s) differ: items/b.json would go"},
		{"differs", func(d string) { write(t, d, "tiles/E1/dh.tif", "DH") }, "1 file(s) differ: tiles/E1/dh.tif differs"},
		// The first two sorted, of all.
		{"several", func(d string) {
			write(t, d, "tiles/E1/dh.tif", "DH")
			write(t, d, "items/b.json", `{"id":"B"}`)
			write(t, d, "items/c.json", `{}`)
			os.Remove(filepath.Join(d, "items", "a.json"))
		}, "4 file(s) differ: items/a.json would go, items/b.json differs, …"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, rel := t.TempDir(), t.TempDir()
			for p, c := range files {
				write(t, old, p, c)
				write(t, rel, p, c)
			}
			tc.edit(rel)
			got, err := compareReleases(rel, old)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("compareReleases = %q, want %q", got, tc.want)
			}
		})
	}
}

func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkUploadVerify uploads a stage of small files to a local
// SeaweedFS and checks the listing against it, as a publish to object
// storage does, and reports the heap held per file between the two (what
// the check is made against) and the time per file.
func BenchmarkUploadVerify(b *testing.B) {
	const tiles, perTile = 1000, 9
	ctx := context.Background()
	srv := s3test.Start(b)
	c := srv.Client
	work := b.TempDir()
	staged := filepath.Join(work, "release")
	for i := range tiles {
		id := fmt.Sprintf("E%06d_N%07d", 355000+200*(i%50), 4610000+200*(i/50))
		for j := range perTile {
			p := filepath.Join(staged, "items", id, fmt.Sprintf("%s_%d.tif", id, j))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	n := 0
	for b.Loop() {
		final := objstore.URL{Bucket: srv.Bucket(b, "uv"), Key: fmt.Sprintf("cat/%d", n)}
		n++
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		stored, _, err := uploadRelease(ctx, c, staged, final, 0, false)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if err := verifyRemote(ctx, c, staged, stored, final); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/float64(tiles*perTile), "heap-B/file")
		runtime.KeepAlive(stored)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n*tiles*perTile), "µs/file")
}
