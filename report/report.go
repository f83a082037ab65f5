// Package report renders the report.html of a release: the 3DCD paper's
// Table 2 and Figures 6–8 (ΔH histograms per subset) from the release's
// statistics, maps of the tile grid, the noise-removal counts, the split
// constraints, the QA findings and the lineage.
//
// The page is self-contained — inline CSS and inline SVG, no script, no
// font, image or style sheet fetched from anywhere — so it reads offline
// and travels with the release. It is deterministic: the same Input gives
// byte-identical bytes (no clock, no map iterated unsorted, numbers at
// fixed precision), so a release's checksums stay content identity.
package report

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"github.com/cdflow/cdflow/internal/atomicfile"
	"html/template"
	"math"
	"slices"
	"strconv"

	"github.com/cdflow/cdflow/schema"
)

// Input is everything the report shows. Write does not modify it.
type Input struct {
	Title   string // page heading; defaults to "Dataset Version"
	Dataset string
	Version string

	// Tiles are the release's tiles (TilesOf, or Add one row at a time).
	Tiles *Tiles
	// Splits are the rows of splits.parquet, in the order to print them;
	// when nil they are summed from Tiles as schema.SummarizeSplits does.
	Splits []schema.SplitStats

	Violations []string // split constraints not met; empty when all are
	// CoverRange is the subset that must hold every 1 m ΔH bin with at
	// least CoverMinPixels changed pixels in the dataset ("" for none); the
	// bin table marks the bins that rule asks for and any it misses.
	CoverRange     string
	CoverMinPixels int64
	QA             []QARow // QA findings, in the order to print them

	Workflow string            // the workflow source text
	Software map[string]string // name → version, e.g. "cdflow", "GDAL"
	CRS      string            // the tile CRS, as a reader should see it (e.g. "EPSG:25830")
	Created  string            // creation stamp given by the caller; never read from a clock
}

// QARow is one QA finding on one tile.
type QARow struct {
	Tile   string
	Flag   string
	Detail string
}

//go:embed report.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("report").Parse(pageSource))

// Write renders in as one HTML file at path, atomically: through a temp
// file in the same directory renamed into place, so a reader never sees
// half a report and a failed write leaves nothing behind.
func Write(ctx context.Context, path string, in Input) (err error) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	p, err := newPage(in)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}

	return atomicfile.WriteFile(path, buf.Bytes())
}

// page is what the template renders: every number already formatted.
type page struct {
	Title, Dataset, Version, CRS, Created string

	Table2      []table2Row
	Table2Total *table2Row // over every subset; nil with fewer than two

	Frame       frame // of every ΔH chart
	Histograms  []histogram
	Overlay     overlay
	Maps        []tileMap
	NoiseStages []string
	Noise       []noiseRow
	NoiseTotal  *noiseRow

	Violations []string
	Bins       binTable
	QA         []QARow
	Workflow   string
	Software   []nameValue
}

type table2Row struct {
	Subset, Name                        string
	Tiles, Changed, Unchanged, Min, Max string
}

type noiseRow struct {
	Subset, Name string
	Dropped      []string // per stage, as NoiseStages
	Total, Kept  string
	RemovedPct   string
}

type nameValue struct{ Name, Value string }

func newPage(in Input) (*page, error) {
	splits := in.Splits
	own := in.Tiles.splits()
	if splits == nil {
		splits = own
	}
	for _, s := range splits {
		if len(s.DHHistogram) != schema.HistogramBins {
			return nil, fmt.Errorf("subset %q: dh_histogram has %d bins, want %d", s.Subset, len(s.DHHistogram), schema.HistogramBins)
		}
	}
	p := &page{
		Title: in.Title, Dataset: in.Dataset, Version: in.Version, CRS: in.CRS, Created: in.Created,
		Violations: in.Violations, QA: in.QA, Workflow: in.Workflow, Frame: chartFrame,
	}
	if p.Title == "" {
		p.Title = in.Dataset + " " + in.Version
	}

	// One colour per subset, in the order of Table 2, then any subset only
	// the tiles name; the histograms, the overlay and the map share them.
	order := make([]string, 0, len(splits))
	for _, s := range splits {
		order = append(order, s.Subset)
	}
	for _, s := range own {
		if !slices.Contains(order, s.Subset) {
			order = append(order, s.Subset)
		}
	}
	colors := subsetColors(order)

	all := schema.SplitStats{Subset: "all"}
	for _, s := range splits {
		p.Table2 = append(p.Table2, newTable2Row(s))
		p.Histograms = append(p.Histograms, newHistogram(s, colors[s.Subset]))
		all.Tiles += s.Tiles
		all.ChangedPixels += s.ChangedPixels
		all.ValidPixels += s.ValidPixels
		all.DHMin = extreme(all.DHMin, s.DHMin, -1)
		all.DHMax = extreme(all.DHMax, s.DHMax, +1)
	}
	if len(splits) > 1 {
		all.ChangedPct, all.UnchangedPct = percentages(all.ChangedPixels, all.ValidPixels)
		r := newTable2Row(all)
		r.Name = "all"
		p.Table2Total = &r
	}
	p.Overlay = newOverlay(splits, colors)
	p.Bins = newBinTable(splits, in.CoverRange, in.CoverMinPixels)
	p.Maps = newTileMaps(in.Tiles, order, colors)
	p.NoiseStages, p.Noise, p.NoiseTotal = noiseRows(in.Tiles, order)

	names := make([]string, 0, len(in.Software))
	for n := range in.Software {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p.Software = append(p.Software, nameValue{n, in.Software[n]})
	}
	return p, nil
}

// newTable2Row formats a subset as FormatTable2 prints it in the terminal,
// so the report and `cdflow stats` agree to the digit.
func newTable2Row(s schema.SplitStats) table2Row {
	return table2Row{
		Subset: s.Subset, Name: subsetName(s.Subset),
		Tiles:   strconv.Itoa(int(s.Tiles)),
		Changed: fixed(s.ChangedPct, 2), Unchanged: fixed(s.UnchangedPct, 2),
		Min: metres(s.DHMin), Max: metres(s.DHMax),
	}
}

// noiseRows are the pixels each noise-removal stage dropped (the tiles'
// dropped_pixels counters, in their order), per subset in order and over
// all tiles, and the stages' names.
func noiseRows(ts *Tiles, order []string) ([]string, []noiseRow, *noiseRow) {
	if ts.Len() == 0 {
		return nil, nil, nil
	}
	row := func(subset, name string, s *noiseSums) noiseRow {
		var total int64
		i := func(v int64) string { return strconv.FormatInt(v, 10) }
		out := noiseRow{Subset: subset, Name: name}
		for k := range ts.reasons {
			var d int64
			if k < len(s.dropped) { // a stage no tile of the subset counted
				d = s.dropped[k]
			}
			total += d
			out.Dropped = append(out.Dropped, i(d))
		}
		pct := 0.0
		if total+s.kept > 0 {
			pct = 100 * float64(total) / float64(total+s.kept)
		}
		out.Total, out.Kept, out.RemovedPct = i(total), i(s.kept), fixed(pct, 2)
		return out
	}
	var rows []noiseRow
	for _, n := range order {
		if s := ts.noise[n]; s != nil {
			rows = append(rows, row(n, subsetName(n), s))
		}
	}
	total := row("", "all", &ts.all)
	return ts.reasons, rows, &total
}

// dropGroup prefixes the counters of the noise filters.
const dropGroup = "dropped_pixels."

func subsetName(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// extreme folds a nullable value into a running minimum (sign −1) or
// maximum (sign +1).
func extreme(acc, v *float32, sign float32) *float32 {
	switch {
	case v == nil:
		return acc
	case acc == nil || sign*(*v-*acc) > 0:
		x := *v
		return &x
	}
	return acc
}

func percentages(changed, valid int64) (changedPct, unchangedPct float64) {
	if valid <= 0 {
		return 0, 0
	}
	return 100 * float64(changed) / float64(valid), 100 * float64(valid-changed) / float64(valid)
}

func metres(v *float32) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(float64(*v), 'f', 2, 32)
}

// fixed formats v with prec decimals, never as "-0.00": a value that
// rounds to zero prints as zero whatever its sign.
func fixed(v float64, prec int) string {
	if math.Abs(v) < 0.5*math.Pow10(-prec) {
		v = 0
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}
