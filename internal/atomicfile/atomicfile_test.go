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

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	if err := WriteFile(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	if string(b) != "two" || st.Mode().Perm() != 0o644 {
		t.Errorf("content %q mode %v", b, st.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d entries: a temporary file was left", len(entries))
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
	shm, err := os.MkdirTemp("/dev/shm", "atomicfile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
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

func TestWriteFileUnsynced(t *testing.T) {
	p := filepath.Join(t.TempDir(), "item.json")
	if err := WriteFileUnsynced(p, []byte("a longer first version")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileUnsynced(p, []byte("second")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	if string(b) != "second" || st.Mode().Perm() != 0o644&^umask {
		t.Errorf("content %q mode %v: the file was not replaced whole", b, st.Mode())
	}
	if err := WriteFileUnsynced(filepath.Join(p, "x"), nil); err == nil {
		t.Error("wrote below a file")
	}
}

func TestStartWriteback(t *testing.T) {
	shm, err := os.MkdirTemp("/dev/shm", "atomicfile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
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
	err = StartWriteback(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(fmt.Sprint(err), missing) {
		t.Errorf("missing file: %v, want an error naming it", err)
	}
}
