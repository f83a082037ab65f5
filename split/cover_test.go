package split

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// city is n ordinary tiles with low changes (1…9 m, plenty of pixels in
// every bin) plus the extra tiles given. One city tile (the tallest
// change) covers the city's bins; extraForced leaves it out.
func city(n int, extra ...Tile) []Tile {
	var tiles []Tile
	for i := range n {
		tiles = append(tiles, Tile{
			ID: fmt.Sprintf("T%03d", i), MinX: float64(200 * (i % 10)), MinY: float64(200 * (i / 10)),
			ChangeFraction: 0.01 * float64(i%7),
			DHBins:         objectBins(int64(100+40*(i%5)), 1.5+float64(i%9)),
		})
	}
	return append(tiles, extra...)
}

// extraForced returns the forced tiles that are not the city's, and fails
// when the city needs more than one (blocks aside).
func extraForced(t *testing.T, forced []string) []string {
	t.Helper()
	var out []string
	city := 0
	for _, id := range forced {
		if strings.HasPrefix(id, "T0") {
			city++
			continue
		}
		out = append(out, id)
	}
	if city > 1 {
		t.Fatalf("%d city tiles forced (%v), one covers its bins", city, forced)
	}
	return out
}

func TestCoverBins(t *testing.T) {
	spike := Tile{ID: "SPIKE", ChangeFraction: 0.01, DHBins: []Bin{{DH: 2, Pixels: 60}, {DH: 20, Pixels: 3}}}
	tower := Tile{ID: "TOWER", ChangeFraction: 0.02, DHBins: []Bin{{DH: 35, Pixels: 500}}}
	pit := Tile{ID: "PIT", ChangeFraction: 0.02, DHBins: []Bin{{DH: -12, Pixels: 30}, {DH: -1, Pixels: 40}}}
	pit2 := Tile{ID: "PIT2", ChangeFraction: 0.02, DHBins: []Bin{{DH: -12, Pixels: 30}}}
	ratios := map[string]float64{"train": 0.68, "test": 0.23, "val": 0.09}
	tests := []struct {
		name       string
		tiles      []Tile
		min        int64
		forced     []string // exactly these tiles forced
		notForced  []string
		violations []string // substrings, one per expected violation
	}{
		{"spike ignored, tower forced", city(60, spike, tower), 0, []string{"TOWER"}, []string{"SPIKE"}, nil},
		{"spike forced when the minimum is 1", city(60, spike, tower), 1, []string{"SPIKE", "TOWER"}, nil, nil},
		{"tower below a raised minimum", city(60, spike, tower), 501, nil, []string{"TOWER", "SPIKE"}, nil},
		// Bin −12 has 60 pixels over two tiles, neither reaching 50 alone:
		// one of them must be in train; ties go to the more pixels (PIT,
		// also holding bin −1), then to the first ID.
		{"bin summed over tiles", city(60, pit, pit2), 0, []string{"PIT"}, []string{"PIT2"}, nil},
		{"no change at all", []Tile{{ID: "A"}, {ID: "B"}, {ID: "C"}}, 0, nil, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(0); seed < 20; seed++ {
				cfg := Config{Ratios: ratios, Seed: seed, Stratify: true, CoverRange: "train", CoverMinPixels: tc.min}
				res, err := Split(tc.tiles, cfg)
				if err != nil {
					t.Fatal(err)
				}
				if got := extraForced(t, res.Forced); !slices.Equal(got, tc.forced) {
					t.Fatalf("seed %d: forced %v, want %v", seed, got, tc.forced)
				}
				for _, id := range tc.forced {
					if res.Assign[id] != "train" {
						t.Fatalf("seed %d: forced tile %s in %s", seed, id, res.Assign[id])
					}
				}
				for _, id := range tc.notForced {
					if slices.Contains(res.Forced, id) {
						t.Fatalf("seed %d: %s forced", seed, id)
					}
				}
				min := tc.min
				if min == 0 {
					min = DefaultCoverMinPixels
				}
				if miss := uncovered(tc.tiles, res.Assign, "train", min); len(miss) > 0 {
					t.Fatalf("seed %d: train misses bins %v", seed, miss)
				}
				if len(res.Violations) != len(tc.violations) {
					t.Fatalf("seed %d: violations %q, want %q", seed, res.Violations, tc.violations)
				}
			}
		})
	}
}

// TestCoverFewTiles checks the forced set is small: greedy by bins covered,
// then redundant picks dropped.
func TestCoverFewTiles(t *testing.T) {
	bins := func(px int64, dh ...int) []Bin {
		var out []Bin
		for _, d := range dh {
			out = append(out, Bin{DH: int32(d), Pixels: int32(px)})
		}
		return out
	}
	tests := []struct {
		name   string
		extra  []Tile
		forced []string
	}{
		{"one tile spans all", []Tile{
			{ID: "X1", DHBins: bins(60, 20, 21, 22, 23)},
			{ID: "X2", DHBins: bins(60, 20, 21)},
			{ID: "X3", DHBins: bins(60, 22, 23)},
		}, []string{"X1"}},
		// Greedy takes S1 (four bins) first, then S2 and S3 for bins 25 and
		// 26; S2 and S3 hold all of S1's, so S1 is dropped again.
		{"redundant first pick dropped", []Tile{
			{ID: "S1", DHBins: bins(60, 21, 22, 23, 24)},
			{ID: "S2", DHBins: bins(60, 21, 22, 25)},
			{ID: "S3", DHBins: bins(60, 23, 24, 26)},
		}, []string{"S2", "S3"}},
		{"ties to more pixels, then to the ID", []Tile{
			{ID: "Y2", DHBins: bins(70, 30)},
			{ID: "Y1", DHBins: bins(70, 30)},
			{ID: "Y0", DHBins: bins(20, 30)},
		}, []string{"Y1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Split(city(40, tc.extra...), Config{Ratios: map[string]float64{"train": 0.7, "test": 0.3}, Seed: 1, Stratify: true, CoverRange: "train"})
			if err != nil {
				t.Fatal(err)
			}
			if got := extraForced(t, res.Forced); !slices.Equal(got, tc.forced) {
				t.Errorf("forced %v, want %v", got, tc.forced)
			}
			if len(res.Violations) > 0 {
				t.Errorf("violations: %q", res.Violations)
			}
		})
	}
}

func TestCoverBlocks(t *testing.T) {
	tower := Tile{ID: "TOWER", MinX: 5000, MinY: 5000, DHBins: []Bin{{DH: 35, Pixels: 500}}}
	next := Tile{ID: "NEXT", MinX: 5200, MinY: 5000}
	res, err := Split(city(60, tower, next), Config{Ratios: map[string]float64{"train": 0.68, "test": 0.32}, Seed: 3, CoverRange: "train", Block: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Assign["TOWER"] != "train" || res.Assign["NEXT"] != "train" {
		t.Errorf("tower's block in %s/%s, want train", res.Assign["TOWER"], res.Assign["NEXT"])
	}
	if !slices.Contains(res.Forced, "NEXT") || !slices.Contains(res.Forced, "TOWER") {
		t.Errorf("forced %v, want the tower's block", res.Forced)
	}
}

func TestCoverDeterministic(t *testing.T) {
	tiles := randomTiles(rand.New(rand.NewPCG(5, 5)), 300)
	cfg := Config{Ratios: map[string]float64{"train": 0.68, "test": 0.23, "val": 0.09}, Seed: 9, Stratify: true, CoverRange: "train", CoverMinPixels: 10}
	a, err := Split(tiles, cfg)
	if err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(tiles)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for i := range shuffled {
		// Bins in another order say the same.
		shuffled[i].DHBins = slices.Clone(shuffled[i].DHBins)
		slices.Reverse(shuffled[i].DHBins)
	}
	for _, in := range [][]Tile{tiles, shuffled} {
		b, err := Split(in, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Forced, b.Forced) {
			t.Fatalf("forced %v then %v", a.Forced, b.Forced)
		}
		for id, s := range a.Assign {
			if b.Assign[id] != s {
				t.Fatalf("tile %s: %s then %s", id, s, b.Assign[id])
			}
		}
	}
	if len(a.Forced) == 0 {
		t.Error("nothing forced: the test does not test the cover")
	}
	if miss := uncovered(tiles, a.Assign, "train", 10); len(miss) > 0 {
		t.Errorf("train misses bins %v", miss)
	}
}

// TestCoverExceedsTarget: ten tiles each alone in a bin of 100 pixels need
// ten tiles in train, whose target is five: five are forced, sizes stay
// exact, and both the shortfall and the bins left out are violations.
func TestCoverExceedsTarget(t *testing.T) {
	var tiles []Tile
	for i := range 10 {
		tiles = append(tiles, Tile{ID: fmt.Sprintf("T%d", i), DHBins: []Bin{{DH: int32(10 + i), Pixels: 100}}})
	}
	res, err := Split(tiles, Config{Ratios: map[string]float64{"train": 0.5, "test": 0.5}, Seed: 1, CoverRange: "train"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Forced) != 5 || res.Subsets[0].Tiles != 5 {
		t.Errorf("forced %v, train %d tiles; want 5 forced and 5 tiles", res.Forced, res.Subsets[0].Tiles)
	}
	for _, want := range []string{
		"train needs 10 tiles to hold every 1 m ΔH bin with ≥ 50 changed pixels, more than its target of 5: 5 forced",
		"train holds no changed pixel in 5 of the 10 1 m ΔH bins with ≥ 50 changed pixels in the dataset: ",
	} {
		if !mentions(res.Violations, want) {
			t.Errorf("no violation %q in %q", want, res.Violations)
		}
	}
}

// TestCheckUncovered checks the check itself, on a split made by hand.
func TestCheckUncovered(t *testing.T) {
	tiles := []Tile{
		{ID: "A", DHBins: []Bin{{DH: -1, Pixels: 80}, {DH: 0, Pixels: 80}, {DH: 1, Pixels: 80}}},
		{ID: "B", DHBins: []Bin{{DH: 20, Pixels: 3}, {DH: 35, Pixels: 500}}},
		{ID: "C", DHBins: []Bin{{DH: 1, Pixels: 10}}},
	}
	tests := []struct {
		assign map[string]string
		want   string // "" for no violation
	}{
		{map[string]string{"A": "train", "B": "train", "C": "test"}, ""},
		{map[string]string{"A": "train", "B": "test", "C": "test"}, "train holds no changed pixel in 1 of the 4 1 m ΔH bins with ≥ 50 changed pixels in the dataset: [+35, +36) m"},
		{map[string]string{"A": "test", "B": "train", "C": "train"}, "in 2 of the 4 1 m ΔH bins with ≥ 50 changed pixels in the dataset: [-1, +1) m"},
	}
	for i, tc := range tests {
		v := check(Result{Assign: tc.assign}, tiles, Config{CoverRange: "train"}, 0.01)
		switch {
		case tc.want == "" && len(v) > 0:
			t.Errorf("%d: violations %q", i, v)
		case tc.want != "" && (len(v) != 1 || !strings.Contains(v[0], tc.want)):
			t.Errorf("%d: violations %q, want %q", i, v, tc.want)
		}
	}
}

func TestFormatBins(t *testing.T) {
	tests := []struct {
		bins []int
		want string
	}{
		{nil, ""},
		{[]int{20}, "[+20, +21) m"},
		{[]int{-1, 0, 1, 20}, "[-1, +2) m, [+20, +21) m"},
		{[]int{-25, -24, 3, 5, 6}, "[-25, -23) m, [+3, +4) m, [+5, +7) m"},
		{[]int{-3, -2, -1}, "[-3, 0) m"},
	}
	for _, tc := range tests {
		if got := FormatBins(tc.bins); got != tc.want {
			t.Errorf("FormatBins(%v) = %q, want %q", tc.bins, got, tc.want)
		}
	}
}
