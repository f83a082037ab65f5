package plugins

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
)

// Release is a finished run as a publisher receives it: what the tiles
// made, gathered while their pixels were in memory, with the split and the
// statistics. A publisher writes it out in its own form and changes none of
// it (the executor hands the same Release to every publish block).
type Release struct {
	// Out is the run's output directory: publishers resolve their relative
	// paths under it, and asset paths are relative to it.
	Out     string
	Dataset Dataset
	CRS     raster.CRS // the tiles'
	// PROJJSON is CRS as PROJJSON, for GeoParquet metadata.
	PROJJSON string
	// Start and End are the datetimes of epochs t0 and t1.
	Start, End time.Time
	// Products are every per-tile product, in execution order; Previews the
	// quicklooks every tile has besides.
	Products []Product
	Previews []Preview
	// Tiles are the tiles the release holds (a QA policy may have left some
	// out), sorted by id, with their subset in Stats.Split.
	Tiles []ReleaseTile
	// Splits is Table 2 as data; Violations the split constraints not met.
	Splits     []schema.SplitStats
	Violations []string
	// CoverRange is the subset the split made hold every 1 m ΔH bin with at
	// least CoverMinPixels changed pixels in the release ("" for none).
	CoverRange     string
	CoverMinPixels int64
	// Excluded are the tiles a QA policy left out, sorted; QA every finding,
	// on the scene first, then per tile, as the report shows them.
	Excluded []string
	QA       []QARow
	// Classes are the values of the 2D change label (from the Labeler that
	// makes the release's change mask).
	Classes []Class
	// Counters are the per-tile counts the steps declared, in step order:
	// the columns they add to tiles.parquet.
	Counters []Counter
	Software map[string]string // program → version
	Lineage  string            // how each tile was made, in prose
	Workflow string            // the workflow's source text
	// Created is the release's creation time (RFC 3339) when the user asks
	// for one (SOURCE_DATE_EPOCH); empty otherwise, so rebuilds are identical.
	Created string
	// Jobs is how many things a publisher may do at once (0: one per CPU).
	Jobs int
	// Progress, when set, hears how many of the release's items a
	// publisher has written (done of total, one call at a time); it is set
	// for each publish block in turn.
	Progress func(done, total int)
	// CopyOrigins says that some of the release's files were downloaded
	// from object storage (a merge's shards) and know their object
	// (objstore.Origin): a publisher to that server may copy those objects
	// there instead of uploading the files again.
	CopyOrigins bool
}

// Path resolves a path relative to the run's output directory.
func (r *Release) Path(rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(r.Out, filepath.FromSlash(rel))
}

// Dataset names and describes a release.
type Dataset struct {
	Name, Title, Description, License string
	Version                           string // semver
	Keywords                          []string
	Providers                         []Provider
}

// Provider is an organisation that made or hosts the data (STAC's provider).
type Provider struct {
	Name, Description, URL string
	Roles                  []string
}

// ReleaseTile is one tile of a release.
type ReleaseTile struct {
	ID     string
	Extent raster.Extent // in CRS
	// Stats is the tile's row of tiles.parquet, its Split set.
	Stats schema.TileStats
	// Footprint is the outline as a closed lon/lat ring; FootprintWKB the
	// same as a WKB polygon; BBox its west, south, east, north.
	Footprint    [][2]float64
	FootprintWKB []byte
	BBox         [4]float64
	// Assets are the tile's files: its products and previews, sorted by name.
	Assets   []Asset
	Findings []Finding
	// Load, when set, reads back what a release of many tiles holds on
	// disk instead of memory: the detail of Stats (schema.TileDetail),
	// Footprint and, when assets is true, Assets and FootprintWKB, all nil
	// or empty until then. A publisher takes each tile through
	// Full (or Row) while it writes it, and keeps the whole tile only as
	// long as that.
	Load func(assets bool) (Held, error)
}

// Held is what a tile of a large release keeps on disk rather than in
// memory until it is published: its files, the part of its row that grows
// with its content, and its outline.
type Held struct {
	Assets       []Asset
	Detail       schema.TileDetail
	Footprint    [][2]float64
	FootprintWKB []byte
}

// Full returns the whole tile, with what it holds on disk read back (see
// Load); a tile held in memory is returned as it is. Its error does not
// name the tile: a publisher names it as it names the tile's other errors.
func (t *ReleaseTile) Full() (ReleaseTile, error) {
	if t.Load == nil {
		return *t, nil
	}
	h, err := t.Load(true)
	if err != nil {
		return ReleaseTile{}, err
	}
	f := *t
	f.Load = nil
	f.Assets, f.Footprint, f.FootprintWKB = h.Assets, h.Footprint, h.FootprintWKB
	f.Stats = f.Stats.WithDetail(h.Detail)
	return f, nil
}

// Row returns the tile's whole row of tiles.parquet, its detail read back
// when it is held on disk (see Load); its assets are not read. As with
// Full, its error does not name the tile.
func (t *ReleaseTile) Row() (schema.TileStats, error) {
	if t.Load == nil {
		return t.Stats, nil
	}
	h, err := t.Load(false)
	if err != nil {
		return schema.TileStats{}, err
	}
	return t.Stats.WithDetail(h.Detail), nil
}

// Asset is one file of a tile, with what a catalog says about it.
type Asset struct {
	Name string // the product's name, or the preview's
	// Path is the file, relative to the run's output directory.
	Path      string
	Kind      Kind // for a preview, the kind it shows
	Epoch     Epoch
	MediaType string
	Preview   bool
	Grid      raster.Grid // zero for previews
	DataType  string
	Bands     []BandInfo
	Title     string
	Roles     []string
	// Size and SHA256 (hex) are the file's as the run wrote it: a later
	// run reuses the file, and merge takes it from a shard, only if they
	// still hold.
	Size   int64
	SHA256 string
}

// Media types of the files a run writes.
const (
	MediaCOG  = "image/tiff; application=geotiff; profile=cloud-optimized"
	MediaPNG  = "image/png"
	MediaJPEG = "image/jpeg"
)

// BandInfo describes one band of a product.
type BandInfo struct {
	NoData *float64
	// Min, Max, Mean, StdDev of valid pixels; ValidPercent of all (0–100).
	Min, Max, Mean, StdDev, ValidPercent float64
}

// bandInfoJSON is BandInfo on the wire: statistics that are not finite
// (no valid pixel, or infinite pixels) go as strings, which JSON numbers
// cannot hold.
type bandInfoJSON struct {
	NoData       *jsonFloat `json:"nodata,omitempty"`
	Min          jsonFloat  `json:"min"`
	Max          jsonFloat  `json:"max"`
	Mean         jsonFloat  `json:"mean"`
	StdDev       jsonFloat  `json:"stddev"`
	ValidPercent jsonFloat  `json:"valid_percent"`
}

// MarshalJSON writes a band's statistics, NaN and infinities included.
func (b BandInfo) MarshalJSON() ([]byte, error) {
	w := bandInfoJSON{Min: jsonFloat(b.Min), Max: jsonFloat(b.Max), Mean: jsonFloat(b.Mean), StdDev: jsonFloat(b.StdDev), ValidPercent: jsonFloat(b.ValidPercent)}
	if b.NoData != nil {
		nd := jsonFloat(*b.NoData)
		w.NoData = &nd
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (b *BandInfo) UnmarshalJSON(data []byte) error {
	var w bandInfoJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*b = BandInfo{Min: float64(w.Min), Max: float64(w.Max), Mean: float64(w.Mean), StdDev: float64(w.StdDev), ValidPercent: float64(w.ValidPercent)}
	if w.NoData != nil {
		nd := float64(*w.NoData)
		b.NoData = &nd
	}
	return nil
}

// jsonFloat is a float64 that is a JSON number when finite, else the
// string "NaN", "+Inf" or "-Inf".
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return json.Marshal(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return json.Marshal(v)
}

func (f *jsonFloat) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(data, []byte(`"`)) {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("band statistic %q: %w", s, err)
		}
		*f = jsonFloat(v)
		return nil
	}
	if string(data) == "null" {
		return nil // as json.Unmarshal leaves a float
	}
	// The decoder has checked data is a JSON value, and a JSON number is
	// what ParseFloat reads (as the decoder itself does): a merge of
	// many tiles reads every band statistic twice, and a nested
	// json.Unmarshal per number was most of that time.
	v, err := strconv.ParseFloat(string(data), 64)
	if err != nil {
		return fmt.Errorf("band statistic %s is not a number", data)
	}
	*f = jsonFloat(v)
	return nil
}

// QARow is one line of the report's QA section.
type QARow struct {
	Tile   string // a tile id, or "scene"
	Flag   string
	Detail string
}
