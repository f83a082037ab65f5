package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"os"
	"path"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
)

// itemPath is where a tile's item lives, relative to the release directory.
func itemPath(id string) string { return path.Join("items", id, id+".json") }

// writeItem puts a tile's files and item JSON in the release and returns
// its row of items.parquet. It rewrites t.Stats.Assets to the released paths.
func writeItem(dir, releaseID string, rel *Release, t *Tile, opts Options) (schema.ItemRow, error) {
	id := t.Stats.TileID
	tileDir := filepath.Join(dir, "items", id)
	if err := os.MkdirAll(tileDir, 0o755); err != nil {
		return schema.ItemRow{}, err
	}
	split, err := stac.MLAOISplit(t.Stats.Split)
	if err != nil {
		return schema.ItemRow{}, err
	}
	var assets []stac.TileAsset
	var rowAssets []schema.ItemAsset
	released := map[string]string{}
	for _, a := range t.Assets {
		name := a.Key + filepath.Ext(a.File)
		dst := filepath.Join(tileDir, name)
		// A release's files are its own: never links into the run's cache,
		// which later runs rewrite.
		if err := atomicfile.Copy(a.File, dst); err != nil {
			return schema.ItemRow{}, fmt.Errorf("asset %s: %w", a.Key, err)
		}
		sum, size, err := stac.ChecksumFile(dst)
		if err != nil {
			return schema.ItemRow{}, fmt.Errorf("asset %s: %w", a.Key, err)
		}
		assets = append(assets, stac.TileAsset{
			Key: a.Key, Href: "./" + name, MediaType: a.MediaType, Title: a.Title, Roles: a.Roles,
			Shape: a.Shape, Transform: a.Transform, Bands: a.Bands, Checksum: sum, Size: size,
		})
		released[a.Key] = path.Join("items", id, name)
		rowAssets = append(rowAssets, schema.ItemAsset{Key: a.Key, Href: released[a.Key], Type: a.MediaType, Roles: a.Roles, Checksum: sum, Size: size})
	}
	t.Stats.Assets = released
	collection := releaseID + "-" + t.Stats.Split
	item, err := stac.NewTileItem(stac.TileItem{
		ID: id, Collection: collection, Split: t.Stats.Split,
		GeometryWGS84: t.Footprint, BBoxWGS84: t.BBox,
		Start: rel.Start, End: rel.End, EPSG: rel.EPSG, PROJJSON: json.RawMessage(rel.PROJJSON),
		Assets: assets, Classes: rel.Classes, QA: t.Stats.QAFlags,
		Software: rel.Software, Lineage: rel.Lineage,
		Links: stac.ItemLinks{
			Root:   relPath(itemPath(id), "../../catalog.json"),
			Parent: relPath(itemPath(id), t.Stats.Split+"/collection.json"),
		},
	})
	if err != nil {
		return schema.ItemRow{}, err
	}
	if err := writeJSON(filepath.Join(tileDir, id+".json"), item); err != nil {
		return schema.ItemRow{}, err
	}
	return itemRow(rel, t, collection, split, rowAssets), nil
}

func itemRow(rel *Release, t *Tile, collection, split string, assets []schema.ItemAsset) schema.ItemRow {
	return schema.ItemRow{
		ID: t.Stats.TileID, Collection: collection, Split: split, Geometry: t.FootprintWKB, BBox: t.BBox,
		StartDatetime: rel.Start, EndDatetime: rel.End, ProjCode: projCode(rel.EPSG),
		ChangeFraction: t.Stats.ChangeFraction, QA: t.Stats.QAFlags, Assets: assets,
	}
}

// ItemRows returns the rows of an items.parquet describing a release whose
// files stay where they are (outside a catalog): each asset's href is its
// path relative to dir, the folder that will hold the table, and its
// checksum that of the file itself. Rows come in tile order.
func ItemRows(ctx context.Context, rel *Release, dir string, workers int) ([]schema.ItemRow, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	releaseID := rel.Dataset + "-" + rel.Version
	rows := make([]schema.ItemRow, len(rel.Tiles))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range rel.Tiles {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			t := &rel.Tiles[i]
			split, err := stac.MLAOISplit(t.Stats.Split)
			if err != nil {
				return fmt.Errorf("tile %s: %w", t.Stats.TileID, err)
			}
			var assets []schema.ItemAsset
			for _, a := range t.Assets {
				sum, size, err := stac.ChecksumFile(a.File)
				if err != nil {
					return fmt.Errorf("tile %s: asset %s: %w", t.Stats.TileID, a.Key, err)
				}
				href, err := filepath.Rel(dir, a.File)
				if err != nil {
					return fmt.Errorf("tile %s: asset %s: %w", t.Stats.TileID, a.Key, err)
				}
				assets = append(assets, schema.ItemAsset{Key: a.Key, Href: filepath.ToSlash(href), Type: a.MediaType, Roles: a.Roles, Checksum: sum, Size: size})
			}
			rows[i] = itemRow(rel, t, releaseID+"-"+t.Stats.Split, split, assets)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return rows, nil
}

// projCode is the items' proj:code: null ("") for a CRS without an EPSG code.
func projCode(epsg int) string {
	if epsg <= 0 {
		return ""
	}
	return fmt.Sprintf("EPSG:%d", epsg)
}
