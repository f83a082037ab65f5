package raster

import (
	"math"
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
// also spares GDAL decompressing and compressing such a tile again.

// maxPartBytes bounds the tiles a writer holds in parts: past it, the
// oldest goes to GDAL as it is, and GDAL merges its later parts, with the
// risk above. Blocks that do not align with tiles leave rows of tiles in
// parts along their edges until their neighbours come: in cdflow synth
// about a row across the scene, 1 MB per km of width for a float32 file
// at 1 m, so the bound is first reached by scenes about 60 km wide.
const maxPartBytes = 64 << 20

// tiles is a writer's assembly of its file's tiles.
type tiles[T Pixel] struct {
	side, width, height, across int
	bands                       int
	fill                        T
	sent                        []bool // tiles GDAL has
	part                        map[int]*partTile[T]
	order                       []int // tiles in parts, oldest first
	partBytes, maxPart          int
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

func newTiles[T Pixel](side, width, height, bands int, fill T) *tiles[T] {
	across, down := (width+side-1)/side, (height+side-1)/side
	return &tiles[T]{side: side, width: width, height: height, across: across, bands: bands, fill: fill,
		sent: make([]bool, across*down), part: map[int]*partTile[T]{}, maxPart: maxPartBytes}
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
				p := ts.part[t]
				if p == nil {
					p = ts.newPart(vx0, vy0, vx1-vx0, vy1-vy0)
					ts.part[t] = p
					ts.order = append(ts.order, t)
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
		if err := ts.send(put, ts.order[0]); err != nil {
			return err
		}
	}
	return nil
}

func (ts *tiles[T]) newPart(x0, y0, w, h int) *partTile[T] {
	p := &partTile[T]{x0: x0, y0: y0, w: w, h: h, seen: make([]uint64, (w*h+63)/64), left: w * h}
	for range ts.bands {
		b := make([]T, w*h)
		if ts.fill != 0 {
			for k := range b {
				b[k] = ts.fill
			}
		}
		p.bands = append(p.bands, b)
	}
	ts.partBytes += p.bytes()
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

func (ts *tiles[T]) drop(t int) {
	p := ts.part[t]
	if p == nil {
		return
	}
	delete(ts.part, t)
	ts.order = slices.DeleteFunc(ts.order, func(o int) bool { return o == t })
	ts.partBytes -= p.bytes()
}

// flush hands GDAL the tiles still in parts, in tile order.
func (ts *tiles[T]) flush(put putFunc[T]) error {
	slices.Sort(ts.order)
	for len(ts.order) > 0 {
		if err := ts.send(put, ts.order[0]); err != nil {
			return err
		}
	}
	return nil
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
