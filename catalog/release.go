// Package catalog publishes dataset releases into a STAC catalog folder and
// keeps that folder valid whatever happens: a release is built in a staging
// directory beside the catalog and renamed into place; the catalog files
// that link releases are rewritten atomically; a release that exists is
// never changed (the same content is a no-op, different content is
// refused); a lock keeps two publishers apart.
//
// On disk:
//
//	catalog.json                                  root: one child per dataset
//	.lock                                         publishers take turns on it (flock)
//	<dataset>/catalog.json                        the dataset: one child per release
//	<dataset>/<version>/collection.json           the release (version extension links)
//	<dataset>/<version>/{train,test,val}/collection.json
//	<dataset>/<version>/items/<tile>/<tile>.json  one item per tile, with its files
//	<dataset>/<version>/{tiles,splits,items}.parquet, report.html
//
// A release of more than GroupAbove tiles groups its items in blocks of
// BlockTiles × BlockTiles tiles, so that no folder and no JSON file lists
// every item (a national release has millions; items.parquet is the index
// to query them all):
//
//	<dataset>/<version>/items/<block>/<tile>/<tile>.json
//	<dataset>/<version>/<split>/collection.json          one child per block
//	<dataset>/<version>/<split>/<block>/catalog.json     the block's items
package catalog

import (
	"fmt"
	"time"

	"github.com/cdflow/cdflow/report"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
)

// Release is everything one release publishes, in plain values: the run
// gathered it while the pixels were in memory, so publishing reads no raster.
type Release struct {
	Dataset     string // the dataset's id: a folder name
	Title       string
	Description string
	License     string
	Keywords    []string
	Providers   []stac.Provider
	Version     string // semver
	Deprecated  bool

	Start, End time.Time // the two epochs
	EPSG       int
	PROJJSON   string // the tiles' CRS, for tiles.parquet

	Tiles  []Tile
	Splits []schema.SplitStats
	// Classes are the values of the 2D change label (0, 1 or 0, 1, 2).
	Classes []float64
	// Counters are the steps' per-tile counters, columns of tiles.parquet.
	Counters []schema.Counter
	Software map[string]string // program → version
	Lineage  string            // how each tile was made, in prose
	// Report is the release report's input; Tiles, Splits, Title, Dataset and
	// Version are filled in by Publish.
	Report report.Input
}

// Tile is one tile of a release.
type Tile struct {
	// Stats is the tile's row of tiles.parquet, its Split set; the
	// release's table gives Assets as the released files' paths. A
	// pointer: the release shares the row its caller holds instead of a
	// copy per tile.
	Stats        *schema.TileStats
	Footprint    [][2]float64 // closed lon/lat ring
	FootprintWKB []byte       // the same ring as a WKB polygon, for items.parquet
	BBox         [4]float64   // west, south, east, north
	Assets       []Asset
	// Make, when set, makes the whole tile: its full row, outline and
	// assets. A release of a million tiles then holds only the fixed-size
	// part of each row (its subset, change fraction, ΔH range…) and the
	// bbox, and each whole tile only while its item is written.
	Make func() (Tile, error)
}

// full returns the whole tile, made when it is made on demand.
func (t *Tile) full() (Tile, error) {
	if t.Make == nil {
		return *t, nil
	}
	f, err := t.Make()
	if err != nil {
		return Tile{}, err
	}
	if f.Stats == nil {
		return Tile{}, fmt.Errorf("made without statistics")
	}
	f.Make = nil
	return f, nil
}

// Asset is one file of a tile.
type Asset struct {
	Key       string // t0, t1, dsm_t0, dsm_t1, cd2d, cd3d, thumbnail, cd3d_preview, …
	File      string // the file to publish (copied; linked only into a stage for upload, see Options.Stage)
	MediaType string
	Title     string
	Roles     []string
	Shape     [2]int     // rows, columns; zero for previews
	Transform [6]float64 // GDAL geotransform
	Bands     []stac.Band
	// Size and SHA256 (hex), when set, are File's as the run wrote it and
	// checked it since (a resumed tile, a merged shard's): the release
	// takes its checksum from them instead of reading the file again, and
	// only checks its size. At national scale that second reading was a
	// quarter of the merge's CPU.
	Size   int64
	SHA256 string
}
