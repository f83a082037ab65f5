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
// the keys' length, must be all false. It returns how many pixels it
// marked.
func thinBands(out []bool, keys []uint32, w, h, minLen, maxWidth int) (marked int) {
	out = out[:len(keys)]
	// line marks the stripes along one line of n pixels, the first at p0
	// and each along after the one before; l of lines is its place among
	// the lines, across the step between them (thickness is measured that
	// way). A run is found from its last pixel back: i is always where a
	// run starts, and a run of minLen or more from i holds i+minLen-1 too.
	// If the keys change between j-1 and j, somewhere in that span, no run
	// starting before j reaches minLen and j starts the next one. Real
	// images change at nearly every pixel, so most of a line is skipped
	// minLen-1 pixels at a time.
	line := func(p0, n, along, l, lines, across int) {
		at := func(i int) uint32 { return keys[p0+i*along] }
		for i := 0; i+minLen <= n; {
			j := i + minLen - 1
			for j > i && at(j-1) == at(j) {
				j--
			}
			if j > i {
				i = j
				continue
			}
			k := at(i)
			end := i + minLen
			for end < n && at(end) == k {
				end++
			}
			if k != skipKey {
				for m := i; m < end; m++ {
					if p := p0 + m*along; !out[p] && thickness(keys, p, l, lines, across, k, maxWidth) <= maxWidth {
						out[p] = true
						marked++
					}
				}
			}
			i = end
		}
	}
	for y := 0; y < h; y++ {
		line(y*w, w, 1, y, h, w)
	}
	// Column by column: neighbouring columns probe the same rows where
	// nothing repeats, so the cache lines one column reads serve the next.
	for x := 0; x < w; x++ {
		line(x, h, w, x, w, 1)
	}
	return marked
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
