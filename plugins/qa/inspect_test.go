package qa

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/plugins"
)

// TestInspectCounts checks what inspect counts inside the tile (the work
// window's inner part): stripe pixels, with the values they hold, and
// voids outside stripes; and, over the whole window, which pixels are
// valid. The stripe marks are the direct scan's (thinBandsRef), so a
// wrong count is inspect's own.
func TestInspectCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	s := New()
	s.Cfg.StripeMinLength, s.Cfg.StripeMaxWidth = 5, 2
	s.Cfg.MaxVoidFraction = 0
	describe := func(k uint32) string { return fmt.Sprint(k) }
	var sawStripes, sawVoids, voidsOnly int
	for trial := range 1000 {
		w, h := 6+r.IntN(30), 6+r.IntN(30)
		a := &analysis{w: w, h: h}
		a.tw, a.th = 1+r.IntN(w), 1+r.IntN(h)
		a.x0, a.y0 = r.IntN(w-a.tw+1), r.IntN(h-a.th+1)
		keys := make([]uint32, w*h)
		for i := range keys {
			keys[i] = uint32(1000 + i)
		}
		for range r.IntN(8) {
			// Lines and blocks of one key, nodata or pixels outside the files.
			bw, bh := 1+r.IntN(w), 1+r.IntN(3)
			if r.IntN(2) == 0 {
				bw, bh = bh, 1+r.IntN(h)
			}
			bw, bh = min(bw, w), min(bh, h)
			x0, y0 := r.IntN(w-bw+1), r.IntN(h-bh+1)
			k := []uint32{7, 9, invalidKey, skipKey}[r.IntN(4)]
			for y := y0; y < y0+bh; y++ {
				for x := x0; x < x0+bw; x++ {
					keys[y*w+x] = k
				}
			}
		}
		mark := make([]bool, len(keys))
		thinBandsRef(mark, keys, w, h, s.Cfg.StripeMinLength, s.Cfg.StripeMaxWidth)
		var stripes, voids int
		values := map[uint32]bool{}
		for y := a.y0; y < a.y0+a.th; y++ {
			for x := a.x0; x < a.x0+a.tw; x++ {
				i := y*w + x
				if mark[i] {
					stripes++
					values[keys[i]] = true
				} else if keys[i] == invalidKey {
					voids++
				}
			}
		}
		inner := float64(a.tw * a.th)
		var want []plugins.Finding
		if stripes > 0 {
			want = append(want, s.finding(CheckStripes, "dsm_t0", float64(stripes)/inner,
				fmt.Sprintf("%d px in thin runs of one value: %s", stripes, describeValues(values, describe))))
			sawStripes++
		}
		if voids > 0 && !slices.Contains(mark, true) {
			// inspect's path for a window without a stripe anywhere.
			voidsOnly++
		}
		if voids > 0 {
			want = append(want, s.finding(CheckVoids, "dsm_t0", float64(voids)/inner, fmt.Sprintf("%d px of nodata outside stripes", voids)))
			sawVoids++
		}
		ok, got := s.inspect(a, "dsm_t0", keys, true, describe)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("trial %d (%d×%d, tile %d×%d at %d,%d):\n got %v\nwant %v", trial, w, h, a.tw, a.th, a.x0, a.y0, got, want)
		}
		for i, k := range keys {
			if wantOK := k != skipKey && k != invalidKey && !mark[i]; ok[i] != wantOK {
				t.Fatalf("trial %d: pixel %d (key %d, stripe %v) valid %v, want %v", trial, i, k, mark[i], ok[i], wantOK)
			}
		}
	}
	if sawStripes < 30 || sawVoids < 30 || voidsOnly < 30 {
		t.Errorf("%d trials with stripes, %d with voids in the tile, %d with voids and no stripe: the cases test too little", sawStripes, sawVoids, voidsOnly)
	}
}

// BenchmarkInspect checks one epoch's orthophoto window of a 200 m tile
// at 0.25 m with a 21 m halo (968 × 968): every pixel its own key, with
// and without a nodata stripe.
func BenchmarkInspect(b *testing.B) {
	const w, h, halo = 968, 968, 84
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]uint32, w*h)
	for i := range keys {
		keys[i] = r.Uint32() & 0xffffff
	}
	s := New()
	a := &analysis{w: w, h: h, x0: halo, y0: halo, tw: w - 2*halo, th: h - 2*halo}
	describe := func(k uint32) string { return fmt.Sprint(k) }
	b.Run("clean", func(b *testing.B) {
		for b.Loop() {
			s.inspect(a, "ortho_t0", keys, false, describe)
		}
	})
	for x := 100; x < 900; x++ {
		keys[500*w+x] = invalidKey
	}
	b.Run("stripe", func(b *testing.B) {
		for b.Loop() {
			s.inspect(a, "ortho_t0", keys, false, describe)
		}
	})
}
