package catalog

import (
	"testing"

	"github.com/cdflow/cdflow/schema"
)

func TestBlockOf(t *testing.T) {
	for _, c := range []struct {
		row, col int32
		want     string
	}{
		{0, 0, "r000_c000"},
		{49, 49, "r000_c000"},
		{50, 99, "r001_c001"},
		{23050, 1775, "r461_c035"},
		{-1, -50, "r-01_c-01"},
		{-51, 0, "r-02_c000"},
	} {
		if got := blockOf(schema.TileStats{Row: c.row, Col: c.col}); got != c.want {
			t.Errorf("blockOf(row %d, col %d) = %s, want %s", c.row, c.col, got, c.want)
		}
	}
	for _, c := range []struct {
		n, above int
		want     bool
	}{{GroupAbove, 0, false}, {GroupAbove + 1, 0, true}, {2, 1, true}, {1, 1, false}} {
		if got := grouped(c.n, Options{GroupAbove: c.above}); got != c.want {
			t.Errorf("grouped(%d, above %d) = %v", c.n, c.above, got)
		}
	}
}
