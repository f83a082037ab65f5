package pointsource

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/cdflow/cdflow/pointcloud"
	"github.com/cdflow/cdflow/raster"
)

// Points are a tile's points as parallel slices, heights in metres, with
// what steps judge a point by beyond its place: its ASPRS class, its return
// number and its pulse's number of returns.
type Points struct {
	X, Y, Z []float64
	// Class, Return and Returns are the LAS classification, return number
	// and number of returns (0 when the file leaves them unset).
	Class, Return, Returns []uint8
}

// Len is the number of points.
func (p *Points) Len() int { return len(p.X) }

func (p *Points) add(x, y, z float64, class, ret, n uint8) {
	p.X, p.Y, p.Z = append(p.X, x), append(p.Y, y), append(p.Z, z)
	p.Class, p.Return, p.Returns = append(p.Class, class), append(p.Return, ret), append(p.Returns, n)
}

// Tile is a tile to bin points for: its id (a file name) and work extent
// (the tile grown by the halo), which holds its points edges included.
type Tile struct {
	ID   string
	Work raster.Extent
}

// Grid is the regular grid the tiles lie on, to find a point's tiles
// without a search: tile (col, row) spans Origin + col×Size to + Size,
// grown by Halo on every side.
type Grid struct {
	Origin     [2]float64
	Size, Halo float64
}

// binBuffer bounds the bytes of points held before they are appended to
// the tiles' files.
const binBuffer = 16 << 20

// pointBytes is one point in a bin file: x, y, z as float64 (z in metres),
// then class, return number and number of returns as bytes.
const pointBytes = 27

// Bin writes, for each tile, the points of the source's LAS and LAZ files
// (COPC files are read per tile by ReadBox) that fall in its work extent
// and pass the filter, to dir/<id>.xyz, in file order then record order:
// every file is decoded once, its chunks on up to workers goroutines. A
// tile without points gets no file. It returns the number of points read
// and kept.
func Bin(ctx context.Context, info *Info, filter Filter, g Grid, tiles []Tile, dir string, workers int) (read, kept int64, err error) {
	if g.Size <= 0 {
		return 0, 0, errors.New("bin points: tile size must be positive")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	b := &binner{dir: dir, grid: g, index: map[[2]int]int{}, tiles: tiles, bufs: make([][]byte, len(tiles))}
	var all raster.Extent
	for i, t := range tiles {
		col := int(math.Round((t.Work.MinX + g.Halo - g.Origin[0]) / g.Size))
		row := int(math.Round((t.Work.MinY + g.Halo - g.Origin[1]) / g.Size))
		b.index[[2]int{col, row}] = i
		if i == 0 {
			all = t.Work
			b.c0, b.r0, b.cols, b.rows = col, row, col, row
		} else {
			all = all.Union(t.Work)
			b.c0, b.r0, b.cols, b.rows = min(b.c0, col), min(b.r0, row), max(b.cols, col), max(b.rows, row)
		}
	}
	b.denseIndex()
	for _, f := range info.Files {
		if f.COPC || len(tiles) == 0 {
			continue
		}
		if _, ok := all.Intersect(f.Extent); !ok && !touches(all, f.Extent) {
			continue
		}
		r, k, err := b.file(ctx, f.Path, info.ZMetres, filter, workers)
		read, kept = read+r, kept+k
		if err != nil {
			return read, kept, err
		}
	}
	return read, kept, b.flush()
}

// touches covers extents that only share an edge or are degenerate (a
// file of one point): Intersect wants an area.
func touches(a, b raster.Extent) bool {
	return a.MinX <= b.MaxX && b.MinX <= a.MaxX && a.MinY <= b.MaxY && b.MinY <= a.MaxY
}

type binner struct {
	dir   string
	grid  Grid
	tiles []Tile
	index map[[2]int]int // (col, row) → tile
	// dense is index as a table over the tiles' columns c0… and rows
	// r0… (cols × rows, -1 for no tile): a map look-up per point and
	// neighbour was a third of the binning's time. nil for a grid too
	// sparse for a table; then index serves.
	dense      []int32
	c0, r0     int
	cols, rows int
	bufs       [][]byte
	buffered   int
}

// chunkResult is a decoded chunk on its way to the collector.
type chunkResult struct {
	recs *pointcloud.Records
	err  error
}

// file decodes one file's chunks in parallel and bins them in chunk order,
// holding at most workers+1 decoded chunks.
func (b *binner) file(ctx context.Context, path string, zm float64, filter Filter, workers int) (read, kept int64, err error) {
	f, err := openCloud(ctx, path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	n := f.NumChunks()
	workers = max(1, workers)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	free := make(chan *pointcloud.Records, workers+1)
	for range workers + 1 {
		free <- nil
	}
	type job struct {
		i    int
		recs *pointcloud.Records
		out  chan chunkResult
	}
	jobs := make(chan job)
	slots := make(chan chan chunkResult, workers+1)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				recs, err := f.ReadChunk(ctx, j.i, j.recs)
				j.out <- chunkResult{recs: recs, err: err}
			}
		}()
	}
	// The dispatcher hands out buffers in chunk order, so the chunk the
	// collector waits for always has one.
	go func() {
		defer close(jobs)
		defer close(slots)
		for i := range n {
			var recs *pointcloud.Records
			select {
			case recs = <-free:
			case <-ctx.Done():
				return
			}
			out := make(chan chunkResult, 1)
			select {
			case slots <- out:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{i: i, recs: recs, out: out}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for out := range slots {
		var r chunkResult
		select {
		case r = <-out:
		case <-ctx.Done():
			return read, kept, ctx.Err()
		}
		if r.err != nil {
			if err := ctx.Err(); err != nil {
				// The chunk saw the cancellation first: report it as
				// the context's error, as every other path does.
				return read, kept, err
			}
			return read, kept, r.err
		}
		rd, kp, err := b.records(r.recs, zm, filter)
		read, kept = read+rd, kept+kp
		if err != nil {
			return read, kept, err
		}
		free <- r.recs
	}
	return read, kept, ctx.Err()
}

// records bins one decoded chunk.
func (b *binner) records(recs *pointcloud.Records, zm float64, filter Filter) (read, kept int64, err error) {
	extended := recs.Format >= 6
	g := b.grid
	var tmp [pointBytes]byte
	n := recs.Len()
	for i := range n {
		if !filter.keepRecord(recs.Raw(i), extended) {
			continue
		}
		x, y, z := recs.XYZ(i)
		if math.IsNaN(x+y+z) || math.IsInf(x+y+z, 0) {
			continue
		}
		z *= zm
		binary.LittleEndian.PutUint64(tmp[0:], math.Float64bits(x))
		binary.LittleEndian.PutUint64(tmp[8:], math.Float64bits(y))
		binary.LittleEndian.PutUint64(tmp[16:], math.Float64bits(z))
		tmp[24], tmp[25], tmp[26] = recordAttributes(recs.Raw(i), extended)
		c0 := int(math.Floor((x-g.Halo-g.Origin[0])/g.Size)) - 1
		c1 := int(math.Floor((x+g.Halo-g.Origin[0])/g.Size)) + 1
		r0 := int(math.Floor((y-g.Halo-g.Origin[1])/g.Size)) - 1
		r1 := int(math.Floor((y+g.Halo-g.Origin[1])/g.Size)) + 1
		in := false
		for r := r0; r <= r1; r++ {
			for c := c0; c <= c1; c++ {
				t, ok := b.tile(c, r)
				if !ok {
					continue
				}
				w := b.tiles[t].Work
				if x < w.MinX || x > w.MaxX || y < w.MinY || y > w.MaxY {
					continue
				}
				b.bufs[t] = append(b.bufs[t], tmp[:]...)
				b.buffered += pointBytes
				in = true
			}
		}
		if in {
			kept++
		}
		if b.buffered > binBuffer {
			if err := b.flush(); err != nil {
				return int64(n), kept, err
			}
		}
	}
	return int64(n), kept, nil
}

// denseIndex builds the table of index when it holds at most 16 M cells;
// on entry cols and rows hold the largest column and row.
func (b *binner) denseIndex() {
	if len(b.tiles) == 0 {
		return
	}
	b.cols, b.rows = b.cols-b.c0+1, b.rows-b.r0+1
	if b.cols*b.rows > 1<<24 {
		return
	}
	b.dense = make([]int32, b.cols*b.rows)
	for i := range b.dense {
		b.dense[i] = -1
	}
	for k, t := range b.index {
		b.dense[(k[1]-b.r0)*b.cols+k[0]-b.c0] = int32(t)
	}
}

// tile is the tile at column c, row r of the grid.
func (b *binner) tile(c, r int) (int, bool) {
	if b.dense == nil {
		t, ok := b.index[[2]int{c, r}]
		return t, ok
	}
	c, r = c-b.c0, r-b.r0
	if c < 0 || r < 0 || c >= b.cols || r >= b.rows {
		return 0, false
	}
	t := b.dense[r*b.cols+c]
	return int(t), t >= 0
}

// flush appends every tile's buffered points to its file.
func (b *binner) flush() error {
	for i, buf := range b.bufs {
		if len(buf) == 0 {
			continue
		}
		path := filepath.Join(b.dir, b.tiles[i].ID+".xyz")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("bin points: %w", err)
		}
		_, err = f.Write(buf)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("bin points: %w", err)
		}
		// Let the buffer go: kept, every tile the file crosses would hold
		// its largest share of binBuffer, memory growing with the file.
		b.bufs[i] = nil
	}
	b.buffered = 0
	return nil
}

// ReadTile reads a tile's points binned by Bin (none when it has no file).
func ReadTile(dir, id string) (*Points, error) {
	f, err := os.Open(filepath.Join(dir, id+".xyz"))
	if errors.Is(err, os.ErrNotExist) {
		return &Points{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size()%pointBytes != 0 {
		return nil, fmt.Errorf("%s: %d bytes, not whole points: the binning was interrupted; run again", f.Name(), st.Size())
	}
	n := int(st.Size() / pointBytes)
	p := &Points{X: make([]float64, 0, n), Y: make([]float64, 0, n), Z: make([]float64, 0, n),
		Class: make([]uint8, 0, n), Return: make([]uint8, 0, n), Returns: make([]uint8, 0, n)}
	r := bufio.NewReaderSize(f, 1<<16)
	var tmp [pointBytes]byte
	for range n {
		if _, err := io.ReadFull(r, tmp[:]); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		p.add(math.Float64frombits(binary.LittleEndian.Uint64(tmp[0:])),
			math.Float64frombits(binary.LittleEndian.Uint64(tmp[8:])),
			math.Float64frombits(binary.LittleEndian.Uint64(tmp[16:])),
			tmp[24], tmp[25], tmp[26])
	}
	return p, nil
}

// ReadBox reads the points of the source's COPC files inside box (edges
// included) that pass the filter: only the octree nodes meeting it are
// decoded. Points come in file order, then node order.
func ReadBox(ctx context.Context, info *Info, filter Filter, box raster.Extent) (*Points, error) {
	p := &Points{}
	for _, f := range info.Files {
		if !f.COPC || !touches(box, f.Extent) {
			continue
		}
		pf, err := openCloud(ctx, f.Path)
		if err != nil {
			return nil, err
		}
		pts, err := pf.ReadBox(ctx, pointcloud.Box{MinX: box.MinX, MinY: box.MinY, MaxX: box.MaxX, MaxY: box.MaxY}, filter.keepPoint)
		pf.Close()
		if err != nil {
			return nil, err
		}
		for i := range pts {
			q := &pts[i]
			if math.IsNaN(q.X+q.Y+q.Z) || math.IsInf(q.X+q.Y+q.Z, 0) {
				continue
			}
			p.add(q.X, q.Y, q.Z*info.ZMetres, q.Classification, q.ReturnNumber, q.NumberOfReturns)
		}
	}
	return p, nil
}

// HasCOPC reports whether some of the source's files are COPC.
func (in *Info) HasCOPC() bool {
	for _, f := range in.Files {
		if f.COPC {
			return true
		}
	}
	return false
}
