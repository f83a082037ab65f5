package plugins

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/cdflow/cdflow/plugins/raster"
)

// TileRunner is a Step that runs once for every tile of the grid. Steps run
// in dependency order within a tile; tiles run in parallel, each on its own
// Tile, so a RunTile needs no locking of its own.
type TileRunner interface {
	RunTile(ctx context.Context, t *Tile, in map[string]TileInput) error
}

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
}

// Tile is one cell of the grid while its steps run: its place, and the
// products its steps have made so far, kept in memory for the steps after
// them and for the tile's statistics.
type Tile struct {
	ID       string
	Row, Col int
	Extent   raster.Extent
	CRS      raster.CRS

	// Write persists a product (as a COG); set by the executor.
	Write func(ctx context.Context, name string, p *TileProduct) error

	mu       sync.Mutex
	products map[string]*TileProduct
	counts   map[string]int64
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

// Counter returns a named counter's value.
func (t *Tile) Counter(name string) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts[name]
}

// GridAt returns the tile's north-up grid at a pixel size.
func (t *Tile) GridAt(res float64) raster.Grid {
	return raster.NorthUp(t.CRS, t.Extent, res, res)
}
