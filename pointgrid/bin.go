package pointgrid

import (
	"fmt"
	"math"
)

// Stat selects the per-cell statistic computed by Bin.
type Stat int

// The statistics Bin can compute.
const (
	Max   Stat = iota // highest z in the cell (a DSM)
	Min               // lowest z in the cell
	Mean              // arithmetic mean of z
	Count             // number of points (as float32)
)

func (s Stat) String() string {
	switch s {
	case Max:
		return "max"
	case Min:
		return "min"
	case Mean:
		return "mean"
	case Count:
		return "count"
	}
	return fmt.Sprintf("Stat(%d)", int(s))
}

// Bin assigns every point to the cell col = floor((x-MinX)/Res),
// row = floor((MaxY-y)/Res) and returns the chosen statistic of the z values
// in each cell. Cells without points hold nodata, except for Count, which
// reports 0. Points outside the grid or with a non-finite coordinate are
// ignored. An error is returned only
// for an invalid grid, mismatched slices or an unknown Stat.
func Bin(g Grid, p Points, stat Stat, nodata float32) ([]float32, error) {
	if err := checkInputs(g, p); err != nil {
		return nil, fmt.Errorf("bin: %w", err)
	}
	if stat < Max || stat > Count {
		return nil, fmt.Errorf("bin: unknown statistic %v", stat)
	}
	n := g.Cells()
	// Accumulate in float64 so means of many points keep their precision.
	acc := make([]float64, n)
	cnt := make([]int32, n)
	for i := range p.X {
		if !p.usable(i) {
			continue
		}
		c, ok := g.cellOf(p.X[i], p.Y[i])
		if !ok {
			continue
		}
		z := p.Z[i]
		switch {
		case cnt[c] == 0:
			acc[c] = z
		case stat == Max:
			acc[c] = math.Max(acc[c], z)
		case stat == Min:
			acc[c] = math.Min(acc[c], z)
		case stat == Mean:
			acc[c] += z
		}
		if cnt[c] < math.MaxInt32 {
			cnt[c]++
		}
	}
	out := make([]float32, n)
	for c := range out {
		switch {
		case stat == Count:
			out[c] = float32(cnt[c])
		case cnt[c] == 0:
			out[c] = nodata
		case stat == Mean:
			out[c] = float32(acc[c] / float64(cnt[c]))
		default:
			out[c] = float32(acc[c])
		}
	}
	return out, nil
}

// cellOf returns the index of the cell holding (x, y) under Bin's floor rule.
func (g Grid) cellOf(x, y float64) (int, bool) {
	fc := math.Floor((x - g.MinX) / g.Res)
	fr := math.Floor((g.MaxY - y) / g.Res)
	// The comparisons are false for NaN, so they also reject it.
	if !(fc >= 0 && fc < float64(g.Width) && fr >= 0 && fr < float64(g.Height)) {
		return 0, false
	}
	return int(fr)*g.Width + int(fc), true
}
