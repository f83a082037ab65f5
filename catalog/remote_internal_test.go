package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// tilePaths returns the slash paths of n tiles' files, as a release lays
// them out.
func tilePaths(n int) []string {
	var out []string
	for i := range n {
		id := fmt.Sprintf("E%06d_N%07d", 355000+200*(i%1000), 4610000+200*(i/1000))
		for _, f := range []string{"ortho_t0.tif", "ortho_t1.tif", "dsm_t0.tif", "dsm_t1.tif", "dh.tif", "cd3d.tif", "cd2d.tif", "preview.png"} {
			out = append(out, "tiles/"+id+"/"+f)
		}
		out = append(out, "items/"+id+".json")
	}
	return out
}

func TestUploadIndex(t *testing.T) {
	paths := tilePaths(300)
	for _, tc := range []struct {
		name string
		// hash makes the index's hash from its own.
		hash func(func(string) uint64) func(string) uint64
	}{
		{"maphash", func(h func(string) uint64) func(string) uint64 { return h }},
		// Every path's hash is one of seven: most are kept by name.
		{"colliding", func(h func(string) uint64) func(string) uint64 {
			return func(s string) uint64 { return h(s) % 7 }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newUploadIndex()
			x.hash = tc.hash(x.hash)
			for i, p := range paths {
				if got := x.add(p); got != i {
					t.Fatalf("%s numbered %d, want %d", p, got, i)
				}
			}
			for i, p := range paths {
				if got, ok := x.find(p); !ok || got != i {
					t.Errorf("find(%s) = %d, %v; want %d", p, got, ok, i)
				}
			}
			if _, ok := x.find("tiles/elsewhere.tif"); ok && tc.name == "maphash" {
				t.Error("a path never added was found")
			}
		})
	}
}

// BenchmarkUploadIndex reports the memory a published file takes in the
// index a publish to object storage checks the server's listing against.
func BenchmarkUploadIndex(b *testing.B) {
	paths := tilePaths(20000)
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		x := newUploadIndex()
		for _, p := range paths {
			x.add(p)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(paths)), "B/file")
		runtime.KeepAlive(x)
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
