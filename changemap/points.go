package changemap

// PointFeatures are one epoch's per-cell shares of LiDAR points on ΔH's
// grid (a rasterize step's features): Building the share of a cell's
// points classified building, Multi the share of its pulses with more than
// one return, each from 0 to 1, nodata where the cell holds no point.
type PointFeatures struct {
	Building, Multi []float32
	Nodata          Nodata
}

// PointRule says when the points around a changed cell deny it is a
// building.
type PointRule struct {
	// MinBuilding: a cell whose window holds on average a smaller share
	// of building points is dropped (0 turns the test off).
	MinBuilding float32
	// MaxMulti: a cell whose window has on average a larger share of
	// multi-return pulses is dropped (1 or more turns the test off).
	MaxMulti float32
}

// classified reports whether a building share raster shows any building
// point: a cloud (or a tile of it) without one is taken for unclassified,
// and its building shares say nothing.
func classified(f PointFeatures) bool {
	for _, v := range f.Building {
		if v > 0 && !f.Nodata.Is(v) {
			return true
		}
	}
	return false
}

// DropByPoints clears the changed cells of mask whose points say they are
// not a building. A cell is judged in the epoch where the changed object
// stands: the later (t1) where ΔH rises, the earlier (t0) where it falls,
// so a new building's roof is read in t1 and a felled tree's crown in t0.
// Its judgement is the mean of the shares of the changed cells with points
// in its 3×3 window (each read in its own epoch), so that a roof's edge
// cells, whose points mix roof and ground, go with the roof: the cell goes
// when the mean building share is below rule.MinBuilding or the mean
// multi-return share above rule.MaxMulti. Cells are judged rather than
// whole 8-connected regions because, before the opening, a new building
// and the site, vehicles or trees touching it are often one region: judged
// whole, the building went with them (or they stayed with it). A window
// without points keeps its cell: nothing judges it. An epoch without a
// single building point in the grid is taken for an unclassified cloud:
// its cells count towards the multi-return share only. Cells where keep is
// 1 stay (keep may be nil). It returns the number of cells cleared; w×h is
// the grid of mask, dh and the features.
func DropByPoints(mask []uint8, dh []float32, w, h int, t0, t1 PointFeatures, rule PointRule, keep []uint8) int {
	testBuilding := rule.MinBuilding > 0
	testMulti := rule.MaxMulti < 1
	if !testBuilding && !testMulti {
		return 0
	}
	cls := [2]bool{classified(t0), classified(t1)}
	eps := [2]PointFeatures{t0, t1}
	n := len(mask)
	b := make([]float32, n)
	m := make([]float32, n)
	hasB := make([]bool, n)
	hasM := make([]bool, n)
	for p := range mask {
		if mask[p] == 0 {
			continue
		}
		e := 0
		switch {
		case dh[p] > 0:
			e = 1
		case dh[p] < 0:
		default:
			continue
		}
		f := eps[e]
		if f.Multi != nil {
			if v := f.Multi[p]; !f.Nodata.Is(v) {
				m[p], hasM[p] = v, true
			}
		}
		if cls[e] {
			if v := f.Building[p]; !f.Nodata.Is(v) {
				b[p], hasB[p] = v, true
			}
		}
	}
	drop := make([]bool, n)
	for y := range h {
		for x := range w {
			p := y*w + x
			if mask[p] == 0 || (keep != nil && keep[p] != 0) {
				continue
			}
			var sb, sm float64
			var nb, nm int
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					q := ny*w + nx
					if mask[q] == 0 {
						continue
					}
					if hasB[q] {
						sb += float64(b[q])
						nb++
					}
					if hasM[q] {
						sm += float64(m[q])
						nm++
					}
				}
			}
			drop[p] = (testBuilding && nb > 0 && sb/float64(nb) < float64(rule.MinBuilding)) ||
				(testMulti && nm > 0 && sm/float64(nm) > float64(rule.MaxMulti))
		}
	}
	cleared := 0
	for p, d := range drop {
		if d {
			mask[p] = 0
			cleared++
		}
	}
	return cleared
}
