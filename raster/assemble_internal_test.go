package raster

import (
	"slices"
	"testing"
)

// TestTilesAssembly: whatever blocks a streamed file gets, GDAL receives
// the pixels last written, with the unwritten ones as the fill, and, while
// the assembly holds its tiles, every call covers whole tiles, each tile
// once.
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
		{name: "more tiles in parts than held", width: 1000, height: 600, side: 256, blocks: grid(1000, 600, 100, 90), maxTiles: 2, whole: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const bands, fill = 2, 7
			ts := newTiles[uint16](tc.side, tc.width, tc.height, bands, fill)
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
				// Without a bound, a tile is held from its first part
				// until its last.
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
					if held := ts.part[tile] != nil; tc.maxTiles == 0 && held != (n > 0 && !whole[tile]) {
						t.Fatalf("after block %d: tile %d has %d of %d pixels written, held in parts: %v", i, tile, n, (x1-x0)*(y1-y0), held)
					}
				}
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
			if len(ts.part) != 0 || ts.partBytes != 0 || len(ts.order) != 0 {
				t.Errorf("after Close: %d tiles, %d bytes, %d in order still held", len(ts.part), ts.partBytes, len(ts.order))
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
