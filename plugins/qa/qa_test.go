package qa

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/plugins"
)

// picture turns rows of characters into keys: '.' is a varying surface
// (every pixel its own value), 'x' nodata, '0' a zero, '-' outside every file.
func picture(rows ...string) ([]uint32, int, int) {
	w, h := len(rows[0]), len(rows)
	keys := make([]uint32, w*h)
	for y, r := range rows {
		for x, c := range r {
			i := y*w + x
			switch c {
			case '.':
				keys[i] = uint32(1000 + i)
			case 'x':
				keys[i] = invalidKey
			case '0':
				keys[i] = 0
			case '-':
				keys[i] = skipKey
			}
		}
	}
	return keys, w, h
}

// count is how many of out are set.
func count(out []bool) int {
	n := 0
	for _, m := range out {
		if m {
			n++
		}
	}
	return n
}

func marks(out []bool, w int) string {
	var b strings.Builder
	for i, m := range out {
		if i > 0 && i%w == 0 {
			b.WriteByte('|')
		}
		if m {
			b.WriteByte('#')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func TestThinBands(t *testing.T) {
	tests := []struct {
		name string
		rows []string
		want string // '#' for stripe pixels, rows joined by '|'
	}{
		{"full-width nodata row", []string{"........", "xxxxxxxx", "........"},
			"........|########|........"},
		{"partial zero row", []string{"........", "..0000..", "........"},
			"........|..####..|........"},
		{"short run is no stripe", []string{"........", "...00...", "........"},
			"........|........|........"},
		{"vertical stripe", []string{"..x.....", "..x.....", "..x.....", "..x....."},
			"..#.....|..#.....|..#.....|..#....."},
		{"thick block is a void, not a stripe", []string{"xxxxxx..", "xxxxxx..", "xxxxxx..", "xxxxxx.."},
			"........|........|........|........"},
		{"two-row band", []string{"........", "00000000", "00000000", "........"},
			"........|########|########|........"},
		{"outside the files breaks runs", []string{"........", "xx--xx..", "........"},
			"........|........|........"},
		{"stripe meeting the outside stays thin", []string{"--------", "00000000", "........"},
			"........|########|........"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, w, h := picture(tt.rows...)
			// Runs of 4, bands up to 2 thick.
			if got := marks(stripes(keys, w, h, 4, 2), w); got != tt.want {
				t.Errorf("stripes\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// city renders a point-sampled DSM of rectangular buildings on gently
// sloping ground, the whole world displaced by (dx, dy) pixels east and
// north: the value of a pixel is the surface at its centre, as the
// synthetic DSMs and LiDAR rasters are.
func city(seed, epoch uint64, w, h int, dx, dy float64, noise float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	type box struct{ x0, y0, x1, y1, z float64 }
	var boxes []box
	for range 60 {
		x, y := r.Float64()*float64(w), r.Float64()*float64(h)
		boxes = append(boxes, box{x, y, x + 6 + r.Float64()*20, y + 6 + r.Float64()*20, 3 + r.Float64()*20})
	}
	n := rand.New(rand.NewPCG(seed, 2+epoch)) // each flight its own noise
	out := make([]float32, w*h)
	for row := range h {
		for col := range w {
			// The t0 point under this t1 pixel centre: east is +col, north −row.
			x, y := float64(col)+0.5-dx, float64(row)+0.5+dy
			z := 690 + 0.02*x + 0.01*y
			for _, b := range boxes {
				if x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1 {
					z = max(z, 690+b.z)
				}
			}
			out[row*w+col] = float32(z + noise*n.NormFloat64())
		}
	}
	return out
}

func TestEstimateShift(t *testing.T) {
	const w, h = 200, 200
	ok := make([]bool, w*h)
	for i := range ok {
		ok[i] = true
	}
	tests := []struct {
		dx, dy float64 // pixels east, north
		bias   float32
	}{
		{0, 0, 0}, {0.5, 0, 0}, {0.3, 0, 0.3}, {-1.25, 0.4, 0}, {0, -0.7, -0.5}, {2.5, 2, 0},
	}
	for _, tt := range tests {
		a := city(7, 0, w, h, 0, 0, 0.15)
		b := city(7, 1, w, h, tt.dx, tt.dy, 0.15)
		for i := range b {
			b[i] += tt.bias
		}
		sx, sy, used, fine := estimateShift(a, b, ok, ok, w, h, 0, 0, w, h, tt.bias)
		if !fine {
			t.Errorf("shift (%g, %g): not estimated", tt.dx, tt.dy)
			continue
		}
		if math.Abs(sx-tt.dx) > 0.15 || math.Abs(sy-tt.dy) > 0.15 {
			t.Errorf("shift (%g, %g) estimated (%.3f, %.3f)", tt.dx, tt.dy, sx, sy)
		}
		if used < w*h/2 {
			t.Errorf("shift (%g, %g) from %d pixels", tt.dx, tt.dy, used)
		}
	}
	// A flat, featureless pair has no shift to find.
	flat := make([]float32, w*h)
	if _, _, _, fine := estimateShift(flat, flat, ok, ok, w, h, 0, 0, w, h, 0); fine {
		t.Error("a shift was estimated between two flat surfaces")
	}
}

func TestStableMedian(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		bias float64
		want float64
	}{{0, 0}, {0.3, 0.3}, {-0.8, -0.8}, {2.5, 2.5}}
	for _, tt := range tests {
		var v []float32
		for range 20000 {
			v = append(v, float32(tt.bias+0.2*r.NormFloat64()))
		}
		// Changes and trees: large ΔH on a fifth of the pixels, one-sided.
		for range 4000 {
			v = append(v, float32(tt.bias+1.5+3*r.Float64()))
		}
		got, n := stableMedian(v)
		if math.Abs(got-tt.want) > 0.02 || n < 15000 {
			t.Errorf("bias %g: median %.3f of %d values", tt.bias, got, n)
		}
	}
	if m, n := stableMedian(nil); !math.IsNaN(m) || n != 0 {
		t.Errorf("no value: got %g of %d", m, n)
	}
}

// TestStableMedianByDefinition compares stableMedian with its definition,
// refiltering and resorting the candidates every round, on scenes where
// the rounds do and do not converge.
func TestStableMedianByDefinition(t *testing.T) {
	byDefinition := func(candidates []float32) (float64, int) {
		sel := slices.Clone(candidates)
		slices.Sort(sel)
		m := median(sel)
		for range 5 {
			sel = sel[:0]
			for _, v := range candidates {
				if math.Abs(float64(v)-m) < stableDH {
					sel = append(sel, v)
				}
			}
			if len(sel) == 0 {
				return math.NaN(), 0
			}
			slices.Sort(sel)
			next := median(sel)
			if next == m {
				break
			}
			m = next
		}
		return m, len(sel)
	}
	r := rand.New(rand.NewPCG(7, 9))
	for trial := range 300 {
		var v []float32
		for range 1 + r.IntN(3000) {
			switch r.IntN(4) {
			case 0:
				v = append(v, float32(r.NormFloat64()*0.3))
			case 1:
				v = append(v, float32(0.9+r.Float64()*4)) // a drifting, one-sided crowd
			case 2:
				v = append(v, float32(r.IntN(5))*0.5) // ties
			default:
				v = append(v, float32(-30+60*r.Float64()))
			}
		}
		if trial%10 == 0 { // NaNs, which a sort places first
			for range 1 + r.IntN(len(v)) {
				v[r.IntN(len(v))] = float32(math.NaN())
			}
		}
		got, n := stableMedian(v)
		want, wn := byDefinition(v)
		if n != wn || !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("trial %d (%d values): %v of %d, want %v of %d", trial, len(v), got, n, want, wn)
		}
	}
}

func TestVFit(t *testing.T) {
	for _, s := range []float64{-0.5, -0.3, 0, 0.2, 0.49} {
		c := []float64{2 + 3*math.Abs(-1-s), 2 + 3*math.Abs(s), 2 + 3*math.Abs(1-s)}
		if got, ok := vFit(c, 1); !ok || math.Abs(got-s) > 1e-9 {
			t.Errorf("V at %g: fit %g (%v)", s, got, ok)
		}
	}
	if _, ok := vFit([]float64{1, 1, 1}, 1); ok {
		t.Error("flat cost fitted")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *Config)
		attrs []string
	}{
		{"defaults", func(c *Config) {}, nil},
		{"policies", func(c *Config) { c.OnStripes, c.OnBias, c.OnMissing = "fail", "exclude", "flag" }, nil},
		{"unknown policy", func(c *Config) { c.OnVoids = "drop" }, []string{"on_voids"}},
		{"bad thresholds", func(c *Config) { c.MaxAbsDH, c.MaxBias, c.MaxShift = 0, -1, math.Inf(1) },
			[]string{"max_abs_dh", "max_bias", "max_shift"}},
		{"bad void fraction", func(c *Config) { c.MaxVoidFraction = 1 }, []string{"max_void_fraction"}},
		{"bad stripe sizes", func(c *Config) { c.StripeMinLength, c.StripeMaxWidth = 1, 0 }, []string{"stripe_min_length", "stripe_max_width"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			tt.edit(&s.Cfg)
			var got []string
			for _, p := range s.Validate() {
				got = append(got, p.Attribute)
				if p.Detail == "" || p.Summary == "" {
					t.Errorf("problem without text: %+v", p)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.attrs, ",") {
				t.Errorf("problems on %v, want %v", got, tt.attrs)
			}
		})
	}
}

func TestDefaultPolicies(t *testing.T) {
	s := New()
	for check, want := range map[string]plugins.Policy{
		CheckStripes: plugins.PolicyExclude, CheckVoids: plugins.PolicyExclude,
		CheckUnreadable: plugins.PolicyExclude, CheckMissing: plugins.PolicyExclude,
		CheckBias: plugins.PolicyFlag, CheckShift: plugins.PolicyFlag, CheckImplausible: plugins.PolicyFlag,
	} {
		if got := s.Policy(check); got != want {
			t.Errorf("%s: default policy %s, want %s", check, got, want)
		}
	}
}

func TestOutputs(t *testing.T) {
	dsm := plugins.Product{Kind: plugins.DSM, Resolution: 1}
	ortho := plugins.Product{Kind: plugins.Orthophoto, Resolution: 0.25}
	tests := []struct {
		name    string
		in      map[string]plugins.Product
		problem string
	}{
		{"DSMs", map[string]plugins.Product{"dsm_t0": dsm, "dsm_t1": dsm}, ""},
		{"both orthophotos", map[string]plugins.Product{"dsm_t0": dsm, "dsm_t1": dsm, "ortho_t0": ortho, "ortho_t1": ortho}, ""},
		{"one orthophoto", map[string]plugins.Product{"dsm_t0": dsm, "dsm_t1": dsm, "ortho_t1": ortho}, "ortho_t1"},
	}
	for _, tt := range tests {
		out, problems := New().Outputs(tt.in)
		if len(out) != 0 {
			t.Errorf("%s: products %v; the step writes none", tt.name, out)
		}
		var got string
		if len(problems) > 0 {
			got = problems[0].Attribute
		}
		if got != tt.problem {
			t.Errorf("%s: problem on %q, want %q", tt.name, got, tt.problem)
		}
	}
}

// thinBandsRef is thinBands scanning every pixel of every line: each run
// found from its first pixel, columns read row by row.
func thinBandsRef(out []bool, keys []uint32, w, h, minLen, maxWidth int) {
	out = out[:len(keys)]
	// Along rows.
	for y := 0; y < h; y++ {
		row := keys[y*w : (y+1)*w]
		for x := 0; x < w; {
			k := row[x]
			end := x + 1
			for end < w && row[end] == k {
				end++
			}
			if k != skipKey && end-x >= minLen {
				for m := x; m < end; m++ {
					if p := y*w + m; !out[p] && thickness(keys, p, y, h, w, k, maxWidth) <= maxWidth {
						out[p] = true
					}
				}
			}
			x = end
		}
	}
	// Along columns, row by row so memory is read in order: start[x] is
	// where the run of column x that reaches the current row began.
	start := make([]int, w)
	closeRun := func(x, from, to int) {
		k := keys[from*w+x]
		if k == skipKey || to-from < minLen {
			return
		}
		for y := from; y < to; y++ {
			if p := y*w + x; !out[p] && thickness(keys, p, x, w, 1, k, maxWidth) <= maxWidth {
				out[p] = true
			}
		}
	}
	for y := 1; y <= h; y++ {
		for x := 0; x < w; x++ {
			if y == h || keys[y*w+x] != keys[(y-1)*w+x] {
				if y-start[x] >= minLen {
					closeRun(x, start[x], y)
				}
				start[x] = y
			}
		}
	}
}

// TestThinBandsMatchesReference compares thinBands with the direct scan on
// rasters of random runs along rows and columns, bands of every thickness,
// pixels outside the files, and lines shorter than a stripe.
func TestThinBandsMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for trial := range 400 {
		w, h := 1+r.IntN(60), 1+r.IntN(60)
		minLen, maxWidth := 2+r.IntN(20), 1+r.IntN(8)
		keys := make([]uint32, w*h)
		for i := range keys {
			keys[i] = uint32(1000 + i)
		}
		// Rectangles of one key: thin and thick, long and short.
		for range r.IntN(12) {
			bw, bh := 1+r.IntN(w), 1+r.IntN(h)
			if r.IntN(2) == 0 {
				bh = 1 + r.IntN(3)
			} else {
				bw = 1 + r.IntN(3)
			}
			bw, bh = min(bw, w), min(bh, h)
			x0, y0 := r.IntN(w-bw+1), r.IntN(h-bh+1)
			k := []uint32{0, invalidKey, skipKey, 7}[r.IntN(4)]
			for y := y0; y < y0+bh; y++ {
				for x := x0; x < x0+bw; x++ {
					keys[y*w+x] = k
				}
			}
		}
		// Sparse repeats: a pixel taking its left or upper neighbour's key.
		for range r.IntN(w*h/4 + 1) {
			i := r.IntN(len(keys))
			if i%w > 0 && r.IntN(2) == 0 {
				keys[i] = keys[i-1]
			} else if i >= w {
				keys[i] = keys[i-w]
			}
		}
		got, want := make([]bool, len(keys)), make([]bool, len(keys))
		n := thinBands(got, keys, w, h, minLen, maxWidth)
		thinBandsRef(want, keys, w, h, minLen, maxWidth)
		if g, wt := marks(got, w), marks(want, w); g != wt {
			t.Fatalf("trial %d (%d×%d, runs of %d, bands up to %d):\n got %s\nwant %s", trial, w, h, minLen, maxWidth, g, wt)
		}
		// inspect skips the stripe tests when none is marked: the count
		// must be the marks'.
		if wt := count(want); n != wt {
			t.Fatalf("trial %d: thinBands reports %d pixels marked, it marked %d", trial, n, wt)
		}
	}
}

func BenchmarkThinBands(b *testing.B) {
	// A 0.25 m orthophoto tile with its halo: every pixel its own key but
	// for one nodata stripe.
	const w, h = 968, 968
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]uint32, w*h)
	for i := range keys {
		keys[i] = r.Uint32() & 0xffffff
	}
	for x := 100; x < 900; x++ {
		keys[500*w+x] = invalidKey
	}
	out := make([]bool, len(keys))
	for _, bc := range []struct {
		name string
		f    func(out []bool, keys []uint32, w, h, minLen, maxWidth int)
	}{{"skip", func(out []bool, keys []uint32, w, h, minLen, maxWidth int) {
		thinBands(out, keys, w, h, minLen, maxWidth)
	}}, {"direct", thinBandsRef}} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				clear(out)
				bc.f(out, keys, w, h, 16, 8)
			}
		})
	}
}

// stripes is thinBands on a buffer from the pool, which a previous tile
// left marked: the pool must hand it back cleared.
func stripes(keys []uint32, w, h, minLen, maxWidth int) []bool {
	dirty := getBools(len(keys))
	for i := range dirty {
		dirty[i] = true
	}
	putBools(dirty)
	out := getBools(len(keys))
	thinBands(out, keys, w, h, minLen, maxWidth)
	return out
}

// selectMedian gives median(sorted) exactly, NaNs counted as the smallest
// values, on sizes from one value up, with ties, NaNs and orders a plain
// quickselect handles badly (sorted, reversed, all equal).
func TestSelectMedianMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 4))
	for trial := range 2000 {
		n := 1 + r.IntN(200)
		if trial%50 == 0 {
			n = 5000 + r.IntN(5000)
		}
		v := make([]float32, n)
		for i := range v {
			switch trial % 5 {
			case 0:
				v[i] = float32(r.IntN(4)) // ties
			case 1:
				v[i] = float32(i) // sorted
			case 2:
				v[i] = float32(n - i) // reversed
			case 3:
				v[i] = 7 // all equal
			default:
				v[i] = float32(r.NormFloat64())
			}
		}
		if trial%7 == 0 {
			for range 1 + r.IntN(n) {
				v[r.IntN(n)] = float32(math.NaN())
			}
		}
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		want := median(sorted)
		got := selectMedian(slices.Clone(v))
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("trial %d (%d values, kind %d): %v, sorted %v", trial, n, trial%5, got, want)
		}
	}
}
