// Package execute runs a planned workflow: every per-tile step for every
// tile, in parallel on a bounded number of workers, reading source windows
// (never whole mosaics) and writing each product as a Cloud-Optimized
// GeoTIFF under the run directory.
package execute

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/internal/flock"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/held"
	"github.com/cdflow/cdflow/workflows/plans"
)

// Options change how a run goes.
type Options struct {
	// Out is the root of everything the run writes; products go under
	// Out/run/tiles/<tile id>/<product>.tif.
	Out string
	// Jobs bounds the tiles processed at once (default: the number of CPUs).
	Jobs int
	// Events receives progress; nil discards it.
	Events Events
	// Fresh ignores the tiles finished by an earlier run and redoes them all.
	Fresh bool
	// Shard, when its Count is set, limits the run to that part of the grid
	// (see Shard and Merge).
	Shard Shard
	// Hold keeps what each finished tile made, but its row's fixed-size
	// part, on disk (under Out/run) instead of in memory, as a merge does:
	// the Result's tiles then have Load set, and the Result must be
	// closed. A run's memory then grows by a few hundred bytes a tile, not
	// by its assets, outline and histogram (about 5 KB).
	Hold bool
}

// Events receives a run's progress. Calls come from several goroutines, one at a time.
type Events interface {
	Planned(total int)
	TileDone(tile string, done, total int)
}

// CacheEvents, when Events implements it, hears of tiles an earlier run
// had finished: they are not processed again (TileDone follows too).
type CacheEvents interface {
	TileCached(tile string)
}

// TileResult is what one tile produced.
type TileResult struct {
	Tile plans.Tile
	// Products maps product name → path of its COG relative to Options.Out.
	Products map[string]string
	// Stats is the tile's row of tiles.parquet (its split not yet set).
	Stats schema.TileStats
	// Assets are the tile's files (products and previews), sorted by name.
	Assets []plugins.Asset
	// Load, when set, reads back what a merge or a run that holds its
	// tiles (Options.Hold) keeps on disk instead of memory (HoldIn): the
	// detail of Stats (schema.TileDetail), FootprintWGS84 and, when assets
	// is true, Assets, all nil or empty until then. Full and Row give the
	// whole result or row either way.
	Load func(assets bool) (plugins.Held, error) `json:"-"`
	// FootprintWGS84 is the tile outline as a closed lon/lat ring; BBoxWGS84
	// its west, south, east, north.
	FootprintWGS84 [][2]float64
	BBoxWGS84      [4]float64
	// Findings are the tile's QA findings, in the order flagged; their
	// flags are Stats.QAFlags.
	Findings []plugins.Finding
}

// HoldIn puts the tile's assets, outline and the growing part of its row
// in f instead of memory, and sets Load to read them back.
func (t *TileResult) HoldIn(f *held.File) error {
	load, err := f.Put(plugins.Held{Assets: t.Assets, Detail: t.Stats.TakeDetail(), Footprint: t.FootprintWGS84})
	if err != nil {
		return err
	}
	t.Assets, t.FootprintWGS84, t.Load = nil, nil, load
	return nil
}

// Full returns the tile's result with what it holds on disk read back
// (see Load); a result held in memory is returned as it is.
func (t *TileResult) Full() (TileResult, error) {
	if t.Load == nil {
		return *t, nil
	}
	h, err := t.Load(true)
	if err != nil {
		return TileResult{}, fmt.Errorf("tile %s: %w", t.Tile.ID, err)
	}
	f := *t
	f.Load = nil
	f.Assets, f.FootprintWGS84 = h.Assets, h.Footprint
	f.Stats = f.Stats.WithDetail(h.Detail)
	return f, nil
}

// Row returns the tile's whole row of tiles.parquet, its detail read back
// when it is held on disk (see Load); its assets are not read.
func (t *TileResult) Row() (schema.TileStats, error) {
	if t.Load == nil {
		return t.Stats, nil
	}
	h, err := t.Load(false)
	if err != nil {
		return schema.TileStats{}, fmt.Errorf("tile %s: %w", t.Tile.ID, err)
	}
	return t.Stats.WithDetail(h.Detail), nil
}

// Result is a finished run.
type Result struct {
	Dir   string       // the run directory (Out/run)
	Tiles []TileResult // sorted by tile ID
	// Cached counts the tiles an earlier run had finished; Processed the
	// others.
	Cached, Processed int
	// Findings are QA findings about the whole scene, made before the
	// tiles ran; Lineage says what that pre-pass changed (e.g. a bias
	// corrected), for the release's processing lineage.
	Findings []plugins.Finding
	Lineage  []string
	// Jobs is how many tiles ran at once; publishing writes as many items
	// at once (0: one per CPU).
	Jobs int
	// Store, when set, holds part of each tile outside memory (a merge, or
	// a run with Options.Hold; see TileResult.Load); Close frees it.
	Store io.Closer
}

// Close frees what the result holds outside memory; its tiles' assets
// cannot be read after.
func (r *Result) Close() error {
	if r.Store == nil {
		return nil
	}
	return r.Store.Close()
}

// Counters are the per-tile counts the plan's steps declare
// (plugins.Counting), in step order: columns of tiles.parquet.
func Counters(plan *plans.Plan) []plugins.Counter {
	var out []plugins.Counter
	for _, s := range plan.Workflow.Steps {
		if c, ok := s.Impl.(plugins.Counting); ok {
			out = append(out, c.Counters()...)
		}
	}
	return out
}

// TilesDir is where a run's per-tile products live, relative to Out.
const TilesDir = "run/tiles"

// Run executes every per-tile step of the plan on every tile. The first
// failure (or ctx's cancellation) stops all workers; products already
// written stay complete (each file is written to a temporary name and
// renamed), and no half-written file is left.
func Run(ctx context.Context, plan *plans.Plan, opts Options) (*Result, error) {
	if opts.Out == "" {
		return nil, errors.New("run: no output directory")
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	defer raiseGC()()
	ex, err := newExecutor(ctx, plan, opts)
	if err != nil {
		return nil, err
	}
	defer ex.close()
	if err := ex.prepare(ctx, jobs); err != nil {
		return nil, err
	}

	tiles := stripOrder(opts.Shard.Select(plan.Grid.Tiles()))
	ex.jobs = jobs
	for _, t := range tiles {
		if !ex.cached(t) {
			ex.pending = append(ex.pending, t)
		}
	}
	if opts.Events != nil {
		opts.Events.Planned(len(tiles))
	}
	var hold *held.File
	if opts.Hold {
		if hold, err = held.New(filepath.Join(opts.Out, "run")); err != nil {
			return nil, fmt.Errorf("run: %w", err)
		}
	}
	kept := false
	defer func() {
		if hold != nil && !kept {
			hold.Close()
		}
	}()
	results := make([]TileResult, len(tiles))
	cached := make([]bool, len(tiles))
	g, gctx := errgroup.WithContext(ctx)
	var mu sync.Mutex
	done := 0
	queue := newShares(len(tiles), jobs)
	for w := range min(jobs, len(tiles)) {
		wctx := raster.WithWorker(gctx, w)
		g.Go(func() error {
			for gctx.Err() == nil {
				i, ok := queue.take(w)
				if !ok {
					return nil
				}
				tile := tiles[i]
				r, hit, err := ex.runTile(wctx, tile)
				if err != nil {
					return fmt.Errorf("tile %s: %w", tile.ID, err)
				}
				if hold != nil {
					if err := r.HoldIn(hold); err != nil {
						return fmt.Errorf("tile %s: %w", tile.ID, err)
					}
				}
				results[i], cached[i] = r, hit
				mu.Lock()
				if ce, ok := opts.Events.(CacheEvents); ok && hit {
					ce.TileCached(tile.ID)
				}
				done++
				if opts.Events != nil {
					opts.Events.TileDone(tile.ID, done, len(tiles))
				}
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ex.removeBins(); err != nil {
		return nil, err
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Tile.ID < results[j].Tile.ID })
	res := &Result{Dir: filepath.Join(opts.Out, "run"), Tiles: results, Findings: ex.findings, Lineage: ex.lineage, Jobs: jobs}
	if hold != nil {
		res.Store, kept = hold, true
	}
	for _, hit := range cached {
		if hit {
			res.Cached++
		} else {
			res.Processed++
		}
	}
	return res, nil
}

// declared reports whether some step declared a counter.
func (ex *executor) declared(name string) bool {
	for _, bs := range ex.steps {
		if bs.counters[name] {
			return true
		}
	}
	return false
}

// stepOf names the step that makes a product.
func (ex *executor) stepOf(product string) string {
	for _, bs := range ex.steps {
		for _, o := range bs.step.Outputs {
			if o.Name == product {
				return bs.step.Address().String()
			}
		}
	}
	return "?"
}

// executor holds what every tile shares: the open mosaics and the bound steps.
type executor struct {
	plan  *plans.Plan
	out   string
	fresh bool
	// sourceKeys identify each source's files, for the tiles' cache keys.
	sourceKeys map[string]string
	halo       float64 // how far every tile's work extent reaches beyond it
	// products are every step's products, in execution order; counters
	// the counts the steps declared.
	products []plugins.Product
	counters []plugins.Counter
	mosaics  map[string]*raster.Mosaic // by source address
	sources  map[string]*plans.Source  // by source address
	steps    []boundStep
	// Set by prepare, before any tile: the sources' checked files, values
	// subtracted from sources, their planimetric shifts, and what the
	// pre-pass found and changed.
	checked  map[string]*checked   // by source address
	offsets  map[string]float64    // by source address
	shifts   map[string][2]float64 // by source address: metres east, north
	findings []plugins.Finding
	lineage  []string
	// Point clouds: the run's shard and workers, the tiles it has to do
	// (not in the cache), and each point source's bins.
	shard   Shard
	jobs    int
	pending []plans.Tile
	binMu   sync.Mutex
	bins    map[string]*pointBins
}

type boundStep struct {
	step   *workflows.Step
	runner plugins.Step
	// counters are the names the step declared it counts.
	counters map[string]bool
	// inputs: attribute → source address or product name
	inputs map[string]inputRef
}

type inputRef struct {
	source  *plans.Source   // set for a source
	from    string          // else the address of the step that makes it
	product plugins.Product // the product the input names
}

func newExecutor(ctx context.Context, plan *plans.Plan, opts Options) (*executor, error) {
	ex := &executor{plan: plan, out: opts.Out, mosaics: map[string]*raster.Mosaic{}, sources: map[string]*plans.Source{},
		checked: map[string]*checked{}, offsets: map[string]float64{}, shifts: map[string][2]float64{}, shard: opts.Shard, bins: map[string]*pointBins{}}
	for _, ps := range plan.Sources {
		addr := ps.Address().String()
		ex.sources[addr] = ps
		if !ps.Kind.IsRaster() {
			continue
		}
		m, err := raster.OpenMosaic(ctx, ps.Files, raster.MosaicOptions{NoData: ps.NoData})
		if err != nil {
			ex.close()
			return nil, fmt.Errorf("source %s: %w", addr, err)
		}
		ex.mosaics[addr] = m
	}
	for _, s := range plan.Workflow.Steps {
		bs := boundStep{step: s, runner: s.Impl, inputs: map[string]inputRef{}, counters: map[string]bool{}}
		if c, ok := s.Impl.(plugins.Counting); ok {
			for _, ct := range c.Counters() {
				bs.counters[ct.Name] = true
				ex.counters = append(ex.counters, ct)
			}
		}
		ex.products = append(ex.products, s.Outputs...)
		for _, in := range s.Inputs {
			addr := in.From.String()
			switch in.From.Root {
			case "source":
				ps := ex.sources[addr]
				if ps == nil {
					ex.close()
					return nil, fmt.Errorf("step %s: input %s names unknown source %s", s.Address(), in.Name, addr)
				}
				prod := ps.Product()
				prod.Resolution = max(ps.Raster.ResX, ps.Raster.ResY)
				prod.DataType = ps.Raster.DataType
				prod.Bands = ps.Raster.Bands
				bs.inputs[in.Name] = inputRef{source: ps, product: prod}
			case "step":
				from := plan.Workflow.Step(addr)
				if from == nil || in.Output >= len(from.Outputs) {
					ex.close()
					return nil, fmt.Errorf("step %s: input %s names unknown step %s", s.Address(), in.Name, addr)
				}
				bs.inputs[in.Name] = inputRef{from: addr, product: from.Outputs[in.Output]}
			}
		}
		ex.steps = append(ex.steps, bs)
	}
	if len(ex.steps) == 0 {
		ex.close()
		return nil, errors.New("run: the workflow has no per-tile step")
	}
	ex.halo = ex.haloSize()
	ex.fresh = opts.Fresh
	keys, err := sourceKeys(plan)
	if err != nil {
		ex.close()
		return nil, err
	}
	ex.sourceKeys = keys
	if _, err := schema.TileSchema(ex.counters...); err != nil {
		ex.close()
		return nil, fmt.Errorf("run: the steps' counters: %w", err)
	}
	return ex, nil
}

// haloSize is the largest halo any step needs, rounded up to a whole number
// of pixels of every product, so the work grids stay aligned to the tile's.
func (ex *executor) haloSize() float64 {
	var h float64
	var res []float64
	for _, bs := range ex.steps {
		for _, o := range bs.step.Outputs {
			if o.Resolution > 0 {
				res = append(res, o.Resolution)
			}
		}
		hs, ok := bs.runner.(plugins.HaloStep)
		switch {
		case ok && len(bs.step.Outputs) > 0:
			h = max(h, hs.Halo(bs.step.Outputs[0].Resolution))
		case len(bs.step.Outputs) == 0:
			// A step writing nothing (QA) reads its inputs on the work grid:
			// its halo is in their pixels, which the halo must keep whole.
			coarsest := 0.0
			for _, ref := range bs.inputs {
				if r := ref.product.Resolution; r > 0 {
					res = append(res, r)
					coarsest = max(coarsest, r)
				}
			}
			if ok && coarsest > 0 {
				h = max(h, hs.Halo(coarsest))
			}
		}
	}
	if h == 0 || len(res) == 0 {
		return 0
	}
	coarsest := slices.Max(res)
	for k := math.Ceil(h/coarsest - 1e-9); k < 1e4; k++ {
		c := k * coarsest
		ok := true
		for _, r := range res {
			if !plugins.MultipleOf(c, r) {
				ok = false
				break
			}
		}
		if ok {
			return c
		}
	}
	return 0
}

// writeCropped writes the tile's part of a product held on the work extent.
func writeCropped(ctx context.Context, path string, p *plugins.TileProduct, e raster.Extent) error {
	if p.Float32 != nil {
		img, err := raster.Crop(p.Float32, e)
		if err != nil {
			return fmt.Errorf("product %s: %w", p.Name, err)
		}
		return raster.WriteCOG(ctx, path, img)
	}
	img, err := raster.Crop(p.Uint8, e)
	if err != nil {
		return fmt.Errorf("product %s: %w", p.Name, err)
	}
	return raster.WriteCOG(ctx, path, img)
}

func (ex *executor) close() {
	for _, m := range ex.mosaics {
		m.Close()
	}
	for _, c := range ex.checked {
		if c.healthy != nil {
			c.healthy.Close()
		}
	}
}

// cached reports whether a tile's products are in the cache, complete and
// made from the same inputs and steps (what runTile reuses).
func (ex *executor) cached(tile plans.Tile) bool {
	if ex.fresh {
		return false
	}
	keys, err := ex.stepKeys(tile)
	if err != nil {
		return false
	}
	m, ok := readManifest(filepath.Join(ex.out, TilesDir, tile.ID))
	return ok && ex.complete(ex.cleanSteps(m, keys, ex.out), m, ex.out)
}

// runTile processes one tile, or takes it from an earlier run's manifest
// when nothing it depends on changed (hit is then true).
func (ex *executor) runTile(ctx context.Context, tile plans.Tile) (res TileResult, hit bool, err error) {
	rel := filepath.Join(TilesDir, tile.ID)
	dir := filepath.Join(ex.out, rel)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return TileResult{}, false, fmt.Errorf("create tile folder: %w", err)
	}
	keys, err := ex.stepKeys(tile)
	if err != nil {
		return TileResult{}, false, err
	}
	clean := map[string]bool{}
	if m, ok := readManifest(dir); ok && !ex.fresh {
		clean = ex.cleanSteps(m, keys, ex.out)
		if ex.complete(clean, m, ex.out) {
			return m.Result, true, nil
		}
	}
	// The manifest goes first: a tile half redone must not look finished.
	os.Remove(filepath.Join(dir, manifestName))
	res, err = ex.processTile(ctx, tile, dir, rel, clean)
	if err != nil {
		return TileResult{}, false, err
	}
	if err := writeManifest(dir, &manifest{Format: manifestFormat, Keys: keys, Result: res}); err != nil {
		return TileResult{}, false, err
	}
	return res, false, nil
}

// processTile runs the steps on a tile. Steps in clean (unchanged since a
// finished earlier run) compute in memory for the steps after them, but
// their files, already there and identical, are not rewritten.
func (ex *executor) processTile(ctx context.Context, tile plans.Tile, dir, rel string, clean map[string]bool) (TileResult, error) {
	keep := map[string]bool{}
	for _, bs := range ex.steps {
		if clean[bs.step.Address().String()] {
			for _, o := range bs.step.Outputs {
				keep[o.Name] = true
			}
		}
	}
	res := TileResult{Tile: tile, Products: map[string]string{}}
	var mu sync.Mutex
	t := &plugins.Tile{
		ID: tile.ID, Row: tile.Row, Col: tile.Col, Extent: tile.Extent, CRS: ex.plan.Grid.CRS,
		Work: ex.work(tile.Extent),
		Write: func(ctx context.Context, name string, p *plugins.TileProduct) error {
			file := name + ".tif"
			if !keep[name] {
				if err := writeCropped(ctx, filepath.Join(dir, file), p, tile.Extent); err != nil {
					return err
				}
			}
			p.Path = filepath.ToSlash(filepath.Join(rel, file))
			mu.Lock()
			res.Products[name] = p.Path
			mu.Unlock()
			return nil
		},
	}
	cache := &windowCache{}
	for _, bs := range ex.steps {
		if err := ctx.Err(); err != nil {
			return TileResult{}, err
		}
		in := make(map[string]plugins.TileInput, len(bs.inputs))
		for name, ref := range bs.inputs {
			if ref.source != nil {
				in[name] = &sourceInput{ex: ex, src: ref.source, prod: ref.product, tile: t, cache: cache}
			} else {
				in[name] = &productInput{tile: t, prod: ref.product}
			}
		}
		if err := bs.runner.RunTile(ctx, t, in, bs.step.Outputs); err != nil {
			return TileResult{}, fmt.Errorf("step %s: %w", bs.step.Address(), err)
		}
		for _, name := range t.CounterNames() {
			if !ex.declared(name) {
				return TileResult{}, fmt.Errorf("step %s counted %q, which no step declares (plugins.Counting)", bs.step.Address(), name)
			}
		}
	}
	st, err := ex.tileStats(t, tile, res.Products)
	if err != nil {
		return TileResult{}, err
	}
	res.Findings = t.Findings()
	for _, f := range res.Findings {
		st.QAFlags = append(st.QAFlags, f.Flag())
	}
	res.Stats = st
	for _, p := range t.Products() {
		a, err := productAsset(p, tile.Extent)
		if err != nil {
			return TileResult{}, fmt.Errorf("product %s: %w", p.Name, err)
		}
		res.Assets = append(res.Assets, a)
	}
	for _, p := range ex.products {
		if _, ok := t.Get(p.Name); !ok {
			return TileResult{}, fmt.Errorf("step %s did not make its product %s", ex.stepOf(p.Name), p.Name)
		}
	}
	previews, err := ex.writePreviews(ctx, t, dir, rel)
	if err != nil {
		return TileResult{}, err
	}
	res.Assets = append(res.Assets, previews...)
	sort.Slice(res.Assets, func(i, j int) bool { return res.Assets[i].Name < res.Assets[j].Name })
	for i := range res.Assets {
		a := &res.Assets[i]
		path := filepath.Join(ex.out, a.Path)
		if a.Size, a.SHA256, err = fileSum(path); err != nil {
			return TileResult{}, fmt.Errorf("product %s: %w", a.Name, err)
		}
		if err := atomicfile.StartWriteback(path); err != nil {
			return TileResult{}, fmt.Errorf("product %s: %w", a.Name, err)
		}
	}
	res.FootprintWGS84, res.BBoxWGS84, err = footprintWGS84(tile.Extent, ex.plan.Grid.CRS)
	if err != nil {
		return TileResult{}, fmt.Errorf("footprint: %w", err)
	}
	return res, nil
}

// RunOutputs are the files a run writes under its output directory, as
// slash paths with {tile} standing for every tile's id: each tile's
// products, previews and manifest, then the run's tables (written by the
// release stage, see package release) and its lock (LockOut).
func RunOutputs(plan *plans.Plan) []string {
	tile := TilesDir + "/{tile}/"
	var out []string
	for _, p := range plan.Release.Products {
		out = append(out, tile+p.Name+".tif")
	}
	for _, pv := range plan.Release.Previews {
		out = append(out, tile+pv.Name+pv.Ext)
	}
	return append(out, tile+manifestName, "run/tiles.parquet", "run/splits.parquet", "run/.lock")
}

// LockOut takes an output folder's run lock for a whole run (tiles,
// statistics, publishing), so two runs on one folder take turns instead of
// mixing their products in its cache; waiting is called if another run
// holds it. The lock is released when unlock is called or the process ends.
func LockOut(ctx context.Context, out string, s Shard, waiting func()) (unlock func(), err error) {
	name := ".lock"
	if s.Count > 0 { // shards of one run share a folder: their tiles are disjoint
		name = fmt.Sprintf(".lock-shard-%d-of-%d", s.Index, s.Count)
	}
	unlock, err = flock.Lock(ctx, filepath.Join(out, "run", name), waiting)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	return unlock, nil
}
