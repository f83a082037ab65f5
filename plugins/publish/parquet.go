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
	var wrote []string
	if p.Tiles {
		if err := schema.WriteTiles(ctx, r.Path("tiles.parquet"), r.Stats(), schema.GeoInfo{PROJJSON: r.PROJJSON}, schema.WithCounters(r.Counters), codec); err != nil {
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
		rows, err := catalog.ItemRows(ctx, rel, filepath.Dir(dst), r.Jobs)
		if err != nil {
			return "", fmt.Errorf("items.parquet: %w", err)
		}
		if err := schema.WriteItems(ctx, dst, rows, codec); err != nil {
			return "", err
		}
		wrote = append(wrote, "items.parquet")
	}
	return fmt.Sprintf("%s (%s)", strings.Join(wrote, ", "), p.Compression), nil
}
