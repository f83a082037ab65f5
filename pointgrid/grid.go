package pointgrid

import (
	"errors"
	"fmt"
	"math"
)

// Grid is a north-up grid. Cell (col, row) covers
// [MinX+col*Res, MinX+(col+1)*Res) × (MaxY-(row+1)*Res, MaxY-row*Res] and its
// centre is (MinX+(col+0.5)*Res, MaxY-(row+0.5)*Res). Cells are stored row
// major, row 0 being the northernmost, at index row*Width+col.
type Grid struct {
	MinX, MaxY, Res float64
	Width, Height   int
}

// maxCells bounds the grid size so that Width*Height cannot overflow and a
// typo cannot allocate terabytes.
const maxCells = 1 << 31

// ErrInvalidGrid is returned (wrapped) for a grid with a non-positive or
// non-finite size, resolution or origin.
var ErrInvalidGrid = errors.New("invalid grid")

// ErrLengthMismatch is returned (wrapped) when X, Y and Z differ in length.
var ErrLengthMismatch = errors.New("point slices differ in length")

// Validate reports whether g describes a usable grid.
func (g Grid) Validate() error {
	switch {
	case !finite(g.MinX) || !finite(g.MaxY):
		return fmt.Errorf("%w: origin (%v, %v) is not finite", ErrInvalidGrid, g.MinX, g.MaxY)
	case !(g.Res > 0) || math.IsInf(g.Res, 0):
		return fmt.Errorf("%w: resolution %v must be positive and finite", ErrInvalidGrid, g.Res)
	case g.Width <= 0 || g.Height <= 0:
		return fmt.Errorf("%w: size %d×%d must be positive", ErrInvalidGrid, g.Width, g.Height)
	case int64(g.Width)*int64(g.Height) > maxCells:
		return fmt.Errorf("%w: %d×%d cells exceed the limit of %d", ErrInvalidGrid, g.Width, g.Height, int64(maxCells))
	}
	return nil
}

// Cells is Width*Height.
func (g Grid) Cells() int { return g.Width * g.Height }

// CenterX is the x of the centres of column col.
func (g Grid) CenterX(col int) float64 { return g.MinX + (float64(col)+0.5)*g.Res }

// CenterY is the y of the centres of row row.
func (g Grid) CenterY(row int) float64 { return g.MaxY - (float64(row)+0.5)*g.Res }

// MaxX is the east edge of the grid.
func (g Grid) MaxX() float64 { return g.MinX + float64(g.Width)*g.Res }

// MinY is the south edge of the grid.
func (g Grid) MinY() float64 { return g.MaxY - float64(g.Height)*g.Res }

// Points holds coordinates as three parallel slices (structure of arrays:
// the hot loops read X and Y without touching Z).
type Points struct {
	X, Y, Z []float64
}

// Len is the number of points; it is only meaningful after check succeeds.
func (p Points) Len() int { return len(p.X) }

func (p Points) check() error {
	if len(p.Y) != len(p.X) || len(p.Z) != len(p.X) {
		return fmt.Errorf("%w: x %d, y %d, z %d", ErrLengthMismatch, len(p.X), len(p.Y), len(p.Z))
	}
	return nil
}

// usable reports whether point i can be gridded: NaN and ±Inf in any
// coordinate would poison sums and geometric predicates, so such points are
// skipped everywhere.
func (p Points) usable(i int) bool {
	return finite(p.X[i]) && finite(p.Y[i]) && finite(p.Z[i])
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func newFilled(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func checkInputs(g Grid, p Points) error {
	if err := g.Validate(); err != nil {
		return err
	}
	return p.check()
}
