package city

import (
	"math"
)

// material is what a pixel shows; the orthophoto colours it, the DSM ignores it.
type material uint8

const (
	matSidewalk material = iota
	matRoad
	matMarking
	matGrass
	matSoil
	matPaved
	matPath
	matRoofFlat
	matParapet
	matRoofTile
	matTree
	matCar
	matGlass
)

// Window is a north-up pixel grid in local scene metres. Pixel (i, j) shows
// the world at its centre, moved by -dx (the t1 misregistration), so a pixel's
// value depends only on where it is, never on which sheet or strip holds it.
type Window struct {
	x0, y1 float64 // top-left corner
	res    float64
	w, h   int
	dx     float64
}

func (w *Window) X(i int) float64 { return w.x0 + (float64(i)+0.5)*w.res - w.dx }
func (w *Window) Y(j int) float64 { return w.y1 - (float64(j)+0.5)*w.res }

// bounds is the part of the world the window samples.
func (w *Window) bounds() rect {
	return rect{w.x0 - w.dx, w.y1 - float64(w.h)*w.res, w.x0 - w.dx + float64(w.w)*w.res, w.y1}
}

// Cols returns the columns [i0, i1) whose sample x lies in [a, b). The
// estimate is corrected against X itself so that every window agrees on
// which pixel a shared edge belongs to.
func (w *Window) Cols(a, b float64) (int, int) {
	first := func(v float64) int {
		i := int(math.Ceil((v-(w.x0-w.dx))/w.res - 0.5))
		i = max(0, min(w.w, i))
		for i > 0 && w.X(i-1) >= v {
			i--
		}
		for i < w.w && w.X(i) < v {
			i++
		}
		return i
	}
	i0, i1 := first(a), first(b)
	return i0, max(i0, i1)
}

// Rows returns the rows [j0, j1) whose sample y lies in [a, b).
func (w *Window) Rows(a, b float64) (int, int) {
	first := func(v float64) int { // first row with sy < v
		j := int(math.Floor((w.y1-v)/w.res-0.5)) + 1
		j = max(0, min(w.h, j))
		for j > 0 && w.Y(j-1) < v {
			j--
		}
		for j < w.h && w.Y(j) >= v {
			j++
		}
		return j
	}
	j0, j1 := first(b), first(a)
	return j0, max(j0, j1)
}

// Layers is one epoch of the world rasterized on a window.
type Layers struct {
	win   Window
	hag   []float32  // height above the ground, m
	mat   []material // what is seen from above
	tone  []uint8    // colour variant of the feature
	shade []uint8    // illumination, 128 = flat and sunlit; below: slope or shadow
}

func NewLayers(win Window) *Layers {
	n := win.w * win.h
	return &Layers{win: win, hag: make([]float32, n), mat: make([]material, n), tone: make([]uint8, n), shade: make([]uint8, n)}
}

// fill sets the ground material of the pixels whose centres lie in r.
func (l *Layers) fill(r rect, m material, tone uint8) {
	i0, i1 := l.win.Cols(r.x0, r.x1)
	j0, j1 := l.win.Rows(r.y0, r.y1)
	for j := j0; j < j1; j++ {
		row := j * l.win.w
		for i := i0; i < i1; i++ {
			l.mat[row+i] = m
			l.tone[row+i] = tone
		}
	}
}

// Resize points l at a window no larger than the one it was made for,
// reusing its buffers.
func (l *Layers) Resize(win Window) {
	n := win.w * win.h
	l.win = win
	l.hag, l.mat, l.tone, l.shade = l.hag[:n], l.mat[:n], l.tone[:n], l.shade[:n]
}

const flatShade = 128

// Paint rasterizes the city as it is in epoch on l's window, back to front:
// streets, blocks and lots, shadows, buildings, cars, trees.
func (c *City) Paint(epoch int, l *Layers) {
	for k := range l.hag {
		l.hag[k], l.mat[k], l.tone[k], l.shade[k] = 0, matSidewalk, 0, flatShade
	}
	view := l.win.bounds()
	c.paintStreets(l, view)
	c.paintBlocks(epoch, l, view)
	c.paintShadows(epoch, l, view)
	c.paintBuildings(epoch, l, view)
	c.paintCars(epoch, l, view)
	c.paintTrees(epoch, l, view)
}

func (c *City) paintStreets(l *Layers, view rect) {
	const dash, gap, line = 3.0, 6.0, 0.12
	for _, s := range c.xs {
		if s.c+s.half() < view.x0 || s.c-s.half() > view.x1 {
			continue
		}
		l.fill(rect{s.c - s.road/2, view.y0, s.c + s.road/2, view.y1}, matRoad, 0)
		for y := math.Floor(view.y0/(dash+gap)) * (dash + gap); y < view.y1; y += dash + gap {
			if !crossing(c.ys, y, 1) && !crossing(c.ys, y+dash, 1) {
				l.fill(rect{s.c - line, y, s.c + line, y + dash}, matMarking, 0)
			}
		}
	}
	for _, s := range c.ys {
		if s.c+s.half() < view.y0 || s.c-s.half() > view.y1 {
			continue
		}
		l.fill(rect{view.x0, s.c - s.road/2, view.x1, s.c + s.road/2}, matRoad, 0)
	}
	// East–west markings after all carriageways, so that north–south ones do
	// not cross them, and vice versa.
	for _, s := range c.ys {
		if s.c+s.half() < view.y0 || s.c-s.half() > view.y1 {
			continue
		}
		for x := math.Floor(view.x0/(dash+gap)) * (dash + gap); x < view.x1; x += dash + gap {
			if !crossing(c.xs, x, 1) && !crossing(c.xs, x+dash, 1) {
				l.fill(rect{x, s.c - line, x + dash, s.c + line}, matMarking, 0)
			}
		}
	}
}

func (c *City) paintBlocks(epoch int, l *Layers, view rect) {
	for _, b := range c.blocks {
		if !b.r.intersects(view) {
			continue
		}
		switch b.kind {
		case blockUrban, blockPark:
			l.fill(b.r, matGrass, 0)
		case blockParking:
			l.fill(b.r, matPaved, 0)
		}
	}
	for _, p := range c.parks {
		if p.r.intersects(view) {
			for _, path := range p.paths {
				l.fill(path, matPath, 0)
			}
		}
	}
	for _, lt := range c.lots {
		if lt.r.intersects(view) {
			l.fill(lt.r, lt.ground[epoch], 0)
		}
	}
	const line = 0.12
	for _, p := range c.parkings {
		if !p.r.intersects(view) {
			continue
		}
		for _, row := range p.rows {
			if p.alongX {
				for x := row.x0; x <= row.x1+1e-9; x += stallWidth {
					l.fill(rect{x - line/2, row.y0, x + line/2, row.y1}, matMarking, 0)
				}
			} else {
				for y := row.y0; y <= row.y1+1e-9; y += stallWidth {
					l.fill(rect{row.x0, y - line/2, row.x1, y + line/2}, matMarking, 0)
				}
			}
		}
	}
}

// paintShadows darkens the ground in the shadow of each building: the
// footprint swept away from the sun by height / tan(elevation).
func (c *City) paintShadows(epoch int, l *Layers, view rect) {
	lt := c.light[epoch]
	for bi := range c.buildings {
		b := &c.buildings[bi]
		if !b.in(epoch) {
			continue
		}
		vx, vy := lt.shadowX*b.top, lt.shadowY*b.top
		sr := rect{b.fp.x0 + min(vx, 0), b.fp.y0 + min(vy, 0), b.fp.x1 + max(vx, 0), b.fp.y1 + max(vy, 0)}
		if !sr.intersects(view) {
			continue
		}
		i0, i1 := l.win.Cols(sr.x0, sr.x1)
		j0, j1 := l.win.Rows(sr.y0, sr.y1)
		for j := j0; j < j1; j++ {
			y := l.win.Y(j)
			ty0, ty1, ok := slab(y, b.fp.y0, b.fp.y1, vy)
			if !ok {
				continue
			}
			row := j * l.win.w
			for i := i0; i < i1; i++ {
				tx0, tx1, ok := slab(l.win.X(i), b.fp.x0, b.fp.x1, vx)
				if ok && max(tx0, ty0) <= min(tx1, ty1) {
					l.shade[row+i] = shadowShade
				}
			}
		}
	}
}

const shadowShade = 62

// slab returns the range of t in [0, 1] for which p - t*v lies in [a, b).
func slab(p, a, b, v float64) (t0, t1 float64, ok bool) {
	if v == 0 {
		return 0, 1, p >= a && p < b
	}
	t0, t1 = (p-b)/v, (p-a)/v
	if t0 > t1 {
		t0, t1 = t1, t0
	}
	t0, t1 = max(t0, 0), min(t1, 1)
	return t0, t1, t0 <= t1
}

func (c *City) paintBuildings(epoch int, l *Layers, view rect) {
	lt := c.light[epoch]
	for bi := range c.buildings {
		b := &c.buildings[bi]
		if !b.in(epoch) || !b.fp.intersects(view) {
			continue
		}
		i0, i1 := l.win.Cols(b.fp.x0, b.fp.x1)
		j0, j1 := l.win.Rows(b.fp.y0, b.fp.y1)
		// Gable slopes: the two faces' illumination.
		var shadeA, shadeB uint8 = flatShade, flatShade
		if b.gable {
			half := b.fp.w() / 2
			if b.ridgeAlongX {
				half = b.fp.h() / 2
			}
			th := math.Atan((b.top - b.eave) / half)
			if b.ridgeAlongX {
				shadeA, shadeB = lt.shadeOf(0, -math.Sin(th), math.Cos(th)), lt.shadeOf(0, math.Sin(th), math.Cos(th))
			} else {
				shadeA, shadeB = lt.shadeOf(-math.Sin(th), 0, math.Cos(th)), lt.shadeOf(math.Sin(th), 0, math.Cos(th))
			}
		}
		cx, cy := (b.fp.x0+b.fp.x1)/2, (b.fp.y0+b.fp.y1)/2
		for j := j0; j < j1; j++ {
			y := l.win.Y(j)
			row := j * l.win.w
			for i := i0; i < i1; i++ {
				x := l.win.X(i)
				k := row + i
				l.hag[k] = float32(b.heightAt(x, y))
				l.tone[k] = b.tone
				l.mat[k] = b.mat
				l.shade[k] = flatShade
				if !b.gable {
					if x-b.fp.x0 < 0.5 || b.fp.x1-x <= 0.5 || y-b.fp.y0 < 0.5 || b.fp.y1-y <= 0.5 {
						l.mat[k] = matParapet
					}
					continue
				}
				// Distance from the ridge sets the face and the tile courses.
				d, low := y-cy, y < cy
				if !b.ridgeAlongX {
					d, low = x-cx, x < cx
				}
				s := shadeB
				if low {
					s = shadeA
				}
				switch ad := math.Abs(d); {
				case ad < 0.3:
					s = uint8(float64(s) * 0.8)
				case int(ad/0.5)%2 == 1:
					s = uint8(float64(s) * 0.93)
				}
				l.shade[k] = s
			}
		}
	}
}

func (c *City) paintCars(epoch int, l *Layers, view rect) {
	for ci := range c.cars {
		cr := &c.cars[ci]
		if int(cr.epoch) != epoch || !cr.r.intersects(view) {
			continue
		}
		i0, i1 := l.win.Cols(cr.r.x0, cr.r.x1)
		j0, j1 := l.win.Rows(cr.r.y0, cr.r.y1)
		for j := j0; j < j1; j++ {
			y := l.win.Y(j)
			row := j * l.win.w
			for i := i0; i < i1; i++ {
				k := row + i
				if l.hag[k] >= carHeight {
					continue
				}
				// Position along the car, 0 at the back, picks windscreen and rear window.
				t := (y - cr.r.y0) / cr.r.h()
				if cr.alongX {
					t = (l.win.X(i) - cr.r.x0) / cr.r.w()
				}
				l.hag[k] = carHeight
				l.mat[k] = matCar
				if (t > 0.2 && t < 0.33) || (t > 0.62 && t < 0.78) {
					l.mat[k] = matGlass
				}
				l.tone[k] = cr.tone
			}
		}
	}
}

func (c *City) paintTrees(epoch int, l *Layers, view rect) {
	lt := c.light[epoch]
	for ti := range c.trees {
		t := &c.trees[ti]
		r := t.r[epoch]
		tr := rect{t.x - r, t.y - r, t.x + r, t.y + r}
		if !tr.intersects(view) {
			continue
		}
		i0, i1 := l.win.Cols(tr.x0, tr.x1)
		j0, j1 := l.win.Rows(tr.y0, tr.y1)
		for j := j0; j < j1; j++ {
			dy := l.win.Y(j) - t.y
			row := j * l.win.w
			for i := i0; i < i1; i++ {
				dx := l.win.X(i) - t.x
				d2 := dx*dx + dy*dy
				h := t.heightAt(epoch, d2)
				k := row + i
				if h <= float64(l.hag[k]) {
					continue
				}
				l.hag[k] = float32(h)
				l.mat[k] = matTree
				l.tone[k] = t.tone
				l.shade[k] = lt.shadeOf(dx/r, dy/r, math.Sqrt(max(0, 1-d2/(r*r))))
			}
		}
	}
}
