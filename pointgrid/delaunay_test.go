package pointgrid

import (
	"context"
	"math"
	"math/big"
	"slices"
	"testing"
)

// Exact reference predicates in rational arithmetic, written independently
// of the expansion code they check.
func ratDiff(a, b float64) *big.Rat {
	ra, rb := new(big.Rat).SetFloat64(a), new(big.Rat).SetFloat64(b)
	return ra.Sub(ra, rb)
}

func ratOrient(ax, ay, bx, by, cx, cy float64) int {
	l := new(big.Rat).Mul(ratDiff(ax, cx), ratDiff(by, cy))
	r := new(big.Rat).Mul(ratDiff(ay, cy), ratDiff(bx, cx))
	return l.Sub(l, r).Sign()
}

func ratInCircle(ax, ay, bx, by, cx, cy, dx, dy float64) int {
	adx, ady := ratDiff(ax, dx), ratDiff(ay, dy)
	bdx, bdy := ratDiff(bx, dx), ratDiff(by, dy)
	cdx, cdy := ratDiff(cx, dx), ratDiff(cy, dy)
	lift := func(x, y *big.Rat) *big.Rat {
		s := new(big.Rat).Mul(x, x)
		return s.Add(s, new(big.Rat).Mul(y, y))
	}
	cross := func(x1, y1, x2, y2 *big.Rat) *big.Rat {
		s := new(big.Rat).Mul(x1, y2)
		return s.Sub(s, new(big.Rat).Mul(x2, y1))
	}
	det := new(big.Rat).Mul(lift(adx, ady), cross(bdx, bdy, cdx, cdy))
	det.Add(det, new(big.Rat).Mul(lift(bdx, bdy), cross(cdx, cdy, adx, ady)))
	det.Add(det, new(big.Rat).Mul(lift(cdx, cdy), cross(adx, ady, bdx, bdy)))
	return det.Sign()
}

// ratArea2 is twice the signed area of a polygon, exactly.
func ratArea2(x, y []float64, poly []int32) *big.Rat {
	s := new(big.Rat)
	for k := range poly {
		a, b := poly[k], poly[(k+1)%len(poly)]
		t := new(big.Rat).Mul(new(big.Rat).SetFloat64(x[a]), new(big.Rat).SetFloat64(y[b]))
		s.Add(s, t.Sub(t, new(big.Rat).Mul(new(big.Rat).SetFloat64(x[b]), new(big.Rat).SetFloat64(y[a]))))
	}
	return s
}

// convexHull is Andrew's monotone chain with the exact rational orientation;
// it keeps collinear boundary points out (strict hull).
func convexHull(x, y []float64) []int32 {
	idx := make([]int32, len(x))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if x[a] != x[b] {
			return cmpF(x[a], x[b])
		}
		return cmpF(y[a], y[b])
	})
	idx = slices.CompactFunc(idx, func(a, b int32) bool { return x[a] == x[b] && y[a] == y[b] })
	if len(idx) < 3 {
		return idx
	}
	var h []int32
	for pass := 0; pass < 2; pass++ {
		start := len(h)
		for _, i := range idx {
			for len(h) >= start+2 && ratOrient(x[h[len(h)-2]], y[h[len(h)-2]], x[h[len(h)-1]], y[h[len(h)-1]], x[i], y[i]) <= 0 {
				h = h[:len(h)-1]
			}
			h = append(h, i)
		}
		h = h[:len(h)-1]
		slices.Reverse(idx)
	}
	return h
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkDelaunay asserts that d is a valid Delaunay triangulation of (x, y):
// consistent counter-clockwise triangles, every distinct point a vertex, the
// triangles' total area equal to the convex hull's (no overlap, no gap), and
// every edge locally Delaunay (which implies the global empty-circumcircle
// property); with brute, also the global property checked directly.
func checkDelaunay(t *testing.T, d *triangulation, x, y []float64, brute bool) {
	t.Helper()
	if d.skipped != 0 {
		t.Fatalf("%d points skipped", d.skipped)
	}
	n := len(x)
	// The triangulation renumbers points; check it is a permutation of the
	// input and continue in its numbering.
	seen := make([]bool, n)
	for k, i := range d.ids {
		if seen[i] || d.pts[k] != (xy{x[i], y[i]}) {
			t.Fatalf("point %d is not input point %d, or appears twice", k, i)
		}
		seen[i] = true
	}
	if len(d.ids) != n {
		t.Fatalf("%d points renumbered, %d given", len(d.ids), n)
	}
	x, y = make([]float64, n), make([]float64, n)
	for k, p := range d.pts {
		x[k], y[k] = p.x, p.y
	}
	nt := len(d.tri) / 3
	isVertex := make([]bool, n)
	for h := range d.tri {
		isVertex[d.tri[h]] = true
	}
	hull := convexHull(x, y)
	if len(hull) < 3 {
		if nt != 0 {
			t.Fatalf("collinear input gave %d triangles", nt)
		}
		return
	}
	// Every point is a vertex, or a duplicate of one with the same (x, y).
	dupOf := map[int32]int32{}
	for _, dp := range d.dups {
		dupOf[dp[0]] = dp[1]
	}
	for i := range n {
		v, isDup := dupOf[int32(i)]
		switch {
		case isVertex[i] && isDup:
			t.Fatalf("point %d is both a vertex and a duplicate", i)
		case isDup && (!isVertex[v] || x[v] != x[i] || y[v] != y[i]):
			t.Fatalf("point %d recorded as a duplicate of %d which differs or is no vertex", i, v)
		case !isVertex[i] && !isDup:
			t.Fatalf("point %d (%v, %v) is missing from the triangulation", i, x[i], y[i])
		}
	}
	area := new(big.Rat)
	boundary := 0
	for h := int32(0); h < int32(len(d.tri)); h++ {
		if h%3 == 0 {
			a, b, c := d.tri[h], d.tri[h+1], d.tri[h+2]
			if ratOrient(x[a], y[a], x[b], y[b], x[c], y[c]) <= 0 {
				t.Fatalf("triangle %d (%d %d %d) is not counter-clockwise", h/3, a, b, c)
			}
			area.Add(area, ratArea2(x, y, []int32{a, b, c}))
		}
		g := d.half[h]
		if g < 0 {
			boundary++
			continue
		}
		if d.half[g] != h || d.tri[g] != d.tri[next(h)] || d.tri[next(g)] != d.tri[h] {
			t.Fatalf("halfedges %d and %d are not twins", h, g)
		}
		a, b, p, q := d.tri[h], d.tri[next(h)], d.tri[prev(h)], d.tri[prev(g)]
		if ratInCircle(x[a], y[a], x[b], y[b], x[p], y[p], x[q], y[q]) > 0 {
			t.Fatalf("edge %d-%d is not locally Delaunay", a, b)
		}
	}
	if hullArea := ratArea2(x, y, hull); area.Cmp(hullArea) != 0 {
		t.Fatalf("triangles cover %v, convex hull %v (twice the areas)", area.FloatString(6), hullArea.FloatString(6))
	}
	// Euler: a triangulation of v vertices with b on its boundary has
	// 2v - b - 2 triangles.
	v := n - len(d.dups)
	if nt != 2*v-boundary-2 {
		t.Fatalf("%d triangles, want 2*%d-%d-2 = %d", nt, v, boundary, 2*v-boundary-2)
	}
	if !brute {
		return
	}
	for k := 0; k < len(d.tri); k += 3 {
		a, b, c := d.tri[k], d.tri[k+1], d.tri[k+2]
		ox, oy := circumcenter(x[a], y[a], x[b], y[b], x[c], y[c])
		r2 := dist2(ox, oy, x[a], y[a])
		area2 := math.Abs((x[b]-x[a])*(y[c]-y[a]) - (y[b]-y[a])*(x[c]-x[a]))
		wellShaped := area2 > 1e-3*max(dist2(x[a], y[a], x[b], y[b]), dist2(x[b], y[b], x[c], y[c]), dist2(x[c], y[c], x[a], y[a]))
		for i := range n {
			// For a well-shaped triangle the float circumcentre is good to
			// ~1e-12 relative, so a point beyond the radius by a relative
			// 1e-6 is certainly outside and needs no exact test.
			if wellShaped && dist2(ox, oy, x[i], y[i]) > r2*(1+1e-6) {
				continue
			}
			if ratInCircle(x[a], y[a], x[b], y[b], x[c], y[c], x[i], y[i]) > 0 {
				t.Fatalf("point %d lies inside the circumcircle of triangle (%d %d %d)", i, a, b, c)
			}
		}
	}
}

func degenerateSets() []pointSet {
	r := newRand(3)
	var sets []pointSet
	add := func(name string, p Points) { sets = append(sets, pointSet{name, p}) }
	add("three", Points{X: []float64{0, 1, 0}, Y: []float64{0, 0, 1}})
	add("square cocircular", Points{X: []float64{0, 1, 1, 0}, Y: []float64{0, 0, 1, 1}})
	add("collinear", Points{X: []float64{0, 1, 2, 3, 4}, Y: []float64{0, 1, 2, 3, 4}})
	add("collinear plus one", Points{X: []float64{0, 1, 2, 3, 4, 2}, Y: []float64{0, 0, 0, 0, 0, 1}})
	add("lattice 12x12 integer", latticePoints(0, 0, 1, 12, 12))
	add("lattice 15x9 1cm", latticePoints(offX, offY, 0.01, 15, 9))
	add("lattice 20x20 0.3m offset", latticePoints(offX+0.07, offY+0.03, 0.3, 20, 20))
	add("snapped random", snapped(uniformPoints(r, 300, offX, offY, 0.6, 0.6)))
	add("uniform 200", uniformPoints(r, 200, offX, offY, 50, 50))
	var circle Points
	for k := range 64 {
		a := 2 * math.Pi * float64(k) / 64
		circle.X = append(circle.X, offX+10*math.Cos(a))
		circle.Y = append(circle.Y, offY+10*math.Sin(a))
	}
	circle.X, circle.Y = append(circle.X, offX), append(circle.Y, offY)
	add("circle and centre", circle)
	var dup Points
	base := uniformPoints(r, 40, 0, 0, 5, 5)
	for range 5 {
		for i := range base.X {
			dup.X, dup.Y = append(dup.X, base.X[i]), append(dup.Y, base.Y[i])
		}
	}
	add("each point five times", dup)
	var cross Points
	for k := -10; k <= 10; k++ {
		cross.X, cross.Y = append(cross.X, float64(k), 0), append(cross.Y, 0, float64(k))
	}
	add("cross of two lines", cross)
	// Symmetric around the bounding-box centre: many exact distance ties.
	var ring Points
	for i := -6; i <= 6; i++ {
		for j := -6; j <= 6; j++ {
			if i*i+j*j <= 36 {
				ring.X, ring.Y = append(ring.X, 0.01*float64(i)), append(ring.Y, 0.01*float64(j))
			}
		}
	}
	add("disc lattice", ring)
	return sets
}

func TestDelaunayProperties(t *testing.T) {
	r := newRand(1)
	sets := degenerateSets()
	for _, n := range []int{10, 100, 1000} {
		sets = append(sets, pointSet{"uniform " + itoa(n), uniformPoints(r, n, offX, offY, 50, 50)})
	}
	sets = append(sets,
		pointSet{"snapped 20000", snapped(uniformPoints(r, 20000, offX, offY, 40, 40))},
		pointSet{"roofs", roofsPoints(r, 4000, offX, offY, 50, 50)},
		pointSet{"lattice 100x100", latticePoints(offX, offY, 0.01, 100, 100)},
	)
	for _, s := range sets {
		t.Run(s.name, func(t *testing.T) {
			d, err := triangulate(context.Background(), s.p.X, s.p.Y)
			if err != nil {
				t.Fatal(err)
			}
			checkDelaunay(t, d, s.p.X, s.p.Y, s.p.Len() <= 1000)
			t.Logf("%d points, %d triangles, %d duplicates, %d inserted by point location", s.p.Len(), len(d.tri)/3, len(d.dups), d.located)
		})
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// The expansion predicates must agree in sign with exact rationals, also on
// near-degenerate input where the float filter cannot decide.
func TestPredicatesExact(t *testing.T) {
	r := newRand(9)
	for k := range 20000 {
		var c [8]float64
		for i := range c {
			switch k % 3 {
			case 0: // 1 cm lattice near LiDAR coordinates
				c[i] = math.Round((offX+r.Float64()*0.05)*100) / 100
			case 1: // tiny perturbations of one point
				c[i] = 1 + float64(r.IntN(5))*0x1p-52
			default:
				c[i] = r.NormFloat64() * 1e3
			}
		}
		if got, want := sign(orient(c[0], c[1], c[2], c[3], c[4], c[5])), ratOrient(c[0], c[1], c[2], c[3], c[4], c[5]); got != want {
			t.Fatalf("orient%v = %d, want %d", c[:6], got, want)
		}
		if ratOrient(c[0], c[1], c[2], c[3], c[4], c[5]) <= 0 {
			continue
		}
		if got, want := sign(inCircle(xy{c[0], c[1]}, xy{c[2], c[3]}, xy{c[4], c[5]}, xy{c[6], c[7]})), ratInCircle(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]); got != want {
			t.Fatalf("inCircle%v = %d, want %d", c, got, want)
		}
	}
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
