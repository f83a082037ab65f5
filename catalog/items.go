package catalog

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

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
		if err := linkFile(a.File, dst, opts.Copy); err != nil {
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
		Start: rel.Start, End: rel.End, EPSG: rel.EPSG,
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
	return schema.ItemRow{
		ID: id, Collection: collection, Split: split, Geometry: t.FootprintWKB, BBox: t.BBox,
		StartDatetime: rel.Start, EndDatetime: rel.End, ProjCode: fmt.Sprintf("EPSG:%d", rel.EPSG),
		ChangeFraction: t.Stats.ChangeFraction, QA: t.Stats.QAFlags, Assets: rowAssets,
	}, nil
}
