package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteFile replaces a longer file with a shorter one through both
// writers: the file holds the new bytes alone, with the mode each gives,
// and nothing else is left in the folder.
func TestWriteFile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(string, []byte) error
		mode  os.FileMode
	}{
		{"WriteFile", WriteFile, 0o644},
		{"WriteFileUnsynced", WriteFileUnsynced, 0o644 &^ umask},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "item.json")
			if err := tc.write(p, []byte("a longer first version")); err != nil {
				t.Fatal(err)
			}
			if err := tc.write(p, []byte("second")); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(p)
			st, _ := os.Stat(p)
			if string(b) != "second" || st.Mode().Perm() != tc.mode {
				t.Errorf("content %q mode %v: the file was not replaced whole", b, st.Mode())
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("%d entries: a temporary file was left", len(entries))
			}
			if err := tc.write(filepath.Join(p, "x"), nil); err == nil {
				t.Error("wrote below a file")
			}
		})
	}
}

func TestAbortKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a")
	os.WriteFile(p, []byte("old"), 0o644)
	f, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Abort()
	f.Abort()
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("content %q", b)
	}
	if err := f.Commit(); err == nil {
		t.Error("commit after abort succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries", len(entries))
	}
	if _, err := Create(filepath.Join(dir, "missing", "x")); err == nil {
		t.Error("created in a missing directory")
	}
}

func TestLinkOrCopyAndCopy(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.WriteFile(src, []byte("pixels"), 0o644)
	dst := filepath.Join(dir, "dst")
	os.WriteFile(dst, []byte("old"), 0o644)
	if err := LinkOrCopy(src, dst); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(src)
	b, _ := os.Stat(dst)
	if !os.SameFile(a, b) {
		t.Error("not hard-linked on one file system")
	}
	cp := filepath.Join(dir, "copy")
	if err := Copy(src, cp); err != nil {
		t.Fatal(err)
	}
	c, _ := os.Stat(cp)
	if got, _ := os.ReadFile(cp); string(got) != "pixels" || os.SameFile(a, c) {
		t.Errorf("copy %q, same file %v", got, os.SameFile(a, c))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("%d entries: a temporary file was left", len(entries))
	}
	if err := Copy(filepath.Join(dir, "none"), cp); err == nil {
		t.Error("copied a missing file")
	}
}

// A stage for upload links where it can and copies across file systems
// (here to /dev/shm, a tmpfs on Linux).
func TestLinkOrCopyUnsynced(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("pixels"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(src)
	shm := tmpfsDir(t)
	for _, tt := range []struct {
		dst  string
		link bool
	}{
		{filepath.Join(dir, "staged"), true},
		{filepath.Join(shm, "staged"), false},
	} {
		if err := LinkOrCopyUnsynced(src, tt.dst); err != nil {
			t.Fatal(err)
		}
		b, err := os.Stat(tt.dst)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(tt.dst); string(got) != "pixels" || os.SameFile(a, b) != tt.link {
			t.Errorf("%s: %q, linked %v, want linked %v", tt.dst, got, os.SameFile(a, b), tt.link)
		}
	}
	if err := LinkOrCopyUnsynced(filepath.Join(dir, "none"), filepath.Join(dir, "x")); err == nil {
		t.Error("staged a missing file")
	}
}

func TestUnnamed(t *testing.T) {
	dir := t.TempDir()
	f, err := Unnamed(dir, ".held-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("kept"), 3); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	if _, err := f.ReadAt(b, 3); err != nil || string(b) != "kept" {
		t.Errorf("read back %q, %v; want \"kept\"", b, err)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("the folder lists %v; an unnamed file leaves no name", names)
	}
	if _, err := Unnamed(filepath.Join(dir, "gone"), "x-*"); err == nil {
		t.Error("a file in a folder that does not exist: no error")
	}
}

func TestStartWriteback(t *testing.T) {
	shm := tmpfsDir(t)
	// On disk and in memory (tmpfs has nothing to write back): a hint
	// either way, and the file is left as it was.
	for _, dir := range []string{t.TempDir(), shm} {
		p := filepath.Join(dir, "product.tif")
		if err := os.WriteFile(p, []byte("pixels"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := StartWriteback(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if b, _ := os.ReadFile(p); string(b) != "pixels" {
			t.Errorf("%s: %q after the hint", p, b)
		}
	}
	missing := filepath.Join(shm, "none.tif")
	err := StartWriteback(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(fmt.Sprint(err), missing) {
		t.Errorf("missing file: %v, want an error naming it", err)
	}
}

// tmpfsDir is a folder on another file system than t.TempDir's, in memory,
// removed after the test.
func tmpfsDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "atomicfile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
