package raster

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"

	"github.com/airbusgeo/godal"
)

// A GeoTIFF written block by block hands GDAL each tile once and whole:
// the parts of a tile that blocks bring are assembled here until the tile
// is complete. A tile written in parts through GDAL is read back from the
// file for each later part, through GDAL's block cache, which every
// thread shares: another thread that needs room writes a dirty tile out,
// and the writer reading it back at that moment can get the tile as it was
// before (OSGeo/gdal#2011: GDAL 3.1 made it rarer, and its fix notes
// problems left when the cache is small for the number of threads). It
// also spares GDAL decompressing and compressing such a tile again. Only a
// block that overlaps a tile already whole reaches GDAL in parts.

// maxPartBytes bounds the memory a writer's tiles in parts take: past it,
// the oldest go to a scratch file beside the output (unlinked as soon as
// it is made), and come back when their next part does. Blocks that do not
// align with tiles leave rows of tiles in parts along their edges until
// their neighbours come: in cdflow synth about a row across the scene,
// 1 MB per km of width for a float32 file at 1 m, so scenes narrower than
// about 60 km never spill.
var maxPartBytes = 64 << 20

// tiles is a writer's assembly of its file's tiles.
type tiles[T Pixel] struct {
	side, width, height, across int
	bands                       int
	fill                        T
	sent                        []bool // tiles GDAL has
	part                        map[int]*partTile[T]
	order                       []int // tiles in parts in memory, oldest first
	partBytes, maxPart          int
	// spill holds tiles in parts past maxPart (see maxPartBytes), made in
	// dir when first needed; out names the output in its errors.
	dir, out string
	spill    *os.File
	spilled  map[int]spilledTile
	free     []int64 // slots of spill no tile holds
	end      int64   // spill's size
}

// spilledTile is a tile in parts held in spill: its partTile without the
// pixels and bits, which are at off.
type spilledTile struct {
	x0, y0, w, h, left int
	off                int64
}

// fillOf is nodata v as a pixel of T, as GDAL fills a tile it never got:
// rounded to the nearest integer (halves away from zero) and clamped to
// T's range, NaN as 0.
func fillOf[T Pixel](v float64) T {
	var lo, hi float64
	switch dataTypeOf[T]() {
	case godal.Byte:
		lo, hi = 0, math.MaxUint8
	case godal.Int16:
		lo, hi = math.MinInt16, math.MaxInt16
	case godal.UInt16:
		lo, hi = 0, math.MaxUint16
	case godal.Int32:
		lo, hi = math.MinInt32, math.MaxInt32
	default:
		return T(v)
	}
	if math.IsNaN(v) {
		return 0
	}
	return T(max(lo, min(hi, math.Round(v))))
}

// putFunc writes the w×h pixels at (x, y) through GDAL, from bands whose
// rows are stride apart, the first at off.
type putFunc[T Pixel] func(x, y, w, h int, bands [][]T, off, stride int) error

// partTile is a tile's valid area (within the raster) as far as written.
type partTile[T Pixel] struct {
	x0, y0, w, h int
	bands        [][]T
	seen         []uint64 // one bit per pixel written
	left         int      // pixels not written yet
}

// newTiles assembles the tiles of a file out (named in errors) with a
// scratch file in dir when they take more than maxPartBytes.
func newTiles[T Pixel](side, width, height, bands int, fill T, dir, out string) *tiles[T] {
	across, down := (width+side-1)/side, (height+side-1)/side
	return &tiles[T]{side: side, width: width, height: height, across: across, bands: bands, fill: fill,
		sent: make([]bool, across*down), part: map[int]*partTile[T]{}, maxPart: maxPartBytes,
		dir: dir, out: out, spilled: map[int]spilledTile{}}
}

// writeBlock takes img's pixels at (x0, y0): the tiles img covers whole go
// to GDAL at once, the others are assembled, and go when complete.
func (ts *tiles[T]) writeBlock(put putFunc[T], x0, y0 int, img *Image[T]) error {
	x1, y1 := x0+img.Width, y0+img.Height
	s := ts.side
	aligned := x0%s == 0 && y0%s == 0 && (x1%s == 0 || x1 == ts.width) && (y1%s == 0 || y1 == ts.height)
	if aligned {
		// Every tile whole: one call, as for a whole file.
		if err := put(x0, y0, img.Width, img.Height, img.Bands, 0, img.Width); err != nil {
			return err
		}
	}
	for ty := y0 / s; ty*s < y1; ty++ {
		for tx := x0 / s; tx*s < x1; tx++ {
			t := ty*ts.across + tx
			vx0, vy0 := tx*s, ty*s
			vx1, vy1 := min(vx0+s, ts.width), min(vy0+s, ts.height)
			ix0, iy0, ix1, iy1 := max(x0, vx0), max(y0, vy0), min(x1, vx1), min(y1, vy1)
			off := (iy0-y0)*img.Width + ix0 - x0
			whole := ix0 == vx0 && iy0 == vy0 && ix1 == vx1 && iy1 == vy1
			if whole {
				ts.drop(t)
			}
			switch {
			case aligned:
				// Written above; every tile is whole.
				ts.sent[t] = true
			case whole || ts.sent[t]:
				// GDAL gets the tile whole, or has it and merges the part.
				ts.sent[t] = true
				if err := put(ix0, iy0, ix1-ix0, iy1-iy0, img.Bands, off, img.Width); err != nil {
					return err
				}
			default:
				p, err := ts.held(t)
				if err != nil {
					return err
				}
				if p == nil {
					p = ts.newPart(vx0, vy0, vx1-vx0, vy1-vy0)
					ts.hold(t, p)
				}
				p.add(ix0, iy0, ix1-ix0, iy1-iy0, img.Bands, off, img.Width)
				if p.left == 0 {
					if err := ts.send(put, t); err != nil {
						return err
					}
				}
			}
		}
	}
	for ts.partBytes > ts.maxPart && len(ts.order) > 0 {
		if err := ts.spillTile(ts.order[0]); err != nil {
			return err
		}
	}
	return nil
}

// slot is the bytes a tile takes in spill: every band's pixels and one bit
// per pixel, for a whole tile, so a slot fits any tile.
func (ts *tiles[T]) slot() int64 {
	n := ts.side * ts.side
	return int64(ts.bands*n*dataTypeOf[T]().Size() + bitWords(n)*8)
}

// bitWords is how many words hold one bit for each of n pixels.
func bitWords(n int) int { return (n + 63) / 64 }

// held is tile t's parts in memory, brought back from spill if they are
// there; nil when the tile has none.
func (ts *tiles[T]) held(t int) (*partTile[T], error) {
	if _, ok := ts.spilled[t]; ok {
		return ts.unspill(t)
	}
	return ts.part[t], nil
}

// hold keeps p as tile t's parts in memory, the newest; drop undoes it.
func (ts *tiles[T]) hold(t int, p *partTile[T]) {
	ts.part[t] = p
	ts.order = append(ts.order, t)
	ts.partBytes += p.bytes()
}

// spillTile moves tile t's parts from memory to spill.
func (ts *tiles[T]) spillTile(t int) error {
	p := ts.part[t]
	if ts.spill == nil {
		f, err := os.CreateTemp(ts.dir, ".spill-*")
		if err != nil {
			return fmt.Errorf("write GeoTIFF %s: hold tiles on disk: %w", ts.out, err)
		}
		// Unlinked at once: the file goes with the writer, however it ends.
		os.Remove(f.Name())
		ts.spill = f
	}
	off := ts.end
	if n := len(ts.free); n > 0 {
		off, ts.free = ts.free[n-1], ts.free[:n-1]
	} else {
		ts.end += ts.slot()
	}
	buf := make([]byte, 0, ts.slot())
	for _, b := range p.bands {
		buf, _ = binary.Append(buf, binary.NativeEndian, b) // fails only for types that have no fixed size
	}
	buf, _ = binary.Append(buf, binary.NativeEndian, p.seen)
	if _, err := ts.spill.WriteAt(buf, off); err != nil {
		return fmt.Errorf("write GeoTIFF %s: hold the tile at pixel (%d,%d) on disk: %w", ts.out, p.x0, p.y0, err)
	}
	ts.drop(t)
	ts.spilled[t] = spilledTile{x0: p.x0, y0: p.y0, w: p.w, h: p.h, left: p.left, off: off}
	return nil
}

// unspill brings tile t's parts back from spill into memory: what
// spillTile wrote, in one read.
func (ts *tiles[T]) unspill(t int) (*partTile[T], error) {
	st := ts.spilled[t]
	p := &partTile[T]{x0: st.x0, y0: st.y0, w: st.w, h: st.h, seen: make([]uint64, bitWords(st.w*st.h)), left: st.left}
	buf := make([]byte, len(p.seen)*8+ts.bands*st.w*st.h*dataTypeOf[T]().Size())
	if _, err := ts.spill.ReadAt(buf, st.off); err != nil {
		return nil, fmt.Errorf("write GeoTIFF %s: read the tile at pixel (%d,%d) back from disk: %w", ts.out, st.x0, st.y0, err)
	}
	for range ts.bands {
		b := make([]T, st.w*st.h)
		n, _ := binary.Decode(buf, binary.NativeEndian, b) // buf holds every band and the bits
		p.bands, buf = append(p.bands, b), buf[n:]
	}
	binary.Decode(buf, binary.NativeEndian, p.seen)
	ts.drop(t)
	ts.hold(t, p)
	return p, nil
}

// newPart is a tile's parts before any: every pixel the fill, none seen.
func (ts *tiles[T]) newPart(x0, y0, w, h int) *partTile[T] {
	p := &partTile[T]{x0: x0, y0: y0, w: w, h: h, seen: make([]uint64, bitWords(w*h)), left: w * h}
	for range ts.bands {
		b := make([]T, w*h)
		if ts.fill != 0 {
			for k := range b {
				b[k] = ts.fill
			}
		}
		p.bands = append(p.bands, b)
	}
	return p
}

// bytes is the memory p's pixels take.
func (p *partTile[T]) bytes() int { return len(p.bands) * p.w * p.h * dataTypeOf[T]().Size() }

// add copies the w×h pixels at (x, y) from bands (rows stride apart, the
// first at off).
func (p *partTile[T]) add(x, y, w, h int, bands [][]T, off, stride int) {
	for j := range h {
		row := (y-p.y0+j)*p.w + x - p.x0
		for b, src := range bands {
			copy(p.bands[b][row:row+w], src[off+j*stride:off+j*stride+w])
		}
		for k := row; k < row+w; k++ {
			if p.seen[k/64]&(1<<(k%64)) == 0 {
				p.seen[k/64] |= 1 << (k % 64)
				p.left--
			}
		}
	}
}

// send hands tile t, as far as written, to GDAL.
func (ts *tiles[T]) send(put putFunc[T], t int) error {
	p := ts.part[t]
	ts.drop(t)
	ts.sent[t] = true
	return put(p.x0, p.y0, p.w, p.h, p.bands, 0, p.w)
}

// drop forgets tile t's parts, in memory or in spill.
func (ts *tiles[T]) drop(t int) {
	if st, ok := ts.spilled[t]; ok {
		delete(ts.spilled, t)
		ts.free = append(ts.free, st.off)
	}
	p := ts.part[t]
	if p == nil {
		return
	}
	delete(ts.part, t)
	ts.order = slices.DeleteFunc(ts.order, func(o int) bool { return o == t })
	ts.partBytes -= p.bytes()
}

// flush hands GDAL the tiles still in parts, in tile order, and closes
// spill.
func (ts *tiles[T]) flush(put putFunc[T]) error {
	left := slices.Concat(ts.order, slices.Collect(maps.Keys(ts.spilled)))
	slices.Sort(left)
	for _, t := range left {
		if _, ok := ts.spilled[t]; ok {
			if _, err := ts.unspill(t); err != nil {
				return err
			}
		}
		if err := ts.send(put, t); err != nil {
			return err
		}
	}
	return ts.close()
}

// close closes spill, if it was made.
func (ts *tiles[T]) close() error {
	if ts.spill == nil {
		return nil
	}
	err := ts.spill.Close()
	ts.spill = nil
	return err
}

// put is the writer's putFunc.
func (w *GeoTIFFWriter[T]) put(x, y, width, height int, bands [][]T, off, stride int) error {
	for i, b := range w.ds.Bands() {
		if err := b.Write(x, y, bands[i][off:], width, height, godal.LineStride(stride), godal.ErrLogger(w.log.handler())); err != nil {
			return w.log.wrap("write GeoTIFF", w.path, err)
		}
	}
	return nil
}
