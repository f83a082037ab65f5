package synth

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/cdflow/cdflow/changemap"
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
	// False changes of the 2D map: cd2d labelled where the truth has no
	// building change, as a share of those pixels.
	FalseShare2D float64 `json:"false_change_share_cd2d"`
	// 3D: cd3d (1 m) on the cells of truth/change_footprint (the changed
	// buildings on the ground, the DSMs' frame), against truth/dh; a
	// missed change counts with its whole ΔH.
	RMSE         float64 `json:"rmse_cd3d_m"`
	ChangedCells int64   `json:"changed_cells"`
	// False changes of the 3D map: cd3d non-zero on cells with no building
	// change on the ground, as a share of those cells; split into cells
	// where nothing changed and cells where only something else did
	// (trees, vehicles, terrain, temporary structures, roof renovations).
	FalseShare          float64 `json:"false_change_share"`
	FalseShareUnchanged float64 `json:"false_change_share_unchanged"`
	FalseShareOther     float64 `json:"false_change_share_other_change"`
	// Building changes as objects: the truth's 8-connected changed regions
	// (0.5 m) within the scored tiles, by area; one is found when the
	// labels cover at least half of its pixels.
	Objects []SizeClass `json:"objects"`
	// RecallObjects20 is the share of changes of 20 m² or more found.
	RecallObjects20 float64 `json:"recall_objects_20m2"`
}

// SizeClass is the object recall of one size class of building changes.
type SizeClass struct {
	Name   string  `json:"name"`
	Count  int     `json:"count"`
	Found  int     `json:"found"`
	Recall float64 `json:"recall"`
}

// sizeClasses bound the classes in m²: < 20, 20–100, ≥ 100.
var sizeClasses = []struct {
	name     string
	min, max float64
}{{"< 20 m²", 0, 20}, {"20–100 m²", 20, 100}, {"> 100 m²", 100, math.Inf(1)}}

func (q Quality) String() string {
	objects := ""
	for _, c := range q.Objects {
		objects += fmt.Sprintf(", %s %d/%d", c.Name, c.Found, c.Count)
	}
	return fmt.Sprintf("IoU(cd2d) %.3f (precision %.3f, recall %.3f), RMSE(cd3d) %.2f m on %d changed cells, false changes %.2f %% (%.2f %% of unchanged cells, %.2f %% of cells with other changes; cd2d %.2f %%), changes found %.3f of those ≥ 20 m² (%s), %d tiles",
		q.IoU, q.Precision, q.Recall, q.RMSE, q.ChangedCells, 100*q.FalseShare, 100*q.FalseShareUnchanged, 100*q.FalseShareOther, 100*q.FalseShare2D, q.RecallObjects20, objects[2:], q.Tiles)
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
	footprint, err := raster.ReadFile[uint8](ctx, filepath.Join(sceneDir, filepath.FromSlash(fileTruthFootprint)))
	if err != nil {
		return q, fmt.Errorf("score: %w (a scene of an older cdflow synth? generate it again)", err)
	}
	tiles, err := filepath.Glob(filepath.Join(runDir, "tiles", "*", "cd2d.tif"))
	if err != nil {
		return q, err
	}
	slices.Sort(tiles)
	if len(tiles) == 0 {
		return q, fmt.Errorf("score: no tiles/*/cd2d.tif in %s: give the run directory of a workflow with a change_mask step named cd2d", runDir)
	}
	// The labels and the scored area on the truth's grid, for the objects.
	cw, ch := change.Width, change.Height
	labelled := make([]bool, cw*ch)
	scored := make([]bool, cw*ch)
	var inter, union, pred, truth, neg2, false2 int64
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
		ox := int(math.Round((cd2.GeoTransform[0] - change.GeoTransform[0]) / change.GeoTransform[1]))
		oy := int(math.Round((cd2.GeoTransform[3] - change.GeoTransform[3]) / change.GeoTransform[5]))
		for i, v := range cd2.Bands[0] {
			p := (oy+i/cd2.Width)*cw + ox + i%cd2.Width
			scored[p] = true
			labelled[p] = v != 0
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
			if !b {
				neg2++
				if a {
					false2++
				}
			}
			if b {
				truth++
			}
		}
		w2 := cd2.Width
		fp, err := raster.Crop(footprint, cd3.Extent())
		if err != nil {
			return q, fmt.Errorf("score: tile %s: %w", p, err)
		}
		for k, v := range cd3.Bands[0] {
			i, j := k%cd3.Width, k/cd3.Width
			others := 0
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				if to.Bands[0][(2*j+d[1])*w2+2*i+d[0]] != 0 {
					others++
				}
			}
			nodata := cd3.HasNoData && float64(v) == cd3.NoData
			switch {
			case fp.Bands[0][k] != 0:
				if nodata {
					continue
				}
				d := float64(v - td.Bands[0][k])
				if v == 0 {
					d = float64(td.Bands[0][k])
				}
				se += d * d
				q.ChangedCells++
			case !nodata:
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
	q.FalseShare2D = div(false2, neg2)
	q.Objects, q.RecallObjects20 = objectRecall(change.Bands[0], labelled, scored, cw, ch, change.GeoTransform[1])
	return q, nil
}

// objectRecall finds the truth's changed regions (8-connected, any class)
// lying mostly in the scored area and counts, per size class, those whose
// pixels are at least half labelled.
func objectRecall(truth []uint8, labelled, scored []bool, w, h int, res float64) ([]SizeClass, float64) {
	classes := make([]SizeClass, len(sizeClasses))
	for i, c := range sizeClasses {
		classes[i].Name = c.name
	}
	var n20, found20 int
	changemap.Regions(truth, w, h, func(region []int32) {
		var in, hit int
		for _, p := range region {
			if scored[p] {
				in++
				if labelled[p] {
					hit++
				}
			}
		}
		if 2*in < len(region) {
			return // mostly outside the scored tiles
		}
		area := float64(len(region)) * res * res
		found := 2*hit >= in
		for i, c := range sizeClasses {
			if area >= c.min && area < c.max {
				classes[i].Count++
				if found {
					classes[i].Found++
				}
			}
		}
		if area >= 20 {
			n20++
			if found {
				found20++
			}
		}
	})
	for i := range classes {
		if classes[i].Count > 0 {
			classes[i].Recall = float64(classes[i].Found) / float64(classes[i].Count)
		}
	}
	var r20 float64
	if n20 > 0 {
		r20 = float64(found20) / float64(n20)
	}
	return classes, r20
}
