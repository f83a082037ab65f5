package split

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// forceCoverRef is forceCover with the greedy as it was first written:
// every unit's wanted bins listed once and kept, and every unit scanned
// again for each pick.
func forceCoverRef(units []unit, tiles []Tile, want []int, room int, cfg Config) string {
	if len(want) == 0 {
		return ""
	}
	index := make(map[int]int, len(want))
	for i, b := range want {
		index[b] = i
	}
	holds := make([][]held, len(units)) // by unit, sorted by bin
	for ui, u := range units {
		px := map[int]int64{}
		for _, ti := range u.tiles {
			for _, b := range tiles[ti].DHBins {
				if i, ok := index[int(b.DH)]; ok && b.Pixels > 0 {
					px[i] += int64(b.Pixels)
				}
			}
		}
		for i, n := range px {
			holds[ui] = append(holds[ui], held{i, n})
		}
		slices.SortFunc(holds[ui], func(a, b held) int { return cmp.Compare(a.bin, b.bin) })
	}

	cover := make([]int, len(want)) // chosen units holding each bin
	left := len(want)
	chosen := make([]bool, len(units))
	var picks []int
	picked := map[int][]held{}
	for left > 0 {
		best, bestBins, bestPx := -1, 0, int64(0)
		for ui := range units {
			if chosen[ui] {
				continue
			}
			n, px := 0, int64(0)
			for _, h := range holds[ui] {
				if cover[h.bin] == 0 {
					n++
					px += h.pixels
				}
			}
			if n > bestBins || (n == bestBins && n > 0 && px > bestPx) {
				best, bestBins, bestPx = ui, n, px
			}
		}
		if best < 0 {
			break // cannot happen: every wanted bin is some tile's
		}
		chosen[best] = true
		picks = append(picks, best)
		picked[best] = holds[best]
		for _, h := range holds[best] {
			if cover[h.bin] == 0 {
				left--
			}
			cover[h.bin]++
		}
	}
	return placeCover(units, withoutRedundant(picks, picked, len(want)), room, cfg)
}

// TestForceCoverMatchesReference checks the lazy greedy against the plain
// one on random tiles, with ties (tiles repeating another's bins), blocks,
// thresholds that want few or many bins, and rooms too small for the cover.
func TestForceCoverMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	forcedSome := 0
	for c := range 300 {
		n := 1 + r.IntN(600)
		tiles := randomTiles(r, n)
		for i := range tiles {
			switch r.IntN(10) {
			case 0: // the same bins as an earlier tile: ties on bins and pixels
				if i > 0 {
					tiles[i].DHBins = tiles[r.IntN(i)].DHBins
				}
			case 1: // a rare spike
				tiles[i].DHBins = append(slices.Clone(tiles[i].DHBins), Bin{DH: int32(-60 + r.IntN(120)), Pixels: int32(1 + r.IntN(80))})
			case 2: // an empty bin listed
				tiles[i].DHBins = append(slices.Clone(tiles[i].DHBins), Bin{DH: int32(-30 + r.IntN(60)), Pixels: 0})
			}
		}
		cfg := Config{CoverRange: "train", CoverMinPixels: []int64{1, 50, 400, 5000}[r.IntN(4)]}
		if r.IntN(3) == 0 {
			cfg.Block = []float64{400, 1000}[r.IntN(2)]
		}
		want := coverBins(tiles, coverMin(cfg))
		room := n
		if r.IntN(3) == 0 {
			room = r.IntN(8)
		}
		got, ref := makeUnits(tiles, cfg), makeUnits(tiles, cfg)
		gotNote := forceCover(got, tiles, want, room, cfg)
		refNote := forceCoverRef(ref, tiles, want, room, cfg)
		name := fmt.Sprintf("case %d (%d tiles, block %g, min %d, room %d)", c, n, cfg.Block, cfg.CoverMinPixels, room)
		if gotNote != refNote {
			t.Fatalf("%s: note %q, reference %q", name, gotNote, refNote)
		}
		for ui := range got {
			if got[ui].forced != ref[ui].forced {
				t.Fatalf("%s: unit %d forced %v, reference %v", name, ui, got[ui].forced, ref[ui].forced)
			}
			if got[ui].forced {
				forcedSome++
			}
		}
	}
	if forcedSome < 300 {
		t.Errorf("only %d units forced over all cases: the cover was hardly exercised", forcedSome)
	}
}
