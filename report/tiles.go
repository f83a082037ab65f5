package report

import (
	"strings"

	"github.com/cdflow/cdflow/schema"
)

// Tiles gathers, one row at a time, what the report shows of a release's
// tiles: the sums per subset, the noise-removal counters and the tile
// maps. A national release is then never held whole for its report:
// what stays per tile is its place on the map (48 bytes), and its ID only
// while the map draws tiles one by one (up to maxMapTiles). The zero value
// holds no tile.
type Tiles struct {
	sums schema.SplitSummer

	// Noise-removal stages in the order the tiles name them, and their
	// sums per subset and over all tiles.
	reasons []string
	index   map[string]int
	noise   map[string]*noiseSums
	all     noiseSums

	subsets []string // the subsets the tiles name, by first appearance
	subset  map[string]int
	places  []mapPlace
	ids     []string // nil once there are more than maxMapTiles
}

type noiseSums struct {
	dropped []int64 // by stage, as Tiles.reasons
	kept    int64
}

// mapPlace is a tile's extent, change fraction and subset (an index into
// Tiles.subsets).
type mapPlace struct {
	minX, minY, maxX, maxY float64
	frac                   float64
	subset                 int
}

// TilesOf gathers rows.
func TilesOf(rows []schema.TileStats) *Tiles {
	ts := &Tiles{}
	for i := range rows {
		ts.Add(&rows[i])
	}
	return ts
}

// Add gathers one tile's row; the report does not keep r.
func (ts *Tiles) Add(r *schema.TileStats) {
	ts.sums.Add(r)
	if ts.index == nil {
		ts.index, ts.noise, ts.subset = map[string]int{}, map[string]*noiseSums{}, map[string]int{}
	}
	s := ts.noise[r.Split]
	if s == nil {
		s = &noiseSums{}
		ts.noise[r.Split] = s
	}
	for _, c := range r.Counts {
		reason, ok := strings.CutPrefix(c.Name, dropGroup)
		if !ok {
			continue
		}
		k, seen := ts.index[reason]
		if !seen {
			k = len(ts.reasons)
			ts.index[reason] = k
			ts.reasons = append(ts.reasons, reason)
		}
		for _, acc := range []*noiseSums{s, &ts.all} {
			for len(acc.dropped) <= k {
				acc.dropped = append(acc.dropped, 0)
			}
			acc.dropped[k] += int64(c.N)
		}
	}
	s.kept += int64(r.ChangedPixels3D)
	ts.all.kept += int64(r.ChangedPixels3D)

	k, ok := ts.subset[r.Split]
	if !ok {
		k = len(ts.subsets)
		ts.subset[r.Split] = k
		ts.subsets = append(ts.subsets, r.Split)
	}
	ts.places = append(ts.places, mapPlace{r.MinX, r.MinY, r.MaxX, r.MaxY, r.ChangeFraction, k})
	switch {
	case len(ts.places) <= maxMapTiles:
		ts.ids = append(ts.ids, r.TileID)
	case ts.ids != nil:
		ts.ids = nil
	}
}

// Len is the number of tiles gathered.
func (ts *Tiles) Len() int {
	if ts == nil {
		return 0
	}
	return len(ts.places)
}

// splits sums the tiles per subset, as schema.SummarizeSplits.
func (ts *Tiles) splits() []schema.SplitStats {
	if ts == nil {
		return schema.SummarizeSplits(nil)
	}
	return ts.sums.Splits()
}
