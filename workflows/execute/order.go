package execute

import (
	"slices"

	"github.com/cdflow/cdflow/workflows"
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
func stripOrder(tiles []workflows.Tile) []workflows.Tile {
	if len(tiles) == 0 {
		return tiles
	}
	col0 := tiles[0].Col
	for _, t := range tiles {
		col0 = min(col0, t.Col)
	}
	out := slices.Clone(tiles)
	slices.SortStableFunc(out, func(a, b workflows.Tile) int {
		return (a.Col-col0)/stripColumns - (b.Col-col0)/stripColumns
	})
	return out
}
