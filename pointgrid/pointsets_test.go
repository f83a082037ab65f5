package pointgrid

import (
	"math"
	"math/rand/v2"
)

// Point sets shared by the tests and benchmarks. Offsets mimic projected
// LiDAR coordinates (hundreds of kilometres) so precision problems show.
const (
	offX = 637000.0
	offY = 4480000.0
)

type pointSet struct {
	name string
	p    Points
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed*7+1)) }

// uniformPoints draws n points uniformly in [x0, x0+w) × [y0, y0+h) with z
// from a smooth surface plus noise.
func uniformPoints(r *rand.Rand, n int, x0, y0, w, h float64) Points {
	p := Points{X: make([]float64, n), Y: make([]float64, n), Z: make([]float64, n)}
	for i := range n {
		x, y := x0+r.Float64()*w, y0+r.Float64()*h
		p.X[i], p.Y[i] = x, y
		p.Z[i] = terrain(x, y) + r.Float64()*0.2
	}
	return p
}

func terrain(x, y float64) float64 {
	return 100 + 10*math.Sin(x/7) + 5*math.Cos(y/5)
}

// snapped rounds coordinates to a 1 cm lattice, producing exact duplicates,
// collinear triples and cocircular quadruples.
func snapped(p Points) Points {
	q := Points{X: make([]float64, p.Len()), Y: make([]float64, p.Len()), Z: append([]float64(nil), p.Z...)}
	for i := range p.X {
		q.X[i] = math.Round(p.X[i]*100) / 100
		q.Y[i] = math.Round(p.Y[i]*100) / 100
	}
	return q
}

// latticePoints is a regular nx × ny lattice with the given spacing: every
// lattice square is cocircular and every row collinear. z is a plane, so any
// valid triangulation interpolates the same value.
func latticePoints(x0, y0, spacing float64, nx, ny int) Points {
	var p Points
	for j := range ny {
		for i := range nx {
			x := math.Round((x0+float64(i)*spacing)*100) / 100
			y := math.Round((y0+float64(j)*spacing)*100) / 100
			p.X = append(p.X, x)
			p.Y = append(p.Y, y)
			p.Z = append(p.Z, 50+0.3*(x-x0)-0.2*(y-y0))
		}
	}
	return p
}

// roofsPoints samples a synthetic town: flat ground with rectangular
// buildings whose walls are vertical. Wall points repeat the same (x, y) at
// ground and roof height, as multiple returns do.
func roofsPoints(r *rand.Rand, n int, x0, y0, w, h float64) Points {
	type box struct{ x0, y0, x1, y1, z float64 }
	var boxes []box
	for range 8 {
		bx, by := x0+r.Float64()*(w-12), y0+r.Float64()*(h-12)
		boxes = append(boxes, box{bx, by, bx + 4 + r.Float64()*8, by + 4 + r.Float64()*8, 8 + r.Float64()*15})
	}
	height := func(x, y float64) float64 {
		z := 100.0
		for _, b := range boxes {
			if x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1 {
				z = max(z, 100+b.z)
			}
		}
		return z
	}
	var p Points
	add := func(x, y, z float64) {
		p.X, p.Y, p.Z = append(p.X, x), append(p.Y, y), append(p.Z, z)
	}
	for range n {
		x := math.Round((x0+r.Float64()*w)*100) / 100
		y := math.Round((y0+r.Float64()*h)*100) / 100
		add(x, y, height(x, y))
	}
	for _, b := range boxes {
		for k := 0.0; k <= 1; k += 0.05 {
			for _, q := range [][2]float64{
				{b.x0 + k*(b.x1-b.x0), b.y0}, {b.x0 + k*(b.x1-b.x0), b.y1},
				{b.x0, b.y0 + k*(b.y1-b.y0)}, {b.x1, b.y0 + k*(b.y1-b.y0)},
			} {
				x, y := math.Round(q[0]*100)/100, math.Round(q[1]*100)/100
				add(x, y, 100)
				add(x, y, height(x, y))
			}
		}
	}
	return p
}

// dedupMax keeps one point per exact (x, y) with the highest z, as TIN
// documents; gdal_grid gets this set so that both see the same surface.
func dedupMax(p Points) Points {
	type xy struct{ x, y float64 }
	best := map[xy]int{}
	var q Points
	for i := range p.X {
		k := xy{p.X[i], p.Y[i]}
		if j, ok := best[k]; ok {
			q.Z[j] = max(q.Z[j], p.Z[i])
			continue
		}
		best[k] = q.Len()
		q.X, q.Y, q.Z = append(q.X, p.X[i]), append(q.Y, p.Y[i]), append(q.Z, p.Z[i])
	}
	return q
}
