package changemap

// RemoveSmallRegions clears 8-connected regions of mask (1 = changed) with
// fewer than minPixels pixels, except pixels where keep is 1 (keep may be
// nil). It returns the number of pixels cleared. labels is scratch space of
// len(mask) and is overwritten.
func RemoveSmallRegions(mask []uint8, w, h, minPixels int, keep []uint8, labels []int32) int {
	if minPixels <= 1 {
		return 0
	}
	for i := range labels {
		labels[i] = 0
	}
	removed := 0
	stack := make([]int32, 0, 256)
	region := make([]int32, 0, 256)
	var label int32
	for start := range mask {
		if mask[start] == 0 || labels[start] != 0 {
			continue
		}
		label++
		region = region[:0]
		stack = append(stack[:0], int32(start))
		labels[start] = label
		protected := false
		for len(stack) > 0 {
			p := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			region = append(region, int32(p))
			if keep != nil && keep[p] != 0 {
				protected = true
			}
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
					q := ny*w + nx
					if mask[q] != 0 && labels[q] == 0 {
						labels[q] = label
						stack = append(stack, int32(q))
					}
				}
			}
		}
		if len(region) < minPixels && !protected {
			for _, p := range region {
				mask[p] = 0
			}
			removed += len(region)
		}
	}
	return removed
}

// disk returns the offsets of a disk of radius r pixels.
func disk(r int) [][2]int {
	var off [][2]int
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if dx*dx+dy*dy <= r*r {
				off = append(off, [2]int{dx, dy})
			}
		}
	}
	return off
}

// Open applies a morphological opening (erosion then dilation) with a disk of
// radius r pixels to mask, leaving pixels where keep is 1 untouched. Only
// pixels can be removed. Pixels outside the raster count as changed during
// erosion, so regions cut by the tile edge are not eaten away from it. It
// returns the number of pixels cleared; scratch must have len(mask).
func Open(mask []uint8, w, h, r int, keep []uint8, scratch []uint8) int {
	if r <= 0 {
		return 0
	}
	se := disk(r)
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
			// Dilation of the eroded mask, evaluated only where the original is set.
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
