package execute

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/workflows/plans"
)

func TestStripOrder(t *testing.T) {
	g := plans.TileGrid{Size: 200, Col0: 3, Row0: 0, Cols: 10, Rows: 3}
	tiles := g.Tiles()
	got := stripOrder(tiles)
	if len(got) != len(tiles) {
		t.Fatalf("%d tiles, want %d", len(got), len(tiles))
	}
	seen := map[string]bool{}
	for i, tl := range got {
		seen[tl.ID] = true
		if i == 0 {
			continue
		}
		prev := got[i-1]
		ps, s := (prev.Col-3)/stripColumns, (tl.Col-3)/stripColumns
		switch {
		case s < ps:
			t.Fatalf("tile %d (col %d) in strip %d after strip %d", i, tl.Col, s, ps)
		case s == ps && (tl.Row > prev.Row || tl.Row == prev.Row && tl.Col < prev.Col):
			t.Fatalf("tile %d (col %d row %d) out of reading order after col %d row %d", i, tl.Col, tl.Row, prev.Col, prev.Row)
		}
	}
	if len(seen) != len(tiles) {
		t.Errorf("%d distinct tiles, want %d", len(seen), len(tiles))
	}
}

func TestShares(t *testing.T) {
	for _, tc := range []struct{ tiles, workers int }{{0, 2}, {1, 2}, {2, 2}, {7, 2}, {100, 2}, {100, 3}, {5, 8}, {472, 4}} {
		t.Run(fmt.Sprintf("%d tiles %d workers", tc.tiles, tc.workers), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tc.tiles), uint64(tc.workers)))
			s := newShares(tc.tiles, tc.workers)
			seen := make([]int, tc.tiles)
			last := make([]int, tc.workers)
			for w := range last {
				last[w] = -1
			}
			jumps := 0
			active := make([]bool, tc.workers)
			for w := range active {
				active[w] = true
			}
			for slices.Contains(active, true) {
				// Workers take tiles in a random interleaving.
				w := r.IntN(tc.workers)
				if !active[w] {
					continue
				}
				i, ok := s.take(w)
				if !ok {
					active[w] = false
					continue
				}
				seen[i]++
				if last[w] >= 0 && i != last[w]+1 {
					jumps++
				}
				last[w] = i
			}
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("tile %d taken %d times", i, n)
				}
			}
			// Each worker moves to a tile that does not follow its last one
			// only when it steals, which halves a share: a few times per
			// worker, not once per tile.
			if limit := tc.workers * (bits.Len(uint(tc.tiles)) + 1); jumps > limit {
				t.Errorf("%d jumps, want at most %d", jumps, limit)
			}
		})
	}
}
