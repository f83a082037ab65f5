package camera

// rgb is a colour in digital numbers (0–255 scale, before the camera's
// gains): albedos, light and radiance alike.
type rgb [3]float64

func (c rgb) scale(f float64) rgb { return rgb{c[0] * f, c[1] * f, c[2] * f} }

func (c rgb) mul(o rgb) rgb { return rgb{c[0] * o[0], c[1] * o[1], c[2] * o[2]} }

func (c rgb) add(o rgb) rgb { return rgb{c[0] + o[0], c[1] + o[1], c[2] + o[2]} }

func lerp(a, b rgb, t float64) rgb {
	return rgb{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

// pick returns the palette entry for a tone.
func pick(p []rgb, tone uint8) rgb { return p[int(tone)%len(p)] }

// shade returns a tone's blend between the two ends of a palette range.
func shade(a, b rgb, tone uint8) rgb { return lerp(a, b, float64(tone)/255) }

func clampByte(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
