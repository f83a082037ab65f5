package catalog

import (
	"fmt"
	"math"
	"path"
	"path/filepath"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
)

type builtRelease struct {
	in   stac.ReleaseCollection
	stac *gostac.Collection
}

// releaseCollection builds the release's collection.json (without version
// links: relink writes those once the release is in place).
func releaseCollection(dir string, rel *Release, tiles []Tile, splits []string, nTiles, nItems int64) (*builtRelease, error) {
	in := stac.ReleaseCollection{
		ID: rel.Dataset + "-" + rel.Version, Title: rel.Title, Description: rel.Description,
		License: rel.License, Keywords: rel.Keywords, Providers: rel.Providers,
		Version: rel.Version, Deprecated: rel.Deprecated,
		SpatialExtentWGS84: unionBBox(tiles, ""),
		Start:              rel.Start, End: rel.End,
		Links: stac.ReleaseLinks{Root: "../../catalog.json", Parent: "../catalog.json", Report: "./report.html"},
	}
	counts := map[string]int{}
	cf := stac.Range{Min: math.Inf(1), Max: math.Inf(-1)}
	dh := stac.Range{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, t := range tiles {
		counts[t.Stats.Split]++
		cf.Min, cf.Max = math.Min(cf.Min, t.Stats.ChangeFraction), math.Max(cf.Max, t.Stats.ChangeFraction)
		if t.Stats.DHMin != nil {
			dh.Min = math.Min(dh.Min, float64(*t.Stats.DHMin))
			dh.Max = math.Max(dh.Max, float64(*t.Stats.DHMax))
		}
	}
	if math.IsInf(dh.Min, 0) {
		dh = stac.Range{}
	}
	in.Summaries = stac.ReleaseSummaries{SplitCounts: counts, ChangeFraction: cf, DeltaH: dh}
	for _, s := range splits {
		in.Links.Children = append(in.Links.Children, stac.Link{Href: "./" + s + "/collection.json", Title: s})
	}
	var first []Asset
	if len(tiles) > 0 {
		t, err := tiles[0].full()
		if err != nil {
			return nil, fmt.Errorf("tile %s: %w", tiles[0].Stats.TileID, err)
		}
		first = t.Assets
	}
	for _, a := range first {
		in.ItemAssets = append(in.ItemAssets, stac.TileAsset{Key: a.Key, MediaType: a.MediaType, Title: a.Title, Roles: a.Roles, Bands: a.Bands})
	}
	tileSchema, err := schema.TileSchema(rel.Counters...)
	if err != nil {
		return nil, err
	}
	in.TilesParquet, err = tableAsset(dir, "tiles.parquet", "Per-tile statistics (GeoParquet)", tileSchema.Fields(), nTiles, "geometry")
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0)
	for _, a := range first {
		keys = append(keys, a.Key)
	}
	in.ItemsParquet, err = tableAsset(dir, "items.parquet", "The items as stac-geoparquet", schema.ItemsSchema(keys).Fields(), nItems, "geometry")
	if err != nil {
		return nil, err
	}
	c, err := stac.NewReleaseCollection(in)
	if err != nil {
		return nil, err
	}
	return &builtRelease{in: in, stac: c}, nil
}

func tableAsset(dir, name, title string, fields []arrow.Field, rows int64, geometry string) (stac.TableAsset, error) {
	sum, size, err := stac.ChecksumFile(filepath.Join(dir, name))
	if err != nil {
		return stac.TableAsset{}, err
	}
	ta := stac.TableAsset{Href: "./" + name, Title: title, Rows: rows, Checksum: sum, Size: size, PrimaryGeometry: geometry}
	for _, f := range fields {
		desc, _ := f.Metadata.GetValue("description")
		ta.Columns = append(ta.Columns, stac.TableColumn{Name: f.Name, Type: f.Type.String(), Description: desc})
	}
	return ta, nil
}

// splitCollection builds one subset's collection.json. blocks, for a
// grouped release, are each tile's block (by index in tiles); the
// collection then links the blocks' catalogs, which splitBlocks builds.
func splitCollection(release stac.ReleaseCollection, rel *Release, tiles []Tile, blocks []string, split string) (*gostac.Collection, error) {
	s := stac.SplitCollection{
		ID: release.ID + "-" + split, Split: split, Title: fmt.Sprintf("%s %s: %s", titleOf(rel), rel.Version, split),
		SpatialExtentWGS84: unionBBox(tiles, split),
		Root:               "../../../catalog.json", Parent: "../collection.json",
	}
	seen := map[string]bool{}
	for i, t := range tiles {
		switch {
		case t.Stats.Split != split:
		case blocks == nil:
			s.Items = append(s.Items, stac.Link{Href: "../" + itemPath("", t.Stats.TileID), Title: t.Stats.TileID})
		case !seen[blocks[i]]:
			seen[blocks[i]] = true
			s.Children = append(s.Children, stac.Link{Href: "./" + path.Join(blocks[i], "catalog.json"), Title: blocks[i]})
		}
	}
	sort.Slice(s.Children, func(i, j int) bool { return s.Children[i].Href < s.Children[j].Href })
	return stac.NewSplitCollection(release, s)
}

// splitBlocks builds the catalogs of a grouped release's blocks in one
// subset, by path relative to the release directory.
func splitBlocks(release stac.ReleaseCollection, rel *Release, tiles []Tile, blocks []string, split string) (map[string]*gostac.Catalog, error) {
	items := map[string][]stac.Link{}
	for i, t := range tiles {
		if t.Stats.Split == split {
			b := blocks[i]
			items[b] = append(items[b], stac.Link{Href: "../../" + itemPath(b, t.Stats.TileID), Title: t.Stats.TileID})
		}
	}
	out := map[string]*gostac.Catalog{}
	for b, links := range items {
		c, err := stac.NewBlockCatalog(stac.BlockCatalog{
			ID: release.ID + "-" + split + "-" + b, Title: fmt.Sprintf("%s %s: %s, block %s", titleOf(rel), rel.Version, split, b),
			Description: fmt.Sprintf("The %s tiles of block %s (%d × %d tiles, by row and column of the tile grid).", split, b, BlockTiles, BlockTiles),
			Root:        "../../../../catalog.json", Parent: "../collection.json", Items: links,
		})
		if err != nil {
			return nil, err
		}
		out[blockCatalogPath(split, b)] = c
	}
	return out, nil
}

func titleOf(rel *Release) string {
	if rel.Title != "" {
		return rel.Title
	}
	return rel.Dataset
}

// unionBBox is the WGS84 box of the tiles of one subset ("" for all).
func unionBBox(tiles []Tile, split string) [4]float64 {
	b := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, t := range tiles {
		if split != "" && t.Stats.Split != split {
			continue
		}
		b[0], b[1] = math.Min(b[0], t.BBox[0]), math.Min(b[1], t.BBox[1])
		b[2], b[3] = math.Max(b[2], t.BBox[2]), math.Max(b[3], t.BBox[3])
	}
	return b
}
