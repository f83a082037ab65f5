package execute

import (
	"slices"
	"sync"

	"github.com/cdflow/cdflow/workflows/plans"
)

// stripColumns is the width, in tiles, of the strips tiles are processed in.
const stripColumns = 4

// stripOrder returns the order to process tiles in: strips of stripColumns
// columns, west to east, each in reading order. Neighbouring tiles share
// source blocks (a 256-pixel block straddles tile edges); processed in
// strips, a tile's neighbour above was read a strip-row earlier, so GDAL's
// block cache only has to hold a strip's width of blocks, not a whole row
// of the area, to decode every block about once. The cache can then be
// small and the same whatever the extent. Results do not depend on the
// order: they are sorted by tile ID.
func stripOrder(tiles []plans.Tile) []plans.Tile {
	if len(tiles) == 0 {
		return tiles
	}
	col0 := tiles[0].Col
	for _, t := range tiles {
		col0 = min(col0, t.Col)
	}
	out := slices.Clone(tiles)
	slices.SortStableFunc(out, func(a, b plans.Tile) int {
		return (a.Col-col0)/stripColumns - (b.Col-col0)/stripColumns
	})
	return out
}

// shares hands tiles, in strip order, to a fixed set of workers: each
// starts on its own contiguous share of the order and, when it is done,
// takes the later half of the largest share left. A worker so mostly
// processes the neighbour of the tile it has just processed, reading
// through its own GDAL handles (raster.WithWorker), whose block caches then
// hold the source blocks the two tiles share; and no worker idles while
// tiles are left (cached tiles of a resumed run finish a share early).
type shares struct {
	mu        sync.Mutex
	next, end []int // worker w's share is [next[w], end[w])
}

func newShares(n, workers int) *shares {
	s := &shares{next: make([]int, workers), end: make([]int, workers)}
	for w := range workers {
		s.next[w], s.end[w] = n*w/workers, n*(w+1)/workers
	}
	return s
}

// take returns the index of worker w's next tile; false when none is left.
func (s *shares) take(w int) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next[w] == s.end[w] {
		v, left := -1, 0
		for o := range s.next {
			if r := s.end[o] - s.next[o]; r > left {
				v, left = o, r
			}
		}
		if v < 0 {
			return 0, false
		}
		mid := s.next[v] + left/2
		s.next[w], s.end[w] = mid, s.end[v]
		s.end[v] = mid
	}
	i := s.next[w]
	s.next[w]++
	return i, true
}
