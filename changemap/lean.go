package changemap

import "math"

// Standard orthophotos are rectified on the terrain, not on the buildings:
// a roof h metres up appears displaced by h·k away from the photo's nadir,
// where k is the ground distance from the nadir over the flying height (up
// to ~0.4 at a frame photo's corner). A 2D label drawn on the DSM's
// footprint then misses the roof the network sees. Within a 200 m tile, k
// is nearly constant (one photo, far from its nadir compared with the
// tile), so it is estimated per tile and epoch from the DSM and the
// orthophoto themselves: the k that puts the DSM's roof edges, displaced by
// their height, on the orthophoto's strongest edges.

// Lean is a relief displacement per metre of height above ground, in
// metres east and north.
type Lean struct {
	E, N float64
	// Edges is how many roof-edge cells the estimate rests on; Gain is
	// how much stronger the orthophoto's edges are under the displaced
	// roof edges than under the undisplaced ones (1: no better).
	Edges int
	Gain  float64
}

// OK says whether the estimate rests on enough roof edges, and clearly
// beats no displacement, to be used.
func (l Lean) OK() bool { return l.Edges >= minLeanEdges && l.Gain > 1.05 }

const (
	// MaxLean bounds the search: a frame photo's corner at 60° field of view.
	MaxLean = 0.45
	// minLeanEdges is the fewest roof-edge cells a lean is estimated on.
	minLeanEdges = 200
	// edgeHeight and edgeStep define a roof edge: a cell this high above
	// the ground with a 4-neighbour this much lower.
	edgeHeight = 2.5
	edgeStep   = 2.0
)

// Ground estimates the ground under a w×h DSM as the lowest valid value
// within r cells (a square window, separable), nodata where a window has
// no valid value.
func Ground(ground, dsm []float32, nd Nodata, w, h, r int) {
	inf := float32(math.Inf(1))
	tmp := make([]float32, w*h)
	for y := 0; y < h; y++ {
		row := dsm[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			m := inf
			for xx := max(0, x-r); xx <= min(w-1, x+r); xx++ {
				if v := row[xx]; !nd.Is(v) && v < m {
					m = v
				}
			}
			tmp[y*w+x] = m
		}
	}
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			m := inf
			for yy := max(0, y-r); yy <= min(h-1, y+r); yy++ {
				if v := tmp[yy*w+x]; v < m {
					m = v
				}
			}
			if m == inf {
				m = NoData
			}
			ground[y*w+x] = m
		}
	}
}

// EstimateLean finds the lean of an orthophoto over a DSM covering the same
// extent: dsm and ground are w×h cells of res metres, grey is the
// orthophoto's luminance, gw×gh pixels of ores metres.
func EstimateLean(dsm, ground []float32, nd Nodata, w, h int, res float64, grey []float32, gw, gh int, ores float64) Lean {
	grad := gradient(grey, gw, gh)
	type edge struct{ x, y, h float64 }
	var edges []edge
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			v, g := dsm[i], ground[i]
			if nd.Is(v) || g == NoData || v-g < edgeHeight {
				continue
			}
			// The edge lies on the cell's side towards the lower
			// neighbour: there the orthophoto's edge is, displaced.
			for _, d := range [4][3]int{{-1, 0, -1}, {1, 0, 1}, {0, -1, -w}, {0, 1, w}} {
				if u := dsm[i+d[2]]; !nd.Is(u) && v-u > edgeStep {
					ex := (float64(x) + 0.5 + 0.5*float64(d[0])) * res / ores
					ey := (float64(y) + 0.5 + 0.5*float64(d[1])) * res / ores
					edges = append(edges, edge{ex, ey, float64(v - g)})
					break
				}
			}
		}
	}
	l := Lean{Edges: len(edges)}
	if len(edges) < minLeanEdges {
		return l
	}
	score := func(kE, kN float64) float64 {
		var s float64
		n := 0
		for _, e := range edges {
			// Bilinear between pixel centres, at x−0.5 in pixel units.
			fx, fy := e.x+e.h*kE/ores-0.5, e.y-e.h*kN/ores-0.5
			px, py := int(math.Floor(fx)), int(math.Floor(fy))
			if px < 0 || py < 0 || px+1 >= gw || py+1 >= gh {
				continue
			}
			ax, ay := float32(fx-float64(px)), float32(fy-float64(py))
			p := py*gw + px
			s += float64((1-ay)*((1-ax)*grad[p]+ax*grad[p+1]) + ay*((1-ax)*grad[p+gw]+ax*grad[p+gw+1]))
			n++
		}
		if n < len(edges)/2 {
			return 0
		}
		return s / float64(n)
	}
	// Coarse to fine: every 0.03, then every 0.005 around the best.
	best, bE, bN := -1.0, 0.0, 0.0
	for kE := -MaxLean; kE <= MaxLean+1e-9; kE += 0.03 {
		for kN := -MaxLean; kN <= MaxLean+1e-9; kN += 0.03 {
			if s := score(kE, kN); s > best {
				best, bE, bN = s, kE, kN
			}
		}
	}
	cE, cN := bE, bN
	for dE := -0.03; dE <= 0.03+1e-9; dE += 0.005 {
		for dN := -0.03; dN <= 0.03+1e-9; dN += 0.005 {
			if s := score(cE+dE, cN+dN); s > best {
				best, bE, bN = s, cE+dE, cN+dN
			}
		}
	}
	l.E, l.N = bE, bN
	if s0 := score(0, 0); s0 > 0 {
		l.Gain = best / s0
	}
	return l
}

// gradient is the Sobel gradient magnitude of a w×h image (0 on the border).
func gradient(img []float32, w, h int) []float32 {
	g := make([]float32, w*h)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			gx := img[i-w+1] + 2*img[i+1] + img[i+w+1] - img[i-w-1] - 2*img[i-1] - img[i+w-1]
			gy := img[i+w-1] + 2*img[i+w] + img[i+w+1] - img[i-w-1] - 2*img[i-w] - img[i-w+1]
			g[i] = float32(math.Sqrt(float64(gx*gx + gy*gy)))
		}
	}
	return g
}

// Luminance is the mean of an RGB image's bands.
func Luminance(r, g, b []uint8) []float32 {
	out := make([]float32, len(r))
	for i := range out {
		out[i] = (float32(r[i]) + float32(g[i]) + float32(b[i])) / 3
	}
	return out
}

// LeanMask2D is Mask2D with each changed building where the orthophotos
// show it: every changed cd3d cell is swept from its footprint to its
// position displaced by its height above ground times the lean of the
// epoch where it stands (the later one for a gain, the earlier for a
// loss), which covers the displaced roof and the façades between. dsm and
// ground are each epoch's surfaces on cd's w×h grid; a lean that is not
// OK leaves that epoch's changes on their footprint.
func LeanMask2D(out []uint8, ow, oh int, cd []float32, w, h int, signed bool, dsm, ground [2][]float32, nd [2]Nodata, lean [2]Lean) {
	Mask2D(out, ow, oh, cd, w, h, signed)
	fx, fy := float64(ow)/float64(w), float64(oh)/float64(h) // output pixels per cell
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			v := cd[i]
			if v == 0 || v == NoData {
				continue
			}
			e, c := 1, Construction
			if v < 0 {
				e, c = 0, Demolition
			}
			if !signed {
				c = Change
			}
			l := lean[e]
			if !l.OK() || nd[e].Is(dsm[e][i]) || ground[e][i] == NoData {
				continue
			}
			hh := float64(dsm[e][i] - ground[e][i])
			if hh <= 0 {
				continue
			}
			// Displacement in cells (east, south).
			dx, dy := hh*l.E, -hh*l.N
			steps := int(math.Ceil(2 * math.Max(math.Abs(dx)*fx, math.Abs(dy)*fy)))
			for s := 1; s <= steps; s++ {
				t := float64(s) / float64(steps)
				ox0 := int(math.Floor((float64(x) + t*dx) * fx))
				oy0 := int(math.Floor((float64(y) + t*dy) * fy))
				for oy := oy0; oy < oy0+int(math.Ceil(fy)); oy++ {
					for ox := ox0; ox < ox0+int(math.Ceil(fx)); ox++ {
						if ox < 0 || oy < 0 || ox >= ow || oy >= oh {
							continue
						}
						if p := oy*ow + ox; out[p] == NoChange {
							out[p] = c
						}
					}
				}
			}
		}
	}
}
