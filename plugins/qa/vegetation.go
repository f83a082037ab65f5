package qa

import "encoding/binary"

// Each lane of 16 bits holds one pixel's 19G + greenBias − 11(R+B), which
// stays within [27157, 37612] for bytes R, G, B: no lane borrows from or
// carries into the next, and its top bit is set exactly when 19G > 11(R+B).
const (
	evenBytes = 0x00ff00ff00ff00ff
	laneTops  = 0x8000800080008000
	greenBias = 0x7fff7fff7fff7fff
)

// isGreen is the screen's test for one pixel: ExG = (2G−R−B)/(R+G+B) >
// 0.1, in integers 19G > 11(R+B).
func isGreen(r, g, b uint8) bool { return 19*int(g) > 11*(int(r)+int(b)) }

// greenCells marks cell x of row y of a w × h grid when any of its
// factor × factor pixels is green (isGreen) in any of the images (R, G, B
// bands, each w·factor pixels wide and h·factor high). Every cell is set.
//
// It runs on every full-resolution pixel of both orthophotos, so it reads
// eight pixels of a band as one 64-bit word and tests them as two words of
// four 16-bit lanes (the even and the odd pixels). Each pixel's result is
// ORed into a row of bytes (acc), read once per cell row. A test and
// branch per pixel cost about 3 ns.
func greenCells(veg []bool, w, h, factor int, imgs ...[3][]uint8) {
	ow := w * factor
	acc := make([]byte, ow)
	for y := range h {
		clear(acc)
		for _, img := range imgs {
			for oy := y * factor; oy < (y+1)*factor; oy++ {
				r, g, b := img[0][oy*ow:][:ow], img[1][oy*ow:][:ow], img[2][oy*ow:][:ow]
				p := 0
				for ; p <= ow-8; p += 8 {
					rv, gv, bv := binary.LittleEndian.Uint64(r[p:p+8]), binary.LittleEndian.Uint64(g[p:p+8]), binary.LittleEndian.Uint64(b[p:p+8])
					even := ((gv&evenBytes)*19 + greenBias - ((rv&evenBytes)+(bv&evenBytes))*11) & laneTops
					odd := ((gv>>8&evenBytes)*19 + greenBias - ((rv>>8&evenBytes)+(bv>>8&evenBytes))*11) & laneTops
					// Pixel j's result lands on the top bit of byte j.
					a := acc[p : p+8]
					binary.LittleEndian.PutUint64(a, binary.LittleEndian.Uint64(a)|even>>8|odd)
				}
				for ; p < ow; p++ {
					if isGreen(r[p], g[p], b[p]) {
						acc[p] |= 0x80
					}
				}
			}
		}
		row := veg[y*w:][:w]
		for x := range row {
			var m byte
			for _, v := range acc[x*factor:][:factor] {
				m |= v
			}
			row[x] = m != 0
		}
	}
}
