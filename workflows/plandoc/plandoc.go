// Package plandoc is the plan of a workflow as a stable, documented JSON
// document: what `cdflow plan -json` prints and tests compare.
package plandoc

import (
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/internal/hcldecode"
	"github.com/cdflow/cdflow/workflows/plans"
)

// FormatVersion is the version of the PlanDocument format. It changes
// only when a field is removed or changes meaning; new fields may appear
// without a change.
const FormatVersion = "1"

// Document is a plan as a stable JSON document (cdflow plan --json).
// Extents are [minx, miny, maxx, maxy] in the grid's CRS; resolutions are
// pixel sizes in CRS units (metres); paths are relative to the workflow's
// directory when inside it, slash-separated.
type Document struct {
	FormatVersion string `json:"format_version"`
	// Workflow is the path of the workflow file or directory, as given.
	Workflow string     `json:"workflow"`
	Dataset  DatasetDoc `json:"dataset"`
	CRS      CRSDoc     `json:"crs"`
	TileSize float64    `json:"tile_size"`
	Origin   [2]float64 `json:"origin"`
	// Extent is the union of the tiles; DataExtent the area every source
	// (and the AOI) covers, which the tiles lie inside.
	Extent     [4]float64 `json:"extent"`
	DataExtent [4]float64 `json:"data_extent"`
	Columns    int        `json:"columns"`
	Rows       int        `json:"rows"`
	TileCount  int        `json:"tile_count"`
	// TileIDTemplate makes tile ids; FirstTile and LastTile are the ids of
	// the north-west and south-east tiles (tiles are listed in reading order).
	TileIDTemplate string       `json:"tile_id_template"`
	FirstTile      string       `json:"first_tile"`
	LastTile       string       `json:"last_tile"`
	Sources        []SourceDoc  `json:"sources"`
	Steps          []StepDoc    `json:"steps"` // in execution order
	Split          *SplitDoc    `json:"split"` // null without a split block
	Outputs        []ProductDoc `json:"outputs"`
	Publish        []PublishDoc `json:"publish"`
	// RunFiles are the files the run itself writes under the output
	// directory (tile products, previews and manifests, the run's tables);
	// with every publish block's Paths they are all the files a run writes.
	// "{tile}" stands for every tile's id, "{split}" for every subset's name.
	RunFiles []string `json:"run_files"`
}

// DatasetDoc names the release.
type DatasetDoc struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	Version string `json:"version"`
	License string `json:"license"`
}

// CRSDoc is a CRS: "EPSG:32630" and its code, or, without a code, its WKT.
type CRSDoc struct {
	Name string `json:"name"`
	EPSG int    `json:"epsg,omitempty"`
	WKT  string `json:"wkt,omitempty"`
	// Unit is the CRS's linear unit ("metre", "foot", …): that of tile
	// sizes and pixel sizes.
	Unit string `json:"unit,omitempty"`
}

// SourceDoc is a source and what plan read of its files.
type SourceDoc struct {
	Address   string     `json:"address"`
	Kind      string     `json:"kind"`
	Name      string     `json:"name"`
	Files     []string   `json:"files"`
	FileCount int        `json:"file_count"`
	Datetime  string     `json:"datetime,omitempty"` // RFC 3339, UTC
	CRS       CRSDoc     `json:"crs"`
	Extent    [4]float64 `json:"extent"`
	// Raster sources only.
	Resolution *[2]float64 `json:"resolution,omitempty"` // [x, y]
	DataType   string      `json:"data_type,omitempty"`
	Bands      int         `json:"bands,omitempty"`
	NoData     *float64    `json:"nodata"` // null when the files declare none
	// Vector sources only.
	Features int `json:"features,omitempty"`
	// Point-cloud sources only.
	PointCloud *PointCloudDoc `json:"pointcloud,omitempty"`
}

// PointCloudDoc is what a point-cloud source's headers say, and what the
// source keeps of its points.
type PointCloudDoc struct {
	Points  uint64  `json:"points"`
	Density float64 `json:"density"` // points per square metre over the files' extents
	// Formats are the point data record formats (0–10); Encodings count
	// the files by encoding (LAS, LAZ, COPC).
	Formats   []int          `json:"formats"`
	Encodings map[string]int `json:"encodings"`
	// HeightUnit is the unit of the files' heights and HeightMetres its
	// size in metres: heights are converted to metres when read.
	HeightUnit   string  `json:"height_unit"`
	HeightMetres float64 `json:"height_metres"`
	// Classes kept (empty: all) and dropped, ASPRS codes; Returns kept.
	Classes        []int  `json:"classes"`
	ExcludeClasses []int  `json:"exclude_classes"`
	Returns        string `json:"returns"`
}

// StepDoc is a step with its inputs, configuration and products.
type StepDoc struct {
	Address string `json:"address"`
	Plugin  string `json:"plugin"`
	Name    string `json:"name"`
	// Inputs are the input attributes given, in the plugin's order.
	Inputs []InputDoc `json:"inputs"`
	// Config is the decoded configuration, defaults included, keyed by
	// attribute name.
	Config  map[string]any `json:"config"`
	Outputs []string       `json:"outputs"` // product names
}

// InputDoc is one input attribute and the address of the product it reads.
type InputDoc struct {
	Name string `json:"name"`
	From string `json:"from"`
}

// ProductDoc is a per-tile product.
type ProductDoc struct {
	Name       string  `json:"name"`
	Kind       string  `json:"kind"`
	Step       string  `json:"step"` // the step writing it
	Resolution float64 `json:"resolution"`
	Width      int     `json:"width"` // pixels per tile
	Height     int     `json:"height"`
	DataType   string  `json:"data_type"`
	Bands      int     `json:"bands"`
	File       string  `json:"file"` // file name inside a tile's folder
}

// SplitDoc is the split with each subset's target size.
type SplitDoc struct {
	By         string  `json:"by"` // "ratios" or "counts"
	Seed       int64   `json:"seed"`
	Stratify   string  `json:"stratify"`
	Block      float64 `json:"block,omitempty"`
	CoverRange string  `json:"cover_range,omitempty"`
	// CoverMinPixels is the dataset-wide count of changed pixels from which
	// a 1 m ΔH bin must appear in CoverRange; absent without CoverRange.
	CoverMinPixels int64       `json:"cover_min_pixels,omitempty"`
	Subsets        []SubsetDoc `json:"subsets"`
}

// SubsetDoc is one subset: its ratio (for a split by ratios) and its size.
type SubsetDoc struct {
	Name  string  `json:"name"`
	Ratio float64 `json:"ratio,omitempty"`
	Count int     `json:"count"`
}

// PublishDoc is a publish block and the paths it writes under the run's
// output directory.
type PublishDoc struct {
	Kind     string         `json:"kind"`
	Name     string         `json:"name"`
	Paths    []string       `json:"paths"`
	Products []string       `json:"products"` // per-tile products it publishes
	Config   map[string]any `json:"config"`
}

// New returns the document of a plan.
func New(p *plans.Plan) Document {
	w := p.Workflow
	g := p.Grid
	doc := Document{
		FormatVersion:  FormatVersion,
		Workflow:       filepath.ToSlash(w.Path),
		CRS:            crsDoc(g.CRS),
		TileSize:       g.Size,
		Origin:         g.Origin,
		Extent:         extentDoc(g.Extent),
		DataExtent:     extentDoc(g.DataExtent),
		Columns:        g.Cols,
		Rows:           g.Rows,
		TileCount:      g.Count(),
		TileIDTemplate: g.IDTemplate,
		Sources:        []SourceDoc{},
		Steps:          []StepDoc{},
		Outputs:        []ProductDoc{},
		Publish:        []PublishDoc{},
		RunFiles:       execute.RunOutputs(p),
	}
	if g.Count() > 0 {
		doc.FirstTile = g.Tile(g.Col0, g.Row0+g.Rows-1).ID
		doc.LastTile = g.Tile(g.Col0+g.Cols-1, g.Row0).ID
	}
	if d := w.Dataset; d != nil {
		doc.Dataset = DatasetDoc{Name: d.Name, Title: d.Title, Version: d.Version, License: d.License}
	}
	for _, ps := range p.Sources {
		sd := SourceDoc{
			Address: ps.Address().String(), Kind: string(ps.Kind), Name: ps.Name,
			Files: []string{}, FileCount: len(ps.Files), CRS: crsDoc(ps.Raster.CRS),
			Extent: extentDoc(ps.Extent), Features: ps.Features,
		}
		for _, f := range ps.Files {
			sd.Files = append(sd.Files, relPath(w.Dir, f))
		}
		if !ps.Datetime.IsZero() {
			sd.Datetime = ps.Datetime.UTC().Format(time.RFC3339)
		}
		if pi := ps.Points; pi != nil {
			pd := &PointCloudDoc{Points: pi.Points, Density: pi.Density, Formats: []int{}, Encodings: map[string]int{},
				HeightUnit: pi.ZUnit, HeightMetres: pi.ZMetres, Classes: append([]int{}, ps.Classes...),
				ExcludeClasses: append([]int{}, ps.ExcludeClasses...), Returns: ps.Returns}
			for _, f := range pi.Formats {
				pd.Formats = append(pd.Formats, int(f))
			}
			for _, f := range pi.Files {
				pd.Encodings[f.Encoding()]++
			}
			sd.PointCloud = pd
		}
		if ps.Kind.IsRaster() {
			i := ps.Raster
			sd.Resolution = &[2]float64{i.ResX, i.ResY}
			sd.DataType, sd.Bands = i.DataType, i.Bands
			if i.HasNoData {
				nd := i.NoData
				sd.NoData = &nd
			}
		}
		doc.Sources = append(doc.Sources, sd)
	}
	for _, s := range w.Steps {
		sd := StepDoc{Address: s.Address().String(), Plugin: s.Plugin, Name: s.Name,
			Inputs: []InputDoc{}, Config: hcldecode.ConfigMap(s.Config()), Outputs: []string{}}
		for _, in := range s.Inputs {
			sd.Inputs = append(sd.Inputs, InputDoc{Name: in.Name, From: in.From.String()})
		}
		for _, o := range s.Outputs {
			sd.Outputs = append(sd.Outputs, o.Name)
			px := g.PixelSize(o.Resolution)
			doc.Outputs = append(doc.Outputs, ProductDoc{
				Name: o.Name, Kind: string(o.Kind), Step: sd.Address, Resolution: o.Resolution,
				Width: px, Height: px, DataType: o.DataType, Bands: o.Bands, File: o.Name + ".tif",
			})
		}
		doc.Steps = append(doc.Steps, sd)
	}
	if s := w.Split; s != nil {
		sd := &SplitDoc{By: "ratios", Seed: s.Seed, Stratify: s.Stratify, Block: s.Block, CoverRange: s.CoverRange, Subsets: []SubsetDoc{}}
		if s.CoverRange != "" {
			sd.CoverMinPixels = s.CoverMinPixels
		}
		if s.ByCount {
			sd.By = "counts"
		}
		for _, t := range p.Split {
			sd.Subsets = append(sd.Subsets, SubsetDoc{Name: t.Name, Ratio: t.Ratio, Count: t.Count})
		}
		doc.Split = sd
	}
	for _, pb := range p.Publish {
		pd := PublishDoc{Kind: pb.Kind, Name: pb.Name, Paths: pb.Paths, Products: pb.Products, Config: hcldecode.ConfigMap(pb.Config())}
		if pd.Paths == nil {
			pd.Paths = []string{}
		}
		if pd.Products == nil {
			pd.Products = []string{}
		}
		doc.Publish = append(doc.Publish, pd)
	}
	return doc
}

func crsDoc(c raster.CRS) CRSDoc {
	d := CRSDoc{Name: c.String(), EPSG: c.EPSG}
	if _, unit, _, err := raster.HeightUnits(c); err == nil {
		d.Unit = unit
	}
	if c.EPSG == 0 {
		d.WKT = c.WKT
	}
	return d
}

func extentDoc(e raster.Extent) [4]float64 {
	r := func(v float64) float64 {
		// Extents come from float arithmetic on geotransforms; a nanometre
		// of noise must not make the document differ between machines.
		return math.Round(v*1e6) / 1e6
	}
	return [4]float64{r(e.MinX), r(e.MinY), r(e.MaxX), r(e.MaxY)}
}

// relPath returns p relative to dir when it lies inside it.
func relPath(dir, p string) string {
	if strings.HasPrefix(p, "/vsi") {
		return p
	}
	if rel, err := filepath.Rel(dir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(p)
}
