package report

import (
	"strconv"

	"github.com/cdflow/cdflow/schema"
)

// binTable is the split's ΔH coverage: one row per 1 m bin that has changed
// pixels, with the pixels of each subset in it, so a reader sees which
// heights each subset holds and which the cover rule asked of its subset.
type binTable struct {
	Subsets []nameValue // subset key and display name, in Table 2 order
	Rows    []binRow
	// Cover and Min are the cover rule (subset, pixels); Cover is "" without one.
	Cover, Min string
}

type binRow struct {
	Label  string // the bin as a ΔH interval
	Pixels string // changed pixels in the bin over every subset
	// Class is "wanted" when the cover rule asks for the bin, "spike" when
	// it has too few pixels for the rule, "" without a rule.
	Class string
	Cells []binCell // per subset, as binTable.Subsets
}

type binCell struct {
	Text  string // the subset's pixels in the bin, or "–" for none
	Class string // "bad" where the cover subset misses a wanted bin
}

// newBinTable builds the table from the subsets' dh_histogram, the same
// counts the split's cover rule used.
func newBinTable(splits []schema.SplitStats, cover string, min int64) binTable {
	t := binTable{Cover: cover}
	if cover != "" {
		t.Min = strconv.FormatInt(min, 10)
	}
	for _, s := range splits {
		t.Subsets = append(t.Subsets, nameValue{s.Subset, subsetName(s.Subset)})
	}
	for b := range schema.HistogramBins {
		var total int64
		for _, s := range splits {
			total += s.DHHistogram[b]
		}
		if total == 0 {
			continue
		}
		row := binRow{Label: binLabel(b), Pixels: strconv.FormatInt(total, 10)}
		wanted := cover != "" && total >= min
		switch {
		case wanted:
			row.Class = "wanted"
		case cover != "":
			row.Class = "spike"
		}
		for _, s := range splits {
			c := binCell{Text: "–"}
			if n := s.DHHistogram[b]; n > 0 {
				c.Text = strconv.FormatInt(n, 10)
			} else if wanted && s.Subset == cover {
				c.Class = "bad"
				c.Text = "missing"
			}
			row.Cells = append(row.Cells, c)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
