package raster

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTilesAssembly: whatever blocks a streamed file gets, GDAL receives
// the pixels last written, with the unwritten ones as the fill, and, unless
// blocks overlap a tile already whole, every call covers whole tiles, each
// tile once. Past the bound on memory, tiles in parts wait on disk.
func TestTilesAssembly(t *testing.T) {
	type rect struct{ x, y, w, h int }
	grid := func(width, height, bw, bh int) []rect {
		var out []rect
		for y := 0; y < height; y += bh {
			for x := 0; x < width; x += bw {
				out = append(out, rect{x, y, min(bw, width-x), min(bh, height-y)})
			}
		}
		// An order that is not the raster's.
		slices.Reverse(out)
		out[0], out[len(out)/2] = out[len(out)/2], out[0]
		return out
	}
	// Blocks of a and b in turn: tiles get parts that overlap before they
	// are whole.
	interleave := func(a, b []rect) []rect {
		var out []rect
		for i := range max(len(a), len(b)) {
			if i < len(a) {
				out = append(out, a[i])
			}
			if i < len(b) {
				out = append(out, b[i])
			}
		}
		return out
	}
	for _, tc := range []struct {
		name          string
		width, height int
		side          int
		blocks        []rect
		maxTiles      int  // tiles held in parts at most (0: no bound)
		whole         bool // every call covers whole tiles, each once
	}{
		{name: "one block, the whole file", width: 600, height: 300, side: 256, blocks: []rect{{0, 0, 600, 300}}, whole: true},
		{name: "blocks across tiles", width: 600, height: 300, side: 256, blocks: grid(600, 300, 200, 120), whole: true},
		{name: "aligned blocks", width: 600, height: 520, side: 256, blocks: grid(600, 520, 512, 256), whole: true},
		{name: "overlapping blocks", width: 300, height: 300, side: 256, blocks: []rect{{0, 0, 200, 300}, {100, 0, 200, 300}, {150, 20, 10, 10}}, whole: false},
		{name: "blocks overlapping before the tile is whole", width: 300, height: 300, side: 256, blocks: []rect{{0, 0, 200, 300}, {0, 0, 200, 300}, {200, 0, 100, 300}}, whole: true},
		{name: "pixels never written", width: 300, height: 300, side: 256, blocks: []rect{{10, 10, 100, 280}, {260, 0, 40, 40}}, whole: false},
		{name: "more tiles in parts than held in memory", width: 1000, height: 600, side: 256, blocks: grid(1000, 600, 100, 90), maxTiles: 2, whole: true},
		{name: "one tile in memory, overlapping blocks", width: 700, height: 500, side: 128, blocks: interleave(grid(700, 500, 90, 70), grid(700, 500, 50, 110)), maxTiles: 1, whole: false},
		{name: "a whole tile over one on disk", width: 768, height: 256, side: 256, blocks: []rect{{0, 0, 10, 10}, {256, 0, 10, 10}, {512, 0, 10, 10}, {0, 0, 256, 256}}, maxTiles: 1, whole: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const bands, fill = 2, 7
			ts := newTiles[uint16](tc.side, tc.width, tc.height, bands, fill, t.TempDir(), "test.tif")
			if tc.maxTiles > 0 {
				ts.maxPart = tc.maxTiles * bands * tc.side * tc.side * 2
			}
			// What GDAL holds, and what was written.
			got, want := make([][]uint16, bands), make([][]uint16, bands)
			for b := range bands {
				got[b], want[b] = make([]uint16, tc.width*tc.height), make([]uint16, tc.width*tc.height)
				for k := range want[b] {
					got[b][k], want[b][k] = fill, fill // GDAL fills the tiles it never gets
				}
			}
			handed := map[int]int{}
			written := make([]bool, tc.width*tc.height)
			whole := map[int]bool{}
			spilled := 0
			put := func(x, y, w, h int, src [][]uint16, off, stride int) error {
				s := tc.side
				if x%s != 0 || y%s != 0 || (x+w)%s != 0 && x+w != tc.width || (y+h)%s != 0 && y+h != tc.height {
					if tc.whole {
						t.Errorf("GDAL got %d×%d pixels at (%d,%d): not whole tiles", w, h, x, y)
					}
				} else {
					for ty := y / s; ty*s < y+h; ty++ {
						for tx := x / s; tx*s < x+w; tx++ {
							handed[ty*ts.across+tx]++
						}
					}
				}
				for b := range bands {
					for j := range h {
						copy(got[b][(y+j)*tc.width+x:(y+j)*tc.width+x+w], src[b][off+j*stride:off+j*stride+w])
					}
				}
				return nil
			}
			for i, r := range tc.blocks {
				img := &Image[uint16]{Grid: Grid{Width: r.w, Height: r.h}}
				for b := range bands {
					band := make([]uint16, r.w*r.h)
					for j := range r.h {
						for k := range r.w {
							v := uint16(1000*(i+1) + 100*b + (r.x+k+r.y+j)%97)
							band[j*r.w+k] = v
							want[b][(r.y+j)*tc.width+r.x+k] = v
							written[(r.y+j)*tc.width+r.x+k] = true
						}
					}
					img.Bands = append(img.Bands, band)
				}
				if err := ts.writeBlock(put, r.x, r.y, img); err != nil {
					t.Fatal(err)
				}
				// A tile is held, in memory or on disk, from its first
				// part until its last.
				for tile := range ts.sent {
					s := tc.side
					tx, ty := tile%ts.across, tile/ts.across
					x0, y0 := tx*s, ty*s
					x1, y1 := min(x0+s, tc.width), min(y0+s, tc.height)
					n := 0
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							if written[y*tc.width+x] {
								n++
							}
						}
					}
					whole[tile] = whole[tile] || n == (x1-x0)*(y1-y0)
					_, onDisk := ts.spilled[tile]
					if held := ts.part[tile] != nil || onDisk; held != (n > 0 && !whole[tile]) {
						t.Fatalf("after block %d: tile %d has %d of %d pixels written, held in parts: %v", i, tile, n, (x1-x0)*(y1-y0), held)
					}
				}
				spilled = max(spilled, len(ts.spilled))
				if ts.partBytes > ts.maxPart {
					t.Fatalf("after block %d: %d bytes held in parts, bound %d", i, ts.partBytes, ts.maxPart)
				}
			}
			if err := ts.flush(put); err != nil {
				t.Fatal(err)
			}
			for b := range bands {
				if k := firstDiff(got[b], want[b]); k >= 0 {
					t.Fatalf("band %d: pixel (%d,%d) is %d, want %d", b+1, k%tc.width, k/tc.width, got[b][k], want[b][k])
				}
			}
			if len(ts.part) != 0 || ts.partBytes != 0 || len(ts.order) != 0 || len(ts.spilled) != 0 || ts.spill != nil {
				t.Errorf("after Close: %d tiles, %d bytes, %d in order, %d on disk still held (scratch file open: %v)",
					len(ts.part), ts.partBytes, len(ts.order), len(ts.spilled), ts.spill != nil)
			}
			if tc.maxTiles > 0 && spilled == 0 {
				t.Errorf("no tile went to disk: the bound was not reached")
			}
			if tc.whole {
				for tile := range ts.sent {
					if handed[tile] != 1 {
						t.Errorf("tile %d went to GDAL %d times, want once", tile, handed[tile])
					}
				}
			}
		})
	}
}

func firstDiff[T comparable](a, b []T) int {
	for k := range a {
		if a[k] != b[k] {
			return k
		}
	}
	return -1
}

// TestTilesSpillError: when tiles in parts cannot wait on disk, the error
// names the output and the cause, and nothing reaches GDAL half-assembled.
func TestTilesSpillError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	ts := newTiles[uint8](256, 768, 256, 1, 0, dir, "out/truth.tif")
	ts.maxPart = 256 * 256
	put := func(x, y, w, h int, _ [][]uint8, _, _ int) error {
		t.Errorf("GDAL got %d×%d pixels at (%d,%d) from tiles in parts", w, h, x, y)
		return nil
	}
	block := &Image[uint8]{Grid: Grid{Width: 10, Height: 10}, Bands: [][]uint8{make([]uint8, 100)}}
	err := ts.writeBlock(put, 0, 0, block)
	if err == nil {
		err = ts.writeBlock(put, 256, 0, block)
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "out/truth.tif") || !strings.Contains(err.Error(), "on disk") {
		t.Fatalf("error %v: want one naming out/truth.tif, holding tiles on disk, and the missing folder", err)
	}
}
