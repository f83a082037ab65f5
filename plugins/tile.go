package plugins

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/cdflow/cdflow/raster"
)

// TileInput is one bound input of a step for one tile: a source window read
// on demand, or a product an earlier step put in the tile.
type TileInput interface {
	// Product describes what the input holds (kind, resolution, name).
	Product() Product
	// Float32 returns the input on the tile's extent at res, resampled with
	// method ("" picks the step-independent default: the native grid when
	// aligned, else bilinear, or average when coarsening).
	Float32(ctx context.Context, res float64, method string) (*raster.Image[float32], error)
	// Uint8 is Float32 for 8-bit inputs (orthophotos, masks).
	Uint8(ctx context.Context, res float64, method string) (*raster.Image[uint8], error)
	// Rasterize burns a vector input's features matching an OGR SQL filter
	// (empty: all) on the tile at res: 1 inside, 0 outside.
	Rasterize(ctx context.Context, res float64, where string) (*raster.Image[uint8], error)
	// Points returns a point-cloud input's points inside the tile's work
	// extent (the tile and its halo), filtered as its source block says,
	// with heights in metres.
	Points(ctx context.Context) (*PointSet, error)
}

// PointSet is the points of a tile as parallel slices, in an order that
// is the same on every run.
type PointSet struct {
	X, Y, Z []float64
	// Class (ASPRS), ReturnNumber and NumberOfReturns are per point as the
	// LAS records give them (0 when unset); nil when the reader has none.
	Class, ReturnNumber, NumberOfReturns []uint8
}

// Len is the number of points.
func (p *PointSet) Len() int { return len(p.X) }

// Tile is one cell of the grid while its steps run: its place, and the
// products its steps have made so far, kept in memory for the steps after
// them and for the tile's statistics.
type Tile struct {
	ID       string
	Row, Col int
	Extent   raster.Extent // the tile itself: what products cover when written
	// Work is the extent steps compute on: the tile grown by a halo, so
	// noise removal sees whole regions across the tile's edges. Products
	// live on it in memory and are cropped to Extent when written.
	Work raster.Extent
	CRS  raster.CRS

	// Write persists a product (as a COG); set by the executor.
	Write func(ctx context.Context, name string, p *TileProduct) error

	mu       sync.Mutex
	products map[string]*TileProduct
	counts   map[string]int64
	findings []Finding
}

// TileProduct is a product of one tile, in memory.
type TileProduct struct {
	Product
	Float32 *raster.Image[float32] // set for float products
	Uint8   *raster.Image[uint8]   // set for 8-bit products
	Path    string                 // where Write put it, relative to the run's tile folder
}

// Grid returns the product's grid.
func (p *TileProduct) Grid() raster.Grid {
	if p.Float32 != nil {
		return p.Float32.Grid
	}
	return p.Uint8.Grid
}

// Put stores a product in the tile and writes it.
func (t *Tile) Put(ctx context.Context, p *TileProduct) error {
	if p.Name == "" {
		return fmt.Errorf("tile %s: product without a name", t.ID)
	}
	if (p.Float32 == nil) == (p.Uint8 == nil) {
		return fmt.Errorf("tile %s: product %s must hold exactly one image", t.ID, p.Name)
	}
	t.mu.Lock()
	if t.products == nil {
		t.products = map[string]*TileProduct{}
	}
	if _, dup := t.products[p.Name]; dup {
		t.mu.Unlock()
		return fmt.Errorf("tile %s: product %s made twice; two steps write the same name", t.ID, p.Name)
	}
	t.products[p.Name] = p
	t.mu.Unlock()
	if t.Write != nil {
		return t.Write(ctx, p.Name, p)
	}
	return nil
}

// Get returns a product made earlier in this tile.
func (t *Tile) Get(name string) (*TileProduct, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.products[name]
	return p, ok
}

// Products returns the tile's products sorted by name.
func (t *Tile) Products() []*TileProduct {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*TileProduct, 0, len(t.products))
	for _, p := range t.products {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Count adds n to a named counter of the tile, e.g. "dropped.min_area".
func (t *Tile) Count(name string, n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[string]int64{}
	}
	t.counts[name] += n
}

// CounterNames returns the names of the counters the tile's steps used, sorted.
func (t *Tile) CounterNames() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.counts))
	for n := range t.counts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Counter returns a named counter's value.
func (t *Tile) Counter(name string) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts[name]
}

// Flag records a QA finding on the tile. Once the tile's steps are done,
// the executor leaves it out of the release when a finding says exclude;
// a step whose finding says fail also returns an error, which stops the run.
func (t *Tile) Flag(f Finding) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.findings = append(t.findings, f)
}

// Findings returns the tile's QA findings in the order they were flagged.
func (t *Tile) Findings() []Finding {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Finding(nil), t.findings...)
}

// GridAt returns the north-up grid steps compute on (the work extent) at a pixel size.
func (t *Tile) GridAt(res float64) raster.Grid {
	return raster.NorthUp(t.CRS, t.Work, res, res)
}

// HaloStep is a Step that needs to see beyond the tile's edges: Halo
// is how far, in CRS units, for its configuration. The executor grows every
// tile's work extent by the largest halo of its steps.
type HaloStep interface {
	Halo(res float64) float64
}

// Inner returns the tile's own pixel rectangle inside the work grid at res:
// its top-left column and row, width and height.
func (t *Tile) Inner(res float64) (x0, y0, w, h int) {
	x0 = int(math.Round((t.Extent.MinX - t.Work.MinX) / res))
	y0 = int(math.Round((t.Work.MaxY - t.Extent.MaxY) / res))
	w = int(math.Round(t.Extent.Width() / res))
	h = int(math.Round(t.Extent.Height() / res))
	return x0, y0, w, h
}
