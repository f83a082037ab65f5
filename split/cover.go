package split

import (
	"container/heap"
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

// holder computes what units hold of the wanted bins, one unit at a time:
// at national scale a list per unit, kept for the whole cover, was the
// split's largest allocation, while the greedy below reads few of them
// more than once.
type holder struct {
	units []unit
	tiles []Tile
	index map[int]int // wanted bin → its index
	px    []int64     // scratch, by wanted index
	seen  []int       // scratch: the wanted indexes set in px
}

// of returns the wanted bins unit ui holds, in no set order (the cover
// only counts and sums them), in a list that is reused by the next call.
func (h *holder) of(ui int, out []held) []held {
	h.seen = h.seen[:0]
	for _, ti := range h.units[ui].tiles {
		for _, b := range h.tiles[ti].DHBins {
			if i, ok := h.index[int(b.DH)]; ok && b.Pixels > 0 {
				if h.px[i] == 0 {
					h.seen = append(h.seen, i)
				}
				h.px[i] += int64(b.Pixels)
			}
		}
	}
	out = out[:0]
	for _, i := range h.seen {
		out = append(out, held{i, h.px[i]})
		h.px[i] = 0
	}
	return out
}

// gain is what choosing a unit adds to the cover: the wanted bins it holds
// that no chosen unit holds yet, and its pixels in them.
type gain struct {
	unit   int
	bins   int
	pixels int64
}

// before orders gains as the greedy prefers them: more bins, then more
// pixels, then the first unit.
func (a gain) before(b gain) bool {
	if a.bins != b.bins {
		return a.bins > b.bins
	}
	if a.pixels != b.pixels {
		return a.pixels > b.pixels
	}
	return a.unit < b.unit
}

// gains is a heap of gains, the preferred on top.
type gains []gain

func (g gains) Len() int           { return len(g) }
func (g gains) Less(i, j int) bool { return g[i].before(g[j]) }
func (g gains) Swap(i, j int)      { g[i], g[j] = g[j], g[i] }
func (g *gains) Push(x any)        { *g = append(*g, x.(gain)) }
func (g *gains) Pop() any {
	old := *g
	x := old[len(old)-1]
	*g = old[:len(old)-1]
	return x
}

// drop removes the top of the heap q; heap.Pop would box it in an
// interface, an allocation for each of up to millions of units.
func drop(q *gains) {
	n := len(*q) - 1
	(*q)[0] = (*q)[n]
	*q = (*q)[:n]
	if n > 0 {
		heap.Fix(q, 0)
	}
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
	picks, holds := greedyCover(units, tiles, want)
	return placeCover(units, withoutRedundant(picks, holds, len(want)), room, cfg)
}

// greedyCover returns the greedy's picks, in the order chosen, and the
// wanted bins each holds.
func greedyCover(units []unit, tiles []Tile, want []int) ([]int, map[int][]held) {
	h := &holder{units: units, tiles: tiles, index: make(map[int]int, len(want)), px: make([]int64, len(want))}
	for i, b := range want {
		h.index[b] = i
	}
	cover := make([]int, len(want)) // chosen units holding each bin
	var list []held
	// gainOf is unit ui's gain given the cover so far; list is left
	// holding the unit's bins.
	gainOf := func(ui int) gain {
		list = h.of(ui, list)
		g := gain{unit: ui}
		for _, c := range list {
			if cover[c.bin] == 0 {
				g.bins++
				g.pixels += c.pixels
			}
		}
		return g
	}
	// A unit's gain only shrinks as the cover grows (fewer bins, or the
	// same bins and pixels), so the heap holds each unit's last gain, an
	// upper bound: the top, computed again, is the greedy's choice when
	// it has not changed, and otherwise goes back with its new gain.
	var q gains
	for ui := range units {
		if g := gainOf(ui); g.bins > 0 {
			q = append(q, g)
		}
	}
	heap.Init(&q)
	left := len(want)
	var picks []int
	holds := map[int][]held{}
	for left > 0 && len(q) > 0 {
		top := q[0]
		g := gainOf(top.unit)
		if g != top {
			if g.bins > 0 {
				q[0] = g
				heap.Fix(&q, 0)
			} else {
				drop(&q)
			}
			continue
		}
		drop(&q)
		picks = append(picks, g.unit)
		holds[g.unit] = slices.Clone(list)
		for _, c := range list {
			if cover[c.bin] == 0 {
				left--
			}
			cover[c.bin]++
		}
	}
	return picks, holds
}

// withoutRedundant drops, last chosen first, the picks whose bins the
// other picks all hold: greedy picks can be made redundant by later ones.
func withoutRedundant(picks []int, holds map[int][]held, nWant int) []int {
	cover := make([]int, nWant) // picks holding each bin
	for _, ui := range picks {
		for _, c := range holds[ui] {
			cover[c.bin]++
		}
	}
	for i := len(picks) - 1; i >= 0; i-- {
		ui := picks[i]
		redundant := true
		for _, c := range holds[ui] {
			if cover[c.bin] < 2 {
				redundant = false
				break
			}
		}
		if redundant {
			for _, c := range holds[ui] {
				cover[c.bin]--
			}
			picks = slices.Delete(picks, i, i+1)
		}
	}
	return picks
}

// placeCover forces the picks, in order, while they fit in room tiles,
// and returns the violation to report when some do not, else "".
func placeCover(units []unit, picks []int, room int, cfg Config) string {
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
