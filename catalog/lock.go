package catalog

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/rogpeppe/go-internal/lockedfile"
)

const lockFile = ".lock"

// lock takes the catalog's lock, waiting for another publisher to finish
// (or ctx to end). It is an flock on root/.lock: the kernel releases it when
// its holder exits, however it exits, so a crashed publish never leaves a
// lock to break, and two publishers can never both take it.
func lock(ctx context.Context, root string) (func(), error) {
	mu := lockedfile.MutexAt(filepath.Join(root, lockFile))
	type taken struct {
		unlock func()
		err    error
	}
	ch := make(chan taken, 1)
	go func() {
		unlock, err := mu.Lock()
		ch <- taken{unlock, err}
	}()
	select {
	case t := <-ch:
		if t.err != nil {
			return nil, fmt.Errorf("publish: lock catalog %s: %w; is the catalog folder writable?", root, t.err)
		}
		return t.unlock, nil
	case <-ctx.Done():
		go func() { // give the lock back as soon as it comes
			if t := <-ch; t.err == nil {
				t.unlock()
			}
		}()
		return nil, fmt.Errorf("publish: waiting for another cdflow to finish publishing into %s: %w", root, ctx.Err())
	}
}
