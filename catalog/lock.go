package catalog

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/cdflow/cdflow/internal/flock"
)

const lockFile = ".lock"

// lock takes the catalog's lock, waiting for another publisher to finish
// (or ctx to end); see package flock.
func lock(ctx context.Context, root string) (func(), error) {
	unlock, err := flock.Lock(ctx, filepath.Join(root, lockFile), nil)
	if err != nil {
		return nil, fmt.Errorf("publish: waiting for another cdflow to finish publishing into %s: %w", root, err)
	}
	return unlock, nil
}
