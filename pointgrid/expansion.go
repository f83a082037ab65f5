package pointgrid

import "math"

// Exact floating-point expansion arithmetic (after Shewchuk, "Adaptive
// Precision Floating-Point Arithmetic and Fast Robust Geometric Predicates",
// 1997). An expansion is a sum of non-overlapping float64 components stored
// in increasing order of magnitude; its sign is the sign of its last
// (largest) component. Results are exact unless a product overflows or
// underflows. This is only the slow path of the predicates, taken when the
// fast floating-point filter cannot decide.

// twoSum returns s = fl(a+b) and the exact rounding error e, a+b = s+e.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bv := s - a
	av := s - bv
	return s, (a - av) + (b - bv)
}

// twoDiff returns d = fl(a-b) and the exact error e, a-b = d+e.
func twoDiff(a, b float64) (d, e float64) {
	d = a - b
	bv := a - d
	av := d + bv
	return d, (a - av) + (bv - b)
}

// twoProd returns p = fl(a*b) and the exact error, using a fused
// multiply-add to obtain the low part.
func twoProd(a, b float64) (p, e float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

// diffExp is a-b as an expansion of at most two components.
func diffExp(a, b float64) []float64 {
	d, e := twoDiff(a, b)
	if e == 0 {
		return []float64{d}
	}
	return []float64{e, d}
}

// sumExp returns e+f. The components of both are merged by magnitude and
// accumulated with twoSum, dropping zero errors (Shewchuk's
// fast-expansion-sum with zero elimination).
func sumExp(e, f []float64) []float64 {
	g := make([]float64, 0, len(e)+len(f))
	i, j := 0, 0
	for i < len(e) && j < len(f) {
		if math.Abs(e[i]) <= math.Abs(f[j]) {
			g = append(g, e[i])
			i++
		} else {
			g = append(g, f[j])
			j++
		}
	}
	g = append(g, e[i:]...)
	g = append(g, f[j:]...)
	if len(g) == 0 {
		return g
	}
	h := g[:0] // h never overtakes the read position, so reuse g's storage
	q := g[0]
	for k := 1; k < len(g); k++ {
		var err float64
		q, err = twoSum(q, g[k])
		if err != 0 {
			h = append(h, err)
		}
	}
	if q != 0 || len(h) == 0 {
		h = append(h, q)
	}
	return h
}

// negExp returns -e.
func negExp(e []float64) []float64 {
	out := make([]float64, len(e))
	for i, v := range e {
		out[i] = -v
	}
	return out
}

// scaleExp returns e*b (Shewchuk's scale-expansion with zero elimination).
func scaleExp(e []float64, b float64) []float64 {
	h := make([]float64, 0, 2*len(e))
	if len(e) == 0 {
		return h
	}
	q, err := twoProd(e[0], b)
	if err != 0 {
		h = append(h, err)
	}
	for _, c := range e[1:] {
		hi, lo := twoProd(c, b)
		s, err := twoSum(q, lo)
		if err != 0 {
			h = append(h, err)
		}
		q, err = twoSum(hi, s)
		if err != 0 {
			h = append(h, err)
		}
	}
	if q != 0 || len(h) == 0 {
		h = append(h, q)
	}
	return h
}

// mulExp returns e*f.
func mulExp(e, f []float64) []float64 {
	var out []float64
	for _, c := range f {
		out = sumExp(out, scaleExp(e, c))
	}
	return out
}

// signExp is the sign (-1, 0, +1) of an expansion.
func signExp(e []float64) int {
	for i := len(e) - 1; i >= 0; i-- {
		switch {
		case e[i] > 0:
			return 1
		case e[i] < 0:
			return -1
		}
	}
	return 0
}
