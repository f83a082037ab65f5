package pointgrid

import (
	"math"
	"testing"
)

// binReference computes a statistic by brute force from the cell interval
// definition [x0, x1) × (y0, y1], independently of Bin's index arithmetic.
// With a power-of-two resolution and an integer origin every bound is exact.
func binReference(g Grid, p Points, stat Stat, nodata float32) []float32 {
	out := make([]float32, g.Cells())
	for row := range g.Height {
		y1 := g.MaxY - float64(row)*g.Res
		y0 := y1 - g.Res
		for col := range g.Width {
			x0 := g.MinX + float64(col)*g.Res
			x1 := x0 + g.Res
			var zs []float64
			for i := range p.X {
				x, y, z := p.X[i], p.Y[i], p.Z[i]
				if x >= x0 && x < x1 && y > y0 && y <= y1 && !math.IsNaN(z) && !math.IsInf(z, 0) {
					zs = append(zs, z)
				}
			}
			v := nodata
			switch {
			case stat == Count:
				v = float32(len(zs))
			case len(zs) == 0:
			case stat == Max:
				m := zs[0]
				for _, z := range zs {
					m = max(m, z)
				}
				v = float32(m)
			case stat == Min:
				m := zs[0]
				for _, z := range zs {
					m = min(m, z)
				}
				v = float32(m)
			case stat == Mean:
				s := 0.0
				for _, z := range zs {
					s += z
				}
				v = float32(s / float64(len(zs)))
			}
			out[row*g.Width+col] = v
		}
	}
	return out
}

func TestBinMatchesReference(t *testing.T) {
	g := Grid{MinX: offX, MaxY: offY + 10, Res: 0.5, Width: 24, Height: 20}
	r := newRand(5)
	random := uniformPoints(r, 3000, offX-1, offY-1, 14, 12)
	// Points exactly on cell edges and corners, on the grid's own borders
	// (the east and south borders are outside by the half-open rule), and
	// some unusable ones.
	var edges Points
	for k := -1; k <= 2*g.Width+1; k++ {
		for j := -1; j <= 2*g.Height+1; j++ {
			x := g.MinX + float64(k)*g.Res/2
			y := g.MaxY - float64(j)*g.Res/2
			edges.X, edges.Y, edges.Z = append(edges.X, x), append(edges.Y, y), append(edges.Z, float64(k*j%17))
		}
	}
	nan := math.NaN()
	edges.X = append(edges.X, nan, offX+1, offX+1, math.Inf(1))
	edges.Y = append(edges.Y, offY+5, nan, offY+5, offY+5)
	edges.Z = append(edges.Z, 1, 1, math.Inf(-1), 1)
	for _, s := range []pointSet{{"random", random}, {"edges", edges}} {
		for _, stat := range []Stat{Max, Min, Mean, Count} {
			t.Run(s.name+"/"+stat.String(), func(t *testing.T) {
				got, err := Bin(g, s.p, stat, -1)
				if err != nil {
					t.Fatal(err)
				}
				want := binReference(g, s.p, stat, -1)
				filled := 0
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("cell %d: got %v, want %v", i, got[i], want[i])
					}
					if want[i] != -1 {
						filled++
					}
				}
				if filled < g.Cells()/2 {
					t.Fatalf("only %d cells filled: the test data misses the grid", filled)
				}
			})
		}
	}
}

func TestBinErrors(t *testing.T) {
	good := Grid{MinX: 0, MaxY: 10, Res: 1, Width: 10, Height: 10}
	p := Points{X: []float64{1}, Y: []float64{1}, Z: []float64{1}}
	for _, c := range []struct {
		name string
		g    Grid
		p    Points
		s    Stat
	}{
		{"zero res", Grid{Res: 0, Width: 1, Height: 1}, p, Max},
		{"NaN res", Grid{Res: math.NaN(), Width: 1, Height: 1}, p, Max},
		{"negative width", Grid{Res: 1, Width: -1, Height: 1}, p, Max},
		{"huge", Grid{Res: 1, Width: 1 << 20, Height: 1 << 20}, p, Max},
		{"Inf origin", Grid{MinX: math.Inf(1), Res: 1, Width: 1, Height: 1}, p, Max},
		{"lengths", good, Points{X: []float64{1, 2}, Y: []float64{1}, Z: []float64{1}}, Max},
		{"stat", good, p, Stat(9)},
	} {
		if _, err := Bin(c.g, c.p, c.s, 0); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	out, err := Bin(good, Points{}, Max, -5)
	if err != nil || len(out) != 100 || out[0] != -5 {
		t.Fatalf("empty input: %v, %v", out[:1], err)
	}
}
