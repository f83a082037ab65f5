package execute

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows/plans"
)

// checked is what the pre-pass found in one source's files.
type checked struct {
	files []plugins.SourceFile // sorted by path
	bad   []raster.Extent      // extents of the files that could not be read whole
	// healthy is the source without its bad files, read by tiles touching
	// one; nil when no file is left.
	healthy *raster.Mosaic
}

// prepare runs the pre-pass of the steps that have one (plugins.Preparer):
// every file of the sources they read is opened and its blocks checked
// (raster.CheckLayout), on up to jobs workers, the errors kept; then each Preparer sees the
// scene and says what the run must change (offsets of a source's values,
// shifts of its positions)
// and what it found about the whole scene.
func (ex *executor) prepare(ctx context.Context, jobs int) error {
	var preps []boundStep
	need := map[string]*plans.Source{}
	for _, bs := range ex.steps {
		if _, ok := bs.runner.(plugins.Preparer); !ok {
			continue
		}
		preps = append(preps, bs)
		for _, ref := range bs.inputs {
			if ref.source != nil && ref.source.Kind.IsRaster() {
				need[ref.source.Address().String()] = ref.source
			}
		}
	}
	if len(preps) == 0 {
		return nil
	}
	if err := ex.checkFiles(ctx, need, jobs); err != nil {
		return err
	}
	var tiles []plugins.SceneTile
	for _, t := range ex.plan.Grid.Tiles() {
		tiles = append(tiles, plugins.SceneTile{ID: t.ID, Extent: t.Extent, Work: ex.work(t.Extent)})
	}
	sort.Slice(tiles, func(i, j int) bool { return tiles[i].ID < tiles[j].ID })
	for _, bs := range preps {
		sc := &plugins.Scene{CRS: ex.plan.Grid.CRS, Tiles: tiles, Inputs: map[string]plugins.SceneInput{}}
		for name, ref := range bs.inputs {
			if ref.source != nil && ref.source.Kind.IsRaster() {
				sc.Inputs[name] = &sceneInput{ex: ex, src: ref.source, prod: ref.product}
			}
		}
		p, err := bs.runner.(plugins.Preparer).Prepare(ctx, sc)
		if err != nil {
			return fmt.Errorf("step %s: %w", bs.step.Address(), err)
		}
		if p == nil {
			continue
		}
		for name, v := range p.Offsets {
			ref, ok := bs.inputs[name]
			if !ok || ref.source == nil {
				return fmt.Errorf("step %s: offset for %s, which is not a source input", bs.step.Address(), name)
			}
			addr := ref.source.Address().String()
			if _, dup := ex.offsets[addr]; dup {
				return fmt.Errorf("step %s: %s is already offset by another step; correct it in one step only", bs.step.Address(), addr)
			}
			ex.offsets[addr] = v
		}
		for name, v := range p.Shifts {
			ref, ok := bs.inputs[name]
			if !ok || ref.source == nil {
				return fmt.Errorf("step %s: shift for %s, which is not a source input", bs.step.Address(), name)
			}
			if math.IsNaN(v[0]) || math.IsNaN(v[1]) || math.IsInf(v[0], 0) || math.IsInf(v[1], 0) {
				return fmt.Errorf("step %s: shift (%g, %g) m for %s is not a number", bs.step.Address(), v[0], v[1], name)
			}
			addr := ref.source.Address().String()
			if _, dup := ex.shifts[addr]; dup {
				return fmt.Errorf("step %s: %s is already shifted by another step; correct it in one step only", bs.step.Address(), addr)
			}
			ex.shifts[addr] = v
		}
		for _, l := range p.Lineage {
			ex.lineage = append(ex.lineage, fmt.Sprintf("%s: %s", bs.step.Address(), l))
		}
		ex.findings = append(ex.findings, p.Findings...)
	}
	return nil
}

// checkFiles checks the blocks of every file of the sources: located
// within the file for a GeoTIFF (decoding them all again would cost about
// as much as the tiles' own reads), else read once.
func (ex *executor) checkFiles(ctx context.Context, sources map[string]*plans.Source, jobs int) error {
	type job struct {
		addr string
		i    int
	}
	var addrs []string
	for addr := range sources {
		addrs = append(addrs, addr)
	}
	slices.Sort(addrs)
	files := map[string][]plugins.SourceFile{}
	var work []job
	for _, addr := range addrs {
		fs := sources[addr].Raster.Files
		if len(fs) == 0 {
			fs = sources[addr].Files
		}
		files[addr] = make([]plugins.SourceFile, len(fs))
		for i, f := range fs {
			files[addr][i].Path = f
			work = append(work, job{addr, i})
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for _, j := range work {
		g.Go(func() error {
			f := &files[j.addr][j.i]
			info, err := raster.CheckLayout(gctx, f.Path)
			if gctx.Err() != nil {
				return gctx.Err()
			}
			if info.Files == nil {
				// Not even its extent is known, so no tile could be flagged.
				return fmt.Errorf("source %s: %w", j.addr, err)
			}
			f.Extent, f.Err = info.Extent, err
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, addr := range addrs {
		c := &checked{files: files[addr]}
		var good []string
		for _, f := range c.files {
			if f.Err != nil {
				c.bad = append(c.bad, f.Extent)
			} else {
				good = append(good, f.Path)
			}
		}
		if len(c.bad) > 0 && len(good) > 0 {
			m, err := raster.OpenMosaic(ctx, good, raster.MosaicOptions{NoData: sources[addr].NoData})
			if err != nil {
				return fmt.Errorf("source %s without its unreadable files: %w", addr, err)
			}
			c.healthy = m
		}
		ex.checked[addr] = c
	}
	return nil
}

// mosaicFor returns the mosaic to read a source from on a work extent: the
// source without its unreadable files when the extent touches one (nil when
// none is left), else the whole source.
func (ex *executor) mosaicFor(src *plans.Source, e raster.Extent) (m *raster.Mosaic, empty bool) {
	addr := src.Address().String()
	if c := ex.checked[addr]; c != nil {
		for _, b := range c.bad {
			if _, hit := b.Intersect(e); hit {
				if c.healthy == nil {
					return nil, true
				}
				if _, any := c.healthy.Info().Extent.Intersect(e); !any {
					return nil, true
				}
				return c.healthy, false
			}
		}
	}
	return ex.mosaics[addr], false
}

// nodataImage is a source's window where no readable file lies.
func nodataImage[T raster.Pixel](src *plans.Source, g raster.Grid) *raster.Image[T] {
	img := raster.NewImage[T](g, max(1, src.Raster.Bands))
	img.NoData, img.HasNoData = src.Raster.NoData, src.Raster.HasNoData
	if src.NoData != nil {
		img.NoData, img.HasNoData = *src.NoData, true
	}
	if img.HasNoData {
		for _, b := range img.Bands {
			for i := range b {
				b[i] = T(img.NoData)
			}
		}
	}
	return img
}

// work is a tile's work extent: the tile grown by the halo.
func (ex *executor) work(e raster.Extent) raster.Extent {
	return raster.Extent{MinX: e.MinX - ex.halo, MinY: e.MinY - ex.halo, MaxX: e.MaxX + ex.halo, MaxY: e.MaxY + ex.halo}
}

// sceneInput is a source as a Preparer sees it.
type sceneInput struct {
	ex   *executor
	src  *plans.Source
	prod plugins.Product
}

func (s *sceneInput) Product() plugins.Product { return s.prod }

func (s *sceneInput) Files() []plugins.SourceFile {
	if c := s.ex.checked[s.src.Address().String()]; c != nil {
		return c.files
	}
	return nil
}

func (s *sceneInput) At(t plugins.SceneTile) plugins.TileInput {
	tile := &plugins.Tile{ID: t.ID, Extent: t.Extent, Work: t.Work, CRS: s.ex.plan.Grid.CRS}
	return &sourceInput{ex: s.ex, src: s.src, prod: s.prod, tile: tile, cache: &windowCache{}}
}
