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

// VARI is the Visible Atmospherically Resistant Index (G − R)/(G + R − B),
// clamped to [−1, 1] where its denominator nears 0.
func VARI(r, g, b uint8) float32 {
	d := float32(g) + float32(r) - float32(b)
	if d > -1 && d < 1 {
		return 0
	}
	v := (float32(g) - float32(r)) / d
	return max(-1, min(1, v))
}

// Index is an RGB vegetation index.
type Index func(r, g, b uint8) float32

// VegetationMask marks the pixels of a (w×h) DSM-resolution grid whose
// orthophoto pixels, at factor× the resolution, all have an index above
// threshold in both epochs: a tree that grew or was pruned is green before and after,
// while a building built on a lawn, or a lawn where one was demolished, is
// green in one epoch only and must stay a change. rgb0 and rgb1 are the two orthophotos' bands (R, G, B),
// each (w·factor)×(h·factor). It returns the number of vegetation pixels.
func VegetationMask(veg []uint8, w, h, factor int, rgb0, rgb1 [3][]uint8, index Index, threshold float32) int {
	ow := w * factor
	n := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// The least green orthophoto pixel decides: a DSM pixel on the edge
			// of a new roof over a lawn is part roof, and must stay a change.
			green := true
			for dy := 0; dy < factor && green; dy++ {
				row := (y*factor + dy) * ow
				for dx := 0; dx < factor; dx++ {
					p := row + x*factor + dx
					if index(rgb0[0][p], rgb0[1][p], rgb0[2][p]) <= threshold || index(rgb1[0][p], rgb1[1][p], rgb1[2][p]) <= threshold {
						green = false
						break
					}
				}
			}
			i := y*w + x
			if green {
				veg[i] = 1
				n++
			} else {
				veg[i] = 0
			}
		}
	}
	return n
}
