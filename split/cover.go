package split

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

func coverMin(cfg Config) int64 {
	if cfg.CoverMinPixels > 0 {
		return cfg.CoverMinPixels
	}
	return DefaultCoverMinPixels
}

// coverBins returns, sorted, the ΔH bins holding at least min changed
// pixels over all tiles: the bins the cover subset must hold.
func coverBins(tiles []Tile, min int64) []int {
	total := map[int]int64{}
	for _, t := range tiles {
		for _, b := range t.DHBins {
			if b.Pixels > 0 {
				total[int(b.DH)] += int64(b.Pixels)
			}
		}
	}
	var out []int
	for dh, n := range total {
		if n >= min {
			out = append(out, dh)
		}
	}
	slices.Sort(out)
	return out
}

// held is what a unit holds of one wanted bin: the bin's index in the
// wanted list and the unit's changed pixels in it.
type held struct {
	bin    int
	pixels int64
}

// forceCover marks the units the cover subset must hold so that it has
// changed pixels in every wanted bin, choosing few: greedily the unit
// covering the most bins not yet covered, ties to the one with the most
// pixels in them (train then learns those heights from more than a
// sliver), then to the first unit (units are sorted by tile ID or block);
// then any chosen unit the others make redundant is dropped again, last
// chosen first. Few forced units leave the most to the stratified deal.
// The forced units fill at most room tiles, in the order chosen; when the
// cover needs more, it returns the violation to report, else "".
func forceCover(units []unit, tiles []Tile, want []int, room int, cfg Config) string {
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
		// Exactly as long as the unit's bins: at national scale these
		// lists are the split's largest allocation, and appending left up
		// to twice their length.
		holds[ui] = make([]held, 0, len(px))
		for i, n := range px {
			holds[ui] = append(holds[ui], held{i, n})
		}
		slices.SortFunc(holds[ui], func(a, b held) int { return cmp.Compare(a.bin, b.bin) })
	}

	cover := make([]int, len(want)) // chosen units holding each bin
	left := len(want)
	chosen := make([]bool, len(units))
	var picks []int
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
		for _, h := range holds[best] {
			if cover[h.bin] == 0 {
				left--
			}
			cover[h.bin]++
		}
	}
	// Greedy picks can be made redundant by later ones.
	for i := len(picks) - 1; i >= 0; i-- {
		ui := picks[i]
		redundant := true
		for _, h := range holds[ui] {
			if cover[h.bin] < 2 {
				redundant = false
				break
			}
		}
		if redundant {
			for _, h := range holds[ui] {
				cover[h.bin]--
			}
			picks = slices.Delete(picks, i, i+1)
		}
	}

	need, used, skipped := 0, 0, 0
	for _, ui := range picks {
		size := len(units[ui].tiles)
		need += size
		if used+size > room {
			skipped++
			continue
		}
		used += size
		units[ui].forced = true
	}
	if skipped == 0 {
		return ""
	}
	return fmt.Sprintf("%s needs %d tiles to hold every 1 m ΔH bin with ≥ %d changed pixels, more than its target of %d: %d forced, the bins they miss are reported too; raise cover_min_pixels or the share of %s",
		cfg.CoverRange, need, coverMin(cfg), room, used, cfg.CoverRange)
}

// FormatBins writes sorted 1 m ΔH bins as the intervals of ΔH they span,
// runs of neighbours joined: bins -1, 0, 1 and 20 are "[-1, +2) m, [+20, +21) m".
func FormatBins(bins []int) string {
	var parts []string
	for i := 0; i < len(bins); {
		j := i
		for j+1 < len(bins) && bins[j+1] == bins[j]+1 {
			j++
		}
		parts = append(parts, fmt.Sprintf("[%s, %s) m", signed(bins[i]), signed(bins[j]+1)))
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// signed writes a whole number of metres with its sign; 0 without one.
func signed(v int) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%+d", v)
}
