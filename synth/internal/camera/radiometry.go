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
	a := math.Acos(max(-1, min(1, ca)))
	hot := 1 + f.hot*math.Exp(-(a/0.1)*(a/0.1))

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
