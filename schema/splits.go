package schema

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cdflow/cdflow/schema/internal/table"
)

// SplitStats is one row of splits.parquet: the statistics of one subset,
// summed over its tiles — a row of the 3DCD paper's Table 2 and, in
// DHHistogram, the data of its Figures 6–8.
type SplitStats struct {
	Subset        string
	Tiles         int32
	ChangedPixels int64 // Σ changed_pixels_3d
	ValidPixels   int64 // Σ pixels_3d
	ChangedPct    float64
	UnchangedPct  float64
	// DHMin and DHMax are the extreme ΔH of the subset's changed pixels, in
	// metres; nil when it has none.
	DHMin, DHMax *float32
	DHHistogram  []int64 // HistogramBins counts, summed over the tiles
}

var splitColumns = []table.Column[SplitStats]{
	table.String("subset", "Subset name: train, test, val, then any other, in that order.",
		func(r *SplitStats) *string { return &r.Subset }),
	table.Int32("tiles", "Number of tiles in the subset.",
		func(r *SplitStats) *int32 { return &r.Tiles }),
	table.Int64("changed_pixels", "Changed pixels of cd3d in the subset (sum of changed_pixels_3d).",
		func(r *SplitStats) *int64 { return &r.ChangedPixels }),
	table.Int64("valid_pixels", "Valid pixels of cd3d in the subset (sum of pixels_3d).",
		func(r *SplitStats) *int64 { return &r.ValidPixels }),
	table.Float64("changed_pct", "100 × changed_pixels / valid_pixels; 0 when the subset has no valid pixel.",
		func(r *SplitStats) *float64 { return &r.ChangedPct }),
	table.Float64("unchanged_pct", "100 × (valid_pixels − changed_pixels) / valid_pixels; 0 when the subset has no valid pixel.",
		func(r *SplitStats) *float64 { return &r.UnchangedPct }),
	table.OptFloat32("dh_min", "Minimum ΔH over the subset's changed pixels, in metres; null when none.",
		func(r *SplitStats) **float32 { return &r.DHMin }),
	table.OptFloat32("dh_max", "Maximum ΔH over the subset's changed pixels, in metres; null when none.",
		func(r *SplitStats) **float32 { return &r.DHMax }),
	table.Int64List("dh_histogram", "Changed pixels per 1 m ΔH bin summed over the subset's tiles: the same 80 bins as tiles.parquet.",
		func(r *SplitStats) *[]int64 { return &r.DHHistogram }),
}

var splitSchema = table.NewSchema(splitColumns)

// SplitSchema returns the Arrow schema of splits.parquet. The schema is
// built once and shared; callers must not modify it.
func SplitSchema() *arrow.Schema { return splitSchema }

// subsetRank orders the usual subset names the way papers print them.
var subsetRank = map[string]int{"train": 0, "test": 1, "val": 2, "validate": 2, "validation": 2}

// compareSubsets orders train, test, val, then any other name sorted.
func compareSubsets(a, b string) int {
	ra, okA := subsetRank[a]
	rb, okB := subsetRank[b]
	switch {
	case okA && okB && ra != rb:
		return cmp.Compare(ra, rb)
	case okA != okB:
		if okA {
			return -1
		}
		return 1
	}
	return cmp.Compare(a, b)
}

// SummarizeSplits sums tile rows per subset, in subset order (train, test,
// val, then others sorted). Tiles with no subset yet are summed under "".
func SummarizeSplits(rows []TileStats) []SplitStats {
	var s SplitSummer
	for i := range rows {
		s.Add(&rows[i])
	}
	return s.Splits()
}

// SplitSummer sums tile rows per subset one at a time, as SummarizeSplits
// does, for a release too large to hold its rows at once. The zero value
// is ready to use.
type SplitSummer struct {
	by    map[string]*SplitStats
	names []string
}

// Add sums one tile's row.
func (m *SplitSummer) Add(r *TileStats) {
	if m.by == nil {
		m.by = map[string]*SplitStats{}
	}
	s, ok := m.by[r.Split]
	if !ok {
		s = &SplitStats{Subset: r.Split, DHHistogram: make([]int64, HistogramBins)}
		m.by[r.Split] = s
		m.names = append(m.names, r.Split)
	}
	s.Tiles++
	s.ChangedPixels += int64(r.ChangedPixels3D)
	s.ValidPixels += int64(r.Pixels3D)
	s.DHMin = extreme(s.DHMin, r.DHMin, minF32)
	s.DHMax = extreme(s.DHMax, r.DHMax, maxF32)
	for b, n := range r.DHHistogram[:min(len(r.DHHistogram), HistogramBins)] {
		s.DHHistogram[b] += int64(n)
	}
}

// Splits returns the sums of the rows added so far, in subset order.
func (m *SplitSummer) Splits() []SplitStats {
	out := make([]SplitStats, 0, len(m.names))
	for _, n := range m.names {
		s := *m.by[n]
		s.ChangedPct, s.UnchangedPct = percentages(s.ChangedPixels, s.ValidPixels)
		s.DHHistogram = slices.Clone(s.DHHistogram)
		out = append(out, s)
	}
	sortSplits(out)
	return out
}

func sortSplits(s []SplitStats) {
	slices.SortFunc(s, func(a, b SplitStats) int { return compareSubsets(a.Subset, b.Subset) })
}

// extreme folds a nullable value into a running min or max.
func extreme(acc, v *float32, pick func(a, b float32) float32) *float32 {
	switch {
	case v == nil:
		return acc
	case acc == nil:
		x := *v
		return &x
	}
	x := pick(*acc, *v)
	return &x
}

// The built-ins min and max cannot be passed as values.
func minF32(a, b float32) float32 { return min(a, b) }
func maxF32(a, b float32) float32 { return max(a, b) }

func percentages(changed, valid int64) (changedPct, unchangedPct float64) {
	if valid <= 0 {
		return 0, 0
	}
	return 100 * float64(changed) / float64(valid), 100 * float64(valid-changed) / float64(valid)
}

// WriteSplits writes rows as splits.parquet at path, in subset order,
// atomically.
func WriteSplits(ctx context.Context, path string, rows []SplitStats, opts ...Option) error {
	return writeSplits(ctx, path, memory.DefaultAllocator, rows, opts...)
}

func writeSplits(ctx context.Context, path string, mem memory.Allocator, rows []SplitStats, opts ...Option) error {
	sorted, err := table.SortRows(rows, func(a, b *SplitStats) int { return compareSubsets(a.Subset, b.Subset) },
		func(r *SplitStats) string { return r.Subset })
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for _, r := range sorted {
		if len(r.DHHistogram) != HistogramBins {
			return fmt.Errorf("write %s: subset %q: dh_histogram has %d bins, want %d", path, r.Subset, len(r.DHHistogram), HistogramBins)
		}
	}
	return table.Write(ctx, path, mem, splitSchema, splitColumns, sorted, nil, newOptions(opts).codec)
}

// ReadSplits reads a splits.parquet written by WriteSplits, in file order.
func ReadSplits(ctx context.Context, path string) ([]SplitStats, error) {
	return readSplits(ctx, path, memory.DefaultAllocator)
}

func readSplits(ctx context.Context, path string, mem memory.Allocator) ([]SplitStats, error) {
	rows, _, err := table.Read(ctx, path, mem, splitSchema, splitColumns)
	return rows, err
}

// FormatTable2 prints the subsets as the 3DCD paper's Table 2 — tiles,
// changed and unchanged pixel shares, ΔH range — as an aligned text table
// (names left, numbers right), with an "all" row over every subset when
// there is more than one.
func FormatTable2(w io.Writer, s []SplitStats) error {
	table := [][]string{{"subset", "tiles", "changed %", "unchanged %", "ΔH min (m)", "ΔH max (m)"}}
	all := SplitStats{Subset: "all"}
	for _, r := range s {
		table = append(table, table2Row(r))
		all.Tiles += r.Tiles
		all.ChangedPixels += r.ChangedPixels
		all.ValidPixels += r.ValidPixels
		all.DHMin = extreme(all.DHMin, r.DHMin, minF32)
		all.DHMax = extreme(all.DHMax, r.DHMax, maxF32)
	}
	if len(s) > 1 {
		all.ChangedPct, all.UnchangedPct = percentages(all.ChangedPixels, all.ValidPixels)
		table = append(table, table2Row(all))
	}
	widths := make([]int, len(table[0]))
	for _, row := range table {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range table {
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i == 0 {
				b.WriteString(cell + pad)
			} else {
				b.WriteString("  " + pad + cell)
			}
		}
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("print table 2: %w", err)
	}
	return nil
}

func table2Row(r SplitStats) []string {
	name := r.Subset
	if name == "" {
		name = "(none)"
	}
	return []string{name, strconv.Itoa(int(r.Tiles)),
		strconv.FormatFloat(r.ChangedPct, 'f', 2, 64), strconv.FormatFloat(r.UnchangedPct, 'f', 2, 64),
		metres(r.DHMin), metres(r.DHMax)}
}

func metres(v *float32) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(float64(*v), 'f', 2, 32)
}
