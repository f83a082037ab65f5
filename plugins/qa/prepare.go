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

	"github.com/cdflow/cdflow/plugins"
)

// sceneSample is how many tiles, spread over the grid, the scene-wide bias
// and shift are measured on before the run.
const sceneSample = 8

// Prepare keeps the inputs' files (their extents tell missing sheets, their
// read errors unreadable ones) and measures the scene's vertical bias and
// horizontal shift on a sample of tiles. With correct_bias, a scene bias
// beyond max_bias is subtracted from the later DSM wherever it is read, so
// ΔH, the 3D change map and the published DSM window agree.
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
	if bias, used := stableMedian(pool); used > 0 && math.Abs(bias) > s.Cfg.MaxBias {
		detail := fmt.Sprintf("median ΔH of %d px of stable ground in %d sampled tiles is %+.3f m (later minus earlier DSM)", used, n, bias)
		if s.Cfg.CorrectBias {
			prep.Offsets = map[string]float64{"dsm_t1": bias}
			prep.Lineage = append(prep.Lineage, fmt.Sprintf(
				"the later DSM (dsm_t1) was lowered by %.3f m, the scene's vertical bias: the median ΔH of %d px of stable ground (|ΔH| within %g m of the median, not vegetated) in %d sampled tiles, beyond max_bias %g m (correct_bias = true)",
				bias, used, stableDH, n, s.Cfg.MaxBias))
			detail += "; corrected: the later DSM is lowered by it before ΔH"
		} else {
			detail += "; not corrected (correct_bias = false)"
		}
		prep.Findings = append(prep.Findings, s.finding(CheckBias, "dsm_t1", bias, detail))
	}
	if len(east) > 0 {
		e, nn := medianOf(east), medianOf(north)
		if m := math.Hypot(e, nn); m > s.Cfg.MaxShift {
			prep.Findings = append(prep.Findings, s.finding(CheckShift, "dsm_t1", m,
				fmt.Sprintf("over %d sampled tiles the later DSM lies %+.2f m east, %+.2f m north of the earlier (median)", len(east), e, nn)))
		}
	}
	return prep, nil
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
