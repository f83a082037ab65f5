package changemap

// Sampling clears the changes of mask that do not survive a comparison with
// the other epoch's neighbourhood: a gain at p is kept only when the later
// surface at p stands at least minAbs above every earlier value within r
// pixels, and a loss only when the earlier surface at p stands at least
// minAbs above every later value within r pixels.
//
// Two LiDAR surveys sample walls and roof edges at different places, so an
// unchanged building's outline differs by up to a cell between the DSMs
// and a plain ΔH turns every wall into a ring of change. A real change is
// higher (or lower) than everything the other epoch had around it; a
// sampling difference is not, since the other epoch's wall is a cell away.
// A storey added on a roof still survives: the roof around it was lower.
// A dropped cell touching the inside of a kept change of the same sign is
// kept: along a wall of the other epoch, a ring and a change's edge look
// alike, but a ring has no inside.
// Only neighbours a wall above the other epoch's own value at p count
// (more than WallStep·minAbs higher): a pitched roof rises by up to a metre
// and more from one cell to the next, and a small change on it is real.
//
// before and after are the two DSMs on mask's w×h grid; nodata neighbours
// are ignored (a change with no valid neighbour in the other epoch is kept
// or dropped on its own pixel). It returns the number of pixels cleared.
// WallStep, in units of the change threshold, is how much higher than a
// cell its neighbour must be to be a wall the other survey may have sampled
// on the cell.
const WallStep = 2

func Sampling(mask []uint8, before, after []float32, ndBefore, ndAfter Nodata, w, h, r int, minAbs float32) int {
	if r <= 0 {
		return 0
	}
	// First judge every changed pixel on its own, then give back the
	// dropped ones touching the inside of a kept change of the same sign
	// (a kept cell with changes all around): a ring is
	// dropped whole, while a real change keeps its edge cells along the
	// other epoch's walls (a building demolished beside one that stays).
	const (
		kept    = 1
		dropped = 2
	)
	state := make([]uint8, len(mask))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if mask[i] == 0 {
				continue
			}
			state[i] = kept
			b, a := before[i], after[i]
			if ndBefore.Is(b) || ndAfter.Is(a) {
				continue
			}
			// A gain compares the later value with the earlier
			// neighbourhood, a loss the earlier value with the later one.
			top, other, nd := a, before, ndBefore
			if a < b {
				top, other, nd = b, after, ndAfter
			}
			wall := other[i] + WallStep*minAbs
			for ny := max(0, y-r); ny <= min(h-1, y+r) && state[i] == kept; ny++ {
				for nx := max(0, x-r); nx <= min(w-1, x+r); nx++ {
					v := other[ny*w+nx]
					if !nd.Is(v) && v > wall && top-v < minAbs {
						state[i] = dropped
						break
					}
				}
			}
		}
	}
	gain := func(i int) bool { return after[i] > before[i] }
	// A core cell is kept with changes all around it: the inside of a
	// change, which a ring of one or two cells has not.
	core := func(x, y int) bool {
		for ny := max(0, y-1); ny <= min(h-1, y+1); ny++ {
			for nx := max(0, x-1); nx <= min(w-1, x+1); nx++ {
				if state[ny*w+nx] == 0 {
					return false
				}
			}
		}
		return true
	}
	// The cores grow back over dropped cells of their sign, one cell per
	// round, as far as the filter reaches (r rounds).
	const grown = 3
	src := make([]bool, len(state))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			src[y*w+x] = state[y*w+x] == kept && core(x, y)
		}
	}
	for range r {
		var back []int
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				if state[i] != dropped {
					continue
				}
			near:
				for ny := max(0, y-1); ny <= min(h-1, y+1); ny++ {
					for nx := max(0, x-1); nx <= min(w-1, x+1); nx++ {
						if j := ny*w + nx; src[j] && gain(j) == gain(i) {
							back = append(back, i)
							break near
						}
					}
				}
			}
		}
		if len(back) == 0 {
			break
		}
		for _, i := range back {
			state[i], src[i] = grown, true
		}
	}
	cleared := 0
	for i, st := range state {
		if st == dropped {
			mask[i] = 0
			cleared++
		}
	}
	return cleared
}
