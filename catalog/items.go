package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/extensions/file/v2"
)

// itemPath is where a tile's item lives, relative to the release directory;
// block is "" in a flat release.
func itemPath(block, id string) string { return path.Join("items", block, id, id+".json") }

// GroupAbove is how many tiles a release holds before its items are grouped
// in blocks: beyond it, one folder or one collection listing every item
// would hold tens of thousands of entries (millions at national scale),
// which file systems, object-store listings and STAC browsers handle
// badly.
const GroupAbove = 10000

// BlockTiles is the side of a block in tiles: 50 × 50 tiles, 10 km × 10 km
// of 200 m tiles, so that all of Spain's 12.6 M tiles make about 5 000
// blocks of at most 2 500 items.
const BlockTiles = 50

// blockOf names the block of the tile grid a tile's item is grouped in;
// blocks are aligned on the grid's row and column numbers, so a tile stays
// in the same block from release to release.
func blockOf(s schema.TileStats) string {
	return fmt.Sprintf("r%03d_c%03d", floorDiv(s.Row, BlockTiles), floorDiv(s.Col, BlockTiles))
}

func floorDiv(a int32, b int32) int32 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// grouped reports whether a release of n tiles groups its items in blocks.
func grouped(n int, opts Options) bool {
	above := opts.GroupAbove
	if above == 0 {
		above = GroupAbove
	}
	return n > above
}

// writeItem puts a tile's files and item JSON in the release and returns
// its row of items.parquet and the released files' paths by asset (for
// tiles.parquet).
func writeItem(dir, releaseID string, rel *Release, t *Tile, block string, opts Options) (schema.ItemRow, map[string]string, error) {
	id := t.Stats.TileID
	tileDir := filepath.Join(dir, "items", block, id)
	if err := os.MkdirAll(tileDir, 0o755); err != nil {
		return schema.ItemRow{}, nil, err
	}
	split, err := stac.MLAOISplit(t.Stats.Split)
	if err != nil {
		return schema.ItemRow{}, nil, err
	}
	var assets []stac.TileAsset
	var rowAssets []schema.ItemAsset
	released := map[string]string{}
	for _, a := range t.Assets {
		if !safeName(a.Key) {
			return schema.ItemRow{}, nil, fmt.Errorf("asset name %q is not a safe file name", a.Key)
		}
	}
	for _, a := range t.Assets {
		name := a.Key + filepath.Ext(a.File)
		dst := filepath.Join(tileDir, name)
		// A release's files are its own: never links into the run's cache,
		// which later runs rewrite; but a release staged for upload is read
		// once and deleted, and the uploaded objects are copies.
		put := atomicfile.CopyUnsynced
		if opts.link {
			put = atomicfile.LinkOrCopyUnsynced
		}
		if o, ok := objstore.Placeholder(a.File); ok {
			// The bytes are o's, on object storage (a merge of uploaded
			// shards): only a stage for that server can hold them.
			if !opts.link {
				return schema.ItemRow{}, nil, fmt.Errorf("asset %s: %s stands for %s, which a catalog on disk cannot copy; merge into a catalog on that object storage, or download the shards' folders and merge those", a.Key, a.File, o.URL)
			}
			put = func(src, dst string) error {
				// A hard link is the same placeholder; a copy would not be.
				if os.Link(src, dst) == nil {
					return nil
				}
				return objstore.WritePlaceholder(dst, o)
			}
		}
		if err := put(a.File, dst); err != nil {
			return schema.ItemRow{}, nil, fmt.Errorf("asset %s: %w", a.Key, err)
		}
		sum, size, err := checksum(a, dst)
		if err != nil {
			return schema.ItemRow{}, nil, fmt.Errorf("asset %s: %w", a.Key, err)
		}
		assets = append(assets, stac.TileAsset{
			Key: a.Key, Href: "./" + name, MediaType: a.MediaType, Title: a.Title, Roles: a.Roles,
			Shape: a.Shape, Transform: a.Transform, Bands: a.Bands, Checksum: sum, Size: size,
		})
		released[a.Key] = path.Join("items", block, id, name)
		rowAssets = append(rowAssets, schema.ItemAsset{Key: a.Key, Href: released[a.Key], Type: a.MediaType, Roles: a.Roles, Checksum: sum, Size: size})
	}
	collection := releaseID + "-" + t.Stats.Split
	item, err := stac.NewTileItem(stac.TileItem{
		ID: id, Collection: collection, Split: t.Stats.Split,
		GeometryWGS84: t.Footprint, BBoxWGS84: t.BBox,
		Start: rel.Start, End: rel.End, EPSG: rel.EPSG, PROJJSON: json.RawMessage(rel.PROJJSON),
		Assets: assets, Classes: rel.Classes, QA: t.Stats.QAFlags,
		Software: rel.Software, Lineage: rel.Lineage,
		Links: itemLinks(id, t.Stats.Split, block),
	})
	if err != nil {
		return schema.ItemRow{}, nil, err
	}
	if err := writeStagedJSON(filepath.Join(tileDir, id+".json"), item); err != nil {
		return schema.ItemRow{}, nil, err
	}
	return itemRow(rel, t, collection, split, rowAssets), released, nil
}

// checksum returns the STAC checksum and size of the file name, which
// holds asset a's bytes: from the run's record when a has one (see
// Asset.SHA256) and the file still has the recorded size, else read from
// the file.
func checksum(a Asset, name string) (string, int64, error) {
	if a.SHA256 == "" {
		if o, ok := objstore.Placeholder(name); ok {
			return "", 0, fmt.Errorf("%s stands for %s, but the run recorded no SHA-256 of it; run again", a.File, o.URL)
		}
		return stac.ChecksumFile(name)
	}
	digest, err := hex.DecodeString(a.SHA256)
	if err != nil || len(digest) != sha256.Size {
		return "", 0, fmt.Errorf("%s: the run's SHA-256 %q is not 64 hexadecimal digits", a.File, a.SHA256)
	}
	st, err := os.Stat(name)
	if err != nil {
		return "", 0, err
	}
	size := st.Size()
	if size == 0 { // only an empty file can be a placeholder
		if o, ok := objstore.Placeholder(name); ok {
			size = o.Size
		}
	}
	if size != a.Size {
		return "", 0, fmt.Errorf("%s has %d bytes, but the run wrote %d: it changed since; run again", a.File, size, a.Size)
	}
	return file.SHA256Multihash([sha256.Size]byte(digest)), a.Size, nil
}

func itemRow(rel *Release, t *Tile, collection, split string, assets []schema.ItemAsset) schema.ItemRow {
	return schema.ItemRow{
		ID: t.Stats.TileID, Collection: collection, Split: split, Geometry: t.FootprintWKB, BBox: t.BBox,
		StartDatetime: rel.Start, EndDatetime: rel.End, ProjCode: projCode(rel.EPSG),
		ChangeFraction: t.Stats.ChangeFraction, QA: t.Stats.QAFlags, Assets: assets,
	}
}

// ItemRows makes the rows of an items.parquet describing a release whose
// files stay where they are (outside a catalog): each asset's href is its
// path relative to dir, the folder that will hold the table, and its
// checksum that of the file itself. Rows go to emit in tile order, a
// window of them at a time, which emit must not keep: a national
// release's rows are not held at once.
func ItemRows(ctx context.Context, rel *Release, dir string, workers int, emit func([]schema.ItemRow) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	releaseID := rel.Dataset + "-" + rel.Version
	rows := make([]schema.ItemRow, min(itemWindow, len(rel.Tiles)))
	for start := 0; start < len(rel.Tiles); start += itemWindow {
		tiles := rel.Tiles[start:min(start+itemWindow, len(rel.Tiles))]
		rows := rows[:len(tiles)]
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(workers)
		for i := range tiles {
			g.Go(func() error {
				if err := gctx.Err(); err != nil {
					return err
				}
				t, err := tiles[i].full()
				if err != nil {
					return fmt.Errorf("tile %s: %w", tiles[i].Stats.TileID, err)
				}
				split, err := stac.MLAOISplit(t.Stats.Split)
				if err != nil {
					return fmt.Errorf("tile %s: %w", t.Stats.TileID, err)
				}
				var assets []schema.ItemAsset
				for _, a := range t.Assets {
					sum, size, err := checksum(a, a.File)
					if err != nil {
						return fmt.Errorf("tile %s: asset %s: %w", t.Stats.TileID, a.Key, err)
					}
					href, err := filepath.Rel(dir, a.File)
					if err != nil {
						return fmt.Errorf("tile %s: asset %s: %w", t.Stats.TileID, a.Key, err)
					}
					assets = append(assets, schema.ItemAsset{Key: a.Key, Href: filepath.ToSlash(href), Type: a.MediaType, Roles: a.Roles, Checksum: sum, Size: size})
				}
				rows[i] = itemRow(rel, &t, releaseID+"-"+t.Stats.Split, split, assets)
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		if err := emit(rows); err != nil {
			return err
		}
	}
	return nil
}

// projCode is the items' proj:code: null ("") for a CRS without an EPSG code.
func projCode(epsg int) string {
	if epsg <= 0 {
		return ""
	}
	return fmt.Sprintf("EPSG:%d", epsg)
}

// itemLinks are an item's root, parent and collection links: its parent is
// its split's collection, or in a grouped release the block's catalog
// under it.
func itemLinks(id, split, block string) stac.ItemLinks {
	p := itemPath(block, id)
	l := stac.ItemLinks{Root: relPath(p, "../../catalog.json"), Parent: relPath(p, split+"/collection.json")}
	if block != "" {
		l.Collection = l.Parent
		l.Parent = relPath(p, blockCatalogPath(split, block))
	}
	return l
}

// blockCatalogPath is a block's catalog in a split, relative to the release.
func blockCatalogPath(split, block string) string { return path.Join(split, block, "catalog.json") }
