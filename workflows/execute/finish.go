package execute

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/cdflow/cdflow/plugins/split"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows"
)

// Summary is what the global steps made of a run's tiles.
type Summary struct {
	Tiles      []schema.TileStats  // every tile's row, with its subset
	Splits     []schema.SplitStats // Table 2 as data
	Violations []string            // split constraints not met, one line each
	// TilesParquet and SplitsParquet are the files written in the run directory.
	TilesParquet, SplitsParquet string
}

// Finish runs the global steps once every tile is done: the split (when the
// workflow has one), then tiles.parquet and splits.parquet in the run
// directory.
func Finish(ctx context.Context, plan *workflows.Plan, res *Result) (*Summary, error) {
	rows := make([]schema.TileStats, len(res.Tiles))
	for i, t := range res.Tiles {
		rows[i] = t.Stats
	}
	sum := &Summary{}
	if s := plan.Workflow.Split; s != nil {
		cfg := SplitConfig(s)
		tiles := make([]split.Tile, len(rows))
		for i, r := range rows {
			tiles[i] = split.Tile{ID: r.TileID, MinX: r.MinX, MinY: r.MinY, ChangeFraction: r.ChangeFraction, DHMin: f64(r.DHMin), DHMax: f64(r.DHMax)}
		}
		out, err := split.Split(tiles, cfg)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			rows[i].Split = out.Assign[rows[i].TileID]
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
	sum.Tiles = rows
	sum.TilesParquet = filepath.Join(res.Dir, "tiles.parquet")
	if err := schema.WriteTiles(ctx, sum.TilesParquet, rows, schema.GeoInfo{PROJJSON: projjson}); err != nil {
		return nil, err
	}
	sum.Splits = schema.SummarizeSplits(rows)
	sum.SplitsParquet = filepath.Join(res.Dir, "splits.parquet")
	if err := schema.WriteSplits(ctx, sum.SplitsParquet, sum.Splits); err != nil {
		return nil, err
	}
	return sum, nil
}

// SplitConfig turns the workflow's split block into the split's configuration.
func SplitConfig(s *workflows.Split) split.Config {
	cfg := split.Config{
		Seed:       uint64(s.Seed),
		Stratify:   s.Stratify == "change_fraction",
		Block:      s.Block,
		CoverRange: s.CoverRange,
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

func f64(p *float32) float64 {
	if p == nil {
		return math.NaN()
	}
	return float64(*p)
}
