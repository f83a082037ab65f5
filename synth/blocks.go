package synth

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sync"

	"github.com/cdflow/cdflow/pointcloud"
	"github.com/cdflow/cdflow/pointgrid"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth/internal/als"
	"github.com/cdflow/cdflow/synth/internal/surface"
)

// The scene is made block by block: a block is a square of at most
// blockM metres inside one sheet. For a block, both epochs of the world are
// painted on a 0.25 m grid reaching halo metres beyond it; the camera renders
// the block's orthophoto pixels from it, the scanner fires the pulses the
// block owns (written to the sheet's point file) and those of a ring
// around it (for the DSM only), the DSM is rasterized from the points as a
// producer would, and the truth is drawn. Working memory is a few blocks
// per worker, whatever the extent.
const blockM = 256

// dsmMaxEdge and dsmHalo are the producer's TIN: first returns without the
// noise classes, triangles with an edge over 20 m left void (the river, deep
// scan shadows), points read 2×max_edge beyond the block as the rasterize
// step does.
const (
	dsmMaxEdge = 20.0
	dsmHalo    = 2 * dsmMaxEdge
)

// blockMadeHook, when a test sets it, runs as a block is made and before
// any of it is written, so the test can hold some blocks back and make the
// workers finish out of order.
var blockMadeHook func(b block)

// block is one unit of work.
type block struct {
	si, bi         int // sheet, block within the sheet
	x0, y0, x1, y1 int // local metres
}

// cutBlocks cuts every sheet into blocks, sheet by sheet, rows from the north.
func cutBlocks(sheets []sheet) ([]block, []int) {
	var out []block
	per := make([]int, len(sheets))
	for si, s := range sheets {
		for y1 := s.y1; y1 > s.y0; y1 -= blockM {
			for x0 := s.x0; x0 < s.x1; x0 += blockM {
				out = append(out, block{si: si, bi: per[si], x0: x0, y0: max(s.y0, y1-blockM), x1: min(s.x1, x0+blockM), y1: y1})
				per[si]++
			}
		}
	}
	return out, per
}

// sheetOut is what a sheet's blocks write into: its files are opened with
// its first block and closed after its last, and blocks add their points in
// block order so the files do not depend on which worker finished first.
type sheetOut struct {
	mu     sync.Mutex
	cond   *sync.Cond
	next   int // the block whose points go in next
	blocks int
	ortho  [2]*raster.GeoTIFFWriter[uint8]
	points [2]*pointcloud.Writer
	dsm    [2][]float32
}

// worker holds one worker's reusable buffers.
type worker struct {
	layers [2]*surface.Layers
	rgb    [2][]uint8
	obj    [2][]uint32
	tmp    []uint8
	ret    [2][]als.Return // returns owned by the block, for the file
	dsmPts [2]pointgrid.Points
	stats  stats
}

func newWorker() *worker {
	return &worker{layers: [2]*surface.Layers{{}, {}}, stats: newStats()}
}

// doBlock makes everything of block b.
func (g *generator) doBlock(ctx context.Context, wk *worker, b block) error {
	s := g.sheets[b.si]
	bw, bh := (b.x1-b.x0)*4, (b.y1-b.y0)*4 // 0.25 m pixels
	shift := g.opt.Defects.Shift
	for e := range 2 {
		pad := g.halo
		if e == 1 {
			pad += math.Abs(shift)
		}
		n := int(math.Ceil(pad / OrthoRes))
		l := wk.layers[e]
		l.Reset(float64(b.x0)-float64(n)*OrthoRes, float64(b.y1)+float64(n)*OrthoRes, OrthoRes, bw+2*n, bh+2*n)
		g.world.Paint(e, l)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	missing := g.plan.missing == b.si

	// The orthophotos, and for the truth the objects each shows.
	for e := range 2 {
		wk.rgb[e] = grow(wk.rgb[e], 3*bw*bh)
		wk.obj[e] = grow(wk.obj[e], bw*bh)
		if err := g.cams[e].Render(wk.layers[e], float64(b.x0), float64(b.y1), OrthoRes, bw, bh, wk.rgb[e], wk.obj[e]); err != nil {
			return fmt.Errorf("orthophoto t%d: %w", e, err)
		}
		if e == 1 && shift != 0 {
			// The whole t1 world moved east: the file shows the world
			// from shift metres further west; the truth stays in t0's frame.
			if err := g.cams[e].Render(wk.layers[e], float64(b.x0)-shift, float64(b.y1), OrthoRes, bw, bh, wk.rgb[e], nil); err != nil {
				return fmt.Errorf("orthophoto t%d: %w", e, err)
			}
		}
	}

	// The point clouds. A return belongs to the block it lands in, as
	// delivery sheets are cut, so every pulse that may land there is
	// traced: those within the survey's spill of the block. Returns that
	// land in the ring around the block go to its DSM only.
	for e := range 2 {
		if err := ctx.Err(); err != nil {
			return err
		}
		wk.ret[e] = wk.ret[e][:0]
		pts := &wk.dsmPts[e]
		pts.X, pts.Y, pts.Z = pts.X[:0], pts.Y[:0], pts.Z[:0]
		dx, dz := 0.0, 0.0
		if e == 1 {
			dx, dz = shift, g.opt.Defects.Bias
		}
		// The block in the world's frame: the t1 world moved east by dx.
		x0, y0, x1, y1 := float64(b.x0)-dx, float64(b.y0), float64(b.x1)-dx, float64(b.y1)
		sv := g.surveys[e]
		sp := sv.Spill()
		sv.Scan(wk.layers[e], [4]float64{x0 - sp, y0 - sp, x1 + sp, y1 + sp}, func(r *als.Return) {
			// Routed by the coordinates the file will hold.
			q := *r
			q.X, q.Y, q.Z = quantize(q.X+dx), quantize(q.Y), quantize(q.Z+dz)
			bx0, by0, bx1, by1 := float64(b.x0), float64(b.y0), float64(b.x1), float64(b.y1)
			if q.X < bx0-dsmHalo || q.X >= bx1+dsmHalo || q.Y < by0-dsmHalo || q.Y >= by1+dsmHalo {
				return
			}
			if q.X >= bx0 && q.X < bx1 && q.Y >= by0 && q.Y < by1 {
				wk.ret[e] = append(wk.ret[e], q)
				wk.stats.point(e, &q)
			}
			addDSMPoint(pts, &q)
		})
	}

	// The DSMs, rasterized from the points as the rasterize step does.
	var dsm [2][]float32
	for e := range 2 {
		if e == 1 && missing {
			continue
		}
		grid := pointgrid.Grid{MinX: OriginE + float64(b.x0), MaxY: OriginN + float64(b.y1), Res: DSMRes, Width: b.x1 - b.x0, Height: b.y1 - b.y0}
		z, err := pointgrid.TIN(ctx, grid, wk.dsmPts[e], pointgrid.TINOptions{MaxEdge: dsmMaxEdge}, DSMNoData)
		if err != nil {
			return fmt.Errorf("rasterize %s block %d: %w", s.file(dsmDir(e)), b.bi, err)
		}
		dsm[e] = z
	}

	tr := g.truthBlock(wk, b)
	wk.stats.block(g.world, wk, b, tr)
	if blockMadeHook != nil {
		blockMadeHook(b)
	}
	if err := g.writeTruth(ctx, b, tr); err != nil {
		return err
	}
	g.preview.addBlock(g, wk, b, dsm, tr)
	return g.putBlock(ctx, wk, b, dsm)
}

// origin is the cell of l at the block's top-left corner: blocks are
// painted with a halo, so their pixels start n columns and m rows in.
func origin(l *surface.Layers, b block) (n, m int) {
	return int(math.Round((float64(b.x0) - l.X0) / l.Res)), int(math.Round((l.Y1 - float64(b.y1)) / l.Res))
}

// addDSMPoint keeps the points a producer grids for a DSM: first returns
// not classified as noise.
func addDSMPoint(p *pointgrid.Points, r *als.Return) {
	if r.Number != 1 || r.Class == surface.ClassLowNoise || r.Class == surface.ClassHighNoise {
		return
	}
	p.X = append(p.X, OriginE+r.X)
	p.Y = append(p.Y, OriginN+r.Y)
	p.Z = append(p.Z, r.Z)
}

// quantize rounds to the point files' centimetre, so the DSM made here
// equals one made from the files.
func quantize(v float64) float64 { return math.Round(v*100) / 100 }

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// putBlock writes the block's orthophoto pixels, points and DSM cells into
// its sheet's files, in block order, and closes the files after the last.
func (g *generator) putBlock(ctx context.Context, wk *worker, b block, dsm [2][]float32) error {
	so := g.sheetOuts[b.si]
	so.mu.Lock()
	defer so.mu.Unlock()
	for so.next != b.bi {
		if err := ctx.Err(); err != nil {
			return err
		}
		so.cond.Wait()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s := g.sheets[b.si]
	missing := g.plan.missing == b.si
	if b.bi == 0 {
		if err := g.openSheet(ctx, b.si, so); err != nil {
			return err
		}
	}
	bw, bh := (b.x1-b.x0)*4, (b.y1-b.y0)*4
	for e := range 2 {
		if e == 1 && missing {
			continue
		}
		img := &raster.Image[uint8]{Grid: raster.Grid{Width: bw, Height: bh}, Bands: deinterleave(wk.rgb[e], bw*bh)}
		if err := so.ortho[e].WriteBlock((b.x0-s.x0)*4, (s.y1-b.y1)*4, img); err != nil {
			return fmt.Errorf("%s: %w", s.file(orthoDir(e)), err)
		}
		for k := range wk.ret[e] {
			p := returnPoint(&wk.ret[e][k], e)
			if err := so.points[e].Write(&p); err != nil {
				return fmt.Errorf("%s: %w", s.pointsFile(e), err)
			}
		}
		sw := s.x1 - s.x0
		for j := 0; j < b.y1-b.y0; j++ {
			copy(so.dsm[e][(s.y1-b.y1+j)*sw+b.x0-s.x0:], dsm[e][j*(b.x1-b.x0):(j+1)*(b.x1-b.x0)])
		}
	}
	so.next++
	so.cond.Broadcast()
	if so.next == so.blocks {
		return g.closeSheet(ctx, b.si, so)
	}
	return nil
}

func deinterleave(rgb []uint8, n int) [][]uint8 {
	out := [][]uint8{make([]uint8, n), make([]uint8, n), make([]uint8, n)}
	for k := 0; k < n; k++ {
		out[0][k], out[1][k], out[2][k] = rgb[3*k], rgb[3*k+1], rgb[3*k+2]
	}
	return out
}

// returnPoint is a return as a LAS 1.4 point record in scene coordinates.
func returnPoint(r *als.Return, epoch int) pointcloud.Point {
	p := pointcloud.Point{
		X: OriginE + r.X, Y: OriginN + r.Y, Z: r.Z,
		Intensity: r.Intensity, ReturnNumber: r.Number, NumberOfReturns: r.Of,
		Classification: r.Class, ScanDirection: r.ScanDirection, EdgeOfFlightLine: r.EdgeOfFlightLine,
		ScanAngle: r.ScanAngle, PointSourceID: r.Strip, GPSTime: r.GPSTime, HasGPSTime: true,
	}
	if r.Overlap {
		p.ClassificationFlags |= 8
	}
	return p
}

// openSheet starts the sheet's orthophoto and point files and its DSM buffers.
func (g *generator) openSheet(ctx context.Context, si int, so *sheetOut) error {
	s := g.sheets[si]
	crs, err := raster.CRSFromUser(PointsCRS)
	if err != nil {
		return err
	}
	for e := range 2 {
		if e == 1 && g.plan.missing == si {
			continue
		}
		grid := s.grid(g.crs, OrthoRes)
		if so.ortho[e], err = raster.CreateGeoTIFF[uint8](ctx, filepath.Join(g.out, filepath.FromSlash(s.file(orthoDir(e)))), grid, 3, nil); err != nil {
			return err
		}
		so.points[e], err = pointcloud.Create(filepath.Join(g.out, filepath.FromSlash(s.pointsFile(e))), pointcloud.WriterOptions{
			Format:   6,
			Compress: true,
			Scale:    [3]float64{0.01, 0.01, 0.01},
			Offset:   [3]float64{OriginE + float64(s.x0), OriginN + float64(s.y0), 0},
			WKT:      crs.WKT,
			SystemID: "cdflow synth (simulated ALS)", Software: Generator,
			FileCreationDay: uint16(g.flightDay(e)), FileCreationYear: uint16(epochYears[e]),
			StandardGPSTime: true,
		})
		if err != nil {
			return fmt.Errorf("%s: %w", s.pointsFile(e), err)
		}
		w, h := s.x1-s.x0, s.y1-s.y0
		so.dsm[e] = make([]float32, w*h)
	}
	return nil
}

// closeSheet finishes the sheet's files: orthophotos and point clouds, and
// the DSMs with their defects.
func (g *generator) closeSheet(ctx context.Context, si int, so *sheetOut) error {
	s := g.sheets[si]
	for e := range 2 {
		if so.ortho[e] == nil {
			continue
		}
		err := so.ortho[e].Close()
		so.ortho[e] = nil
		if err != nil {
			return err
		}
		err = so.points[e].Close()
		so.points[e] = nil
		if err != nil {
			return fmt.Errorf("%s: %w", s.pointsFile(e), err)
		}
		vals := so.dsm[e]
		so.dsm[e] = nil
		if e == 1 {
			applyStripes(vals, s.x1-s.x0, g.plan.stripes[si])
		}
		rel := s.file(dsmDir(e))
		p := filepath.Join(g.out, filepath.FromSlash(rel))
		img := &raster.Image[float32]{Grid: s.grid(g.crs, DSMRes), Bands: [][]float32{vals}, NoData: DSMNoData, HasNoData: true}
		if err := raster.WriteGeoTIFF(ctx, p, img); err != nil {
			return err
		}
		if e == 1 && si == g.plan.corrupt {
			before, after, err := truncateHalf(p)
			if err != nil {
				return err
			}
			g.mu.Lock()
			g.corrupt = &CorruptFile{File: rel, Bytes: before, TruncatedTo: after}
			g.mu.Unlock()
		}
	}
	return nil
}

// abortSheets discards the files of sheets left open by a failed run.
func (g *generator) abortSheets() {
	for _, so := range g.sheetOuts {
		so.mu.Lock()
		for e := range 2 {
			if so.ortho[e] != nil {
				so.ortho[e].Abort()
				so.ortho[e] = nil
			}
			if so.points[e] != nil {
				so.points[e].Abort()
				so.points[e] = nil
			}
		}
		so.mu.Unlock()
	}
}

// wakeSheets wakes the workers waiting for their turn, so they see a
// cancellation.
func (g *generator) wakeSheets() {
	for _, so := range g.sheetOuts {
		so.mu.Lock()
		so.cond.Broadcast()
		so.mu.Unlock()
	}
}
