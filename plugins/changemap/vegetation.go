package changemap

// ExcessGreen is the RGB vegetation index ExG = 2g − r − b on chromatic
// coordinates (r = R/(R+G+B), …), in [−1, 2]. Vegetation is clearly
// positive; roofs, streets and bare soil sit near or below 0. It needs no
// near-infrared band, which the 3DCD orthophotos do not have.
func ExcessGreen(r, g, b uint8) float32 {
	s := float32(r) + float32(g) + float32(b)
	if s == 0 {
		return 0
	}
	return (2*float32(g) - float32(r) - float32(b)) / s
}

// VegetationMask marks the pixels of a (w×h) DSM-resolution grid whose
// orthophoto pixels, at factor× the resolution, have a mean ExG above minExG
// in either epoch. rgb0 and rgb1 are the two orthophotos' bands (R, G, B),
// each (w·factor)×(h·factor). It returns the number of vegetation pixels.
func VegetationMask(veg []uint8, w, h, factor int, rgb0, rgb1 [3][]uint8, minExG float32) int {
	ow := w * factor
	n := 0
	inv := 1 / float32(factor*factor)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var e0, e1 float32
			for dy := 0; dy < factor; dy++ {
				row := (y*factor + dy) * ow
				for dx := 0; dx < factor; dx++ {
					p := row + x*factor + dx
					e0 += ExcessGreen(rgb0[0][p], rgb0[1][p], rgb0[2][p])
					e1 += ExcessGreen(rgb1[0][p], rgb1[1][p], rgb1[2][p])
				}
			}
			i := y*w + x
			if e0*inv > minExG || e1*inv > minExG {
				veg[i] = 1
				n++
			} else {
				veg[i] = 0
			}
		}
	}
	return n
}
