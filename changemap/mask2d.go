package changemap

// Classes of the 2D change map.
const (
	NoChange     uint8 = 0
	Change       uint8 = 1 // any change (binary maps)
	Construction uint8 = 1 // elevation gain (signed maps)
	Demolition   uint8 = 2 // elevation loss (signed maps)
)

// Mask2D derives the 2D change map (ow×oh, at a finer or equal resolution
// than the w×h cd3d grid covering the same extent) by nearest sampling:
// each output pixel takes the class of the cd3d pixel its centre falls in.
// signed maps gains to Construction and losses to Demolition; otherwise any
// change is Change.
func Mask2D(out []uint8, ow, oh int, cd []float32, w, h int, signed bool) {
	for oy := 0; oy < oh; oy++ {
		y := (2*oy + 1) * h / (2 * oh)
		for ox := 0; ox < ow; ox++ {
			x := (2*ox + 1) * w / (2 * ow)
			v := cd[y*w+x]
			c := NoChange
			switch {
			case v == NoData || v == 0:
			case !signed:
				c = Change
			case v > 0:
				c = Construction
			default:
				c = Demolition
			}
			out[oy*ow+ox] = c
		}
	}
}
