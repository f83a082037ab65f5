package stac

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac/extensions/file/v2"
	"github.com/cdflow/cdflow/stac/extensions/mlaoi/v0"
	"github.com/cdflow/cdflow/stac/extensions/raster/v1"
	"github.com/cdflow/cdflow/stac/extensions/table/v1"
	"github.com/cdflow/cdflow/stac/extensions/version/v1"
)

// Summary keys of a release collection.
const (
	SummarySplitCounts    = "cdflow:split_counts"
	SummaryChangeFraction = "cdflow:change_fraction"
	SummaryDeltaH         = "cdflow:delta_h"
)

// Asset keys of a release collection.
const (
	AssetTiles        = "tiles"
	AssetItemsParquet = "geoparquet-items"
)

// ValNote is appended to every release description: STAC clients see the
// ml-aoi value, users of the folders see cdflow's.
const ValNote = "The `val` subset is the ml-aoi extension's `validate` split (ml-aoi:split = \"validate\")."

// Provider is an organization that produced, processed, licensed or hosts
// the data.
type Provider struct {
	Name        string
	Description string
	// Roles are producer, licensor, processor and/or host.
	Roles []string
	URL   string
}

// Link is a link to another file of the catalog; Href is relative to the
// file the link is written in.
type Link struct {
	Href  string
	Title string
}

// Range is a closed interval of values.
type Range struct {
	Min, Max float64
}

// ReleaseSummaries are the numbers a reader wants before opening any item.
type ReleaseSummaries struct {
	// SplitCounts counts tiles per subset, keyed by train, test, val; the
	// summary names them as ml-aoi:split does (val is validate).
	SplitCounts map[string]int
	// ChangeFraction is the range of per-tile changed-pixel fractions, 0–1.
	ChangeFraction Range
	// DeltaH is the range of elevation change in metres.
	DeltaH Range
}

// TableColumn describes one column of a Parquet file.
type TableColumn struct {
	Name, Type, Description string
}

// TableAsset is a Parquet file of the release.
type TableAsset struct {
	// Href is relative to the release collection.json.
	Href        string
	Title       string
	Description string
	Columns     []TableColumn
	// PrimaryGeometry names the geometry column, if any.
	PrimaryGeometry string
	// Rows is the number of rows; 0 leaves table:row_count out.
	Rows     int64
	Checksum string
	Size     int64
}

// ReleaseLinks are the hrefs of a release collection's links, relative to
// its collection.json. Empty hrefs are left out.
type ReleaseLinks struct {
	Root   string
	Parent string
	// Children are the split collections.
	Children []Link
	// Report is report.html (rel describedby).
	Report string
	// Latest, Predecessor and Successor are the version extension's links.
	Latest, Predecessor, Successor string
}

// ReleaseCollection is everything the collection of one dataset release says.
type ReleaseCollection struct {
	ID          string
	Title       string
	Description string
	// License is an SPDX identifier such as CC-BY-4.0.
	License   string
	Keywords  []string
	Providers []Provider
	// Version is the release version (version extension).
	Version    string
	Deprecated bool
	// SpatialExtentWGS84 is west, south, east, north.
	SpatialExtentWGS84 [4]float64
	Start, End         time.Time
	Summaries          ReleaseSummaries
	// ItemAssets describe the assets every item has. Only Key, MediaType,
	// Title, Description, Roles and the bands' DataType, NoData and Unit
	// are used.
	ItemAssets   []TileAsset
	Links        ReleaseLinks
	TilesParquet TableAsset
	ItemsParquet TableAsset
}

// NewReleaseCollection builds the collection of one dataset release.
func NewReleaseCollection(r ReleaseCollection) (*gostac.Collection, error) {
	c, err := newReleaseCollection(r)
	if err != nil {
		return nil, fmt.Errorf("stac: release collection %s: %w", r.ID, err)
	}
	return c, nil
}

func newReleaseCollection(r ReleaseCollection) (*gostac.Collection, error) {
	if r.Version == "" {
		return nil, errors.New("no version")
	}
	c, err := baseCollection(r, r.ID, r.Title, describe(r.Description), r.SpatialExtentWGS84)
	if err != nil {
		return nil, err
	}
	summaries, err := releaseSummaries(r.Summaries)
	if err != nil {
		return nil, err
	}
	c.Summaries = summaries
	c.Extensions = append(c.Extensions, &version.Collection{Version: r.Version, Deprecated: r.Deprecated})
	if splits := splitValues(r.Summaries.SplitCounts); len(splits) > 0 {
		c.Extensions = append(c.Extensions, &mlaoi.Collection{Split: splits})
	}

	c.Assets = map[string]*gostac.Asset{}
	tiles, err := tableAsset(r.TilesParquet, []string{RoleMetadata})
	if err != nil {
		return nil, fmt.Errorf("tiles table: %w", err)
	}
	c.Assets[AssetTiles] = tiles
	items, err := tableAsset(r.ItemsParquet, []string{RoleSTACItems})
	if err != nil {
		return nil, fmt.Errorf("items table: %w", err)
	}
	c.Assets[AssetItemsParquet] = items

	l := r.Links
	c.Links = append(c.Links, familyLinks(l.Root, l.Parent)...)
	for _, child := range l.Children {
		c.Links = append(c.Links, &gostac.Link{Rel: "child", Href: child.Href, Title: child.Title, Type: MediaTypeJSON})
	}
	if l.Report != "" {
		c.Links = append(c.Links, &gostac.Link{Rel: "describedby", Href: l.Report, Type: MediaTypeHTML, Title: "Release report"})
	}
	for _, v := range []struct{ rel, href string }{
		{version.RelLatest, l.Latest},
		{version.RelPredecessor, l.Predecessor},
		{version.RelSuccessor, l.Successor},
	} {
		if v.href != "" {
			c.Links = append(c.Links, &gostac.Link{Rel: v.rel, Href: v.href, Type: MediaTypeJSON})
		}
	}
	if err := checkRelative(c.Links); err != nil {
		return nil, err
	}
	return c, nil
}

// SplitCollection is one subset (train, test or val) of a release.
type SplitCollection struct {
	ID    string
	Split string
	Title string
	// Description defaults to one naming the subset and the release title.
	Description        string
	SpatialExtentWGS84 [4]float64
	// Links are relative to the split's collection.json.
	Root, Parent string
	// Items are the item files of the subset; Children, in a release too
	// large to list them in one file, its blocks' catalogs instead.
	Items    []Link
	Children []Link
}

// NewSplitCollection builds the collection of one subset. License,
// keywords, providers, temporal extent and item assets come from the
// release.
func NewSplitCollection(release ReleaseCollection, s SplitCollection) (*gostac.Collection, error) {
	c, err := newSplitCollection(release, s)
	if err != nil {
		return nil, fmt.Errorf("stac: split collection %s: %w", s.ID, err)
	}
	return c, nil
}

func newSplitCollection(release ReleaseCollection, s SplitCollection) (*gostac.Collection, error) {
	split, err := MLAOISplit(s.Split)
	if err != nil {
		return nil, err
	}
	description := s.Description
	if description == "" {
		name := release.Title
		if name == "" {
			name = release.ID
		}
		description = fmt.Sprintf("The %s subset of %s.", s.Split, name)
	}
	if s.Split == SplitVal {
		description = describe(description)
	}
	c, err := baseCollection(release, s.ID, s.Title, description, s.SpatialExtentWGS84)
	if err != nil {
		return nil, err
	}
	c.Extensions = append(c.Extensions, &mlaoi.Collection{Split: []string{split}})
	c.Links = append(c.Links, familyLinks(s.Root, s.Parent)...)
	for _, child := range s.Children {
		c.Links = append(c.Links, &gostac.Link{Rel: "child", Href: child.Href, Title: child.Title, Type: MediaTypeJSON})
	}
	for _, item := range s.Items {
		c.Links = append(c.Links, &gostac.Link{Rel: "item", Href: item.Href, Title: item.Title, Type: MediaTypeGeoJSON})
	}
	if err := checkRelative(c.Links); err != nil {
		return nil, err
	}
	return c, nil
}

// BlockCatalog is the catalog of one block of a subset's tiles, between the
// subset's collection and its items in a large release.
type BlockCatalog struct {
	ID, Title, Description string
	// Links are relative to the block's catalog.json.
	Root, Parent string
	Items        []Link
}

// NewBlockCatalog builds a block's catalog.json.
func NewBlockCatalog(b BlockCatalog) (*gostac.Catalog, error) {
	if b.ID == "" || b.Description == "" {
		return nil, errors.New("stac: block catalog needs an id and a description")
	}
	links := familyLinks(b.Root, b.Parent)
	for _, item := range b.Items {
		links = append(links, &gostac.Link{Rel: "item", Href: item.Href, Title: item.Title, Type: MediaTypeGeoJSON})
	}
	if err := checkRelative(links); err != nil {
		return nil, fmt.Errorf("stac: block catalog %s: %w", b.ID, err)
	}
	return &gostac.Catalog{Version: Version, Id: b.ID, Title: b.Title, Description: b.Description, Links: links}, nil
}

// RootCatalog is the catalog.json at the top of the catalog folder.
type RootCatalog struct {
	ID, Title, Description string
	// Children hold one link per dataset, relative to catalog.json.
	Children []Link
}

// NewRootCatalog builds the root catalog. It links to itself as root with a
// relative href: STAC 1.1 wants self links absolute, so there are none.
func NewRootCatalog(r RootCatalog) (*gostac.Catalog, error) {
	if r.ID == "" || r.Description == "" {
		return nil, errors.New("stac: root catalog needs an id and a description")
	}
	links := []*gostac.Link{{Rel: "root", Href: "./catalog.json", Type: MediaTypeJSON}}
	for _, child := range r.Children {
		links = append(links, &gostac.Link{Rel: "child", Href: child.Href, Title: child.Title, Type: MediaTypeJSON})
	}
	if err := checkRelative(links); err != nil {
		return nil, fmt.Errorf("stac: root catalog: %w", err)
	}
	return &gostac.Catalog{
		Version:     Version,
		Id:          r.ID,
		Title:       r.Title,
		Description: r.Description,
		Links:       links,
	}, nil
}

// baseCollection holds what a release and its splits share.
func baseCollection(r ReleaseCollection, id, title, description string, bbox [4]float64) (*gostac.Collection, error) {
	if id == "" {
		return nil, errors.New("no id")
	}
	if r.License == "" {
		return nil, errors.New("no license")
	}
	if err := checkBBox(bbox); err != nil {
		return nil, fmt.Errorf("spatial extent: %w", err)
	}
	if r.Start.IsZero() || r.End.IsZero() || r.End.Before(r.Start) {
		return nil, fmt.Errorf("bad temporal extent %s/%s", timestamp(r.Start), timestamp(r.End))
	}
	var providers []*gostac.Provider
	for _, p := range r.Providers {
		if p.Name == "" {
			return nil, errors.New("provider without a name")
		}
		providers = append(providers, &gostac.Provider{Name: p.Name, Description: p.Description, Roles: p.Roles, Url: p.URL})
	}
	itemAssets, err := itemAssetDefinitions(r.ItemAssets)
	if err != nil {
		return nil, err
	}
	return &gostac.Collection{
		Version:     Version,
		Id:          id,
		Title:       title,
		Description: description,
		Keywords:    r.Keywords,
		License:     r.License,
		Providers:   providers,
		Extent: &gostac.Extent{
			Spatial:  &gostac.SpatialExtent{Bbox: [][]float64{bbox[:]}},
			Temporal: &gostac.TemporalExtent{Interval: [][]any{{timestamp(r.Start), timestamp(r.End)}}},
		},
		ItemAssets: itemAssets,
		Links:      []*gostac.Link{},
	}, nil
}

func itemAssetDefinitions(defs []TileAsset) (map[string]*gostac.Asset, error) {
	if len(defs) == 0 {
		return nil, nil
	}
	assets := make(map[string]*gostac.Asset, len(defs))
	for _, d := range defs {
		if d.Key == "" {
			return nil, errors.New("item asset without a key")
		}
		if _, dup := assets[d.Key]; dup {
			return nil, fmt.Errorf("item asset %q given twice", d.Key)
		}
		a := &gostac.Asset{Type: d.MediaType, Title: d.Title, Description: d.Description, Roles: d.Roles}
		if len(d.Bands) > 0 {
			bands := make([]*raster.Band, len(d.Bands))
			for i, b := range d.Bands {
				// Statistics differ per item; the definition keeps the rest.
				b.Stats = nil
				band, err := rasterBand(b)
				if err != nil {
					return nil, fmt.Errorf("item asset %q band %d: %w", d.Key, i+1, err)
				}
				bands[i] = band
			}
			a.Extensions = append(a.Extensions, &raster.Asset{Bands: bands})
		}
		assets[d.Key] = a
	}
	return assets, nil
}

func releaseSummaries(s ReleaseSummaries) (map[string]any, error) {
	counts := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(s.SplitCounts)) {
		split, err := MLAOISplit(k)
		if err != nil {
			return nil, fmt.Errorf("split counts: %w", err)
		}
		if s.SplitCounts[k] < 0 {
			return nil, fmt.Errorf("split counts: negative count for %s", k)
		}
		counts[split] = s.SplitCounts[k]
	}
	summaries := map[string]any{}
	if len(counts) > 0 {
		// Counts are not one of STAC's summary forms (set, range, schema);
		// as an object they still pass the schema, and they are what Table 2
		// of the 3DCD paper reports first.
		summaries[SummarySplitCounts] = counts
	}
	for _, r := range []struct {
		key string
		r   Range
	}{{SummaryChangeFraction, s.ChangeFraction}, {SummaryDeltaH, s.DeltaH}} {
		if r.r == (Range{}) {
			continue
		}
		if math.IsNaN(r.r.Min) || math.IsNaN(r.r.Max) || math.IsInf(r.r.Min, 0) || math.IsInf(r.r.Max, 0) || r.r.Min > r.r.Max {
			return nil, fmt.Errorf("summary %s: bad range [%g, %g]", r.key, r.r.Min, r.r.Max)
		}
		summaries[r.key] = map[string]any{"minimum": r.r.Min, "maximum": r.r.Max}
	}
	return summaries, nil
}

// splitValues lists the ml-aoi:split values of the subsets that have tiles,
// in train, test, validate order.
func splitValues(counts map[string]int) []string {
	var values []string
	for _, s := range []string{SplitTrain, SplitTest, SplitVal} {
		if counts[s] > 0 {
			v, _ := MLAOISplit(s)
			values = append(values, v)
		}
	}
	return values
}

func tableAsset(t TableAsset, roles []string) (*gostac.Asset, error) {
	if err := checkHref(t.Href); err != nil {
		return nil, err
	}
	a := &gostac.Asset{Href: t.Href, Type: MediaTypeParquet, Title: t.Title, Description: t.Description, Roles: slices.Clone(roles)}
	ext := &table.Asset{PrimaryGeometry: t.PrimaryGeometry}
	for _, col := range t.Columns {
		if col.Name == "" {
			return nil, errors.New("column without a name")
		}
		ext.Columns = append(ext.Columns, &table.Column{Name: col.Name, Type: col.Type, Description: col.Description})
	}
	if t.Rows > 0 {
		rows := t.Rows
		ext.RowCount = &rows
	}
	if len(ext.Columns) > 0 || ext.PrimaryGeometry != "" || ext.RowCount != nil {
		a.Extensions = append(a.Extensions, ext)
	}
	if t.Checksum != "" {
		if !sha256Multihash.MatchString(t.Checksum) {
			return nil, fmt.Errorf("checksum %q is not a SHA2-256 multihash", t.Checksum)
		}
		size := t.Size
		a.Extensions = append(a.Extensions, &file.Asset{Checksum: t.Checksum, Size: &size})
	}
	return a, nil
}

func familyLinks(root, parent string) []*gostac.Link {
	var links []*gostac.Link
	if root != "" {
		links = append(links, &gostac.Link{Rel: "root", Href: root, Type: MediaTypeJSON})
	}
	if parent != "" {
		links = append(links, &gostac.Link{Rel: "parent", Href: parent, Type: MediaTypeJSON})
	}
	return links
}

func describe(description string) string {
	if description == "" {
		return ValNote
	}
	return description + "\n\n" + ValNote
}
