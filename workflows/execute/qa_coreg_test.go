package execute_test

import (
	"context"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows/execute"
)

// TestQACorrectShift generates one 1 km² scene twice, clean and with the
// whole later epoch moved 0.5 m east and raised 0.3 m, and runs the
// defective one with and without correct_shift and correct_bias. The qa
// pre-pass must coregister the DSMs (Nuth & Kääb) to within 0.1 m of the
// injected shift and 0.05 m of the bias, say so in the findings and the
// lineage, and the corrected ΔH must match the clean scene's ΔH far better
// than the uncorrected one does.
func TestQACorrectShift(t *testing.T) {
	const injectE, injectN, injectBias = 0.5, 0.0, 0.3
	base := t.TempDir()
	dirs := map[string]string{"none": filepath.Join(base, "none"), "shift=0.5,bias=0.3": filepath.Join(base, "shifted")}
	var g errgroup.Group
	for defects, dir := range dirs {
		g.Go(func() error {
			d, err := synth.ParseDefects(defects)
			if err != nil {
				return err
			}
			_, err = synth.Generate(context.Background(), synth.Options{Out: dir, ExtentKm: [2]float64{1, 1}, SheetKm: 0.5, Seed: 1, Defects: d})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	clean, shifted := dirs["none"], dirs["shift=0.5,bias=0.3"]
	const on = `on_unreadable = "fail"`
	_, resClean := run(t, qaPlan(t, clean), 2)
	_, resRaw := run(t, qaPlan(t, shifted), 2)
	_, resFixed := run(t, qaPlan(t, shifted, on, on+"\n  correct_shift = true\n  correct_bias  = true"), 2)

	// Without the attributes the shift and the bias are flagged only.
	for _, f := range resRaw.Findings {
		if strings.Contains(f.Detail, "; corrected") {
			t.Errorf("uncorrected run: finding %s says it was corrected", f)
		}
	}
	if len(resRaw.Lineage) != 0 {
		t.Errorf("uncorrected run: lineage %q", resRaw.Lineage)
	}

	// The estimate, as the scene's findings report it.
	var shift, bias *plugins.Finding
	for i, f := range resFixed.Findings {
		switch f.Check {
		case "shift":
			shift = &resFixed.Findings[i]
		case "bias":
			bias = &resFixed.Findings[i]
		default:
			t.Errorf("unexpected scene finding %s", f)
		}
	}
	if shift == nil || bias == nil {
		t.Fatalf("scene findings %v, want a shift and a bias", resFixed.Findings)
	}
	m := regexp.MustCompile(`([+-][0-9.]+) m east, ([+-][0-9.]+) m north`).FindStringSubmatch(shift.Detail)
	if m == nil {
		t.Fatalf("shift finding %q does not give east and north", shift.Detail)
	}
	east, _ := strconv.ParseFloat(m[1], 64)
	north, _ := strconv.ParseFloat(m[2], 64)
	t.Logf("estimated shift (%+.3f, %+.3f) m, bias %+.3f m; injected (%+g, %+g) m, %+g m", east, north, bias.Value, injectE, injectN, injectBias)
	t.Logf("shift: %s", shift.Detail)
	t.Logf("bias: %s", bias.Detail)
	if math.Abs(east-injectE) > 0.1 || math.Abs(north-injectN) > 0.1 || math.Abs(shift.Value-math.Hypot(east, north)) > 0.002 {
		t.Errorf("shift estimated (%+.3f, %+.3f) m, magnitude %.3f m; injected (%+g, %+g) m", east, north, shift.Value, injectE, injectN)
	}
	if math.Abs(bias.Value-injectBias) > 0.05 {
		t.Errorf("bias estimated %+.3f m after the shift, injected %+g m", bias.Value, injectBias)
	}
	for _, f := range []*plugins.Finding{shift, bias} {
		if !strings.Contains(f.Detail, "; corrected") {
			t.Errorf("finding %s does not say it was corrected", f)
		}
	}
	if !strings.Contains(bias.Detail, "after the shift correction") {
		t.Errorf("bias finding %q is not the bias after the shift", bias.Detail)
	}
	if len(resFixed.Lineage) != 2 || !strings.Contains(resFixed.Lineage[0], "was moved") ||
		!strings.Contains(resFixed.Lineage[0], "Nuth & Kääb") || !strings.Contains(resFixed.Lineage[1], "lowered by") {
		t.Errorf("lineage %q does not record the shift, then the bias", resFixed.Lineage)
	}
	for _, l := range resFixed.Lineage {
		t.Logf("lineage: %s", l)
	}

	// ΔH against the clean scene's, over the pixels valid in all three
	// runs. The later DSM was rasterized from points that moved half a
	// pixel, so on walls and roof edges its cells hold other points than
	// the clean scene's: no resampling brings those back, and they keep
	// the RMSE up. The median absolute difference, which is most of the
	// ground, shows what the correction does.
	var sumRaw, sumFixed float64
	var adRaw, adFixed []float64
	for i, tc := range resClean.Tiles {
		tr, tf := resRaw.Tiles[i], resFixed.Tiles[i]
		if tr.Tile.ID != tc.Tile.ID || tf.Tile.ID != tc.Tile.ID {
			t.Fatalf("tile %d: %s, %s, %s: the runs' tiles differ", i, tc.Tile.ID, tr.Tile.ID, tf.Tile.ID)
		}
		c, r, f := readDH(t, resClean, tc), readDH(t, resRaw, tr), readDH(t, resFixed, tf)
		for k, v := range c.Bands[0] {
			if c.IsNoData(v) || r.IsNoData(r.Bands[0][k]) || f.IsNoData(f.Bands[0][k]) {
				continue
			}
			dr, df := float64(r.Bands[0][k]-v), float64(f.Bands[0][k]-v)
			sumRaw += dr * dr
			sumFixed += df * df
			adRaw, adFixed = append(adRaw, math.Abs(dr)), append(adFixed, math.Abs(df))
		}
	}
	n := len(adRaw)
	if n == 0 {
		t.Fatal("no pixel valid in every run")
	}
	slices.Sort(adRaw)
	slices.Sort(adFixed)
	rmseRaw, rmseFixed := math.Sqrt(sumRaw/float64(n)), math.Sqrt(sumFixed/float64(n))
	mRaw, mFixed := adRaw[n/2], adFixed[n/2]
	t.Logf("ΔH against the clean scene over %d px: RMSE %.3f m uncorrected, %.3f m corrected (%.2f×); median |difference| %.3f m, %.3f m (%.1f×); 90th percentile %.3f m, %.3f m",
		n, rmseRaw, rmseFixed, rmseRaw/rmseFixed, mRaw, mFixed, mRaw/mFixed, adRaw[n*9/10], adFixed[n*9/10])
	if !(rmseFixed < rmseRaw/1.4) {
		t.Errorf("ΔH RMSE against the clean scene %.3f m corrected, %.3f m uncorrected: want at least 1.4× smaller", rmseFixed, rmseRaw)
	}
	if !(mFixed < mRaw/4) || !(mFixed < 0.1) {
		t.Errorf("median |ΔH − clean ΔH| %.3f m corrected, %.3f m uncorrected: want at least 4× smaller and below 0.1 m", mFixed, mRaw)
	}

	// Tiles no longer see the bias, and see no more shift than the clean
	// scene's sampling shows.
	shiftTiles := func(res *execute.Result) int {
		n := 0
		for _, tr := range res.Tiles {
			for _, f := range tr.Findings {
				if f.Check == "shift" {
					n++
				}
				if f.Check == "bias" && res == resFixed {
					t.Errorf("tile %s: %s after the correction", tr.Tile.ID, f)
				}
			}
		}
		return n
	}
	nClean, nRaw, nFixed := shiftTiles(resClean), shiftTiles(resRaw), shiftTiles(resFixed)
	t.Logf("tiles flagged for shift: %d clean, %d uncorrected, %d corrected", nClean, nRaw, nFixed)
	if nFixed > nClean+2 {
		t.Errorf("%d tiles flagged for shift after the correction, %d in the clean scene", nFixed, nClean)
	}
}

func readDH(t *testing.T, res *execute.Result, tr execute.TileResult) *raster.Image[float32] {
	t.Helper()
	p, ok := tr.Products["dh"]
	if !ok {
		t.Fatalf("tile %s has no dh", tr.Tile.ID)
	}
	img, err := raster.ReadFile[float32](context.Background(), filepath.Join(filepath.Dir(res.Dir), p))
	if err != nil {
		t.Fatal(err)
	}
	return img
}
