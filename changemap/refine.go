package changemap

// RefineEdges moves the edge of a 2D change map (w×h, classes as Mask2D
// writes them) onto the orthophoto's edges, at the orthophoto's own
// resolution: each pixel on either side of the map's edge takes the side
// whose mean colour, within r pixels, its own colour is closer to. The
// colours are those of the orthophoto of the epoch where the change stands
// (rgb[1] for a construction or any change, rgb[0] for a demolition), each
// band w×h. A map derived from 1 m cells has 1 m staircases; the
// orthophoto draws the roof's true outline. One pass, judged on the map
// as given; it returns the number of pixels changed.
func RefineEdges(out []uint8, w, h, r int, rgb [2][3][]uint8, signed bool) int {
	if r <= 0 {
		return 0
	}
	in := make([]uint8, len(out))
	copy(in, out)
	changed := 0
	for y := 0; y < h; y++ {
		var up, row, down []uint8 // rows y-1, y, y+1 when y is inner
		if y > 0 && y < h-1 {
			up, row, down = in[(y-1)*w:y*w], in[y*w:(y+1)*w], in[(y+1)*w:(y+2)*w]
		}
		for x := 0; x < w; x++ {
			i := y*w + x
			// Most pixels lie inside a class: none of their four
			// neighbours differs (the loop below would find no edge).
			if row != nil && x > 0 && x < w-1 {
				c := row[x]
				if row[x-1] == c && row[x+1] == c && up[x] == c && down[x] == c {
					continue
				}
			}
			// The class on the other side, if this pixel is on the edge.
			c := in[i]
			other, edge := NoChange, false
			for _, j := range [4]int{i - 1, i + 1, i - w, i + w} {
				if j < 0 || j >= len(in) || (j == i-1 && x == 0) || (j == i+1 && x == w-1) {
					continue
				}
				if in[j] != c {
					edge = true
					if in[j] != NoChange {
						other = in[j]
					}
				}
			}
			if !edge {
				continue
			}
			label := c
			if label == NoChange {
				label = other
			}
			if label == NoChange {
				continue // between two change classes: leave it
			}
			e := 1
			if signed && label == Demolition {
				e = 0
			}
			img := rgb[e]
			var sumIn, sumOut [3]float64
			var nIn, nOut int
			for ny := max(0, y-r); ny <= min(h-1, y+r); ny++ {
				for nx := max(0, x-r); nx <= min(w-1, x+r); nx++ {
					j := ny*w + nx
					if j == i {
						continue
					}
					switch in[j] {
					case label:
						for b := range 3 {
							sumIn[b] += float64(img[b][j])
						}
						nIn++
					case NoChange:
						for b := range 3 {
							sumOut[b] += float64(img[b][j])
						}
						nOut++
					}
				}
			}
			if nIn == 0 || nOut == 0 {
				continue
			}
			var dIn, dOut float64
			for b := range 3 {
				v := float64(img[b][i])
				a, o := v-sumIn[b]/float64(nIn), v-sumOut[b]/float64(nOut)
				dIn += a * a
				dOut += o * o
			}
			want := c // a tie leaves the pixel as it is
			switch {
			case dIn < dOut:
				want = label
			case dOut < dIn:
				want = NoChange
			}
			if want != c {
				out[i] = want
				changed++
			}
		}
	}
	return changed
}
