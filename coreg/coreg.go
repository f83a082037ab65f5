// Package coreg coregisters two DSMs of one area: it estimates how far, east
// and north, one DSM (the moving one, usually the later epoch) lies from
// the other (the reference), and the vertical bias left once that shift is
// taken out, by the method of Nuth & Kääb (2011) as xDEM implements it.
//
// On stable ground a horizontal displacement (dx, dy) of a surface turns
// into elevation differences that depend only on the terrain's slope α and
// aspect ψ (the compass direction the slope faces, clockwise from north):
//
//	ΔH / tan α = dx·sin ψ + dy·cos ψ + c = a·cos(b − ψ) + c
//
// with dx = a·sin b, dy = a·cos b and c a residual vertical term. Each
// iteration resamples the moving DSM at the shift found so far (bilinear),
// takes ΔH on stable ground, fits the cosine to the medians of ΔH / tan α
// in 5° aspect bins (the fit is linear in dx, dy, c: least squares, no
// optimiser) and adds the fitted displacement to the shift, until a step
// is below the tolerance. The bias is then the median ΔH of stable ground
// after the shift.
//
// Everything is pure Go on row-major []float32 grids with square cells.
package coreg

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// ErrNoRelief is returned (wrapped) when the DSMs have too little sloping
// stable ground, or slopes facing too few directions, to tell a horizontal
// shift: a flat or single-sloped area is shift-invariant in some direction.
var ErrNoRelief = errors.New("too little relief to estimate a horizontal shift")

// Pair is a reference DSM and a moving DSM on one grid. Several pairs (tiles
// of one scene) are fitted together, as if they were one DSM.
type Pair struct {
	Ref, Moving   []float32
	Width, Height int
	// RefValid and MovingValid mark the pixels holding data; nil means every
	// value but NaN.
	RefValid, MovingValid []bool
	// Exclude marks pixels that are never stable ground (vegetation, known
	// changes); nil excludes none.
	Exclude []bool
}

// Options tune the estimate; zero values take the defaults.
type Options struct {
	// Res is the cell size in metres (required).
	Res float64
	// MaxIterations bounds the iterations (default 30).
	MaxIterations int
	// Tolerance ends the iterations when a step is shorter, in metres
	// (default Res/200).
	Tolerance float64
	// MaxDH: pixels whose ΔH is further than this from the median ΔH are
	// not stable ground (default 2 m): changes, and wall pixels where a
	// sub-pixel shift jumps a whole storey, which the linear model does not
	// describe. Slopes and the lower part of walls still measure the shift.
	MaxDH float64
	// StableDH is the window around the median the bias is taken in
	// (default 1 m): ground that did not change differs by noise and bias.
	StableDH float64
	// MinSlope in degrees: flatter pixels do not enter the fit, where ΔH /
	// tan α is mostly noise (default 10°: on 1 m DSMs rasterized from
	// sparse LiDAR, gentler slopes are mostly sampling noise).
	MinSlope float64
	// MinPixels is the fewest sloping stable pixels to fit (default 200).
	MinPixels int
	// MaxShift in metres: a larger estimate means the fit ran away
	// (default 10 cells).
	MaxShift float64
}

func (o Options) withDefaults() (Options, error) {
	if !(o.Res > 0) || math.IsInf(o.Res, 0) {
		return o, fmt.Errorf("coreg: cell size must be a positive number of metres, got %g", o.Res)
	}
	if o.MaxIterations <= 0 {
		o.MaxIterations = 30
	}
	if !(o.Tolerance > 0) {
		o.Tolerance = o.Res / 200
	}
	if !(o.MaxDH > 0) {
		o.MaxDH = 2
	}
	if !(o.StableDH > 0) {
		o.StableDH = 1
	}
	if !(o.MinSlope > 0) {
		o.MinSlope = 10
	}
	if o.MinPixels <= 0 {
		o.MinPixels = 200
	}
	if !(o.MaxShift > 0) {
		o.MaxShift = 10 * o.Res
	}
	return o, nil
}

// Result is the estimated misregistration of the moving DSM.
type Result struct {
	// East, North: the moving DSM lies this many metres east and north of
	// the reference; moving(x+East, y+North) matches ref(x, y).
	East, North float64
	// Bias is the median of moving − reference on stable ground after the
	// shift, in metres.
	Bias float64
	// Pixels is how many sloping stable pixels the last fit used;
	// BiasPixels how many stable pixels the bias is the median of.
	Pixels, BiasPixels int
	Iterations         int
	// Converged is false when the iterations ran out before a step fell
	// below the tolerance.
	Converged bool
	// NMADBefore and NMADAfter are the normalised median absolute deviation
	// of stable ΔH before and after the shift: how much it helped.
	NMADBefore, NMADAfter float64
}

// Bins of aspect the medians are taken in, as xDEM does (5°).
const aspectBins = 72

// minBinPixels is the fewest pixels a bin needs for its median to enter the fit.
const minBinPixels = 5

// prepared is one pair with its reference's terrain attributes.
type prepared struct {
	p        Pair
	refOK    []bool
	movOK    []bool
	stable   []int32 // pixels that can be stable ground: both valid there, not excluded
	slope    []int32 // of those, the ones steep enough for the fit
	tan      []float32
	bin      []uint8
	shifted  []float32
	shiftOK  []bool
	dh       []float32 // ΔH at stable, this iteration (NaN where invalid)
	slopeIdx []int32   // position of each slope pixel in stable
}

// NuthKaab estimates the horizontal shift and vertical bias of the moving
// DSMs against the reference DSMs of pairs, fitted together. It returns an
// error wrapping ErrNoRelief when there is too little relief to tell.
func NuthKaab(ctx context.Context, pairs []Pair, opt Options) (Result, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Result{}, err
	}
	if len(pairs) == 0 {
		return Result{}, errors.New("coreg: no DSMs")
	}
	preps := make([]*prepared, len(pairs))
	slopePixels := 0
	minTan := math.Tan(opt.MinSlope * math.Pi / 180)
	for k, p := range pairs {
		pp, err := prepare(p, opt.Res, minTan)
		if err != nil {
			return Result{}, fmt.Errorf("coreg: pair %d: %w", k, err)
		}
		preps[k] = pp
		slopePixels += len(pp.slope)
	}
	if slopePixels < opt.MinPixels {
		return Result{}, fmt.Errorf("coreg: %d px of valid ground slope more than %g° (%d needed): %w", slopePixels, opt.MinSlope, opt.MinPixels, ErrNoRelief)
	}

	var res Result
	var east, north float64
	for it := 1; it <= opt.MaxIterations; it++ {
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("coreg: %w", err)
		}
		st := measure(preps, east, north, opt)
		if it == 1 {
			res.NMADBefore = st.nmad
		}
		if st.biasPixels == 0 {
			return Result{}, fmt.Errorf("coreg: no stable ground left at shift (%.3f, %.3f) m: %w", east, north, ErrNoRelief)
		}
		dx, dy, used, err := fit(preps, st.bias, opt)
		if err != nil {
			return Result{}, fmt.Errorf("coreg: iteration %d: %w", it, err)
		}
		east, north = east+dx, north+dy
		res.Iterations, res.Pixels = it, used
		if math.Hypot(east, north) > opt.MaxShift {
			return Result{}, fmt.Errorf("coreg: the fit ran away to (%.2f, %.2f) m, beyond %g m after %d iterations: %w", east, north, opt.MaxShift, it, ErrNoRelief)
		}
		if math.Hypot(dx, dy) < opt.Tolerance {
			res.Converged = true
			break
		}
	}
	// The bias, and how well the DSMs now agree, at the final shift.
	st := measure(preps, east, north, opt)
	if st.biasPixels == 0 {
		return Result{}, fmt.Errorf("coreg: no stable ground left at shift (%.3f, %.3f) m: %w", east, north, ErrNoRelief)
	}
	res.East, res.North = east, north
	res.Bias, res.BiasPixels, res.NMADAfter = st.bias, st.biasPixels, st.nmad
	return res, nil
}

// prepare validates a pair and computes the reference's slope and aspect
// (Horn's 3×3 gradient, as GDAL and xDEM) where the fit may use them.
func prepare(p Pair, res, minTan float64) (*prepared, error) {
	n := p.Width * p.Height
	if p.Width < 3 || p.Height < 3 {
		return nil, fmt.Errorf("grid of %d×%d cells is too small", p.Width, p.Height)
	}
	if len(p.Ref) != n || len(p.Moving) != n {
		return nil, fmt.Errorf("%d reference and %d moving values for a %d×%d grid", len(p.Ref), len(p.Moving), p.Width, p.Height)
	}
	for _, m := range []struct {
		name string
		v    []bool
	}{{"reference validity", p.RefValid}, {"moving validity", p.MovingValid}, {"exclusion", p.Exclude}} {
		if m.v != nil && len(m.v) != n {
			return nil, fmt.Errorf("%s mask of %d values for a %d×%d grid", m.name, len(m.v), p.Width, p.Height)
		}
	}
	pp := &prepared{p: p, refOK: validity(p.Ref, p.RefValid), movOK: validity(p.Moving, p.MovingValid)}
	w, h := p.Width, p.Height
	z := p.Ref
	for r := 0; r < h; r++ {
		for c := 0; c < w; c++ {
			i := r*w + c
			if !pp.refOK[i] || (p.Exclude != nil && p.Exclude[i]) {
				continue
			}
			pp.stable = append(pp.stable, int32(i))
			if r == 0 || c == 0 || r == h-1 || c == w-1 {
				continue
			}
			if !pp.refOK[i-w-1] || !pp.refOK[i-w] || !pp.refOK[i-w+1] || !pp.refOK[i-1] ||
				!pp.refOK[i+1] || !pp.refOK[i+w-1] || !pp.refOK[i+w] || !pp.refOK[i+w+1] {
				continue
			}
			// East and north gradients; rows run south.
			gx := (float64(z[i-w+1]) + 2*float64(z[i+1]) + float64(z[i+w+1]) -
				float64(z[i-w-1]) - 2*float64(z[i-1]) - float64(z[i+w-1])) / (8 * res)
			gy := (float64(z[i-w-1]) + 2*float64(z[i-w]) + float64(z[i-w+1]) -
				float64(z[i+w-1]) - 2*float64(z[i+w]) - float64(z[i+w+1])) / (8 * res)
			t := math.Hypot(gx, gy)
			if !(t >= minTan) {
				continue
			}
			// Aspect: the downslope direction, clockwise from north.
			psi := math.Atan2(-gx, -gy)
			if psi < 0 {
				psi += 2 * math.Pi
			}
			b := int(psi / (2 * math.Pi) * aspectBins)
			if b >= aspectBins {
				b = aspectBins - 1
			}
			pp.slopeIdx = append(pp.slopeIdx, int32(len(pp.stable)-1))
			pp.slope = append(pp.slope, int32(i))
			pp.tan = append(pp.tan, float32(t))
			pp.bin = append(pp.bin, uint8(b))
		}
	}
	pp.dh = make([]float32, len(pp.stable))
	return pp, nil
}

func validity(v []float32, mask []bool) []bool {
	ok := make([]bool, len(v))
	for i, x := range v {
		ok[i] = !math.IsNaN(float64(x)) && (mask == nil || mask[i])
	}
	return ok
}

// state is ΔH on stable ground at one shift.
type state struct {
	center     float64 // median of every valid ΔH
	bias       float64
	biasPixels int
	nmad       float64
}

// measure resamples every moving DSM at the shift and takes ΔH on stable
// ground: its median, the bias (the median within StableDH of it) and
// NMAD.
func measure(preps []*prepared, east, north float64, opt Options) state {
	var all []float32
	for _, pp := range preps {
		pp.shifted, pp.shiftOK = Shift(pp.p.Moving, pp.movOK, pp.p.Width, pp.p.Height, east/opt.Res, -north/opt.Res, pp.shifted, pp.shiftOK)
		for k, i := range pp.stable {
			if !pp.shiftOK[i] {
				pp.dh[k] = float32(math.NaN())
				continue
			}
			d := pp.shifted[i] - pp.p.Ref[i]
			pp.dh[k] = d
			all = append(all, d)
		}
	}
	st := state{center: math.NaN(), bias: math.NaN(), nmad: math.NaN()}
	if len(all) == 0 {
		return st
	}
	slices.Sort(all)
	st.center = median(all)
	// Stable ground: within MaxDH of the median.
	lo := sort.Search(len(all), func(i int) bool { return float64(all[i]) > st.center-opt.MaxDH })
	hi := sort.Search(len(all), func(i int) bool { return float64(all[i]) >= st.center+opt.MaxDH })
	stable := all[lo:hi]
	st.bias, st.biasPixels = windowMedian(stable, st.center, opt.StableDH)
	if st.biasPixels > 0 {
		dev := make([]float32, len(stable))
		for k, v := range stable {
			dev[k] = float32(math.Abs(float64(v) - st.bias))
		}
		slices.Sort(dev)
		st.nmad = 1.4826 * median(dev)
	}
	// Keep the centre for fit's stable-ground test.
	for _, pp := range preps {
		for k, d := range pp.dh {
			if math.Abs(float64(d)-st.center) >= opt.MaxDH {
				pp.dh[k] = float32(math.NaN())
			}
		}
	}
	return st
}

// windowMedian is the median of the sorted values within win of their own
// median, iterated from start: the bias of unchanged ground, not pulled by
// the tails changes and walls make.
func windowMedian(sorted []float32, start, win float64) (float64, int) {
	m := start
	var sel []float32
	for range 10 {
		lo := sort.Search(len(sorted), func(i int) bool { return float64(sorted[i]) > m-win })
		hi := sort.Search(len(sorted), func(i int) bool { return float64(sorted[i]) >= m+win })
		if hi <= lo {
			return math.NaN(), 0
		}
		sel = sorted[lo:hi]
		next := median(sel)
		if next == m {
			break
		}
		m = next
	}
	return m, len(sel)
}

func median(sorted []float32) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return float64(sorted[n/2])
	}
	return (float64(sorted[n/2-1]) + float64(sorted[n/2])) / 2
}

// fit fits ΔH/tan α = dx·sin ψ + dy·cos ψ + c to the aspect bins' medians
// by least squares and returns the displacement (dx, dy) in metres still
// left between the DSMs, and how many pixels it rests on.
func fit(preps []*prepared, bias float64, opt Options) (dx, dy float64, used int, err error) {
	var bins [aspectBins][]float32
	for _, pp := range preps {
		for k, i := range pp.slope {
			d := pp.dh[pp.slopeIdx[k]]
			if math.IsNaN(float64(d)) || !pp.shiftOK[i] {
				continue
			}
			y := (float64(d) - bias) / float64(pp.tan[k])
			bins[pp.bin[k]] = append(bins[pp.bin[k]], float32(y))
			used++
		}
	}
	if used < opt.MinPixels {
		return 0, 0, used, fmt.Errorf("%d px of sloping stable ground (%d needed): %w", used, opt.MinPixels, ErrNoRelief)
	}
	// Normal equations of y = p·sin ψ + q·cos ψ + c over the bins.
	var a [3][3]float64
	var rhs [3]float64
	nb := 0
	for b, ys := range bins {
		if len(ys) < minBinPixels {
			continue
		}
		slices.Sort(ys)
		y := median(ys)
		psi := (float64(b) + 0.5) * 2 * math.Pi / aspectBins
		f := [3]float64{math.Sin(psi), math.Cos(psi), 1}
		for r := range 3 {
			for c := range 3 {
				a[r][c] += f[r] * f[c]
			}
			rhs[r] += f[r] * y
		}
		nb++
	}
	// Slopes facing too few directions leave the shift along their
	// contours unknown: the smallest eigenvalue of the centred sin/cos
	// scatter measures the worst-determined direction.
	if nb < 6 || minEigen(a, nb) < 0.05 {
		return 0, 0, used, fmt.Errorf("slopes face too few directions (%d of %d aspect bins): %w", nb, aspectBins, ErrNoRelief)
	}
	sol, ok := solve3(a, rhs)
	if !ok {
		return 0, 0, used, fmt.Errorf("singular fit over %d aspect bins: %w", nb, ErrNoRelief)
	}
	return sol[0], sol[1], used, nil
}

// minEigen is the smaller eigenvalue, per bin, of the centred 2×2 scatter
// of the bins' (sin ψ, cos ψ): 0.5 when the bins go all round, 0 when they
// lie on one line.
func minEigen(a [3][3]float64, n int) float64 {
	fn := float64(n)
	ms, mc := a[0][2]/fn, a[1][2]/fn
	sxx := a[0][0]/fn - ms*ms
	syy := a[1][1]/fn - mc*mc
	sxy := a[0][1]/fn - ms*mc
	tr, det := sxx+syy, sxx*syy-sxy*sxy
	return tr/2 - math.Sqrt(math.Max(0, tr*tr/4-det))
}

// solve3 solves a 3×3 system by Gaussian elimination with partial pivoting.
func solve3(a [3][3]float64, b [3]float64) ([3]float64, bool) {
	for col := range 3 {
		p := col
		for r := col + 1; r < 3; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[p][col]) {
				p = r
			}
		}
		if math.Abs(a[p][col]) < 1e-12 {
			return [3]float64{}, false
		}
		a[col], a[p] = a[p], a[col]
		b[col], b[p] = b[p], b[col]
		for r := col + 1; r < 3; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < 3; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	var x [3]float64
	for r := 2; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < 3; c++ {
			s -= a[r][c] * x[c]
		}
		x[r] = s / a[r][r]
	}
	return x, true
}
