// Package split assigns tiles to train/test/val subsets the way the 3DCD
// dataset was split, but reproducibly: exact subset sizes (largest remainder
// from ratios, or given counts), the share of changed pixels alike in every
// subset (stratified on each tile's change fraction), train holding pixels
// of every 1 m ΔH bin the dataset really has (see Config.CoverRange), and
// optional spatial blocks so neighbouring tiles do not leak between
// subsets. When a constraint cannot be met, the result says which and by
// how much.
package split

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Tile is what the split needs to know of a tile.
type Tile struct {
	ID             string
	MinX, MinY     float64 // lower-left corner, for spatial blocks
	ChangeFraction float64 // changed / valid pixels of cd3d
	// DHBins is the histogram of the tile's changed pixels' ΔH in 1 m bins,
	// sparse: only bins holding pixels need be listed, in any order, each
	// bin once.
	DHBins []Bin
}

// Bin is one 1 m bin of a ΔH histogram: Pixels changed pixels with
// DH ≤ ΔH < DH+1 metres (so ΔH = −0.5 m is in bin −1). A tile's pixels
// fit 32 bits (tiles.parquet counts them so), and a national split holds
// tens of bins for each of millions of tiles.
type Bin struct {
	DH     int32
	Pixels int32
}

// DefaultCoverMinPixels is Config.CoverMinPixels when it is not set: 50
// pixels of 1 m² is a 7 m × 7 m roof, about the smallest building part a
// change detector should learn; fewer in a whole dataset are a spike
// (a crane, a bird, a mismatched edge), not a height that matters.
const DefaultCoverMinPixels = 50

// Config is the workflow's split block, decoded.
type Config struct {
	Ratios   map[string]float64 // subset → share; sums to 1
	Counts   map[string]int     // subset → tile count; used instead of Ratios when set
	Seed     uint64
	Stratify bool    // balance the change fraction across subsets
	Block    float64 // spatial block size in CRS units; 0 = none
	// CoverRange names the subset that must cover the dataset's ΔH range
	// ("train" in 3DCD); "" for none. Covering means: every 1 m ΔH bin with
	// at least CoverMinPixels changed pixels over the whole dataset has
	// changed pixels in at least one tile of the subset. Forcing only the
	// tiles of the global minimum and maximum would let one isolated spike
	// decide the range while a real tower of another height went to test;
	// bins below the minimum are ignored for the same reason — a handful of
	// pixels is noise, and chasing it would force tiles for nothing.
	CoverRange string
	// CoverMinPixels is the dataset-wide count of changed pixels from which
	// a bin must be covered; 0 means DefaultCoverMinPixels.
	CoverMinPixels int64
	// Tolerance is the largest allowed difference, in change-fraction units,
	// between a subset's mean change fraction and the whole dataset's (default 0.01: 1 pp).
	Tolerance float64
}

// Subset is one subset's outcome.
type Subset struct {
	Name       string
	Target     int
	Tiles      int
	MeanChange float64 // mean of the tiles' change fractions
}

// Result is a split: each tile's subset and how well the constraints were met.
type Result struct {
	Assign     map[string]string // tile ID → subset
	Subsets    []Subset          // in Order
	MeanChange float64           // over all tiles
	// Forced are the tiles put in the CoverRange subset before the rest
	// was dealt, so that it covers every ΔH bin; sorted.
	Forced []string
	// Violations says, one line each, which constraint could not be met and by how much.
	Violations []string
}

// Order returns subset names in canonical order: train, test, val, then the rest sorted.
func Order(names []string) []string {
	rank := map[string]int{"train": 0, "test": 1, "val": 2, "validate": 2, "validation": 2}
	out := slices.Clone(names)
	sort.Slice(out, func(i, j int) bool {
		ri, okI := rank[out[i]]
		rj, okJ := rank[out[j]]
		switch {
		case okI && okJ && ri != rj:
			return ri < rj
		case okI != okJ:
			return okI
		}
		return out[i] < out[j]
	})
	return out
}

// TargetCounts turns ratios into exact counts summing to n by the largest
// remainder method; ties go to the subset first in Order.
func TargetCounts(n int, ratios map[string]float64) map[string]int {
	names := make([]string, 0, len(ratios))
	var sum float64
	for k, v := range ratios {
		names = append(names, k)
		sum += v
	}
	names = Order(names)
	counts := make(map[string]int, len(names))
	if sum <= 0 {
		return counts
	}
	type rem struct {
		name string
		frac float64
		idx  int
	}
	var rems []rem
	total := 0
	for i, k := range names {
		exact := float64(n) * ratios[k] / sum
		c := int(math.Floor(exact + 1e-9))
		counts[k] = c
		total += c
		rems = append(rems, rem{k, exact - float64(c), i})
	}
	sort.SliceStable(rems, func(i, j int) bool {
		if math.Abs(rems[i].frac-rems[j].frac) > 1e-12 {
			return rems[i].frac > rems[j].frac
		}
		return rems[i].idx < rems[j].idx
	})
	for i := 0; total < n; i++ {
		counts[rems[i%len(rems)].name]++
		total++
	}
	return counts
}

// unit is a group of tiles that go to one subset together (a tile, or a block).
type unit struct {
	tiles  []int // indexes into the tile list
	change float64
	forced bool // must go to the CoverRange subset (forceCover)
	key    float64
}

// Split assigns every tile to exactly one subset.
func Split(tiles []Tile, cfg Config) (Result, error) {
	targets, names, err := targetsFor(len(tiles), cfg)
	if err != nil {
		return Result{}, err
	}
	seen := make(map[string]bool, len(tiles))
	for _, t := range tiles {
		if seen[t.ID] {
			return Result{}, fmt.Errorf("split: tile %s appears twice", t.ID)
		}
		seen[t.ID] = true
	}
	tol := cfg.Tolerance
	if tol <= 0 {
		tol = 0.01
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x3dcd))
	units := makeUnits(tiles, cfg)

	if cfg.CoverRange != "" && slices.Index(names, cfg.CoverRange) < 0 {
		return Result{}, fmt.Errorf("split: cover_range names subset %q, which the split does not have", cfg.CoverRange)
	}
	var coverNote string
	if cfg.CoverRange != "" {
		coverNote = forceCover(units, tiles, coverBins(tiles, coverMin(cfg)), targets[slices.Index(names, cfg.CoverRange)], cfg)
	}
	// Forced units first, so the rest is dealt around them.
	assigned := make([]int, len(units)) // subset index per unit
	counts := make([]int, len(names))
	trainIdx := slices.Index(names, cfg.CoverRange)
	var free []int
	for i, u := range units {
		if u.forced && trainIdx >= 0 {
			assigned[i] = trainIdx
			counts[trainIdx] += len(u.tiles)
			continue
		}
		free = append(free, i)
	}

	// Order the free units: by change fraction in strata, shuffled within each
	// stratum, so the deal below sends every subset a spread of change levels.
	for _, i := range free {
		units[i].key = rng.Float64()
	}
	if cfg.Stratify {
		slices.SortStableFunc(free, func(a, b int) int {
			if c := cmp.Compare(units[a].change, units[b].change); c != 0 {
				return c
			}
			return cmp.Compare(units[a].key, units[b].key)
		})
		stratum := strataSize(len(tiles), targets)
		for s := 0; s < len(free); s += stratum {
			e := min(s+stratum, len(free))
			part := free[s:e]
			rng.Shuffle(len(part), func(i, j int) { part[i], part[j] = part[j], part[i] })
		}
	} else {
		slices.SortStableFunc(free, func(a, b int) int { return cmp.Compare(units[a].key, units[b].key) })
	}
	deal(units, free, assigned, counts, targets)

	res := Result{Assign: make(map[string]string, len(tiles))}
	if cfg.Stratify {
		balance(units, free, assigned, tiles, len(names), tol)
	}
	for ui, u := range units {
		for _, ti := range u.tiles {
			res.Assign[tiles[ti].ID] = names[assigned[ui]]
			if u.forced {
				res.Forced = append(res.Forced, tiles[ti].ID)
			}
		}
	}
	slices.Sort(res.Forced)
	res.Subsets, res.MeanChange = summarize(tiles, res.Assign, names, targets)
	if coverNote != "" {
		res.Violations = append(res.Violations, coverNote)
	}
	res.Violations = append(res.Violations, check(res, tiles, cfg, tol)...)
	return res, nil
}

func targetsFor(n int, cfg Config) ([]int, []string, error) {
	var names []string
	var counts map[string]int
	switch {
	case len(cfg.Counts) > 0:
		sum := 0
		for k, c := range cfg.Counts {
			if c < 0 {
				return nil, nil, fmt.Errorf("split: count of %s is negative (%d)", k, c)
			}
			names = append(names, k)
			sum += c
		}
		if sum != n {
			return nil, nil, fmt.Errorf("split: counts add up to %d but there are %d tiles; give ratios instead, or counts that add up to %d", sum, n, n)
		}
		counts = cfg.Counts
	case len(cfg.Ratios) > 0:
		var sum float64
		for k, r := range cfg.Ratios {
			if !(r >= 0) {
				return nil, nil, fmt.Errorf("split: ratio of %s is %g; ratios must be in [0, 1]", k, r)
			}
			names = append(names, k)
			sum += r
		}
		if math.Abs(sum-1) > 1e-6 {
			return nil, nil, fmt.Errorf("split: ratios add up to %g, not 1", sum)
		}
		counts = TargetCounts(n, cfg.Ratios)
	default:
		return nil, nil, errors.New("split: no ratios or counts given")
	}
	names = Order(names)
	targets := make([]int, len(names))
	for i, k := range names {
		targets[i] = counts[k]
	}
	return targets, names, nil
}

func makeUnits(tiles []Tile, cfg Config) []unit {
	var units []unit
	if cfg.Block > 0 {
		byBlock := map[[2]int64][]int{}
		var keys [][2]int64
		for i, t := range tiles {
			k := [2]int64{int64(math.Floor(t.MinX / cfg.Block)), int64(math.Floor(t.MinY / cfg.Block))}
			if _, ok := byBlock[k]; !ok {
				keys = append(keys, k)
			}
			byBlock[k] = append(byBlock[k], i)
		}
		slices.SortFunc(keys, func(a, b [2]int64) int {
			if c := cmp.Compare(a[0], b[0]); c != 0 {
				return c
			}
			return cmp.Compare(a[1], b[1])
		})
		for _, k := range keys {
			units = append(units, unit{tiles: byBlock[k]})
		}
	} else {
		// Tile order must not depend on the caller's order: sort by ID.
		idx := make([]int, len(tiles))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(tiles[a].ID, tiles[b].ID) })
		// One unit per tile, each a slice of idx: a national split has
		// millions, and a list of one allocated for each doubled their
		// allocations.
		units = make([]unit, len(idx))
		for k := range idx {
			units[k].tiles = idx[k : k+1 : k+1]
		}
	}
	for ui := range units {
		u := &units[ui]
		for _, ti := range u.tiles {
			u.change += tiles[ti].ChangeFraction
		}
		u.change /= float64(len(u.tiles))
	}
	return units
}

// strataSize is about how many tiles hold one tile of the smallest subset.
func strataSize(n int, targets []int) int {
	smallest := n
	for _, t := range targets {
		if t > 0 && t < smallest {
			smallest = t
		}
	}
	if smallest == 0 {
		return 1
	}
	return max(1, int(math.Round(float64(n)/float64(smallest))))
}

// deal hands the units, in order, to the subset furthest behind its
// proportional share at that point, so each subset gets an even spread of
// the ordering. A subset never takes a unit that would overshoot its target
// while another still has room, so tile units give exact sizes and blocks
// sizes as close as blocks allow.
func deal(units []unit, order []int, assigned, counts, targets []int) {
	need := make([]float64, len(targets))
	var total float64
	for s, t := range targets {
		need[s] = float64(max(0, t-counts[s]))
		total += need[s]
	}
	given := make([]float64, len(targets))
	done := 0.0
	for _, ui := range order {
		size := float64(len(units[ui].tiles))
		done += size
		pick := func() int {
			best, bestScore := -1, math.Inf(-1)
			for s := range targets {
				if given[s]+size > need[s] {
					continue
				}
				score := -given[s]
				if total > 0 {
					score += need[s] * done / total
				}
				if score > bestScore+1e-12 {
					best, bestScore = s, score
				}
			}
			return best
		}
		best := pick()
		if best < 0 {
			// Nothing fits (blocks): give it to the subset short of the most tiles.
			deficit := math.Inf(-1)
			for s := range targets {
				if d := need[s] - given[s]; d > deficit {
					best, deficit = s, d
				}
			}
		}
		assigned[ui] = best
		given[best] += size
		counts[best] += len(units[ui].tiles)
	}
}

// balance swaps equal-sized units between subsets while that brings every
// subset's mean change fraction closer to the overall mean.
func balance(units []unit, free, assigned []int, tiles []Tile, nsub int, tol float64) {
	sum := make([]float64, nsub)
	cnt := make([]float64, nsub)
	var total float64
	for ui, u := range units {
		for _, ti := range u.tiles {
			sum[assigned[ui]] += tiles[ti].ChangeFraction
			cnt[assigned[ui]]++
			total += tiles[ti].ChangeFraction
		}
	}
	overall := total / float64(len(tiles))
	cost := func() float64 {
		c := 0.0
		for s := 0; s < nsub; s++ {
			if cnt[s] > 0 {
				d := sum[s]/cnt[s] - overall
				c += d * d
			}
		}
		return c
	}
	worst := func() float64 {
		w := 0.0
		for s := 0; s < nsub; s++ {
			if cnt[s] > 0 {
				w = max(w, math.Abs(sum[s]/cnt[s]-overall))
			}
		}
		return w
	}
	// Aim well inside the tolerance; stop early when there.
	for iter := 0; iter < 200 && worst() > tol/4; iter++ {
		base := cost()
		bestGain, ba, bb := 0.0, -1, -1
		for ia, a := range free {
			for _, b := range free[ia+1:] {
				sa, sb := assigned[a], assigned[b]
				if sa == sb || len(units[a].tiles) != len(units[b].tiles) {
					continue
				}
				n := float64(len(units[a].tiles))
				da, db := units[a].change*n, units[b].change*n
				sum[sa] += db - da
				sum[sb] += da - db
				gain := base - cost()
				sum[sa] -= db - da
				sum[sb] -= da - db
				if gain > bestGain+1e-15 {
					bestGain, ba, bb = gain, a, b
				}
			}
		}
		if ba < 0 {
			break
		}
		sa, sb := assigned[ba], assigned[bb]
		n := float64(len(units[ba].tiles))
		sum[sa] += (units[bb].change - units[ba].change) * n
		sum[sb] += (units[ba].change - units[bb].change) * n
		assigned[ba], assigned[bb] = sb, sa
	}
}

func summarize(tiles []Tile, assign map[string]string, names []string, targets []int) ([]Subset, float64) {
	subs := make([]Subset, len(names))
	sums := make([]float64, len(names))
	idx := map[string]int{}
	for i, n := range names {
		subs[i] = Subset{Name: n, Target: targets[i]}
		idx[n] = i
	}
	var total float64
	for _, t := range tiles {
		i := idx[assign[t.ID]]
		subs[i].Tiles++
		sums[i] += t.ChangeFraction
		total += t.ChangeFraction
	}
	for i := range subs {
		if subs[i].Tiles > 0 {
			subs[i].MeanChange = sums[i] / float64(subs[i].Tiles)
		}
	}
	overall := 0.0
	if len(tiles) > 0 {
		overall = total / float64(len(tiles))
	}
	return subs, overall
}

func check(res Result, tiles []Tile, cfg Config, tol float64) []string {
	var v []string
	for _, s := range res.Subsets {
		if s.Tiles != s.Target {
			v = append(v, fmt.Sprintf("subset %s has %d tiles, target %d (off by %+d): spatial blocks of %g m cannot be split exactly", s.Name, s.Tiles, s.Target, s.Tiles-s.Target, cfg.Block))
		}
		if cfg.Stratify && s.Tiles > 0 {
			if d := s.MeanChange - res.MeanChange; math.Abs(d) > tol {
				v = append(v, fmt.Sprintf("subset %s mean change fraction %.2f %% differs from the dataset's %.2f %% by %+.2f pp (tolerance %.2f pp)", s.Name, 100*s.MeanChange, 100*res.MeanChange, 100*d, 100*tol))
			}
		}
	}
	if cfg.CoverRange != "" {
		want := coverBins(tiles, coverMin(cfg))
		have := map[int]bool{}
		for _, t := range tiles {
			if res.Assign[t.ID] != cfg.CoverRange {
				continue
			}
			for _, b := range t.DHBins {
				if b.Pixels > 0 {
					have[int(b.DH)] = true
				}
			}
		}
		var missing []int
		for _, b := range want {
			if !have[b] {
				missing = append(missing, b)
			}
		}
		if len(missing) > 0 {
			v = append(v, fmt.Sprintf("%s holds no changed pixel in %d of the %d 1 m ΔH bins with ≥ %d changed pixels in the dataset: %s",
				cfg.CoverRange, len(missing), len(want), coverMin(cfg), FormatBins(missing)))
		}
	}
	return v
}
