// Package flock takes the locks cdflow's writers share an output folder
// with: an flock on a lock file, which the kernel releases when its holder
// exits however it exits, so no lock is ever left behind to break and two
// processes can never both hold one.
package flock

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"
)

// Lock takes the lock at path, waiting while another process holds it;
// waiting, when set, is called once if the lock is not free at once. The
// wait ends with ctx.
func Lock(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	mu := lockedfile.MutexAt(path)
	type taken struct {
		unlock func()
		err    error
	}
	ch := make(chan taken, 1)
	go func() {
		u, err := mu.Lock()
		ch <- taken{u, err}
	}()
	tick := time.NewTimer(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case t := <-ch:
			if t.err != nil {
				return nil, fmt.Errorf("lock %s: %w", path, t.err)
			}
			return t.unlock, nil
		case <-tick.C:
			if waiting != nil {
				waiting()
			}
		case <-ctx.Done():
			go func() { // give the lock back as soon as it comes
				if t := <-ch; t.err == nil {
					t.unlock()
				}
			}()
			return nil, fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		}
	}
}
