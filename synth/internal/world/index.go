package world

import (
	"math"
	"slices"
)

// index is a bucket grid over object bounding boxes: painting a window
// visits only the objects near it.
type index struct {
	x0, y0, cell float64
	nx, ny       int
	b            [][]int32
}

const indexCell = 64.0

func newIndex(ext box) *index {
	nx := int(math.Ceil((ext.x1-ext.x0)/indexCell)) + 1
	ny := int(math.Ceil((ext.y1-ext.y0)/indexCell)) + 1
	return &index{x0: ext.x0, y0: ext.y0, cell: indexCell, nx: nx, ny: ny, b: make([][]int32, nx*ny)}
}

func (ix *index) cells(bb box) (a0, b0, a1, b1 int) {
	a0 = max(int(math.Floor((bb.x0-ix.x0)/ix.cell)), 0)
	b0 = max(int(math.Floor((bb.y0-ix.y0)/ix.cell)), 0)
	a1 = min(int(math.Floor((bb.x1-ix.x0)/ix.cell)), ix.nx-1)
	b1 = min(int(math.Floor((bb.y1-ix.y0)/ix.cell)), ix.ny-1)
	return
}

func (ix *index) add(i int, bb box) {
	a0, b0, a1, b1 := ix.cells(bb)
	for b := b0; b <= b1; b++ {
		for a := a0; a <= a1; a++ {
			ix.b[b*ix.nx+a] = append(ix.b[b*ix.nx+a], int32(i))
		}
	}
}

// query returns, ascending and without repeats, the objects whose buckets
// meet bb: painting in ascending order keeps the layering of New.
func (ix *index) query(bb box, dst []int32) []int32 {
	dst = dst[:0]
	a0, b0, a1, b1 := ix.cells(bb)
	for b := b0; b <= b1; b++ {
		for a := a0; a <= a1; a++ {
			dst = append(dst, ix.b[b*ix.nx+a]...)
		}
	}
	slices.Sort(dst)
	return slices.Compact(dst)
}
