package camera

import (
	"errors"
	"fmt"
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// Render fills the orthophoto window whose top-left corner is (x0, y1)
// (scene metres) with w×h pixels of res metres: rgb gets 3·w·h interleaved
// bytes, row by row from the north; obj, when not nil, the id of the solid
// object each pixel shows, looking through tree crowns (0 for bare terrain).
//
// Each pixel is the terrain point (x, y, Ground) seen from the nearest
// photo's projection centre, as a standard orthophoto shows it. The Layers
// must reach Halo beyond the window (see LayersGrid) and lie on the same
// lattice (X0, Y1 multiples of their Res) for every window; x0 and y1 must
// be multiples of res. Then a pixel's bytes depend only on its global
// position, the seed and the epoch.
func (f *Flight) Render(l *surface.Layers, x0, y1, res float64, w, h int, rgbOut []uint8, obj []uint32) error {
	if err := checkLayers(l); err != nil {
		return err
	}
	switch {
	case !(res > 0) || w < 0 || h < 0:
		return fmt.Errorf("camera: bad window %d×%d pixels of %g m", w, h, res)
	case len(rgbOut) < 3*w*h:
		return fmt.Errorf("camera: rgb holds %d bytes, the window needs %d", len(rgbOut), 3*w*h)
	case obj != nil && len(obj) < w*h:
		return fmt.Errorf("camera: obj holds %d ids, the window needs %d", len(obj), w*h)
	}
	sun := newSunRay(f.sun, l.Res)
	g := newGrid(l, &sun)
	defer g.release()
	i0 := int64(math.Round(x0 / res))
	j0 := int64(math.Round(y1/res)) - 1 // global row (northwards) of the first output row
	var v view
	var pc photoCache
	nc := new(noiseCache)
	// Tiles of pixels keep the cells their rays visit in the cache.
	for tj := 0; tj < h; tj += tile {
		for ti := 0; ti < w; ti += tile {
			f.renderTile(g, &sun, &v, &pc, nc, i0, j0, res, w, ti, tj, min(w, ti+tile), min(h, tj+tile), rgbOut, obj)
		}
	}
	return nil
}

// tile is the side of the squares of pixels Render renders in turn.
const tile = 64

// renderTile renders pixels [ia, ib) × [ja, jb) of the window whose first
// pixel is global (i0, j0).
func (f *Flight) renderTile(g *grid, sun *sunRay, v *view, pc *photoCache, nc *noiseCache, i0, j0 int64, res float64, w, ia, ja, ib, jb int, rgbOut []uint8, obj []uint32) {
	l := g.l
	for j := ja; j < jb; j++ {
		J := j0 - int64(j)
		y := (float64(J) + 0.5) * res
		for i := ia; i < ib; i++ {
			I := i0 + int64(i)
			x := (float64(I) + 0.5) * res
			o := j*w + i
			px := rgbOut[3*o : 3*o+3]
			if obj != nil {
				obj[o] = 0
			}
			k := g.index(int64(math.Floor(x/g.res)), int64(math.Floor(y/g.res)))
			if k < 0 {
				px[0], px[1], px[2] = 0, 0, 0 // off the Layers: nothing to see
				continue
			}
			pz := float64(l.Ground[k])
			ph := f.nearestAlong(pc, x, y, res, I, J)
			g.trace(x, y, pz, ph.X, ph.Y, ph.Z, obj != nil, v)
			var rad rgb
			if v.crown > 0 {
				rad = f.crownRadiance(g, v, sun, nc).scale(v.crown)
			}
			if v.k >= 0 && v.solid > 0.002 {
				rad = rad.add(f.solidRadiance(g, v, sun, ph, x, y, pz, nc).scale(v.solid))
			}
			f.expose(ph, x, y, pz, rad, I, J, px)
			if obj != nil && v.k >= 0 {
				obj[o] = l.Obj[v.k]
			}
		}
	}
}

// checkLayers refuses Layers whose slices do not match their grid.
func checkLayers(l *surface.Layers) error {
	if l == nil {
		return errors.New("camera: no layers")
	}
	n := l.W * l.H
	if !(l.Res > 0) || l.W < 0 || l.H < 0 {
		return fmt.Errorf("camera: bad layers grid %d×%d of %g m", l.W, l.H, l.Res)
	}
	for _, m := range []int{len(l.Ground), len(l.Solid), len(l.Mat), len(l.Tone), len(l.Obj),
		len(l.CanopyTop), len(l.CanopyBase), len(l.CanopyDensity), len(l.CanopyObj), len(l.CanopyClass)} {
		if m < n {
			return fmt.Errorf("camera: a layer holds %d cells, the grid has %d", m, n)
		}
	}
	return nil
}
