package qa

// Keys of a pixel in the stripe search: a float32's bits or a packed RGB,
// or one of these NaN patterns, which neither can take (NaN and infinite
// values are invalid, and RGB has 24 bits).
const (
	// invalidKey is nodata (or NaN or infinity): a run of it is a stripe
	// like a run of any constant.
	invalidKey uint32 = 0x7fc00001
	// skipKey is a pixel whose lack of data has another cause (outside every
	// file, or in an unreadable one): it belongs to no run.
	skipKey uint32 = 0x7fc00002
)

// thinBands marks the stripe pixels of a w×h key raster: pixels in a run of
// at least minLen equal keys along a row (or a column) whose band of equal
// keys across the run — up and down for a row, left and right for a
// column — is at most maxWidth pixels thick. Real surfaces never repeat a
// float value over a run; a flattened lake does, but over an area, which
// the width test leaves to the voids (when nodata) or to nobody. out, of
// the keys' length, must be all false.
func thinBands(out []bool, keys []uint32, w, h, minLen, maxWidth int) {
	out = out[:len(keys)]
	// Along rows.
	for y := 0; y < h; y++ {
		row := keys[y*w : (y+1)*w]
		for x := 0; x < w; {
			k := row[x]
			end := x + 1
			for end < w && row[end] == k {
				end++
			}
			if k != skipKey && end-x >= minLen {
				for m := x; m < end; m++ {
					if p := y*w + m; !out[p] && thickness(keys, p, y, h, w, k, maxWidth) <= maxWidth {
						out[p] = true
					}
				}
			}
			x = end
		}
	}
	// Along columns, row by row so memory is read in order: start[x] is
	// where the run of column x that reaches the current row began.
	start := make([]int, w)
	closeRun := func(x, from, to int) {
		k := keys[from*w+x]
		if k == skipKey || to-from < minLen {
			return
		}
		for y := from; y < to; y++ {
			if p := y*w + x; !out[p] && thickness(keys, p, x, w, 1, k, maxWidth) <= maxWidth {
				out[p] = true
			}
		}
	}
	for y := 1; y <= h; y++ {
		for x := 0; x < w; x++ {
			if y == h || keys[y*w+x] != keys[(y-1)*w+x] {
				if y-start[x] >= minLen {
					closeRun(x, start[x], y)
				}
				start[x] = y
			}
		}
	}
}

// thickness counts the pixels of key k across a run at p: line l of lines,
// neighbours ±step away. It stops once the count exceeds maxWidth.
func thickness(keys []uint32, p, l, lines, step int, k uint32, maxWidth int) int {
	t := 1
	for q, ll := p-step, l-1; ll >= 0 && keys[q] == k && t <= maxWidth; q, ll = q-step, ll-1 {
		t++
	}
	for q, ll := p+step, l+1; ll < lines && keys[q] == k && t <= maxWidth; q, ll = q+step, ll+1 {
		t++
	}
	return t
}
