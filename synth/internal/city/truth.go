package city

// The truth describes the real change in the true (t0) frame: building
// height change only, never trees or cars.

// TruthDH writes on win the building height change: the t1 roof minus the t0
// roof on changed buildings (a missing roof counts 0), 0 elsewhere.
func (c *City) TruthDH(win Window, out []float32) {
	view := win.bounds()
	for _, e := range c.events {
		fp := c.footprint(e)
		if !fp.intersects(view) {
			continue
		}
		var before, after *building
		if e.before >= 0 {
			before = &c.buildings[e.before]
		}
		if e.after >= 0 {
			after = &c.buildings[e.after]
		}
		i0, i1 := win.Cols(fp.x0, fp.x1)
		j0, j1 := win.Rows(fp.y0, fp.y1)
		for j := j0; j < j1; j++ {
			y := win.Y(j)
			for i := i0; i < i1; i++ {
				x := win.X(i)
				var d float64
				if after != nil {
					d += after.heightAt(x, y)
				}
				if before != nil {
					d -= before.heightAt(x, y)
				}
				out[j*win.w+i] = float32(d)
			}
		}
	}
}

// TruthChange marks on win the pixels of changed buildings with 1.
func (c *City) TruthChange(win Window, out []uint8) {
	view := win.bounds()
	for _, e := range c.events {
		fp := c.footprint(e)
		if !fp.intersects(view) {
			continue
		}
		i0, i1 := win.Cols(fp.x0, fp.x1)
		j0, j1 := win.Rows(fp.y0, fp.y1)
		for j := j0; j < j1; j++ {
			row := out[j*win.w : (j+1)*win.w]
			for i := i0; i < i1; i++ {
				row[i] = 1
			}
		}
	}
}
