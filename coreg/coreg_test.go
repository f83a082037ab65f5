package coreg

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// surface is an analytic city: Gaussian hills and flat-roofed box
// buildings, heights in metres at (x east, y north).
type surface struct {
	hills []struct{ x, y, h, s float64 }
	boxes []struct{ x0, y0, x1, y1, h float64 }
}

func newSurface(seed uint64, size float64) *surface {
	r := rand.New(rand.NewPCG(seed, 1))
	s := &surface{}
	for range 12 {
		s.hills = append(s.hills, struct{ x, y, h, s float64 }{r.Float64() * size, r.Float64() * size, 3 + 12*r.Float64(), 15 + 35*r.Float64()})
	}
	for range 25 {
		x, y := r.Float64()*size, r.Float64()*size
		w, d := 8+20*r.Float64(), 8+20*r.Float64()
		s.boxes = append(s.boxes, struct{ x0, y0, x1, y1, h float64 }{x, y, x + w, y + d, 4 + 12*r.Float64()})
	}
	return s
}

func (s *surface) at(x, y float64) float64 {
	z := 700.0
	for _, h := range s.hills {
		dx, dy := x-h.x, y-h.y
		z += h.h * math.Exp(-(dx*dx+dy*dy)/(2*h.s*h.s))
	}
	for _, b := range s.boxes {
		if x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1 {
			z += b.h
			break
		}
	}
	return z
}

// raster samples f at cell centres of a w×h grid whose top-left corner is
// (0, h·res).
func raster(w, h int, res float64, f func(x, y float64) float64) []float32 {
	out := make([]float32, w*h)
	for r := range h {
		for c := range w {
			out[r*w+c] = float32(f((float64(c)+0.5)*res, (float64(h-r)-0.5)*res))
		}
	}
	return out
}

func TestNuthKaabRecoversShiftAndBias(t *testing.T) {
	const w, h, res = 300, 300, 1.0
	const east, north, bias = 0.5, -0.3, 0.3
	s := newSurface(7, w*res)
	ref := raster(w, h, res, s.at)
	// The later world moved (east, north) and rose by bias.
	mov := raster(w, h, res, func(x, y float64) float64 { return s.at(x-east, y-north) + bias })
	// Some nodata in the moving DSM, and a new building (a change) that
	// must not count as stable ground.
	ok := make([]bool, w*h)
	for i := range ok {
		ok[i] = true
	}
	for r := 40; r < 60; r++ {
		for c := 200; c < 230; c++ {
			ok[r*w+c] = false
			mov[r*w+c] = -9999
		}
	}
	for r := 150; r < 170; r++ {
		for c := 20; c < 50; c++ {
			mov[r*w+c] += 9
		}
	}
	res0, err := NuthKaab(context.Background(), []Pair{{Ref: ref, Moving: mov, Width: w, Height: h, MovingValid: ok}}, Options{Res: res})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("estimated (%.4f, %.4f) m, bias %.4f m; injected (%g, %g) m, %g m; %d iterations, %d px, NMAD %.3f → %.3f m",
		res0.East, res0.North, res0.Bias, east, north, bias, res0.Iterations, res0.Pixels, res0.NMADBefore, res0.NMADAfter)
	if !res0.Converged {
		t.Errorf("did not converge in %d iterations", res0.Iterations)
	}
	if math.Abs(res0.East-east) > 0.05 || math.Abs(res0.North-north) > 0.05 {
		t.Errorf("shift (%.3f, %.3f) m, want (%g, %g) m within 0.05 m", res0.East, res0.North, east, north)
	}
	if math.Abs(res0.Bias-bias) > 0.02 {
		t.Errorf("bias %.4f m, want %g m within 0.02 m", res0.Bias, bias)
	}
	if !(res0.NMADAfter < res0.NMADBefore) {
		t.Errorf("NMAD %.3f m after, %.3f m before: the shift did not help", res0.NMADAfter, res0.NMADBefore)
	}
}

// Several tiles fitted together give the scene's one shift.
func TestNuthKaabPooledTiles(t *testing.T) {
	const w, h, res = 120, 120, 1.0
	const east, north, bias = -0.8, 0.6, -0.2
	var pairs []Pair
	for k := range 4 {
		s := newSurface(uint64(20+k), w*res)
		pairs = append(pairs, Pair{
			Ref:    raster(w, h, res, s.at),
			Moving: raster(w, h, res, func(x, y float64) float64 { return s.at(x-east, y-north) + bias }),
			Width:  w, Height: h,
		})
	}
	r, err := NuthKaab(context.Background(), pairs, Options{Res: res})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("estimated (%.4f, %.4f) m, bias %.4f m in %d iterations", r.East, r.North, r.Bias, r.Iterations)
	if math.Abs(r.East-east) > 0.05 || math.Abs(r.North-north) > 0.05 || math.Abs(r.Bias-bias) > 0.02 {
		t.Errorf("estimated (%.3f, %.3f) m, bias %.3f m; want (%g, %g) m, %g m", r.East, r.North, r.Bias, east, north, bias)
	}
}

func TestNuthKaabNoRelief(t *testing.T) {
	const w, h = 100, 100
	flat := raster(w, h, 1, func(x, y float64) float64 { return 650 })
	moved := raster(w, h, 1, func(x, y float64) float64 { return 650.4 })
	_, err := NuthKaab(context.Background(), []Pair{{Ref: flat, Moving: moved, Width: w, Height: h}}, Options{Res: 1})
	if !errors.Is(err, ErrNoRelief) {
		t.Errorf("flat DSMs: error %v, want ErrNoRelief", err)
	}
	// A plane slopes one way only: a shift along its contours is invisible.
	plane := raster(w, h, 1, func(x, y float64) float64 { return 650 + 0.2*x })
	planeMoved := raster(w, h, 1, func(x, y float64) float64 { return 650 + 0.2*(x-0.5) })
	_, err = NuthKaab(context.Background(), []Pair{{Ref: plane, Moving: planeMoved, Width: w, Height: h}}, Options{Res: 1})
	if !errors.Is(err, ErrNoRelief) {
		t.Errorf("a plane: error %v, want ErrNoRelief", err)
	}
	// Mismatched sizes are an error of their own.
	if _, err := NuthKaab(context.Background(), []Pair{{Ref: flat, Moving: moved[:10], Width: w, Height: h}}, Options{Res: 1}); err == nil || errors.Is(err, ErrNoRelief) {
		t.Errorf("mismatched grids: error %v", err)
	}
	if _, err := NuthKaab(context.Background(), []Pair{{Ref: flat, Moving: moved, Width: w, Height: h}}, Options{}); err == nil {
		t.Error("no cell size: no error")
	}
}

func TestNuthKaabCancelled(t *testing.T) {
	const w, h = 100, 100
	s := newSurface(3, w)
	ref := raster(w, h, 1, s.at)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NuthKaab(ctx, []Pair{{Ref: ref, Moving: ref, Width: w, Height: h}}, Options{Res: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error %v", err)
	}
}

func TestShift(t *testing.T) {
	const w, h = 6, 5
	in := make([]float32, w*h)
	for i := range in {
		in[i] = float32(10*(i/w) + i%w) // 10·row + col: bilinear is exact on it
	}
	ok := make([]bool, w*h)
	for i := range ok {
		ok[i] = true
	}
	ok[2*w+3] = false
	out, outOK := Shift(in, ok, w, h, 0.25, -0.5, nil, nil)
	for r := range h {
		for c := range w {
			i := r*w + c
			// Reads rows r−1 and r, columns c and c+1.
			wantOK := r >= 1 && c+1 < w && !((r == 2 || r == 3) && (c == 2 || c == 3))
			if outOK[i] != wantOK {
				t.Errorf("(%d,%d): valid %v, want %v", c, r, outOK[i], wantOK)
				continue
			}
			if want := float32(10*(float64(r)-0.5) + float64(c) + 0.25); wantOK && math.Abs(float64(out[i]-want)) > 1e-5 {
				t.Errorf("(%d,%d) = %g, want %g", c, r, out[i], want)
			}
		}
	}
	// Whole pixels copy exactly, reading no neighbour.
	out, outOK = Shift(in, nil, w, h, -1, 2, out, outOK)
	if !outOK[0*w+1] || out[0*w+1] != in[2*w+0] || outOK[0] || outOK[(h-2)*w+1] {
		t.Errorf("whole-pixel shift: %v %v", out, outOK)
	}
	// Integers are rounded.
	b, _ := Shift([]uint8{10, 20, 30, 40}, nil, 2, 2, 0.5, 0, nil, nil)
	if b[0] != 15 {
		t.Errorf("uint8 shift: %v", b)
	}
}
