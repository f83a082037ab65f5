package pointgrid

import (
	"context"
	"fmt"
	"math"
)

// TINOptions configures TIN.
type TINOptions struct {
	// MaxEdge, when positive, leaves nodata under every triangle with an
	// edge longer than MaxEdge (in coordinate units), so that large voids
	// such as water or occlusions are not bridged by long thin triangles.
	// Zero means no limit.
	MaxEdge float64
}

// maxTINCoord bounds usable coordinates: beyond it the degree-4 in-circle
// determinant could overflow even in exact arithmetic.
const maxTINCoord = 1e60

// TIN triangulates the points (Delaunay) and interpolates linearly
// (barycentric weights) at every cell centre inside a triangle, edges and
// vertices included; cells outside the convex hull, or under a triangle
// rejected by MaxEdge, hold nodata. This is what gdal_grid -a linear with
// radius=0 and las2dem compute.
//
// Points sharing the exact same (x, y) are one vertex carrying the highest
// of their z values: the output is a surface model, and the top return wins.
// Points with a non-finite coordinate or |x|, |y| > 1e60 are skipped. Fewer
// than three distinct points, or all of them collinear, give an all-nodata
// grid. The cost is O(n log n) for the triangulation plus O(cells) for the
// rasterization, which visits only the cell centres inside each triangle's
// bounding box.
func TIN(ctx context.Context, g Grid, p Points, o TINOptions, nodata float32) ([]float32, error) {
	if err := checkInputs(g, p); err != nil {
		return nil, fmt.Errorf("tin: %w", err)
	}
	if math.IsNaN(o.MaxEdge) || o.MaxEdge < 0 {
		return nil, fmt.Errorf("tin: max edge %v must be zero or positive", o.MaxEdge)
	}
	keep := func(i int) bool {
		return p.usable(i) && math.Abs(p.X[i]) <= maxTINCoord && math.Abs(p.Y[i]) <= maxTINCoord
	}
	// Usually every point is kept: triangulate only reads x and y, so the
	// input then serves as is, without three copies.
	x, y, z := p.X, p.Y, p.Z
	for i := range p.X {
		if !keep(i) {
			x = make([]float64, 0, p.Len())
			y = make([]float64, 0, p.Len())
			z = make([]float64, 0, p.Len())
			for i := range p.X {
				if keep(i) {
					x = append(x, p.X[i])
					y = append(y, p.Y[i])
					z = append(z, p.Z[i])
				}
			}
			break
		}
	}
	d, err := build(ctx, x, y)
	if err != nil {
		return nil, fmt.Errorf("tin: %w", err)
	}
	zs := make([]float64, len(d.ids))
	for k, i := range d.ids {
		zs[k] = z[i]
	}
	for _, dup := range d.dups {
		zs[dup[1]] = math.Max(zs[dup[1]], zs[dup[0]])
	}
	out := newFilled(g.Cells(), nodata)
	if err := rasterize(ctx, g, d, zs, o.MaxEdge, out); err != nil {
		return nil, fmt.Errorf("tin: %w", err)
	}
	return out, nil
}

// rasterize writes the linear interpolant of every triangle at the cell
// centres it contains.
func rasterize(ctx context.Context, g Grid, d *triangulation, z []float64, maxEdge float64, out []float32) error {
	pts := d.pts
	maxEdge2 := maxEdge * maxEdge
	// A centre exactly on a triangle's bounding box must not be lost to
	// rounding in the index arithmetic (relative to the index magnitude);
	// the exact inside test below decides.
	slack := 1e-9 * float64(max(g.Width, g.Height, 1))
	inv := 1 / g.Res
	spans := vertexSpans(g, pts, inv, slack)
	// Centre coordinates, computed once; the same expressions as
	// CenterX and CenterY, so the same values.
	px := make([]float64, g.Width)
	for col := range px {
		px[col] = g.CenterX(col)
	}
	he := d.he
	for t := 0; t+2 < len(he); t += 4 {
		if t%(4*4096) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		a, b, c := he[t].v, he[t+1].v, he[t+2].v
		var col0, col1, row0, row1 int
		if spans != nil {
			// Most triangles of a dense cloud hold no centre: reject them
			// from the small per-vertex spans before touching coordinates.
			sa, sb, sc := spans[a], spans[b], spans[c]
			c0, c1 := min(sa.c0, sb.c0, sc.c0), max(sa.c1, sb.c1, sc.c1)
			r0, r1 := min(sa.r0, sb.r0, sc.r0), max(sa.r1, sb.r1, sc.r1)
			// c1 < 0 || r1 < 0 || c0 >= Width || r0 >= Height || c0 > c1 ||
			// r0 > r1, as one sign test: the spans are clamped to
			// [-1, size], so nothing overflows, and a single branch
			// mispredicts less than six on this coin toss.
			if c1|r1|(int32(g.Width)-1-c0)|(int32(g.Height)-1-r0)|(c1-c0)|(r1-r0) < 0 {
				continue
			}
			col0, col1 = int(max(c0, 0)), int(min(c1, int32(g.Width-1)))
			row0, row1 = int(max(r0, 0)), int(min(r1, int32(g.Height-1)))
		}
		ax, ay, bx, by, cx, cy := pts[a].x, pts[a].y, pts[b].x, pts[b].y, pts[c].x, pts[c].y
		if maxEdge > 0 && (dist2(ax, ay, bx, by) > maxEdge2 || dist2(bx, by, cx, cy) > maxEdge2 || dist2(cx, cy, ax, ay) > maxEdge2) {
			continue
		}
		if spans == nil {
			c0 := math.Ceil((min(ax, bx, cx)-g.MinX)*inv - 0.5 - slack)
			c1 := math.Floor((max(ax, bx, cx)-g.MinX)*inv - 0.5 + slack)
			r0 := math.Ceil((g.MaxY-max(ay, by, cy))*inv - 0.5 - slack)
			r1 := math.Floor((g.MaxY-min(ay, by, cy))*inv - 0.5 + slack)
			if c1 < 0 || r1 < 0 || c0 >= float64(g.Width) || r0 >= float64(g.Height) || c0 > c1 || r0 > r1 {
				continue
			}
			col0, col1 = int(max(c0, 0)), int(min(c1, float64(g.Width-1)))
			row0, row1 = int(max(r0, 0)), int(min(r1, float64(g.Height-1)))
		}
		za, zb, zc := z[a], z[b], z[c]
		for row := row0; row <= row1; row++ {
			py := g.CenterY(row)
			rowOut := out[row*g.Width : (row+1)*g.Width]
			for col := col0; col <= col1; col++ {
				px := px[col]
				// Edge functions (twice the areas of the sub-triangles
				// opposite each vertex) with their rounding bounds.
				la, ra := (bx-px)*(cy-py), (by-py)*(cx-px)
				lb, rb := (cx-px)*(ay-py), (cy-py)*(ax-px)
				lc, rc := (ax-px)*(by-py), (ay-py)*(bx-px)
				wa, wb, wc := la-ra, lb-rb, lc-rc
				ea := ccwErrBound * (math.Abs(la) + math.Abs(ra))
				eb := ccwErrBound * (math.Abs(lb) + math.Abs(rb))
				ec := ccwErrBound * (math.Abs(lc) + math.Abs(rc))
				if wa < -ea || wb < -eb || wc < -ec {
					continue // certainly outside
				}
				if (wa <= ea || wb <= eb || wc <= ec) && !onInnerSides(ax, ay, bx, by, cx, cy, px, py) {
					continue // near an edge and outside by the exact test
				}
				wa, wb, wc = max(wa, 0), max(wb, 0), max(wc, 0)
				if s := wa + wb + wc; s > 0 {
					rowOut[col] = float32((wa*za + wb*zb + wc*zc) / s)
				}
			}
		}
	}
	return nil
}

// span is the range of columns and rows whose centres a triangle's
// bounding box can reach, for a single vertex, clamped to [-1, size].
type span struct{ c0, c1, r0, r1 int32 }

// vertexSpans returns each vertex's span, or nil when some is undefined
// (NaN, from an infinite 1/Res). A triangle's column range is the min of its
// vertices' c0 and the max of their c1 exactly as if computed from its
// bounding box: every step (subtracting, scaling by inv > 0, Ceil, Floor,
// clamping) is monotone in the coordinate, so it commutes with min and max,
// and the clamping keeps every decision and range of rasterize.
func vertexSpans(g Grid, pts []xy, inv, slack float64) []span {
	if g.Width >= math.MaxInt32 || g.Height >= math.MaxInt32 {
		return nil // the clamped range would not fit int32
	}
	w, h := float64(g.Width), float64(g.Height)
	spans := make([]span, len(pts))
	for i, p := range pts {
		x := (p.x-g.MinX)*inv - 0.5
		y := (g.MaxY-p.y)*inv - 0.5
		c0, c1 := math.Ceil(x-slack), math.Floor(x+slack)
		r0, r1 := math.Ceil(y-slack), math.Floor(y+slack)
		if math.IsNaN(x) || math.IsNaN(y) {
			return nil
		}
		spans[i] = span{
			int32(min(max(c0, -1), w)), int32(min(max(c1, -1), w)),
			int32(min(max(r0, -1), h)), int32(min(max(r1, -1), h)),
		}
	}
	return spans
}

// onInnerSides decides exactly whether p is inside or on the boundary of the
// counter-clockwise triangle a, b, c, so that a cell centre on an edge shared
// by two triangles is never missed by both.
func onInnerSides(ax, ay, bx, by, cx, cy, px, py float64) bool {
	return orient(bx, by, cx, cy, px, py) >= 0 &&
		orient(cx, cy, ax, ay, px, py) >= 0 &&
		orient(ax, ay, bx, by, px, py) >= 0
}

func dist2(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	return dx*dx + dy*dy
}
