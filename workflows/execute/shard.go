package execute

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cdflow/cdflow/workflows/plans"
)

// A sharded run splits the tile grid between machines (a Kubernetes
// Indexed Job, an Argo fan-out): shard i of n processes the tiles whose
// index in the grid's stable order is i modulo n and writes its products
// and a partial-results manifest. Merge then assembles the manifests of
// all n shards into the Result a single run would have returned, which
// Finish and Publish turn into the same tables and catalog, byte for byte.

// Shard selects a part of the tile grid: tiles whose index is Index
// modulo Count. The zero value (Count 0) is the whole grid.
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/n" (0 ≤ i < n).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 0 ≤ i < n, e.g. 0/4", s)
	}
	return Shard{Index: i, Count: n}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Select returns the shard's tiles, in the grid's order.
func (s Shard) Select(tiles []plans.Tile) []plans.Tile {
	if s.Count <= 1 {
		return tiles
	}
	var out []plans.Tile
	for i, t := range tiles {
		if i%s.Count == s.Index {
			out = append(out, t)
		}
	}
	return out
}
