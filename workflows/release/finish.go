package release

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/split"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
)

// Summary is what the global steps made of a run's tiles.
type Summary struct {
	// Tiles are every kept tile's row in the run's result, with its subset
	// set there: a row held on disk (execute.TileResult.Load) has only its
	// fixed-size fields here.
	Tiles      []*schema.TileStats
	Splits     []schema.SplitStats // Table 2 as data
	Violations []string            // split constraints not met, one line each
	// TilesParquet and SplitsParquet are the files written in the run directory.
	TilesParquet, SplitsParquet string
	// Excluded are the tiles a QA policy left out of Tiles, the split and
	// the release, sorted; QA lists every finding, on the scene first, then
	// per tile (excluded or kept), as the report shows them.
	Excluded []string
	QA       []plugins.QARow
	// Counters are the steps' per-tile counters: columns of tiles.parquet.
	Counters []plugins.Counter
}

// Finish runs the global steps once every tile is done: the split (when the
// workflow has one), which sets each kept tile's subset in res, then
// tiles.parquet and splits.parquet in the run directory. Tiles with a QA
// finding whose policy is exclude take no part.
func Finish(ctx context.Context, plan *plans.Plan, res *execute.Result) (*Summary, error) {
	if err := systemic(res); err != nil {
		return nil, err
	}
	sum := &Summary{QA: qaRows(res), Counters: execute.Counters(plan)}
	var kept []*execute.TileResult
	for i := range res.Tiles {
		t := &res.Tiles[i]
		if excluded(t) {
			sum.Excluded = append(sum.Excluded, t.Tile.ID)
			continue
		}
		kept = append(kept, t)
		sum.Tiles = append(sum.Tiles, &t.Stats)
	}
	if len(kept) == 0 && len(res.Tiles) > 0 {
		return nil, fmt.Errorf("QA excluded every tile (%d), from %s to %s; see their findings (qa_flags) and relax the qa step's policies or fix the inputs", len(res.Tiles), res.Tiles[0].Tile.ID, res.Tiles[len(res.Tiles)-1].Tile.ID)
	}
	if s := plan.Workflow.Split; s != nil {
		tiles, err := splitTiles(ctx, kept)
		if err != nil {
			return nil, err
		}
		out, err := split.Split(tiles, SplitConfig(s))
		if err != nil {
			return nil, err
		}
		for _, r := range sum.Tiles {
			r.Split = out.Assign[r.TileID]
		}
		sum.Violations = out.Violations
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	projjson, err := plan.Grid.CRS.PROJJSON()
	if err != nil {
		return nil, fmt.Errorf("tiles.parquet: %w", err)
	}
	// The rows are written one at a time, each read back whole when the
	// run holds part of it on disk (a merge of many tiles).
	sum.TilesParquet = filepath.Join(res.Dir, "tiles.parquet")
	tw, err := schema.NewTilesWriter(sum.TilesParquet, schema.GeoInfo{PROJJSON: projjson}, schema.WithCounters(sum.Counters))
	if err != nil {
		return nil, err
	}
	defer tw.Abort()
	var splits schema.SplitSummer
	for _, t := range kept {
		row, err := t.Row()
		if err != nil {
			return nil, fmt.Errorf("tiles.parquet: %w", err)
		}
		if err := tw.Write(ctx, row); err != nil {
			return nil, err
		}
		splits.Add(&row)
	}
	if err := tw.Close(ctx); err != nil {
		return nil, err
	}
	sum.Splits = splits.Splits()
	sum.SplitsParquet = filepath.Join(res.Dir, "splits.parquet")
	if err := schema.WriteSplits(ctx, sum.SplitsParquet, sum.Splits); err != nil {
		return nil, err
	}
	return sum, nil
}

// splitTiles is what the split needs of the kept tiles. Their ΔH bins
// are cut from arrays of binChunk bins, not a slice each: at national
// scale the slices' headers and slack would be a large part of the heap.
func splitTiles(ctx context.Context, kept []*execute.TileResult) ([]split.Tile, error) {
	tiles := make([]split.Tile, len(kept))
	var chunk []split.Bin
	for i, t := range kept {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		row, err := t.Row()
		if err != nil {
			return nil, fmt.Errorf("split: %w", err)
		}
		h := row.DHHistogram
		n := 0
		for _, v := range h {
			if v > 0 {
				n++
			}
		}
		if cap(chunk)-len(chunk) < n {
			chunk = make([]split.Bin, 0, max(binChunk, n))
		}
		start := len(chunk)
		chunk = appendBins(chunk, h)
		tiles[i] = split.Tile{ID: row.TileID, MinX: row.MinX, MinY: row.MinY, ChangeFraction: row.ChangeFraction, DHBins: chunk[start:len(chunk):len(chunk)]}
	}
	return tiles, nil
}

// binChunk is how many ΔH bins splitTiles allocates at once.
const binChunk = 1 << 16

// SplitConfig turns the workflow's split block into the split's configuration.
func SplitConfig(s *workflows.Split) split.Config {
	cfg := split.Config{
		Seed:           uint64(s.Seed),
		Stratify:       s.Stratify == "change_fraction",
		Block:          s.Block,
		CoverRange:     s.CoverRange,
		CoverMinPixels: s.CoverMinPixels,
	}
	if s.ByCount {
		cfg.Counts = map[string]int{}
		for _, sub := range s.Subsets {
			cfg.Counts[sub.Name] = sub.Count
		}
	} else {
		cfg.Ratios = map[string]float64{}
		for _, sub := range s.Subsets {
			cfg.Ratios[sub.Name] = sub.Ratio
		}
	}
	return cfg
}

// SplitBins turns a tile's dh_histogram into the split's sparse 1 m bins:
// the same counts, so the bins the split covers are the ones
// splits.parquet and the report show. Its end bins gather everything below
// −39 m and from +39 m up, so beyond ±40 m the rule covers each side as one bin.
func SplitBins(h []int32) []split.Bin {
	return appendBins(nil, h)
}

// appendBins appends h's bins (see SplitBins) to out.
func appendBins(out []split.Bin, h []int32) []split.Bin {
	for i, n := range h {
		if n > 0 {
			out = append(out, split.Bin{DH: int32(schema.HistogramMin + i), Pixels: n})
		}
	}
	return out
}

// excluded reports whether a QA policy leaves the tile out of the release.
func excluded(t *execute.TileResult) bool {
	for _, f := range t.Findings {
		if f.Policy == plugins.PolicyExclude {
			return true
		}
	}
	return false
}

// qaRows are the report's QA section: the scene's findings, then every
// tile's, with what each did to its tile. Objects are named as the
// workflow names them (s3://…), not by GDAL's names for them.
func qaRows(res *execute.Result) []plugins.QARow {
	var rows []plugins.QARow
	for _, f := range res.Findings {
		rows = append(rows, plugins.QARow{Tile: "scene", Flag: f.Flag(), Detail: objstore.UserNames(f.Detail)})
	}
	for i := range res.Tiles {
		t := &res.Tiles[i]
		out := excluded(t)
		for _, f := range t.Findings {
			what := "tile kept, flagged"
			if out {
				what = "tile excluded"
			}
			rows = append(rows, plugins.QARow{Tile: t.Tile.ID, Flag: f.Flag(), Detail: objstore.UserNames(f.Detail) + "; " + what})
		}
	}
	return rows
}

// systemic stops the release when most tiles share a finding whose step
// says what that means (plugins.Finding.Systemic): a mistake in the inputs
// is no release of flagged tiles.
func systemic(res *execute.Result) error {
	count := map[string]int{}
	cause := map[string]string{}
	var checks []string
	for _, t := range res.Tiles {
		seen := map[string]bool{}
		for _, f := range t.Findings {
			if f.Systemic == "" || seen[f.Check] {
				continue
			}
			seen[f.Check] = true
			if count[f.Check] == 0 {
				checks = append(checks, f.Check)
			}
			count[f.Check]++
			cause[f.Check] = f.Systemic
		}
	}
	for _, c := range checks {
		if n := count[c]; 2*n > len(res.Tiles) {
			return fmt.Errorf("qa: %s on %d of %d tiles: %s; nothing was published", c, n, len(res.Tiles), cause[c])
		}
	}
	return nil
}
