package synth

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/als"
	"github.com/cdflow/cdflow/synth/internal/surface"
	"github.com/cdflow/cdflow/synth/internal/world"
)

// stats are the scene's realism figures, counted by every worker on the
// blocks it makes and summed at the end: integers and extremes only, so the
// result does not depend on the order blocks finish.
type stats struct {
	points       [2][256]int64 // returns by assigned class
	pointsTrue   [2][256]int64 // returns by true class
	misclass     [2]int64      // returns whose assigned class differs from the truth (noise excluded)
	firsts       [2]int64
	cells        [2]int64     // 0.25 m cells counted
	cover        [2][5]int64  // building, vegetation, road, water, other (solid top; vegetation: any crown)
	trees        [2]int64     // cells under a crown
	heights      [2][16]int64 // building cells by height above ground, 3 m bins
	change       [3]int64     // truth/change.tif pixels by value
	other        [8]int64     // truth/other_change.tif pixels by code
	dhMin, dhMax float64      // true ΔH on building-change cells
}

func newStats() stats { return stats{dhMin: math.Inf(1), dhMax: math.Inf(-1)} }

// Cover classes of the solid top.
const (
	coverBuilding = iota
	coverVegetation
	coverRoad
	coverWater
	coverOther
)

func (s *stats) point(e int, r *als.Return) {
	s.points[e][r.Class]++
	s.pointsTrue[e][r.TrueClass]++
	if r.Number == 1 {
		s.firsts[e]++
	}
	if r.Class != r.TrueClass && r.Class != surface.ClassLowNoise && r.Class != surface.ClassHighNoise {
		s.misclass[e]++
	}
}

// block counts a block's cells and truth.
func (s *stats) block(wd *world.World, wk *worker, b block, tr *truthBlockData) {
	bw, bh := (b.x1-b.x0)*4, (b.y1-b.y0)*4
	for e := range 2 {
		l := wk.layers[e]
		n, m := origin(l, b)
		for j := 0; j < bh; j++ {
			row := (m+j)*l.W + n
			for i := 0; i < bw; i++ {
				k := row + i
				s.cells[e]++
				crown := l.CanopyTop[k] > l.Solid[k]
				if crown {
					s.trees[e]++
				}
				switch {
				case l.Class[k] == surface.ClassBuilding:
					s.cover[e][coverBuilding]++
					hb := int(float64(l.Solid[k]-l.Ground[k]) / 3)
					s.heights[e][max(0, min(15, hb))]++
				case crown:
					s.cover[e][coverVegetation]++
				case l.Mat[k] == surface.Asphalt || l.Mat[k] == surface.Marking:
					s.cover[e][coverRoad]++
				case l.Mat[k] == surface.Water:
					s.cover[e][coverWater]++
				default:
					s.cover[e][coverOther]++
				}
			}
		}
	}
	for _, v := range tr.change {
		s.change[v]++
	}
	for _, v := range tr.other {
		s.other[v]++
	}
	// ΔH of the building changes on the ground (not as the camera sees them).
	dw := b.x1 - b.x0
	for k, v := range tr.dh {
		i, j := k%dw, k/dw
		if building1m(wd, wk, b, i, j) {
			s.dhMin, s.dhMax = min(s.dhMin, float64(v)), max(s.dhMax, float64(v))
		}
	}
}

// building1m reports whether 1 m cell (i, j) of the block holds a changed
// building in either epoch.
func building1m(wd *world.World, wk *worker, b block, i, j int) bool {
	for e := range 2 {
		l := wk.layers[e]
		n, m := origin(l, b)
		for v := 0; v < 4; v++ {
			row := (m+4*j+v)*l.W + n + 4*i
			for u := 0; u < 4; u++ {
				if wd.Kind(l.Obj[row+u]).Building() {
					return true
				}
			}
		}
	}
	return false
}

func (s *stats) add(o *stats) {
	for e := range 2 {
		for c := range 256 {
			s.points[e][c] += o.points[e][c]
			s.pointsTrue[e][c] += o.pointsTrue[e][c]
		}
		s.misclass[e] += o.misclass[e]
		s.firsts[e] += o.firsts[e]
		s.cells[e] += o.cells[e]
		s.trees[e] += o.trees[e]
		for c := range s.cover[e] {
			s.cover[e][c] += o.cover[e][c]
		}
		for c := range s.heights[e] {
			s.heights[e][c] += o.heights[e][c]
		}
	}
	for c := range s.change {
		s.change[c] += o.change[c]
	}
	for c := range s.other {
		s.other[c] += o.other[c]
	}
	s.dhMin, s.dhMax = min(s.dhMin, o.dhMin), max(s.dhMax, o.dhMax)
}
