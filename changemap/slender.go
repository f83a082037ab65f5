package changemap

import "slices"

// RemoveSlender clears the 8-connected changed regions of mask no wider
// than width pixels anywhere (no square of width+1 pixels fits inside) whose
// median |ΔH| in cd is at least minHeight: a crane's jib, a wire, a mast.
// Buildings that tall are wider; low narrow changes (a shed, an extension)
// stay. Regions holding a keep pixel stay (keep may be nil). It returns
// the number of pixels cleared; w×h is the grid of mask and cd.
func RemoveSlender(mask []uint8, cd []float32, w, h, width int, minHeight float32, keep []uint8) int {
	if width <= 0 {
		return 0
	}
	// fits marks the top-left corners of the (width+1)² squares inside
	// the mask, eroding along rows and then columns.
	side := width + 1
	run := make([]int32, len(mask))
	for y := 0; y < h; y++ {
		n := int32(0)
		for x := w - 1; x >= 0; x-- {
			if mask[y*w+x] != 0 {
				n++
			} else {
				n = 0
			}
			run[y*w+x] = n
		}
	}
	wide := make([]bool, len(mask))
	for x := 0; x < w; x++ {
		n := 0
		for y := h - 1; y >= 0; y-- {
			if run[y*w+x] >= int32(side) {
				n++
			} else {
				n = 0
			}
			if n >= side {
				// The square at (x, y) fits: its pixels are in a wide region.
				wide[y*w+x] = true
			}
		}
	}
	var heights []float32
	return dropRegions(mask, w, h, func(region []int32) bool {
		heights = heights[:0]
		for _, p := range region {
			if wide[p] || (keep != nil && keep[p] != 0) {
				return false
			}
			v := cd[p]
			if v < 0 {
				v = -v
			}
			heights = append(heights, v)
		}
		slices.Sort(heights)
		return heights[len(heights)/2] >= minHeight
	})
}
