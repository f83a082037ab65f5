package synth

import (
	"context"
	"math"
	"path/filepath"
	"sync"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth/internal/world"
)

// The truth describes what happened on the ground, in the t0 frame and
// untouched by the defects (a biased, shifted or missing t1 does not change
// what happened):
//
//   - truth/change.tif (0.5 m): 1 construction, 2 demolition — buildings and
//     other built structures only, as 3DCD labels them, delineated as each
//     building appears in the orthophoto of the epoch where it stands (the
//     camera's view, leaning away from the photo's nadir, looking through
//     tree crowns);
//   - truth/change_footprint.tif (1 m): the same building changes on the
//     ground, where the DSMs have them (a cell takes a class when half of
//     its sixteen 0.25 m sub-cells are the changed building's footprint):
//     what a 3D change map on the DSMs' grid is scored against;
//   - truth/other_change.tif (0.5 m): the other changes by kind, on the
//     ground (codes in world.Kind: 3 vegetation, 4 vehicle or container,
//     5 terrain, 6 temporary structure, 7 roof renovation);
//   - truth/dsm_t0.tif, truth/dsm_t1.tif (1 m): the true surfaces (the
//     highest point of each cell: roofs, crowns, vehicles), no sensor;
//   - truth/dh.tif (1 m): dsm_t1 − dsm_t0.

// truthFiles are the scene-wide truth rasters, written block by block.
type truthFiles struct {
	mu        sync.Mutex
	change    *raster.GeoTIFFWriter[uint8]
	footprint *raster.GeoTIFFWriter[uint8]
	other     *raster.GeoTIFFWriter[uint8]
	dsm       [2]*raster.GeoTIFFWriter[float32]
	dh        *raster.GeoTIFFWriter[float32]
}

// truthBlockData is one block's truth.
type truthBlockData struct {
	change, other []uint8      // 0.5 m
	footprint     []uint8      // 1 m
	dsm           [2][]float32 // 1 m
	dh            []float32
}

// sceneGrid is the grid of a scene-wide raster at resolution res.
func (g *generator) sceneGrid(res float64) raster.Grid {
	return raster.Grid{
		CRS:          g.crs,
		GeoTransform: [6]float64{OriginE, res, 0, OriginN + g.h, 0, -res},
		Width:        int(g.w / res),
		Height:       int(g.h / res),
	}
}

func (g *generator) openTruth(ctx context.Context) error {
	t := &g.truthOut
	var err error
	path := func(rel string) string { return filepath.Join(g.out, filepath.FromSlash(rel)) }
	if t.change, err = raster.CreateGeoTIFF[uint8](ctx, path(fileTruthChange), g.sceneGrid(TruthChangeRes), 1, nil); err != nil {
		return err
	}
	if t.footprint, err = raster.CreateGeoTIFF[uint8](ctx, path(fileTruthFootprint), g.sceneGrid(TruthDHRes), 1, nil); err != nil {
		return err
	}
	if t.other, err = raster.CreateGeoTIFF[uint8](ctx, path(fileTruthOther), g.sceneGrid(TruthChangeRes), 1, nil); err != nil {
		return err
	}
	for e, rel := range []string{fileTruthDSMT0, fileTruthDSMT1} {
		if t.dsm[e], err = raster.CreateGeoTIFF[float32](ctx, path(rel), g.sceneGrid(TruthDHRes), 1, nil); err != nil {
			return err
		}
	}
	t.dh, err = raster.CreateGeoTIFF[float32](ctx, path(fileTruthDH), g.sceneGrid(TruthDHRes), 1, nil)
	return err
}

func (g *generator) closeTruth() error {
	t := &g.truthOut
	var first error
	for _, w := range []interface{ Close() error }{t.change, t.footprint, t.other, t.dsm[0], t.dsm[1], t.dh} {
		if err := w.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (g *generator) abortTruth() {
	t := &g.truthOut
	for _, w := range []interface{ Abort() }{t.change, t.footprint, t.other, t.dsm[0], t.dsm[1], t.dh} {
		if w != nil {
			w.Abort()
		}
	}
}

// truthBlock draws the block's truth from its painted epochs and the
// objects the camera saw.
func (g *generator) truthBlock(wk *worker, b block) *truthBlockData {
	bw, bh := (b.x1-b.x0)*4, (b.y1-b.y0)*4
	cw, ch := bw/2, bh/2
	tr := &truthBlockData{change: make([]uint8, cw*ch), other: make([]uint8, cw*ch)}
	wd := g.world
	var on, om [2]int
	for e := range 2 {
		on[e], om[e] = origin(wk.layers[e], b)
	}
	// 0.5 m: a pixel takes a class when at least two of its four 0.25 m
	// sub-pixels show it.
	for j := 0; j < ch; j++ {
		for i := 0; i < cw; i++ {
			var con, dem int
			var votes [8]int
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				k := (2*j+d[1])*bw + 2*i + d[0]
				if wd.Kind(wk.obj[1][k]) == world.Construction {
					con++
				}
				if wd.Kind(wk.obj[0][k]) == world.Demolition {
					dem++
				}
				for e := range 2 {
					l := wk.layers[e]
					lk := (om[e]+2*j+d[1])*l.W + on[e] + 2*i + d[0]
					seen := [2]world.Kind{wd.Kind(l.Obj[lk]), wd.Kind(l.CanopyObj[lk])}
					var here [8]bool
					for _, kd := range seen {
						if c := kd.Code(); c >= 3 && c < 8 {
							here[c] = true
						}
					}
					for c := range here {
						if here[c] {
							votes[c]++
						}
					}
				}
			}
			o := j*cw + i
			switch {
			case con >= 2:
				tr.change[o] = 1
			case dem >= 2:
				tr.change[o] = 2
			}
			// Votes count sub-pixels of both epochs: two of eight.
			for _, c := range otherPriority {
				if votes[c] >= 2 {
					tr.other[o] = c
					break
				}
			}
		}
	}
	// 1 m: the highest point of each cell's 4×4 sub-cells, and the changed
	// footprints (half of the sub-cells).
	dw, dh := b.x1-b.x0, b.y1-b.y0
	tr.footprint = make([]uint8, dw*dh)
	for j := 0; j < dh; j++ {
		for i := 0; i < dw; i++ {
			var con, dem int
			for v := 0; v < 4; v++ {
				r0 := (om[0]+4*j+v)*wk.layers[0].W + on[0] + 4*i
				r1 := (om[1]+4*j+v)*wk.layers[1].W + on[1] + 4*i
				for u := 0; u < 4; u++ {
					if wd.Kind(wk.layers[1].Obj[r1+u]) == world.Construction {
						con++
					}
					if wd.Kind(wk.layers[0].Obj[r0+u]) == world.Demolition {
						dem++
					}
				}
			}
			switch {
			case con >= 8:
				tr.footprint[j*dw+i] = 1
			case dem >= 8:
				tr.footprint[j*dw+i] = 2
			}
		}
	}
	for e := range 2 {
		l := wk.layers[e]
		n, m := on[e], om[e]
		z := make([]float32, dw*dh)
		for j := 0; j < dh; j++ {
			for i := 0; i < dw; i++ {
				top := float32(math.Inf(-1))
				for v := 0; v < 4; v++ {
					row := (m+4*j+v)*l.W + n + 4*i
					for u := 0; u < 4; u++ {
						top = max(top, l.Top(row+u))
					}
				}
				z[j*dw+i] = top
			}
		}
		tr.dsm[e] = z
	}
	tr.dh = make([]float32, dw*dh)
	for k := range tr.dh {
		tr.dh[k] = tr.dsm[1][k] - tr.dsm[0][k]
	}
	return tr
}

// otherNames name the codes of truth/other_change.tif.
var otherNames = map[int]string{3: "vegetation", 4: "vehicle", 5: "terrain", 6: "temporary", 7: "renovation"}

// otherPriority decides a pixel that holds several other changes: the
// larger or rarer structure first.
var otherPriority = []uint8{
	world.Temporary.Code(), world.Terrain.Code(), world.Vehicle.Code(), world.Vegetation.Code(), world.Renovation.Code(),
}

// writeTruth puts a block's truth into the scene-wide rasters and counts it.
func (g *generator) writeTruth(ctx context.Context, b block, tr *truthBlockData) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := &g.truthOut
	t.mu.Lock()
	defer t.mu.Unlock()
	cw, ch := (b.x1-b.x0)*2, (b.y1-b.y0)*2
	dw, dh := b.x1-b.x0, b.y1-b.y0
	row := int(g.h) - b.y1
	u8 := func(w *raster.GeoTIFFWriter[uint8], v []uint8) error {
		return w.WriteBlock(b.x0*2, row*2, &raster.Image[uint8]{Grid: raster.Grid{Width: cw, Height: ch}, Bands: [][]uint8{v}})
	}
	f32 := func(w *raster.GeoTIFFWriter[float32], v []float32) error {
		return w.WriteBlock(b.x0, row, &raster.Image[float32]{Grid: raster.Grid{Width: dw, Height: dh}, Bands: [][]float32{v}})
	}
	if err := u8(t.change, tr.change); err != nil {
		return err
	}
	if err := u8(t.other, tr.other); err != nil {
		return err
	}
	if err := t.footprint.WriteBlock(b.x0, row, &raster.Image[uint8]{Grid: raster.Grid{Width: dw, Height: dh}, Bands: [][]uint8{tr.footprint}}); err != nil {
		return err
	}
	for e := range 2 {
		if err := f32(t.dsm[e], tr.dsm[e]); err != nil {
			return err
		}
	}
	return f32(t.dh, tr.dh)
}
