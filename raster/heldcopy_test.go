package raster

import (
	"context"
	"testing"
)

// TestHeldCopy reads windows at full resolution right after resampling
// them, as a tile's QA step does after its resample step: the pixels come
// from the worker's in-memory copy when it holds them all, and must equal
// a read of the source itself, at the source's edges and across a
// mosaic's files too.
func TestHeldCopy(t *testing.T) {
	ctx := context.Background()
	s := makeScene(t)
	type win struct {
		e      Extent
		served bool // from the copy the resampling read left
	}
	cases := []struct {
		name     string
		files    []string
		res, out float64
		reads    []win // each: a resampling read at out, then a full-resolution one
	}{
		{"orthophoto", []string{s.ortho}, 0.25, 0.5, []win{
			{Extent{355020, 4610020, 355060, 4610060}, true},
			// Across the east edge: the copy stops there too.
			{Extent{355080, 4610040, 355120, 4610080}, true},
		}},
		{"DSM mosaic across two files", []string{s.dsmA, s.dsmB}, 1, 2, []win{
			{Extent{355040, 4610020, 355080, 4610060}, true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := OpenMosaic(ctx, tc.files, MosaicOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			wctx := WithWorker(ctx, 0)
			// sameAsSource reads w as the worker and as nobody's, from
			// the source: both must agree.
			sameAsSource := func(w Window) {
				t.Helper()
				got, err := Read[float32](wctx, m, w)
				if err != nil {
					t.Fatal(err)
				}
				want, err := Read[float32](ctx, m, w)
				if err != nil {
					t.Fatal(err)
				}
				equalImages(t, got, want, 0)
			}
			for _, w := range tc.reads {
				if _, err := Read[float32](wctx, m, Window{Extent: w.e, ResX: tc.out, ResY: tc.out, Method: "average"}); err != nil {
					t.Fatal(err)
				}
				full := Window{Extent: w.e, ResX: tc.res, ResY: tc.res}
				d, ok := planDirect(m.info, full, "nearest")
				if !ok {
					t.Fatalf("%v: not a direct read", w.e)
				}
				if _, _, _, held := m.heldCopy(wctx, d.srcX, d.srcY, d.srcW, d.srcH); held != w.served {
					t.Errorf("%v: served from the copy %v, want %v", w.e, held, w.served)
				}
				sameAsSource(full)
			}
			// A window the copy does not hold all of is read from the source.
			wide := Window{Extent: Extent{355000, 4610000, 355100, 4610080}, ResX: tc.res, ResY: tc.res}
			d, _ := planDirect(m.info, wide, "nearest")
			if _, _, _, held := m.heldCopy(wctx, d.srcX, d.srcY, d.srcW, d.srcH); held {
				t.Error("the whole source served from a window's copy")
			}
			sameAsSource(wide)
		})
	}
}
