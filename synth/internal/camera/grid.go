package camera

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// grid views Layers in global cell coordinates (x/res, y/res from the scene
// origin), so every ray computation is the same whichever window the Layers
// cover. Coarse blocks of blockCells² cells keep the highest surface (solid
// or crown) they hold, and dilations of that maximum bound how far a ray can
// travel before it is above everything nearby: most rays in a city are a few
// cells long.
type grid struct {
	l      *surface.Layers
	res    float64
	gi0    int64 // global column of Layers column 0
	gj0    int64 // global row (northwards) of Layers row 0
	w, h   int64
	bx0    int64 // global block column of block column 0
	by0    int64 // global block row of block row 0
	bw, bh int64
	bmax   []float32 // highest top per block; -Inf when empty
	levels []level   // for view rays, any direction
	top    float32   // highest top of all
	ground float32   // lowest terrain of all

	// Sun horizons per Layers cell (see sweepSun): below hs a point is in
	// the shadow of a solid, below hc crowns may shade it.
	hs, hc []float32
	lines  sunLines
}

// level bounds the surfaces near each block: a point at most reach cells
// from an origin lies in a block whose maximum is at most d at the
// origin's block.
type level struct {
	reach float64
	d     []float32
}

const blockCells = 8

// Dilation radii in blocks for view rays: 2 m, 8 m, 32 m reach at 0.25 m.
var levelRadii = [...]int64{2, 5, 17}

var negInf = float32(math.Inf(-1))

// newGrid indexes l for view rays and the sun's horizons along sun.
func newGrid(l *surface.Layers, sun *sunRay) *grid {
	g := &grid{l: l, res: l.Res, w: int64(l.W), h: int64(l.H)}
	g.gi0 = int64(math.Round(l.X0 / l.Res))
	g.gj0 = int64(math.Round(l.Y1/l.Res)) - 1
	g.bx0 = floorDiv(g.gi0, blockCells)
	g.by0 = floorDiv(g.gj0-g.h+1, blockCells)
	g.bw = floorDiv(g.gi0+g.w-1, blockCells) - g.bx0 + 1
	g.bh = floorDiv(g.gj0, blockCells) - g.by0 + 1
	g.bmax = make([]float32, g.bw*g.bh)
	for i := range g.bmax {
		g.bmax[i] = negInf
	}
	g.top = negInf
	g.ground = float32(math.Inf(1))
	for _, z := range l.Ground[:g.w*g.h] {
		g.ground = min(g.ground, z)
	}
	for j := int64(0); j < g.h; j++ {
		by := floorDiv(g.gj0-j, blockCells) - g.by0
		row := g.bmax[by*g.bw : (by+1)*g.bw]
		solid, canopy := l.Solid[j*g.w:(j+1)*g.w], l.CanopyTop[j*g.w:(j+1)*g.w]
		// Runs of the row's cells in one block.
		for i := int64(0); i < g.w; {
			bx := floorDiv(g.gi0+i, blockCells)
			end := min(g.w, (bx+1)*blockCells-g.gi0)
			t := row[bx-g.bx0]
			for _, z := range solid[i:end] {
				t = max(t, z)
			}
			for _, z := range canopy[i:end] {
				t = max(t, z)
			}
			row[bx-g.bx0] = t
			i = end
		}
	}
	for _, v := range g.bmax {
		g.top = max(g.top, v)
	}
	tmp := make([]float32, len(g.bmax))
	for _, r := range levelRadii {
		g.levels = append(g.levels, level{reach: float64((r - 1) * blockCells), d: g.dilate(r, tmp)})
	}
	g.sweepSun(sun)
	return g
}

// dilate returns the block maxima under a (2r+1)² square maximum filter.
func (g *grid) dilate(r int64, tmp []float32) []float32 {
	out := make([]float32, len(g.bmax))
	for y := int64(0); y < g.bh; y++ {
		for x := int64(0); x < g.bw; x++ {
			m := negInf
			for t := max(0, x-r); t <= min(g.bw-1, x+r); t++ {
				m = max(m, g.bmax[y*g.bw+t])
			}
			tmp[y*g.bw+x] = m
		}
	}
	for y := int64(0); y < g.bh; y++ {
		for x := int64(0); x < g.bw; x++ {
			m := negInf
			for t := max(0, y-r); t <= min(g.bh-1, y+r); t++ {
				m = max(m, tmp[t*g.bw+x])
			}
			out[y*g.bw+x] = m
		}
	}
	return out
}

// index returns the Layers index of global cell (gx, gy), or -1 off the grid.
func (g *grid) index(gx, gy int64) int {
	i, j := gx-g.gi0, g.gj0-gy
	if i < 0 || j < 0 || i >= g.w || j >= g.h {
		return -1
	}
	return int(j*g.w + i)
}

// block returns the index of global block (bx, by) in bmax, or -1.
func (g *grid) block(bx, by int64) int {
	x, y := bx-g.bx0, by-g.by0
	if x < 0 || y < 0 || x >= g.bw || y >= g.bh {
		return -1
	}
	return int(y*g.bw + x)
}

// blockMax is the highest top in global block (bx, by).
func (g *grid) blockMax(bx, by int64) float64 {
	if b := g.block(bx, by); b >= 0 {
		return float64(g.bmax[b])
	}
	return math.Inf(-1)
}

// bound returns how far (cells) a ray rising s (1/is) metres per cell from height
// z0 at global cell coordinates (ox, oy) can meet a surface: beyond it the
// ray is above everything. Each dilation level bounds the surfaces in a
// band of distances, [previous reach, its reach]; past the last level the
// highest top of all does. A small margin keeps the ray's height at the
// bound strictly above the maximum despite rounding.
func (g *grid) bound(levels []level, ox, oy, z0, s, is float64) float64 {
	top := float64(g.top)
	b := g.block(floorDiv(int64(math.Floor(ox)), blockCells), floorDiv(int64(math.Floor(oy)), blockCells))
	u, near := 0.0, 0.0
	if b >= 0 {
		for n := range levels {
			lv := &levels[n]
			if un := (float64(lv.d[b]) - z0) * is; un > near {
				u = max(u, min(lv.reach, un))
			}
			near = lv.reach
			if z0+s*near >= top {
				return u + 1e-3
			}
		}
	}
	if ug := (top - z0) * is; ug > near {
		u = max(u, ug)
	}
	return u + 1e-3
}
