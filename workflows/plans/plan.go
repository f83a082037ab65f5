// Package plans binds a decoded workflow to its sources' metadata: the tile
// grid, every product's pixel size, the split's target sizes and the files
// a run will write. No pixel is read to make a plan.
package plans

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/pointsource"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows"
)

// Plan is a workflow bound to its sources' metadata: the tile grid, every
// product's pixel size, the split's target sizes and what a run writes.
// No pixel is read to make it.
type Plan struct {
	Workflow *workflows.Workflow
	Grid     TileGrid
	// Sources are the sources with their metadata, in declaration order.
	Sources []*Source
	// Split holds the target size of every subset (nil without a split block).
	Split []SubsetTarget
	// Release is what the release will hold: its products, the previews
	// every tile gets and the subsets.
	Release plugins.ReleasePlan
	// Publish lists, per publish block, the paths it writes under the
	// run's output directory.
	Publish []Publish
}

// Source is a source and what its files hold.
type Source struct {
	*workflows.Source
	// Raster is the metadata of the mosaic of the files (raster sources).
	Raster raster.Info
	// Extent is the source's bounding box in the grid's CRS.
	Extent raster.Extent
	// Features counts the features of a vector source.
	Features int
	// Points is what a point-cloud source's headers say.
	Points *pointsource.Info
}

// PointFilter is the point filter a point-cloud source block asks for.
func (s *Source) PointFilter() (pointsource.Filter, error) {
	r, ok := pointsource.ParseReturns(s.Returns)
	if !ok && s.Returns != "" {
		return pointsource.Filter{}, fmt.Errorf("source %s: returns %q", s.Address(), s.Returns)
	}
	return pointsource.NewFilter(s.Classes, s.ExcludeClasses, r)
}

// SubsetTarget is how many tiles a subset of the split gets.
type SubsetTarget struct {
	Name  string
	Ratio float64 // 0 when the split is by counts
	Count int
}

// Publish is a publish block and the paths it writes.
type Publish struct {
	*workflows.Publish
	// Paths are the files it writes, relative to the output directory;
	// see plugins.Publisher's Outputs for the {tile} and {split} patterns.
	Paths    []string
	Products []string // the per-tile products it publishes
}

// TileGrid is the set of whole tiles covering the part of the area where
// every source has data (and the AOI, when given). Tiles are squares of
// Size aligned to Origin + k×Size in the sources' CRS; a tile belongs to
// the grid only if it lies entirely inside that common extent, so no tile
// is partly outside a source.
type TileGrid struct {
	CRS    raster.CRS
	Size   float64
	Origin [2]float64
	// DataExtent is the intersection of the sources' extents (and the AOI's
	// bounding box); Extent is the union of the tiles, inside it.
	DataExtent raster.Extent
	Extent     raster.Extent
	// Col0 and Row0 are the global indices of the west-most column and the
	// south-most row: column c spans Origin.x + c×Size to +Size.
	Col0, Row0 int
	Cols, Rows int
	IDTemplate string
}

// Tile is one tile of the grid.
type Tile struct {
	ID       string
	Col, Row int // global indices: stable whatever the extent
	Extent   raster.Extent
}

// Count is the number of tiles.
func (g TileGrid) Count() int { return g.Cols * g.Rows }

// Tile returns the tile at global column col and row row.
func (g TileGrid) Tile(col, row int) Tile {
	t := Tile{Col: col, Row: row, Extent: raster.Extent{
		MinX: g.Origin[0] + float64(col)*g.Size,
		MinY: g.Origin[1] + float64(row)*g.Size,
		MaxX: g.Origin[0] + float64(col+1)*g.Size,
		MaxY: g.Origin[1] + float64(row+1)*g.Size,
	}}
	tmpl := g.IDTemplate
	if tmpl == "" {
		tmpl = workflows.DefaultTileID
	}
	t.ID = workflows.FormatTileID(tmpl, t.Col, t.Row, t.Extent)
	return t
}

// Tiles returns every tile, north to south then west to east (reading order).
func (g TileGrid) Tiles() []Tile {
	out := make([]Tile, 0, g.Count())
	for r := g.Row0 + g.Rows - 1; r >= g.Row0; r-- {
		for c := g.Col0; c < g.Col0+g.Cols; c++ {
			out = append(out, g.Tile(c, r))
		}
	}
	return out
}

// PixelSize returns a product's width and height in pixels on one tile.
func (g TileGrid) PixelSize(res float64) int {
	if res <= 0 {
		return 0
	}
	return int(math.Round(g.Size / res))
}

// newTileGrid aligns the grid to the extent: the whole tiles inside it.
func newTileGrid(crs raster.CRS, size float64, origin [2]float64, data raster.Extent, tmpl string) TileGrid {
	// A tolerance far below a pixel absorbs float error in the extents, so
	// an extent of exactly 1000 m holds exactly five 200 m tiles.
	const eps = 1e-6
	c0 := int(math.Ceil((data.MinX-origin[0])/size - eps))
	c1 := int(math.Floor((data.MaxX-origin[0])/size + eps))
	r0 := int(math.Ceil((data.MinY-origin[1])/size - eps))
	r1 := int(math.Floor((data.MaxY-origin[1])/size + eps))
	g := TileGrid{CRS: crs, Size: size, Origin: origin, DataExtent: data, Col0: c0, Row0: r0,
		Cols: max(0, c1-c0), Rows: max(0, r1-r0), IDTemplate: tmpl}
	g.Extent = raster.Extent{
		MinX: origin[0] + float64(c0)*size, MinY: origin[1] + float64(r0)*size,
		MaxX: origin[0] + float64(c0+g.Cols)*size, MaxY: origin[1] + float64(r0+g.Rows)*size,
	}
	return g
}

// DefaultMaxTiles bounds the grid unless the caller allows more: a tile
// size in the wrong unit (1 for 1 000) plans millions of tiles.
const DefaultMaxTiles = 1_000_000

// Options change how a plan is made.
type Options struct {
	// MaxTiles refuses a larger grid (0: DefaultMaxTiles).
	MaxTiles int
	// Inspect reads a raster source's metadata; nil means raster.Inspect.
	Inspect func(ctx context.Context, patterns []string, opts raster.MosaicOptions) (raster.Info, error)
}

// New reads the metadata of every source (never pixels), checks that
// the epochs share a CRS and overlap, and lays the tile grid. It completes
// the steps' Outputs with the pixel sizes that depend on the sources.
// Problems are diagnostics pointing at the blocks concerned; with errors the
// plan is nil.
func New(ctx context.Context, w *workflows.Workflow, opts Options) (*Plan, hcl.Diagnostics) {
	inspect := opts.Inspect
	if inspect == nil {
		inspect = raster.Inspect
	}
	var diags hcl.Diagnostics
	p := &Plan{Workflow: w}
	for _, s := range w.Sources {
		if err := ctx.Err(); err != nil {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Plan cancelled", Detail: err.Error()})
		}
		ps := &Source{Source: s}
		p.Sources = append(p.Sources, ps)
		if s.Kind == plugins.Vector {
			vi, err := raster.InspectVector(s.Files[0])
			if err != nil {
				diags = append(diags, errorf(s.FilesRange(), "Cannot read vector source",
					"%s; fix the file or name another.", oneLine(err)))
				continue
			}
			ps.Features = vi.Features
			ps.Extent = vi.Extent
			ps.Raster.CRS = vi.CRS
			continue
		}
		if s.Kind.IsPoints() {
			pi, err := pointsource.Inspect(ctx, s.Files, s.CRS)
			if err != nil {
				diags = append(diags, errorf(s.FilesRange(), "Cannot read point cloud",
					"%s.", strings.TrimSuffix(oneLine(err), ".")))
				continue
			}
			ps.Points, ps.Extent, ps.Raster.CRS = pi, pi.Extent, pi.CRS
			if pi.Density > 0 {
				// The outermost points lie up to a point spacing inside
				// the surveyed area (a 2 km sheet's points end a metre or
				// so short of its edges): without this margin the edge
				// tiles of a mosaic would be left out.
				d := 1 / math.Sqrt(pi.Density) / pi.XYMetres
				ps.Extent = raster.Extent{MinX: pi.Extent.MinX - d, MinY: pi.Extent.MinY - d, MaxX: pi.Extent.MaxX + d, MaxY: pi.Extent.MaxY + d}
			}
			continue
		}
		info, err := inspect(ctx, s.Files, raster.MosaicOptions{NoData: s.NoData})
		if errors.Is(err, raster.ErrUnsupportedFormat) {
			// ECW or MrSID: the file is fine, this GDAL lacks the driver;
			// the message says how to convert it.
			diags = append(diags, errorf(s.FilesRange(), "Source in a format this GDAL cannot read",
				"%s.", strings.TrimSuffix(oneLine(err), ".")))
			continue
		}
		if err != nil {
			diags = append(diags, errorf(s.FilesRange(), "Cannot read source",
				"%s; fix or remove the file.", oneLine(err)))
			continue
		}
		ps.Raster = info
		ps.Extent = info.Extent
		diags = append(diags, checkSourceRaster(ps)...)
	}
	diags = append(diags, checkEpochs(p.Sources, w.Tiling.Origin)...)
	if diags.HasErrors() {
		return nil, diags
	}

	// Epochs must share a CRS and overlap: first within each kind, then
	// across kinds; the tile grid lives in that CRS.
	// Point clouds lay the grid too: their extents and CRS count.
	var rasters []*Source
	for _, ps := range p.Sources {
		if ps.Kind.IsRaster() || ps.Kind.IsPoints() {
			rasters = append(rasters, ps)
		}
	}
	if len(rasters) == 0 {
		return nil, diags
	}
	firstOfKind := map[plugins.Kind]*Source{}
	var kindOrder []*Source
	for _, ps := range rasters {
		first := firstOfKind[ps.Kind]
		if first == nil {
			firstOfKind[ps.Kind] = ps
			kindOrder = append(kindOrder, ps)
			continue
		}
		diags = append(diags, comparePair(first, ps)...)
	}
	if !diags.HasErrors() {
		for _, ps := range kindOrder[1:] {
			diags = append(diags, comparePair(kindOrder[0], ps)...)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	crs := rasters[0].Raster.CRS
	common := rasters[0].Extent
	for _, ps := range rasters[1:] {
		next, ok := common.Intersect(ps.Extent)
		if !ok {
			diags = append(diags, errorf(ps.DeclRange, "No area common to all sources",
				"%s %s does not overlap the area the sources before it share %s; check that all sources cover the same place.", ps.Address(), ps.Extent, common))
			return nil, diags
		}
		common = next
	}

	// The AOI bounds the grid by its bounding box, reprojected when needed.
	t := w.Tiling
	if t.AOI != nil {
		var aoi *Source
		for _, ps := range p.Sources {
			if ps.Source == t.AOI {
				aoi = ps
			}
		}
		ext := aoi.Extent
		if !aoi.Raster.CRS.Same(crs) {
			var err error
			ext, err = raster.TransformBounds(aoi.Extent, aoi.Raster.CRS, crs)
			if err != nil {
				return nil, append(diags, errorf(t.AOIRange(), "Cannot reproject the AOI",
					"%s; write the AOI in the sources' CRS (%s).", oneLine(err), crs))
			}
		}
		aoi.Extent = ext
		next, ok := common.Intersect(ext)
		if !ok {
			return nil, append(diags, errorf(t.AOIRange(), "AOI outside the sources",
				"The AOI %s does not overlap the area the sources share %s; check the AOI's coordinates and CRS.", ext, common))
		}
		common = next
	}
	p.Grid = newTileGrid(crs, t.Size, t.Origin, common, t.IDTemplate)
	if p.Grid.Count() == 0 {
		r := t.SizeRange()
		return nil, append(diags, errorf(r, "No whole tile fits",
			"The area all sources share, %s (%g × %g m), holds no whole %g m tile aligned to the origin; use smaller tiles or sources that overlap more.",
			common, common.Width(), common.Height(), t.Size))
	}

	maxTiles := opts.MaxTiles
	if maxTiles <= 0 {
		maxTiles = DefaultMaxTiles
	}
	if n := p.Grid.Count(); n > maxTiles {
		return nil, append(diags, errorf(t.SizeRange(), "Too many tiles",
			"%g m tiles over %.0f × %.0f m make %d tiles, more than the %d allowed: is size in metres? Use larger tiles, or allow them with --max-tiles %d.",
			t.Size, common.Width(), common.Height(), n, maxTiles, n))
	}

	// Products: pixel sizes that depend on the sources are known now.
	known := map[string]plugins.Product{}
	for _, ps := range rasters {
		if !ps.Kind.IsRaster() {
			continue
		}
		prod := ps.Product()
		prod.Resolution = math.Max(ps.Raster.ResX, ps.Raster.ResY)
		prod.DataType = ps.Raster.DataType
		prod.Bands = ps.Raster.Bands
		known[ps.Address().String()] = prod
	}
	for _, ps := range p.Sources {
		if !ps.Kind.IsRaster() {
			known[ps.Address().String()] = ps.Product()
		}
	}
	diags = append(diags, w.ResolveProducts(known)...)

	if w.Split != nil {
		diags = append(diags, p.planSplit()...)
	}
	if d := w.Dataset; d != nil {
		p.Release.Dataset, p.Release.Version = d.Name, d.Version
	}
	for _, pr := range w.Products() {
		p.Release.Products = append(p.Release.Products, pr.Product)
	}
	p.Release.Previews = plugins.PlanPreviews(p.Release.Products)
	p.Release.Tiles = p.Grid.Count()
	p.Release.Start, p.Release.End = w.EpochDatetimes()
	if p.Release.End.IsZero() && !hasEpoch(p.Sources, plugins.T1) {
		// One epoch only (a DSM made from one survey): the release is of that date.
		p.Release.End = p.Release.Start
	}
	for _, t := range p.Split {
		if t.Count > 0 {
			p.Release.Subsets = append(p.Release.Subsets, t.Name)
		}
	}
	for _, pb := range w.Publish {
		p.Publish = append(p.Publish, Publish{Publish: pb, Paths: pb.Impl.Outputs(&p.Release), Products: pb.Products(p.Release.Products)})
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return p, diags
}

func hasEpoch(sources []*Source, e plugins.Epoch) bool {
	for _, ps := range sources {
		if ps.Kind.HasEpoch() && ps.Epoch == e {
			return true
		}
	}
	return false
}

// checkSourceRaster checks what a source's kind needs of its files.
func checkSourceRaster(ps *Source) hcl.Diagnostics {
	var diags hcl.Diagnostics
	info := ps.Raster
	switch {
	case info.CRS.IsZero():
		diags = append(diags, errorf(ps.DeclRange, "Source without a CRS",
			"%s has no coordinate reference system; assign one with gdal_translate -a_srs EPSG:<code>.", ps.Address()))
	case isGeographic(info.CRS):
		diags = append(diags, errorf(ps.DeclRange, "Source in a geographic CRS",
			"%s is in %s, in degrees, but tiles are sized in metres; reproject it with gdalwarp -t_srs to a projected CRS such as UTM.", ps.Address(), info.CRS))
	}
	switch {
	case ps.Kind == plugins.Orthophoto && info.Bands < 3:
		diags = append(diags, errorf(ps.DeclRange, "Orthophoto is not RGB",
			"%s has %d band(s); an orthophoto needs red, green and blue bands, or declare it as source \"dsm\" if it holds elevations.", ps.Address(), info.Bands))
	case ps.Kind == plugins.Orthophoto && info.DataType != "uint8":
		diags = append(diags, errorf(ps.DeclRange, "Orthophoto is not 8-bit",
			"%s holds %s pixels; orthophotos are read as 8-bit RGB: convert them with gdal_translate -ot Byte -scale.", ps.Address(), info.DataType))
	case ps.Kind == plugins.DSM && info.Bands != 1:
		diags = append(diags, warningf(ps.DeclRange, "DSM with several bands",
			"%s has %d bands; only band 1 is read as elevation. Extract it with gdal_translate -b 1 to silence this.", ps.Address(), info.Bands))
	}
	if math.Abs(info.ResX-info.ResY) > 1e-9*math.Max(info.ResX, info.ResY) {
		diags = append(diags, warningf(ps.DeclRange, "Non-square pixels",
			"%s has %g × %g pixels; products use the coarser size unless a step sets resolution.", ps.Address(), info.ResX, info.ResY))
	}
	return diags
}

func isGeographic(c raster.CRS) bool {
	w := strings.TrimSpace(c.WKT)
	return strings.HasPrefix(w, "GEOGCS") || strings.HasPrefix(w, "GEOGCRS") || strings.HasPrefix(w, "GEODCRS")
}

// comparePair checks that b shares a's CRS and overlaps it; the diagnostic
// points at b's block and names a's.
func comparePair(a, b *Source) hcl.Diagnostics {
	if !a.Raster.CRS.Same(b.Raster.CRS) {
		return hcl.Diagnostics{errorf(b.DeclRange, "Sources in different CRSs",
			"%s is in %s but %s (%s) is in %s; reproject it with gdalwarp -t_srs %s.",
			b.Address(), b.Raster.CRS, a.Address(), a.DeclRange, a.Raster.CRS, crsArg(a.Raster.CRS))}
	}
	if _, ok := a.Extent.Intersect(b.Extent); !ok {
		return hcl.Diagnostics{errorf(b.DeclRange, "Sources do not overlap",
			"%s covers %s but %s (%s) covers %s; both epochs must cover the same area.",
			b.Address(), b.Extent, a.Address(), a.DeclRange, a.Extent)}
	}
	return nil
}

func crsArg(c raster.CRS) string {
	if c.EPSG != 0 {
		return "EPSG:" + strconv.Itoa(c.EPSG)
	}
	return "<the other source's CRS>"
}

// planSplit computes the subset sizes for the grid's tile count.
func (p *Plan) planSplit() hcl.Diagnostics {
	s := p.Workflow.Split
	n := p.Grid.Count()
	counts := s.SubsetCounts(n)
	var diags hcl.Diagnostics
	total := 0
	for i, sub := range s.Subsets {
		p.Split = append(p.Split, SubsetTarget{Name: sub.Name, Ratio: sub.Ratio, Count: counts[i]})
		total += counts[i]
		if counts[i] == 0 {
			diags = append(diags, warningf(s.DeclRange, "Empty subset",
				"With %d tiles, subset %q gets no tile; raise its ratio or use smaller tiles.", n, sub.Name))
		}
	}
	if s.ByCount {
		r := s.CountsRange()
		switch {
		case total > n:
			diags = append(diags, errorf(r, "More tiles asked than the grid has",
				"The counts sum to %d but the grid has %d tiles; lower the counts or use ratios.", total, n))
		case total < n:
			diags = append(diags, warningf(r, "Tiles left out of the split",
				"The counts sum to %d but the grid has %d tiles; %d tiles will be in no subset.", total, n, n-total))
		}
	}
	return diags
}

func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

func errorf(subject hcl.Range, summary, format string, a ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, a...), Subject: &subject}
}

func warningf(subject hcl.Range, summary, format string, a ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, a...), Subject: &subject}
}

// Describe is a one-line summary of a source's metadata, for messages.
func (ps *Source) Describe() string {
	if ps.Points != nil {
		return ps.Points.Describe()
	}
	if !ps.Kind.IsRaster() {
		return fmt.Sprintf("%d features, %s", ps.Features, ps.Extent)
	}
	i := ps.Raster
	nd := "none"
	if i.HasNoData {
		nd = strconv.FormatFloat(i.NoData, 'g', -1, 64)
	}
	return fmt.Sprintf("%d file(s), %s, %g × %g m pixels, %s × %d band(s), nodata %s, extent %s",
		len(i.Files), i.CRS, i.ResX, i.ResY, i.DataType, i.Bands, nd, i.Extent)
}
