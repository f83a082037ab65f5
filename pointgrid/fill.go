package pointgrid

import "math"

// directions are the 8 compass steps searched by FillHoles.
var directions = [8][2]int{{1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}, {0, -1}, {1, -1}}

// FillHoles fills nodata cells of the w×h row-major grid z in place. For
// each nodata cell it walks up to maxDist cells in each of the 8 directions
// and takes the first valid cell met in each; the cell becomes the inverse
// squared distance weighted mean of those values (distances in cells, √2 per
// diagonal step). Only cells that were valid on entry are used as sources, so
// the result does not depend on scan order and never creeps beyond maxDist.
// A nodata value of NaN matches NaN cells. It returns the number of cells
// filled; it does nothing when the sizes do not match len(z).
func FillHoles(z []float32, w, h int, nodata float32, maxDist int) int {
	if w <= 0 || h <= 0 || maxDist <= 0 || int64(w)*int64(h) != int64(len(z)) {
		return 0
	}
	isNodata := func(v float32) bool { return v == nodata || (nodata != nodata && v != v) }
	src := make([]float32, len(z))
	copy(src, z)
	filled := 0
	for row := 0; row < h; row++ {
		for col := 0; col < w; col++ {
			if !isNodata(src[row*w+col]) {
				continue
			}
			var num, den float64
			for _, d := range directions {
				step := 1.0
				if d[0] != 0 && d[1] != 0 {
					step = math.Sqrt2
				}
				for k := 1; k <= maxDist; k++ {
					c, r := col+k*d[0], row+k*d[1]
					if c < 0 || c >= w || r < 0 || r >= h {
						break
					}
					if v := src[r*w+c]; !isNodata(v) {
						dist := float64(k) * step
						wt := 1 / (dist * dist)
						num += wt * float64(v)
						den += wt
						break
					}
				}
			}
			if den > 0 {
				z[row*w+col] = float32(num / den)
				filled++
			}
		}
	}
	return filled
}
