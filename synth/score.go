package synth

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/cdflow/cdflow/raster"
)

// Quality is how a run's labels compare with a scene's truth, over every
// tile the run processed: tiles QA then leaves out of the release have
// labels too, and leaving them out would hide where the labels fail.
type Quality struct {
	Tiles int `json:"tiles"`
	// 2D: cd2d (0.5 m) against truth/change.tif, any non-zero value a change.
	IoU       float64 `json:"iou_cd2d"`
	Precision float64 `json:"precision_cd2d"`
	Recall    float64 `json:"recall_cd2d"`
	// 3D: cd3d (1 m) on the cells a building truly changed (two of the
	// four 0.5 m truth pixels), against truth/dh; a missed change counts
	// with its whole ΔH.
	RMSE         float64 `json:"rmse_cd3d_m"`
	ChangedCells int64   `json:"changed_cells"`
	// False changes: cd3d non-zero on cells with no building change (no
	// truth pixel), as a share of those cells; split into cells where
	// nothing changed and cells where only something else did (trees,
	// vehicles, terrain, temporary structures, roof renovations).
	FalseShare          float64 `json:"false_change_share"`
	FalseShareUnchanged float64 `json:"false_change_share_unchanged"`
	FalseShareOther     float64 `json:"false_change_share_other_change"`
}

func (q Quality) String() string {
	return fmt.Sprintf("IoU(cd2d) %.3f (precision %.3f, recall %.3f), RMSE(cd3d) %.2f m on %d changed cells, false changes %.2f %% (%.2f %% of unchanged cells, %.2f %% of cells with other changes), %d tiles",
		q.IoU, q.Precision, q.Recall, q.RMSE, q.ChangedCells, 100*q.FalseShare, 100*q.FalseShareUnchanged, 100*q.FalseShareOther, q.Tiles)
}

// Score compares the cd2d and cd3d products of a run's tiles (runDir/tiles/*/)
// with the truth of the scene in sceneDir.
func Score(ctx context.Context, sceneDir, runDir string) (Quality, error) {
	var q Quality
	read := func(rel string) (*raster.Image[float32], error) {
		return raster.ReadFile[float32](ctx, filepath.Join(sceneDir, filepath.FromSlash(rel)))
	}
	dh, err := read(fileTruthDH)
	if err != nil {
		return q, fmt.Errorf("score: %w (is %s a cdflow synth scene?)", err, sceneDir)
	}
	change, err := raster.ReadFile[uint8](ctx, filepath.Join(sceneDir, filepath.FromSlash(fileTruthChange)))
	if err != nil {
		return q, fmt.Errorf("score: %w", err)
	}
	other, err := raster.ReadFile[uint8](ctx, filepath.Join(sceneDir, filepath.FromSlash(fileTruthOther)))
	if err != nil {
		return q, fmt.Errorf("score: %w", err)
	}
	tiles, err := filepath.Glob(filepath.Join(runDir, "tiles", "*", "cd2d.tif"))
	if err != nil {
		return q, err
	}
	slices.Sort(tiles)
	if len(tiles) == 0 {
		return q, fmt.Errorf("score: no tiles/*/cd2d.tif in %s: give the run directory of a workflow with a change_mask step named cd2d", runDir)
	}
	var inter, union, pred, truth int64
	var se float64
	var fpU, nU, fpO, nO int64
	for _, p := range tiles {
		if err := ctx.Err(); err != nil {
			return q, err
		}
		cd2, err := raster.ReadFile[uint8](ctx, p)
		if err != nil {
			return q, fmt.Errorf("score: %w", err)
		}
		cd3, err := raster.ReadFile[float32](ctx, filepath.Join(filepath.Dir(p), "cd3d.tif"))
		if err != nil {
			return q, fmt.Errorf("score: %w", err)
		}
		tc, err := raster.Crop(change, cd2.Extent())
		if err != nil {
			return q, fmt.Errorf("score: tile %s: %w", p, err)
		}
		to, err := raster.Crop(other, cd2.Extent())
		if err != nil {
			return q, fmt.Errorf("score: tile %s: %w", p, err)
		}
		td, err := raster.Crop(dh, cd3.Extent())
		if err != nil {
			return q, fmt.Errorf("score: tile %s: %w", p, err)
		}
		for i, v := range cd2.Bands[0] {
			a, b := v != 0, tc.Bands[0][i] != 0
			if a && b {
				inter++
			}
			if a || b {
				union++
			}
			if a {
				pred++
			}
			if b {
				truth++
			}
		}
		w2 := cd2.Width
		for k, v := range cd3.Bands[0] {
			i, j := k%cd3.Width, k/cd3.Width
			var built, others int
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				h := (2*j+d[1])*w2 + 2*i + d[0]
				if tc.Bands[0][h] != 0 {
					built++
				}
				if to.Bands[0][h] != 0 {
					others++
				}
			}
			nodata := cd3.HasNoData && float64(v) == cd3.NoData
			switch {
			case built >= 2:
				if nodata {
					continue
				}
				d := float64(v - td.Bands[0][k])
				if v == 0 {
					d = float64(td.Bands[0][k])
				}
				se += d * d
				q.ChangedCells++
			case built == 0 && !nodata:
				if others > 0 {
					nO++
					if v != 0 {
						fpO++
					}
				} else {
					nU++
					if v != 0 {
						fpU++
					}
				}
			}
		}
		q.Tiles++
	}
	div := func(a, b int64) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	q.IoU, q.Precision, q.Recall = div(inter, union), div(inter, pred), div(inter, truth)
	if q.ChangedCells > 0 {
		q.RMSE = math.Sqrt(se / float64(q.ChangedCells))
	}
	q.FalseShare, q.FalseShareUnchanged, q.FalseShareOther = div(fpU+fpO, nU+nO), div(fpU, nU), div(fpO, nO)
	return q, nil
}
