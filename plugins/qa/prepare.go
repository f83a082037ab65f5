package qa

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/coreg"
	"github.com/cdflow/cdflow/plugins"
)

// sceneSample is how many tiles, spread over the grid, the scene-wide bias
// and shift are measured on before the run.
const sceneSample = 8

// Prepare keeps the inputs' files (their extents tell missing sheets, their
// read errors unreadable ones) and measures the scene's vertical bias and
// horizontal shift on a sample of tiles, the shift by Nuth & Kääb
// coregistration. With correct_shift, a scene shift beyond max_shift is
// taken out of the later DSM wherever it is read (resampled at the shifted
// positions); with correct_bias, a scene bias beyond max_bias, measured
// after that shift, is subtracted from it. So ΔH, the 3D change map and the
// published DSM window agree.
//
// The correction is decided before the run, on a sample, rather than
// applied to finished tiles: the threshold must see the corrected ΔH (a
// 0.3 m bias moves pixels across a 1 m threshold), and a second pass over
// every tile would read and write everything twice.
func (s *Step) Prepare(ctx context.Context, sc *plugins.Scene) (*plugins.Preparation, error) {
	files := map[string][]plugins.SourceFile{}
	for name, in := range sc.Inputs {
		files[name] = in.Files()
	}
	s.mu.Lock()
	s.files = files
	s.mu.Unlock()
	if s.Policy(CheckUnreadable) == plugins.PolicyFail {
		if err := s.failUnreadable(sc); err != nil {
			return nil, err
		}
	}

	if sc.Inputs["dsm_t0"] == nil || sc.Inputs["dsm_t1"] == nil || len(sc.Tiles) == 0 {
		return &plugins.Preparation{}, nil
	}
	n := min(sceneSample, len(sc.Tiles))
	results := make([]*analysis, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for k := range n {
		st := sc.Tiles[k*len(sc.Tiles)/n]
		g.Go(func() error {
			t := &plugins.Tile{ID: st.ID, Extent: st.Extent, Work: st.Work, CRS: sc.CRS}
			in := map[string]plugins.TileInput{}
			for name, si := range sc.Inputs {
				in[name] = si.At(st)
			}
			a, err := s.analyse(gctx, t, in, true)
			if err != nil {
				return fmt.Errorf("scene sample, tile %s: %w", st.ID, err)
			}
			results[k] = a
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	prep := &plugins.Preparation{}
	var pool []float32
	var east, north []float64
	for _, a := range results {
		pool = append(pool, a.stable...)
		if !math.IsNaN(a.shiftE) {
			east, north = append(east, a.shiftE), append(north, a.shiftN)
		}
	}
	co, err := coregister(ctx, results)
	if err != nil {
		return nil, err
	}

	// The shift first: a bias measured on misregistered DSMs holds some of
	// the shift (walls and slopes), so with the shift corrected the bias is
	// the one left after it.
	shifted := false
	switch {
	case co != nil:
		if m := math.Hypot(co.East, co.North); m > s.Cfg.MaxShift {
			detail := fmt.Sprintf("Nuth & Kääb coregistration of %d sampled tiles (%d px of sloping stable ground, %d iterations): the later DSM lies %+.3f m east, %+.3f m north of the earlier",
				n, co.Pixels, co.Iterations, co.East, co.North)
			switch {
			case s.Cfg.CorrectShift && co.Converged:
				prep.Shifts = map[string][2]float64{"dsm_t1": {co.East, co.North}}
				prep.Lineage = append(prep.Lineage, fmt.Sprintf(
					"the later DSM (dsm_t1) was moved %s and %s (resampled bilinearly, nodata kept), taking out the scene's horizontal shift: Nuth & Kääb (2011) coregistration on %d px of sloping stable ground in %d sampled tiles put it %+.3f m east, %+.3f m north of the earlier DSM, beyond max_shift %g m; stable-ground ΔH NMAD %.3f m before, %.3f m after (correct_shift = true)",
					move(co.East, "east", "west"), move(co.North, "north", "south"), co.Pixels, n, co.East, co.North, s.Cfg.MaxShift, co.NMADBefore, co.NMADAfter))
				detail += "; corrected: the later DSM is resampled at the shifted positions before ΔH"
				shifted = true
			case s.Cfg.CorrectShift:
				detail += fmt.Sprintf("; not corrected: the estimate did not converge in %d iterations", co.Iterations)
			default:
				detail += "; not corrected (correct_shift = false)"
			}
			prep.Findings = append(prep.Findings, s.finding(CheckShift, "dsm_t1", m, detail))
		}
	case len(east) > 0:
		// Too little relief for the coregistration: the tiles' own
		// estimates still tell a gross shift, flagged, never corrected.
		e, nn := medianOf(east), medianOf(north)
		if m := math.Hypot(e, nn); m > s.Cfg.MaxShift {
			prep.Findings = append(prep.Findings, s.finding(CheckShift, "dsm_t1", m,
				fmt.Sprintf("over %d sampled tiles the later DSM lies %+.2f m east, %+.2f m north of the earlier (median); too little relief to coregister, not corrected", len(east), e, nn)))
		}
	}

	bias, used := stableMedian(pool)
	after := ""
	if shifted {
		bias, used, after = co.Bias, co.BiasPixels, " after the shift correction"
	}
	if used > 0 && math.Abs(bias) > s.Cfg.MaxBias {
		detail := fmt.Sprintf("median ΔH of %d px of stable ground in %d sampled tiles%s is %+.3f m (later minus earlier DSM)", used, n, after, bias)
		if s.Cfg.CorrectBias {
			prep.Offsets = map[string]float64{"dsm_t1": bias}
			prep.Lineage = append(prep.Lineage, fmt.Sprintf(
				"the later DSM (dsm_t1) was lowered by %.3f m, the scene's vertical bias: the median ΔH of %d px of stable ground (|ΔH| within %g m of the median, not vegetated) in %d sampled tiles%s, beyond max_bias %g m (correct_bias = true)",
				bias, used, stableDH, n, after, s.Cfg.MaxBias))
			detail += "; corrected: the later DSM is lowered by it before ΔH"
		} else {
			detail += "; not corrected (correct_bias = false)"
		}
		prep.Findings = append(prep.Findings, s.finding(CheckBias, "dsm_t1", bias, detail))
	}
	return prep, nil
}

// coregister estimates the scene's shift and bias by Nuth & Kääb on the
// sampled tiles, fitted together (one shift for the scene, every tile's
// slopes in one fit). It returns nil when the samples have too little
// relief to tell.
func coregister(ctx context.Context, samples []*analysis) (*coreg.Result, error) {
	var pairs []coreg.Pair
	res := 0.0
	for _, a := range samples {
		if a == nil || a.ref == nil {
			continue
		}
		res = a.res
		pairs = append(pairs, coreg.Pair{Ref: a.ref, Moving: a.mov, Width: a.w, Height: a.h, RefValid: a.okRef, MovingValid: a.okMov, Exclude: a.veg})
	}
	if len(pairs) == 0 {
		return nil, nil
	}
	// The bias window is the one the tiles' bias check uses.
	r, err := coreg.NuthKaab(ctx, pairs, coreg.Options{Res: res, StableDH: stableDH})
	if errors.Is(err, coreg.ErrNoRelief) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("qa: scene coregistration: %w", err)
	}
	return &r, nil
}

// move says how far a correction moves the DSM along one axis: opposite to
// where it lies.
func move(v float64, pos, neg string) string {
	if v > 0 {
		return fmt.Sprintf("%.3f m %s", v, neg)
	}
	return fmt.Sprintf("%.3f m %s", -v, pos)
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return median(s)
}

// failUnreadable stops the run before any tile when a file cannot be read
// and on_unreadable says "fail": the pre-pass already knows, so no tile
// need be processed to find out.
func (s *Step) failUnreadable(sc *plugins.Scene) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(sc.Inputs)) {
		for _, f := range sc.Inputs[name].Files() {
			if f.Err == nil {
				continue
			}
			var tiles []string
			for _, t := range sc.Tiles {
				if _, hit := t.Extent.Intersect(f.Extent); hit {
					tiles = append(tiles, t.ID)
				}
			}
			if len(tiles) == 0 {
				continue // outside the grid: it spoils no tile
			}
			if len(tiles) > 4 {
				tiles = append(tiles[:4], fmt.Sprintf("and %d more", len(tiles)-4))
			}
			errs = append(errs, fmt.Errorf("qa: %s:%s on tiles %s: %w; %s = \"fail\" stops the run (set it to \"exclude\" or \"flag\" to go on)",
				CheckUnreadable, name, strings.Join(tiles, ", "), f.Err, s.attr(CheckUnreadable)))
		}
	}
	return errors.Join(errs...)
}
