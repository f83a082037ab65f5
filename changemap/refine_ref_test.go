package changemap

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// refineEdgesRef is RefineEdges without its skip of pixels inside a class:
// every pixel's four neighbours are looked at.
func refineEdgesRef(out []uint8, w, h, r int, rgb [2][3][]uint8, signed bool) int {
	if r <= 0 {
		return 0
	}
	in := make([]uint8, len(out))
	copy(in, out)
	changed := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
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

// RefineEdges gives the direct scan's result on random maps of the three
// classes in blobs and specks, with random colours, radii and sizes down
// to a single row or column.
func TestRefineEdgesMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 3))
	for n := range 300 {
		w, h := 1+r.IntN(40), 1+r.IntN(40)
		in := make([]uint8, w*h)
		classes := []uint8{NoChange, Construction, Demolition}
		for range r.IntN(6) { // blobs
			c := classes[r.IntN(3)]
			x0, y0, bw, bh := r.IntN(w), r.IntN(h), 1+r.IntN(w), 1+r.IntN(h)
			for y := y0; y < min(h, y0+bh); y++ {
				for x := x0; x < min(w, x0+bw); x++ {
					in[y*w+x] = c
				}
			}
		}
		for range r.IntN(w * h / 4) { // specks
			in[r.IntN(w*h)] = classes[r.IntN(3)]
		}
		var rgb [2][3][]uint8
		for e := range 2 {
			for b := range 3 {
				rgb[e][b] = make([]uint8, w*h)
				for i := range rgb[e][b] {
					rgb[e][b][i] = uint8(r.IntN(256))
				}
			}
		}
		rad, signed := r.IntN(4), r.IntN(2) == 0
		got, want := bytes.Clone(in), bytes.Clone(in)
		gn := RefineEdges(got, w, h, rad, rgb, signed)
		wn := refineEdgesRef(want, w, h, rad, rgb, signed)
		if gn != wn || !bytes.Equal(got, want) {
			t.Fatalf("map %d (%d×%d, r %d, signed %v): %d pixels changed, the direct scan %d; maps equal: %v", n, w, h, rad, signed, gn, wn, bytes.Equal(got, want))
		}
	}
}
