// Package atomicfile writes files so that readers see the old file or the
// new one, never a part: data goes to a temporary file in the same
// directory, which is synced and renamed into place.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// File is a file being written. Commit puts it in place; Abort (deferred)
// discards it unless it was committed.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path.
func Create(path string) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &File{File: tmp, path: path}, nil
}

// Commit gives the file the mode a new file gets (0666 less the umask, as
// GDAL's files do: every file a run writes has the same mode), syncs it and
// renames it into place.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("write %s: already committed or aborted", f.path)
	}
	f.done = true
	err := f.File.Chmod(NewFileMode())
	if err == nil {
		err = f.File.Sync()
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.File.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.File.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	return nil
}

// Abort discards the file; after Commit it does nothing.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

var linkSeq atomic.Int64

// NewFileMode is the mode a new file gets, 0666 less the umask: what
// os.Create and GDAL give the run's other files, and what files written
// under a temporary name (os.CreateTemp's 0600) are given before they
// take their place.
func NewFileMode() os.FileMode { return 0o666 &^ umask }

// umask is the process's file-creation mask, read once: Umask can only be
// read by setting it, which is safe while no other goroutine creates files.
var umask = func() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}()

// Copy copies src to dst atomically: a new file of its own, never a link,
// so nothing done to src later changes dst. Where the file system can share
// blocks (a reflink: Btrfs, XFS), the copy costs no space or time until
// either file changes.
func Copy(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := Create(dst)
	if err != nil {
		return err
	}
	defer out.Abort()
	if err := cloneOrCopy(out.File, in, src, dst); err != nil {
		return err
	}
	return out.Commit()
}

// cloneOrCopy puts in's content in out: a reflink where the file system
// shares blocks, else a copy.
func cloneOrCopy(out, in *os.File, src, dst string) error {
	if unix.IoctlFileClone(int(out.Fd()), int(in.Fd())) != nil {
		if _, err := io.Copy(out, in); err != nil {
			return fmt.Errorf("copy %s to %s: %w", src, dst, err)
		}
	}
	return nil
}

// LinkOrCopy puts src's content at dst, replacing what is there: a hard
// link when both are on one file system (no space used, and since every
// writer here replaces files by rename, the linked inode never changes
// under the link), else a copy. Atomic either way.
func LinkOrCopy(src, dst string) error {
	tmp := filepath.Join(filepath.Dir(dst), fmt.Sprintf(".%s.link-%d-%d", filepath.Base(dst), os.Getpid(), linkSeq.Add(1)))
	if err := os.Link(src, tmp); err == nil {
		if err := os.Rename(tmp, dst); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("link %s to %s: %w", src, dst, err)
		}
		return nil
	}
	return Copy(src, dst)
}

// CopyUnsynced is Copy for a folder nobody reads until it is complete and
// SyncFS has run on it (a release being staged): no temporary name and no
// fsync per file. A release of a million tiles writes millions of files,
// and one fsync each made publishing wait on the disk for hours.
func CopyUnsynced(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := cloneOrCopy(out, in, src, dst); err != nil {
		out.Close()
		return err
	}
	startWriteback(out)
	return out.Close()
}

// LinkOrCopyUnsynced is CopyUnsynced for a staged folder that is read and
// deleted, never changed: a hard link to src where both are on one file
// system, else a copy.
func LinkOrCopyUnsynced(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	return CopyUnsynced(src, dst)
}

// WriteFileUnsynced is WriteFile for a folder SyncFS will sync (see CopyUnsynced).
func WriteFileUnsynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		startWriteback(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// StartWriteback asks the kernel to start writing path's data to disk now,
// without waiting for it: the SyncFS that makes a release durable then
// finds little left to write, instead of every file the run wrote since
// the kernel's own writeback last ran (up to 30 s of them). It is a hint:
// a file system that cannot take it is not an error.
func StartWriteback(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	startWriteback(f)
	return f.Close()
}

func startWriteback(f *os.File) {
	_ = unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}

// SyncFS makes everything written to the file system holding dir durable,
// in one call: what CopyUnsynced and WriteFileUnsynced skipped.
func SyncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Unnamed creates a temporary file in dir (os.CreateTemp's pattern) and
// removes its name at once: the open file is the only way to it, and its
// space is freed when it is closed or the process ends, however it ends.
func Unnamed(dir, pattern string) (*os.File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
