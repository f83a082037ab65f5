package publish

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/stac"
)

// STAC publishes the release as a version of a dataset in a STAC catalog
// folder (see package catalog for the layout and its guarantees).
type STAC struct {
	Catalog     string   `hcl:"catalog,optional"`
	BaseURL     string   `hcl:"base_url,optional"`
	ProductList []string `hcl:"products,optional"`
}

func (p *STAC) Config() any { return p }

// Products are the listed ones, or every product but ΔH where a 3D change
// map stands for it (plugins.ReleaseProducts).
func (p *STAC) Products(all []plugins.Product) []string {
	if p.ProductList != nil {
		return p.ProductList
	}
	return plugins.ReleaseProducts(all)
}

// PublishesPlaceholders: a catalog on object storage copies a placeholder's
// object there on the server; one on disk needs the bytes.
func (p *STAC) PublishesPlaceholders() bool { return objstore.IsURL(p.Catalog) }

func (p *STAC) Validate() []plugins.Problem {
	if objstore.IsURL(p.Catalog) {
		return append(checkRemote(p.Catalog), p.checkBaseURL()...)
	}
	return append(checkPath("catalog", p.Catalog), p.checkBaseURL()...)
}

func (p *STAC) checkBaseURL() []plugins.Problem {
	var probs []plugins.Problem
	if p.BaseURL != "" {
		if err := catalog.CheckBaseURL(p.BaseURL); err != nil {
			probs = append(probs, plugins.Problemf("base_url", "Invalid base URL",
				"%q is not an absolute http(s) URL; e.g. base_url = \"https://data.example.org/datasets\".", p.BaseURL))
		}
	}
	return probs
}

// Outputs are the release's files under the catalog folder, and the
// catalogs that link it.
func (p *STAC) Outputs(r *plugins.ReleasePlan) []string {
	root := slash(p.Catalog) + "/"
	if objstore.IsURL(p.Catalog) {
		root = strings.TrimSuffix(p.Catalog, "/") + "/"
	}
	ds := root + r.Dataset + "/"
	rel := ds + r.Version + "/"
	// .lock is the publishers' lock: it stays, empty, between publishes.
	items := rel + "items/{tile}/"
	out := []string{root + "catalog.json", root + ".lock", ds + "catalog.json", rel + "collection.json", rel + "{split}/collection.json"}
	if r.Tiles > catalog.GroupAbove {
		// A release this large groups its items in blocks (see catalog).
		items = rel + "items/{block}/{tile}/"
		out = append(out, rel+"{split}/{block}/catalog.json")
	}
	out = append(out, items+"{tile}.json", rel+"tiles.parquet", rel+"splits.parquet", rel+"items.parquet", rel+"report.html")
	for _, name := range p.Products(r.Products) {
		out = append(out, items+name+".tif")
	}
	for _, pv := range r.Previews {
		out = append(out, items+pv.Name+pv.Ext)
	}
	return out
}

// Publish adds the release to the catalog: staged, renamed into place,
// linked to the dataset's other versions; the same release again is a no-op
// and a different one under a published version is refused.
func (p *STAC) Publish(ctx context.Context, r *plugins.Release) (string, error) {
	if objstore.IsURL(p.Catalog) {
		return p.publishRemote(ctx, r)
	}
	root, err := under(r.Out, p.Catalog)
	if err != nil {
		return "", err
	}
	rel, err := CatalogRelease(r, p.Products(r.Products))
	if err != nil {
		return "", err
	}
	pub, err := catalog.Publish(ctx, root, rel, catalog.Options{Workers: r.Jobs, BaseURL: p.BaseURL, Progress: r.Progress})
	if err != nil {
		return "", err
	}
	if pub.NoOp {
		return fmt.Sprintf("%s %s was already published with the same content: nothing to do", rel.Dataset, rel.Version), nil
	}
	return fmt.Sprintf("release %s %s (%d files) in %s", rel.Dataset, rel.Version, pub.Files, pub.Dir), nil
}

// CatalogRelease is the release as package catalog takes it, with the
// named products of every tile and all its previews.
func CatalogRelease(r *plugins.Release, products []string) (*catalog.Release, error) {
	d := r.Dataset
	rel := &catalog.Release{
		Dataset: d.Name, Title: d.Title, Description: d.Description, License: d.License,
		Keywords: d.Keywords, Version: d.Version, EPSG: r.CRS.EPSG, PROJJSON: r.PROJJSON,
		Start: r.Start, End: r.End, Splits: r.Splits, Software: r.Software, Lineage: r.Lineage,
		Report: reportInput(r),
	}
	if rel.Start.IsZero() || rel.End.IsZero() {
		return nil, fmt.Errorf("the sources need a datetime for each epoch (e.g. datetime = \"2010-07-01T00:00:00Z\"), which the catalog records")
	}
	for _, p := range d.Providers {
		rel.Providers = append(rel.Providers, stac.Provider{Name: p.Name, Description: p.Description, Roles: p.Roles, URL: p.URL})
	}
	for _, c := range r.Classes {
		rel.Classes = append(rel.Classes, c.Value)
	}
	rel.Counters = r.Counters
	rel.Tiles = make([]catalog.Tile, len(r.Tiles))
	for i := range r.Tiles {
		t := &r.Tiles[i]
		// Made whole when the tile's item is written: every tile's assets,
		// or every held row read back, would be a large part of a national
		// release's heap.
		rel.Tiles[i] = catalog.Tile{Stats: &t.Stats, BBox: t.BBox,
			Make: func() (catalog.Tile, error) {
				f, err := t.Full()
				if err != nil {
					return catalog.Tile{}, err
				}
				return catalog.Tile{Stats: &f.Stats, Footprint: f.Footprint, FootprintWKB: f.FootprintWKB, BBox: f.BBox,
					Assets: catalogAssets(r, f.Assets, products)}, nil
			}}
	}
	return rel, nil
}

// catalogAssets describes the named products of a tile and its previews.
func catalogAssets(r *plugins.Release, assets []plugins.Asset, products []string) []catalog.Asset {
	out := []catalog.Asset{}
	for _, a := range assets {
		if !a.Preview && !slices.Contains(products, a.Name) {
			continue
		}
		out = append(out, catalogAsset(a, r.Path(a.Path)))
	}
	return out
}

// catalogAsset describes a tile's file for the catalog.
func catalogAsset(a plugins.Asset, file string) catalog.Asset {
	ca := catalog.Asset{Key: a.Name, File: file, MediaType: a.MediaType, Title: a.Title, Roles: a.Roles, Size: a.Size, SHA256: a.SHA256}
	if a.Preview {
		return ca
	}
	ca.Shape = [2]int{a.Grid.Height, a.Grid.Width}
	ca.Transform = a.Grid.GeoTransform
	elevation := a.Kind == plugins.DSM || a.Kind == plugins.ElevationDifference || a.Kind == plugins.ElevationChange
	for _, b := range a.Bands {
		sb := stac.Band{DataType: a.DataType, NoData: b.NoData}
		if elevation {
			sb.Unit = "m"
		}
		if b.ValidPercent > 0 {
			sb.Stats = &stac.BandStats{Min: b.Min, Max: b.Max, Mean: b.Mean, StdDev: b.StdDev, ValidPercent: b.ValidPercent}
		}
		ca.Bands = append(ca.Bands, sb)
	}
	return ca
}
