package camera

import "math"

const keyNoise = 0x6e6f6973 << 20

// glint is the sun mirrored by the water at (x, y): bright where the view
// ray, reflected by the mean water surface, points at the sun, spread by the
// slopes of the ripples.
func (f *Flight) glint(ph *Photo, px, py, pz, x, y float64) rgb {
	vx, vy, vz := px-ph.X, py-ph.Y, pz-ph.Z
	n := math.Sqrt(vx*vx + vy*vy + vz*vz)
	c := (vx*f.sun[0] + vy*f.sun[1] - vz*f.sun[2]) / n // reflected ray · sun
	if c < 0.9 {
		return rgb{}
	}
	a := math.Acos(min(1, c))
	ripple := 0.5 + 0.5*smooth(f.k(keyRipple), x, y, 0.5)
	v := 600 * math.Exp(-(a/0.06)*(a/0.06)) * ripple
	return rgb{v, v, v * 0.97}
}

// expTab holds e^-x at steps of 1/expSteps up to expMax.
const (
	expSteps = 128
	expMax   = 40
)

var expTab = func() (t [expMax*expSteps + 2]float64) {
	for i := range t {
		t[i] = math.Exp(-float64(i) / expSteps)
	}
	return
}()

// expNeg is e^-x for x >= 0, interpolated in expTab (relative error below
// 1e-5), 0 past expMax.
func expNeg(x float64) float64 {
	if !(x < expMax) {
		return 0
	}
	f := x * expSteps
	i := int(f)
	t := f - float64(i)
	return expTab[i] + (expTab[i+1]-expTab[i])*t
}

// hotCos is the cosine of 0.6 rad: farther from the antisolar point the
// hotspot adds less than 1e-16 to a gain of 1, which rounding drops.
var hotCos = math.Cos(0.6)

// expose turns the radiance seen at terrain point (px, py, pz) through photo
// ph into the pixel (I, J): the flight's and the photo's gains, the
// residual vignetting of the frame, the hotspot around the antisolar point,
// haze growing off-nadir, and sensor noise.
func (f *Flight) expose(ph *Photo, px, py, pz float64, rad rgb, I, J int64, out []uint8) {
	dx, dy, dz := px-ph.X, py-ph.Y, pz-ph.Z
	n := math.Sqrt(dx*dx + dy*dy + dz*dz)
	h := -dz
	ta := (dx*f.ax + dy*f.ay) / h / f.tanAlong
	tc := (dx*f.cx + dy*f.cy) / h / f.tanCross
	vig := 1 - ph.Vignette*(ta*ta+tc*tc)/2

	// Angle between the view ray and the antisolar direction.
	ca := -(dx*f.sun[0] + dy*f.sun[1] + dz*f.sun[2]) / n
	hot := 1.0
	if ca > hotCos {
		// a² = acos(ca)², by its series in c = 1 - ca to well below
		// what the hotspot's exponential can show (c ≤ 0.18 here).
		c := 1 - min(1, ca)
		a2 := c * (2 + c*(1.0/3+c*(8.0/45+c*(4.0/35+c*(128.0/1575)))))
		hot = 1 + f.hot*expNeg(a2/(0.1*0.1))
	}

	haze := f.p.Haze * n / h
	gain := ph.Exposure * vig * hot
	ns := strong2(f.key^keyNoise, I, J)
	sigma := f.p.Noise / 0.408 // a triangular deviate on [-1, 1] has σ 0.408
	hazeTint := [3]float64{0.78, 0.9, 1}
	for b := range 3 {
		bits := ns >> (21 * b)
		t := (float64(bits&0x3ff)+float64(bits>>10&0x3ff))/1023 - 1
		out[b] = clampByte(f.gain[b]*ph.Balance[b]*gain*rad[b] + haze*hazeTint[b] + sigma*t)
	}
}
