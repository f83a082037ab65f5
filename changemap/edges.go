package changemap

// TrimEdges clears the cells on the edge of a changed region whose |ΔH| is
// less than frac of the largest |ΔH| among their changed neighbours: a DSM
// interpolated between a roof's points and the ground's slopes across the
// cells along a wall, so the cells just outside a new (or demolished)
// building change by a fraction of its height, while the building's own
// edge cells change by all of it. One pass, judged on the mask as given.
// It returns the number of cells cleared; cd and mask are w×h.
func TrimEdges(mask []uint8, cd []float32, w, h int, frac float32) int {
	if frac <= 0 {
		return 0
	}
	abs := func(v float32) float32 {
		if v < 0 {
			return -v
		}
		return v
	}
	var drop []int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if mask[i] == 0 {
				continue
			}
			edge := false
			var top float32
			for ny := max(0, y-1); ny <= min(h-1, y+1); ny++ {
				for nx := max(0, x-1); nx <= min(w-1, x+1); nx++ {
					j := ny*w + nx
					if mask[j] == 0 {
						if nx == x || ny == y {
							edge = true
						}
						continue
					}
					if (cd[j] > 0) == (cd[i] > 0) {
						top = max(top, abs(cd[j]))
					}
				}
			}
			if edge && abs(cd[i]) < frac*top {
				drop = append(drop, i)
			}
		}
	}
	for _, i := range drop {
		mask[i] = 0
	}
	return len(drop)
}
