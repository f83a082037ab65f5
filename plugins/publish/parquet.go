package publish

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/schema"
)

// Parquet publishes the release's tables beside the run: tiles.parquet and
// splits.parquet (the per-tile statistics and Table 2), and items.parquet,
// the tiles as stac-geoparquet whose asset hrefs lead to the run's files.
type Parquet struct {
	Tiles       bool   `hcl:"tiles,optional"`
	Items       bool   `hcl:"items,optional"`
	Compression string `hcl:"compression,optional"`
}

func (p *Parquet) Config() any { return p }

func (p *Parquet) Outputs(*plugins.ReleasePlan) []string {
	var out []string
	if p.Tiles {
		out = append(out, "tiles.parquet", "splits.parquet")
	}
	if p.Items {
		out = append(out, "items.parquet")
	}
	return out
}

func (p *Parquet) Validate() []plugins.Problem {
	var probs []plugins.Problem
	if !p.Tiles && !p.Items {
		probs = append(probs, plugins.Problemf("", "Nothing to publish",
			"Both tiles and items are false; set tiles = true or remove the block."))
	}
	if !slices.Contains(schema.Compressions, p.Compression) {
		probs = append(probs, oneOf("compression", "Unknown compression", p.Compression, schema.Compressions))
	}
	return probs
}

// Publish writes the tables, each atomically.
func (p *Parquet) Publish(ctx context.Context, r *plugins.Release) (string, error) {
	codec := schema.WithCompression(p.Compression)
	// Both tables are written in tile order as the tiles come: they
	// usually come sorted.
	byID := func(a, b plugins.ReleaseTile) int { return strings.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(r.Tiles, byID) {
		sorted := *r
		sorted.Tiles = slices.Clone(r.Tiles)
		slices.SortStableFunc(sorted.Tiles, byID)
		r = &sorted
	}
	var wrote []string
	if p.Tiles {
		if err := writeTiles(ctx, r, codec); err != nil {
			return "", err
		}
		if err := schema.WriteSplits(ctx, r.Path("splits.parquet"), r.Splits, codec); err != nil {
			return "", err
		}
		wrote = append(wrote, "tiles.parquet", "splits.parquet")
	}
	if p.Items {
		rel, err := CatalogRelease(r, plugins.ReleaseProducts(r.Products))
		if err != nil {
			return "", err
		}
		dst := r.Path("items.parquet")
		w := schema.NewItemsWriter(dst, codec)
		defer w.Abort()
		done := 0
		err = catalog.ItemRows(ctx, rel, filepath.Dir(dst), r.Jobs, func(rows []schema.ItemRow) error {
			if err := w.Write(ctx, rows...); err != nil {
				return err
			}
			// A window of rows at a time: a national release's rows take
			// minutes (7 at 10⁶ tiles, with tiles.parquet).
			if done += len(rows); r.Progress != nil {
				r.Progress(done, len(rel.Tiles))
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("items.parquet: %w", err)
		}
		if err := w.Close(ctx); err != nil {
			return "", err
		}
		wrote = append(wrote, "items.parquet")
	}
	return fmt.Sprintf("%s (%s)", strings.Join(wrote, ", "), p.Compression), nil
}

// writeTiles writes tiles.parquet from the release's tiles, in tile order,
// without a copy of their rows.
func writeTiles(ctx context.Context, r *plugins.Release, codec schema.Option) error {
	w, err := schema.NewTilesWriter(r.Path("tiles.parquet"), schema.GeoInfo{PROJJSON: r.PROJJSON}, schema.WithCounters(r.Counters), codec)
	if err != nil {
		return err
	}
	defer w.Abort()
	for i := range r.Tiles {
		row, err := r.Tiles[i].Row()
		if err != nil {
			return fmt.Errorf("tiles.parquet: tile %s: %w", r.Tiles[i].ID, err)
		}
		if err := w.Write(ctx, row); err != nil {
			return err
		}
	}
	return w.Close(ctx)
}
