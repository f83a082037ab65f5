package pointgrid

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// TestMaxEdge punches a 12 m × 12 m void into dense points: with MaxEdge the
// triangles bridging it leave nodata, elsewhere values equal the unlimited
// TIN's.
func TestMaxEdge(t *testing.T) {
	r := newRand(11)
	all := uniformPoints(r, 5800, offX-2, offY-2, 54, 54)
	var p Points
	inVoid := func(x, y float64) bool { return x > offX+19 && x < offX+31 && y > offY+19 && y < offY+31 }
	for i := range all.X {
		if !inVoid(all.X[i], all.Y[i]) {
			p.X, p.Y, p.Z = append(p.X, all.X[i]), append(p.Y, all.Y[i]), append(p.Z, all.Z[i])
		}
	}
	g := Grid{MinX: offX, MaxY: offY + 50, Res: 1, Width: 50, Height: 50}
	const maxEdge = 3.0
	full, err := TIN(context.Background(), g, p, TINOptions{}, -1)
	if err != nil {
		t.Fatal(err)
	}
	cut, err := TIN(context.Background(), g, p, TINOptions{MaxEdge: maxEdge}, -1)
	if err != nil {
		t.Fatal(err)
	}
	holes := 0
	for row := range g.Height {
		for col := range g.Width {
			k := row*g.Width + col
			x, y := g.CenterX(col), g.CenterY(row)
			if full[k] == -1 {
				t.Fatalf("unlimited TIN left cell (%d, %d) empty", col, row)
			}
			if cut[k] == -1 {
				holes++
				continue
			}
			if cut[k] != full[k] {
				t.Fatalf("cell (%d, %d): %v with MaxEdge, %v without", col, row, cut[k], full[k])
			}
			// Inside a triangle with edges ≤ M every point is within M/√3 of
			// a vertex.
			near := math.Inf(1)
			for i := range p.X {
				near = min(near, math.Hypot(p.X[i]-x, p.Y[i]-y))
			}
			if near > maxEdge/math.Sqrt(3)+1e-9 {
				t.Fatalf("cell (%d, %d) has a value but its nearest point is %.2f away", col, row, near)
			}
		}
	}
	// The void holds 10×10 interior cell centres at least 1.5 m from its
	// rim, more than any short triangle can reach.
	for row := 20; row < 30; row++ {
		for col := 20; col < 30; col++ {
			if k := row*g.Width + col; inVoid(g.CenterX(col), g.CenterY(row)) && cut[k] != -1 && math.Min(math.Min(g.CenterX(col)-offX-19, offX+31-g.CenterX(col)), math.Min(g.CenterY(row)-offY-19, offY+31-g.CenterY(row))) > maxEdge {
				t.Fatalf("void cell (%d, %d) has a value", col, row)
			}
		}
	}
	if holes < 36 || holes > 200 {
		t.Fatalf("%d nodata cells with MaxEdge, expected roughly the void's 144", holes)
	}
	t.Logf("MaxEdge %v left %d nodata cells (void: 144 cells)", maxEdge, holes)
}

func TestFillHoles(t *testing.T) {
	const nd = -9999
	t.Run("centre of 3x3", func(t *testing.T) {
		z := []float32{1, 2, 3, 4, nd, 6, 7, 8, 9}
		if n := FillHoles(z, 3, 3, nd, 1); n != 1 {
			t.Fatalf("filled %d, want 1", n)
		}
		// Orthogonal neighbours weigh 1, diagonal ones 1/2.
		want := ((2 + 4 + 6 + 8) + 0.5*(1+3+7+9)) / (4 + 2.0)
		if math.Abs(float64(z[4])-want) > 1e-6 {
			t.Fatalf("got %v, want %v", z[4], want)
		}
	})
	t.Run("maxDist bounds the reach", func(t *testing.T) {
		z := []float32{1, nd, nd, nd, nd, nd, 7}
		if n := FillHoles(z, 7, 1, nd, 2); n != 4 {
			t.Fatalf("filled %d, want 4: %v", n, z)
		}
		want := []float32{1, 1, 1, nd, 7, 7, 7}
		for i := range z {
			if z[i] != want[i] {
				t.Fatalf("got %v, want %v", z, want)
			}
		}
	})
	t.Run("between two values", func(t *testing.T) {
		z := []float32{2, nd, nd, 8}
		FillHoles(z, 4, 1, nd, 3)
		// Cell 1: 2 at distance 1 (weight 1), 8 at distance 2 (weight 1/4).
		if want := float32((2 + 8*0.25) / 1.25); z[1] != want {
			t.Fatalf("got %v, want %v", z[1], want)
		}
	})
	t.Run("NaN nodata", func(t *testing.T) {
		nan := float32(math.NaN())
		z := []float32{5, nan, 5}
		if n := FillHoles(z, 3, 1, nan, 1); n != 1 || z[1] != 5 {
			t.Fatalf("filled %d: %v", n, z)
		}
	})
	t.Run("all nodata and bad sizes", func(t *testing.T) {
		z := []float32{nd, nd, nd, nd}
		if n := FillHoles(z, 2, 2, nd, 5); n != 0 {
			t.Fatalf("filled %d from nothing", n)
		}
		if n := FillHoles(z, 3, 2, nd, 5); n != 0 {
			t.Fatalf("filled %d with a wrong size", n)
		}
		if n := FillHoles(nil, 0, 0, nd, 5); n != 0 {
			t.Fatal("filled an empty grid")
		}
	})
}

// TestContextCancel checks that every long computation stops promptly: an
// already cancelled context fails at once, and a deadline well inside the
// run's duration interrupts it.
func TestContextCancel(t *testing.T) {
	r := newRand(13)
	g := Grid{MinX: offX, MaxY: offY + 200, Res: 1, Width: 200, Height: 200}
	p := uniformPoints(r, 400_000, offX, offY, 200, 200)
	idwOpt := IDWOptions{Power: 2, Radius: 4, MinPoints: 1}
	runs := map[string]func(context.Context) error{
		"TIN": func(ctx context.Context) error {
			_, err := TIN(ctx, g, p, TINOptions{}, -1)
			return err
		},
		"IDW": func(ctx context.Context) error {
			_, err := IDW(ctx, g, p, idwOpt, -1)
			return err
		},
	}
	for name, run := range runs {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := run(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled context: err %v", err)
			}
			start := time.Now()
			if err := run(context.Background()); err != nil {
				t.Fatal(err)
			}
			full := time.Since(start)
			ctx, cancel = context.WithTimeout(context.Background(), full/10)
			defer cancel()
			start = time.Now()
			err := run(ctx)
			stopped := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("deadline: err %v", err)
			}
			t.Logf("full run %v; with a %v deadline it stopped after %v", full, full/10, stopped)
			// Lenient so that load from other processes cannot make it flaky.
			if stopped > full/2 && stopped > full/10+200*time.Millisecond {
				t.Fatalf("stopped after %v, the full run takes %v", stopped, full)
			}
		})
	}
}

// TestHostileInput feeds degenerate and invalid points to every method:
// the result is nodata or a clear error, never a panic.
func TestHostileInput(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	g := Grid{MinX: 0, MaxY: 4, Res: 1, Width: 4, Height: 4}
	cases := []struct {
		name      string
		p         Points
		wantValue bool // TIN should produce at least one value
	}{
		{"empty", Points{}, false},
		{"one point", Points{X: []float64{1}, Y: []float64{1}, Z: []float64{1}}, false},
		{"two points", Points{X: []float64{1, 3}, Y: []float64{1, 3}, Z: []float64{1, 2}}, false},
		{"identical", Points{X: []float64{2, 2, 2, 2}, Y: []float64{2, 2, 2, 2}, Z: []float64{1, 5, 3, 2}}, false},
		{"collinear", Points{X: []float64{0, 1, 2, 3, 4}, Y: []float64{0, 1, 2, 3, 4}, Z: []float64{1, 1, 1, 1, 1}}, false},
		{"NaN and Inf", Points{
			X: []float64{nan, 0, 4, 0, inf, 4},
			Y: []float64{0, nan, 0, 4, 1, 4},
			Z: []float64{1, 1, 1, 1, 1, -inf},
		}, false},
		{"NaN among good", Points{
			X: []float64{-1, 5, -1, nan, 2},
			Y: []float64{-1, -1, 5, 2, nan},
			Z: []float64{1, 2, 3, 4, 5},
		}, true},
		{"extreme magnitudes", Points{
			X: []float64{1e300, -1e300, 0, 1e-300, 0, 4},
			Y: []float64{0, 1e300, -1e300, 1e-300, 4, 0},
			Z: []float64{1, 2, 3, 4, 5, 6},
		}, true},
		{"lengths differ", Points{X: []float64{1, 2}, Y: []float64{1}, Z: nil}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			mismatch := len(c.p.X) != len(c.p.Y) || len(c.p.X) != len(c.p.Z)
			tin, err := TIN(ctx, g, c.p, TINOptions{}, -1)
			if (err != nil) != mismatch {
				t.Fatalf("TIN error %v", err)
			}
			if mismatch {
				if !errors.Is(err, ErrLengthMismatch) {
					t.Fatalf("error %v does not wrap ErrLengthMismatch", err)
				}
				return
			}
			values := 0
			for _, v := range tin {
				if v != -1 {
					values++
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("non-finite output %v", v)
					}
				}
			}
			if (values > 0) != c.wantValue {
				t.Fatalf("TIN gave %d values", values)
			}
			if _, err := IDW(ctx, g, c.p, IDWOptions{Power: 2, Radius: 2}, -1); err != nil {
				t.Fatal(err)
			}
			for _, s := range []Stat{Max, Min, Mean, Count} {
				if _, err := Bin(g, c.p, s, -1); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	// Invalid options are errors.
	p := Points{X: []float64{1}, Y: []float64{1}, Z: []float64{1}}
	for _, o := range []IDWOptions{{Radius: 0}, {Radius: nan}, {Radius: inf}, {Radius: 1, Power: -1}, {Radius: 1, Power: nan}, {Radius: 1, MinPoints: -1}} {
		if _, err := IDW(context.Background(), g, p, o, -1); err == nil {
			t.Errorf("IDW %+v: no error", o)
		}
	}
	for _, e := range []float64{-1, nan} {
		if _, err := TIN(context.Background(), g, p, TINOptions{MaxEdge: e}, -1); err == nil {
			t.Errorf("TIN MaxEdge %v: no error", e)
		}
	}
	if _, err := TIN(context.Background(), Grid{Res: -1, Width: 1, Height: 1}, p, TINOptions{}, -1); !errors.Is(err, ErrInvalidGrid) {
		t.Errorf("invalid grid: %v", err)
	}
}

// TestTINDuplicatesKeepHighest: a triangle whose apex is given three times
// with different z; the highest must win, whatever the input order.
func TestTINDuplicatesKeepHighest(t *testing.T) {
	g := Grid{MinX: 0, MaxY: 2, Res: 1, Width: 2, Height: 2}
	for _, order := range [][]float64{{5, 9, 1}, {9, 1, 5}, {1, 5, 9}} {
		p := Points{
			X: []float64{-1, -1, 5, -1, -1},
			Y: []float64{5, -1, -1, 5, 5},
			Z: []float64{order[0], 0, 0, order[1], order[2]},
		}
		out, err := TIN(context.Background(), g, p, TINOptions{}, -1)
		if err != nil {
			t.Fatal(err)
		}
		// The plane through (-1,-1,0), (5,-1,0), (-1,5,9) is z = 9(y+1)/6;
		// cell (0, 1) has centre (0.5, 0.5).
		if got := out[2]; got != 2.25 {
			t.Fatalf("order %v: got %v, want 2.25", order, got)
		}
	}
}

// TestIDWCoincidentAndMaxPoints checks the distance-zero rule and MaxPoints.
func TestIDWCoincidentAndMaxPoints(t *testing.T) {
	g := Grid{MinX: 0, MaxY: 1, Res: 1, Width: 1, Height: 1} // centre (0.5, 0.5)
	p := Points{
		X: []float64{0.5, 0.5, 1.5, 0.5, 0.5},
		Y: []float64{1.5, 0.5, 0.5, 0.5, -0.5},
		Z: []float64{10, 7, 20, 8, 40},
	}
	out, _ := IDW(context.Background(), g, p, IDWOptions{Power: 2, Radius: 2, MinPoints: 10}, -1)
	if out[0] != 7 {
		t.Fatalf("coincident points: got %v, want the first one's 7", out[0])
	}
	q := Points{X: []float64{0.5, 1.5, 0.5, 3}, Y: []float64{1.5, 0.5, -1.5, 0.5}, Z: []float64{10, 20, 40, 100}}
	out, _ = IDW(context.Background(), g, q, IDWOptions{Power: 2, Radius: 2.5, MaxPoints: 2}, -1)
	if out[0] != 15 { // the two points at distance 1
		t.Fatalf("MaxPoints 2: got %v, want 15", out[0])
	}
	out, _ = IDW(context.Background(), g, q, IDWOptions{Power: 1, Radius: 2.5}, -1)
	// The point at exactly the radius counts.
	if want := float32((10 + 20 + 40/2.0 + 100/2.5) / 2.9); out[0] != want {
		t.Fatalf("power 1: got %v, want %v", out[0], want)
	}
	out, _ = IDW(context.Background(), g, q, IDWOptions{Power: 2, Radius: 2.5, MinPoints: 5}, -1)
	if out[0] != -1 {
		t.Fatalf("MinPoints 5 with 4 in range: got %v, want nodata", out[0])
	}
}
