package city

import "math/rand/v2"

// car is a parked or moving car, 1.5 m high. Each epoch has its own cars, so
// they are change in the DSM and the orthophotos that is not building change.
type car struct {
	r      rect
	epoch  uint8
	alongX bool // the car points east–west
	tone   uint8
}

const carHeight = 1.5

// parkCars fills kerbside parking lanes, driving lanes and car parks, for each
// epoch independently. Cars stay on streets and car parks, never on a lot that changes.
func (c *City) parkCars(r *rand.Rand) {
	keep := rect{-margin, -margin, c.w + margin, c.h + margin}
	add := func(epoch uint8, alongX bool, cx, cy float64) {
		l, w := 4.2+0.7*r.Float64(), 1.7+0.2*r.Float64()
		cr := rect{cx - w/2, cy - l/2, cx + w/2, cy + l/2}
		if alongX {
			cr = rect{cx - l/2, cy - w/2, cx + l/2, cy + w/2}
		}
		if cr.intersects(keep) {
			c.cars = append(c.cars, car{r: cr, epoch: epoch, alongX: alongX, tone: uint8(r.Uint32())})
		}
	}
	for epoch := uint8(0); epoch < 2; epoch++ {
		// Streets: segments between crossings, with 3 m clear of each crossing.
		street := func(s street, across []street, alongX bool) {
			for j := 0; j+1 < len(across); j++ {
				lo, hi := across[j].c+across[j].half()+3, across[j+1].c-across[j+1].half()-3
				for _, side := range []float64{-1, 1} {
					lane := s.c + side*(s.road/2-1.1)
					for p := lo + 3; p+3 <= hi; p += 5.8 {
						if r.Float64() < 0.4 {
							pos := p + 0.4*(2*r.Float64()-1)
							if alongX {
								add(epoch, true, pos, lane)
							} else {
								add(epoch, false, lane, pos)
							}
						}
					}
					drive := s.c + side*(s.road/2-2.2)/2
					for n := int((hi - lo) / 70 * 2 * r.Float64()); n > 0; n-- {
						pos := lo + 3 + (hi-lo-6)*r.Float64()
						if alongX {
							add(epoch, true, pos, drive)
						} else {
							add(epoch, false, drive, pos)
						}
					}
				}
			}
		}
		for _, s := range c.xs {
			street(s, c.ys, false)
		}
		for _, s := range c.ys {
			street(s, c.xs, true)
		}
		// Car parks: cars stand across the row, nose to the aisle.
		for _, p := range c.parkings {
			for _, row := range p.rows {
				n := int(row.w() / stallWidth)
				if !p.alongX {
					n = int(row.h() / stallWidth)
				}
				for k := 0; k < n; k++ {
					if r.Float64() >= 0.55 {
						continue
					}
					off := (float64(k)+0.5)*stallWidth + 0.2*(2*r.Float64()-1)
					if p.alongX {
						add(epoch, false, row.x0+off, (row.y0+row.y1)/2)
					} else {
						add(epoch, true, (row.x0+row.x1)/2, row.y0+off)
					}
				}
			}
		}
	}
}
