package coreg

import "math"

// Number is a pixel type Shift resamples.
type Number interface {
	~uint8 | ~int16 | ~uint16 | ~int32 | ~float32 | ~float64
}

// Shift resamples a w×h row-major grid at positions displaced by dx
// columns and dy rows, bilinearly: out(c, r) = in(c+dx, r+dy). A pixel is
// valid (outOK) only when every input pixel with a weight in it is valid
// (ok; nil means all are), so nodata stays nodata and never bleeds into a
// value; positions outside the grid are invalid. Integer types are
// rounded. out and outOK are reused when large enough.
func Shift[T Number](in []T, ok []bool, w, h int, dx, dy float64, out []T, outOK []bool) ([]T, []bool) {
	n := w * h
	if cap(out) < n {
		out = make([]T, n)
	}
	if cap(outOK) < n {
		outOK = make([]bool, n)
	}
	out, outOK = out[:n], outOK[:n]
	ix, iy := math.Floor(dx), math.Floor(dy)
	fx, fy := dx-ix, dy-iy
	// Weights this small change no value: such a neighbour is not read,
	// so a whole-pixel shift is an exact copy.
	const eps = 1e-9
	if fx < eps {
		fx = 0
	} else if fx > 1-eps {
		fx, ix = 0, ix+1
	}
	if fy < eps {
		fy = 0
	} else if fy > 1-eps {
		fy, iy = 0, iy+1
	}
	ox, oy := int(ix), int(iy)
	w00, w10, w01, w11 := (1-fx)*(1-fy), fx*(1-fy), (1-fx)*fy, fx*fy
	needX, needY := fx > 0, fy > 0
	var zero T
	round := isInteger[T]()
	for r := 0; r < h; r++ {
		sr := r + oy
		for c := 0; c < w; c++ {
			i := r*w + c
			sc := c + ox
			out[i], outOK[i] = zero, false
			if sr < 0 || sc < 0 || sr >= h || sc >= w || (needX && sc+1 >= w) || (needY && sr+1 >= h) {
				continue
			}
			j := sr*w + sc
			if ok != nil && (!ok[j] || (needX && !ok[j+1]) || (needY && !ok[j+w]) || (needX && needY && !ok[j+w+1])) {
				continue
			}
			v := w00 * float64(in[j])
			if needX {
				v += w10 * float64(in[j+1])
			}
			if needY {
				v += w01 * float64(in[j+w])
			}
			if needX && needY {
				v += w11 * float64(in[j+w+1])
			}
			if round {
				v = math.Round(v)
			}
			out[i], outOK[i] = T(v), true
		}
	}
	return out, outOK
}

func isInteger[T Number]() bool {
	half := 0.5
	return T(half) == 0
}
