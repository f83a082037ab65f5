package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked is returned (wrapped) when another publisher holds the catalog.
var ErrLocked = errors.New("catalog is locked by another cdflow")

const lockFile = ".lock"

// lock takes the catalog's lock: a file created exclusively, holding the
// owner's pid. A lock whose process is gone (a crash, kill -9) is taken over.
func lock(root string) (func(), error) {
	p := filepath.Join(root, lockFile)
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			return func() { os.Remove(p) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("publish: lock catalog %s: %w; is the catalog folder writable?", root, err)
		}
		b, _ := os.ReadFile(p)
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if perr == nil && pid > 0 && alive(pid) {
			return nil, fmt.Errorf("publish: %w (pid %d holds %s); wait for it to finish, or delete that file if no cdflow is running", ErrLocked, pid, p)
		}
		// The owner is gone: its publish was interrupted. Take the lock over.
		os.Remove(p)
	}
	return nil, fmt.Errorf("publish: %w: could not take %s", ErrLocked, p)
}

// alive reports whether a process exists (signal 0 checks without sending).
func alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
