package changemap

// RemoveSmallRegions clears 8-connected regions of mask (1 = changed) with
// fewer than minPixels pixels, except regions holding a pixel where keep is
// 1 (keep may be nil). It returns the number of pixels cleared.
func RemoveSmallRegions(mask []uint8, w, h, minPixels int, keep []uint8) int {
	if minPixels <= 1 {
		return 0
	}
	return dropRegions(mask, w, h, func(region []int32) bool {
		if len(region) >= minPixels {
			return false
		}
		for _, p := range region {
			if keep != nil && keep[p] != 0 {
				return false
			}
		}
		return true
	})
}

// square returns the offsets of a (2r+1)×(2r+1) square.
func square(r int) [][2]int {
	var off [][2]int
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			off = append(off, [2]int{dx, dy})
		}
	}
	return off
}

// Open applies a morphological opening (erosion then dilation) with a
// (2r+1)-pixel square to mask: anything narrower than 2r+1 pixels (a car, a
// sliver along a crown's edge) goes, while an axis-aligned rectangle at
// least that wide comes back exactly (a disk would round every corner of
// every building, turning real change into misses). Only pixels are
// removed; pixels where keep is 1 stay. Pixels outside the raster count as
// changed during erosion, so regions cut by the raster's edge are not eaten
// away from it (the executor's halo gives tiles real context there). It
// returns the number of pixels cleared; scratch must have len(mask).
func Open(mask []uint8, w, h, r int, keep []uint8, scratch []uint8) int {
	if r <= 0 {
		return 0
	}
	se := square(r)
	eroded := scratch
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			eroded[i] = mask[i]
			if mask[i] == 0 {
				continue
			}
			for _, o := range se {
				nx, ny := x+o[0], y+o[1]
				if nx < 0 || ny < 0 || nx >= w || ny >= h {
					continue
				}
				if mask[ny*w+nx] == 0 {
					eroded[i] = 0
					break
				}
			}
		}
	}
	removed := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if mask[i] == 0 || (keep != nil && keep[i] != 0) {
				continue
			}
			hit := false
			for _, o := range se {
				nx, ny := x+o[0], y+o[1]
				if nx < 0 || ny < 0 || nx >= w || ny >= h {
					continue
				}
				if eroded[ny*w+nx] != 0 {
					hit = true
					break
				}
			}
			if !hit {
				mask[i] = 0
				removed++
			}
		}
	}
	return removed
}

// dropRegions clears every 8-connected region of mask for which drop says
// so, and returns the number of pixels cleared.
func dropRegions(mask []uint8, w, h int, drop func(region []int32) bool) int {
	removed := 0
	Regions(mask, w, h, func(region []int32) {
		if drop(region) {
			for _, p := range region {
				mask[p] = 0
			}
			removed += len(region)
		}
	})
	return removed
}

// Regions calls fn with the pixel indexes of every 8-connected region of
// the non-zero pixels of a w×h mask, in the order of each region's first
// pixel. fn may clear the region's pixels; the slice is reused after fn
// returns.
func Regions(mask []uint8, w, h int, fn func(region []int32)) {
	seen := make([]bool, len(mask))
	var stack, region []int32
	for start := range mask {
		if mask[start] == 0 || seen[start] {
			continue
		}
		region = region[:0]
		stack = append(stack[:0], int32(start))
		seen[start] = true
		for len(stack) > 0 {
			p := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			region = append(region, int32(p))
			x, y := p%w, p/w
			for dy := -1; dy <= 1; dy++ {
				ny := y + dy
				if ny < 0 || ny >= h {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					nx := x + dx
					if nx < 0 || nx >= w || (dx == 0 && dy == 0) {
						continue
					}
					if q := ny*w + nx; mask[q] != 0 && !seen[q] {
						seen[q] = true
						stack = append(stack, int32(q))
					}
				}
			}
		}
		fn(region)
	}
}

// ClearWhere clears mask pixels where drop is 1 and keep is not; it returns
// the number cleared.
func ClearWhere(mask, drop, keep []uint8) int {
	n := 0
	for i, d := range drop {
		if d != 0 && mask[i] != 0 && (keep == nil || keep[i] == 0) {
			mask[i] = 0
			n++
		}
	}
	return n
}

// ApplyMask zeroes cd where mask is 0, keeping NoData.
func ApplyMask(cd []float32, mask []uint8) {
	for i, m := range mask {
		if m == 0 && cd[i] != NoData {
			cd[i] = 0
		}
	}
}
