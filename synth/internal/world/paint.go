package world

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// Paint rasterizes epoch 0 (2010) or 1 (2017) into every cell of l. It
// only reads the World, so several goroutines may paint different Layers
// at once.
func (wd *World) Paint(epoch int, l *surface.Layers) {
	e := 0
	if epoch != 0 {
		e = 1
	}
	n := l.W * l.H
	if n <= 0 || !(l.Res > 0) || len(l.Solid) < n {
		return
	}
	bd := l.Bounds()
	win := box{bd[0], bd[1], bd[2], bd[3]}
	p := painter{wd: wd, l: l, e: e}
	p.ground(win)
	p.covers(win)
	p.river()
	p.bridges(win)
	p.buildings(win)
	p.temps(win)
	p.vehicles(win)
	p.hedges(win)
	p.trees(win)
}

type painter struct {
	wd    *World
	l     *surface.Layers
	e     int
	buf   []int32
	water []int32
}

// set writes a solid top at cell k if it is above what is there.
func (p *painter) set(k int, z float64, m surface.Material, class, tone uint8, obj uint32) {
	l := p.l
	if z32 := float32(z); z32 > l.Solid[k] {
		l.Solid[k], l.Mat[k], l.Class[k], l.Tone[k], l.Obj[k] = z32, m, class, tone, obj
	}
}

// ground fills every cell with the bare earth under a carriageway, and
// notes the river's cells.
func (p *painter) ground(win box) {
	l := p.l
	lt := newLattice(&p.wd.land, win.x0, win.y0, win.x1, win.y1)
	for j := range l.H {
		y := l.Y(j)
		for i := range l.W {
			x := l.X(i)
			a, b, tx, ty := latticeCell(x, y)
			o := int(b-lt.b0)*lt.nx + int(a-lt.a0)
			g := blend(lt.g[o], lt.g[o+1], lt.g[o+lt.nx], lt.g[o+lt.nx+1], tx, ty)
			k := j*l.W + i
			l.Ground[k], l.Solid[k] = float32(g), float32(g)
			l.Mat[k], l.Class[k], l.Tone[k], l.Obj[k] = surface.Asphalt, surface.ClassGround, 0, 0
			l.CanopyTop[k], l.CanopyBase[k], l.CanopyDensity[k], l.CanopyObj[k], l.CanopyClass[k] = surface.NoCanopy, surface.NoCanopy, 0, 0, 0
			q0, q1, q2, q3 := lt.q[o], lt.q[o+1], lt.q[o+lt.nx], lt.q[o+lt.nx+1]
			if min(q0, q1, q2, q3) < 0 && blend(q0, q1, q2, q3, tx, ty) < 0 {
				p.water = append(p.water, int32(k))
			}
		}
	}
}

func (p *painter) covers(win box) {
	l, wd := p.l, p.wd
	p.buf = wd.icov.query(win, p.buf)
	for _, ci := range p.buf {
		c := &wd.covers[ci]
		if c.mask&(1<<p.e) == 0 || !c.bb.overlaps(win) {
			continue
		}
		spans(l, c.e, c.bb, func(j, i0, i1 int, y float64) {
			row := j * l.W
			for i := i0; i <= i1; i++ {
				k := row + i
				switch c.kind {
				case cPlain:
					l.Mat[k], l.Tone[k] = c.mat, c.tone
				case cMark:
					if m := l.Mat[k]; m != surface.Asphalt && m != surface.Paved {
						continue
					}
					t := c.u[0]*l.X(i) + c.u[1]*y - c.off
					if t-c.per*math.Floor(t/c.per) < c.duty {
						l.Mat[k], l.Tone[k] = surface.Marking, 0
					}
				case cPit, cMound:
					f := math.Min(1, edgeDist(c.e, l.X(i), y)/c.side)
					dz := c.depth * f
					if c.kind == cPit {
						dz = -dz
					}
					z := l.Ground[k] + float32(dz)
					l.Ground[k], l.Solid[k] = z, z
					l.Mat[k], l.Tone[k], l.Obj[k] = c.mat, c.tone, c.obj
				}
			}
		})
	}
}

func (p *painter) river() {
	l := p.l
	for _, k := range p.water {
		l.Solid[k] = l.Ground[k]
		l.Mat[k], l.Class[k], l.Tone[k], l.Obj[k] = surface.Water, surface.ClassWater, 0, 0
	}
}

func (p *painter) bridges(win box) {
	l := p.l
	for bi := range p.wd.bridges {
		b := &p.wd.bridges[bi]
		if !b.bb.overlaps(win) {
			continue
		}
		spans(l, b.e, b.bb, func(j, i0, i1 int, _ float64) {
			for k := j*l.W + i0; k <= j*l.W+i1; k++ {
				p.set(k, b.z, surface.BridgeDeck, surface.ClassBridge, 0, b.id)
			}
		})
	}
}

func (p *painter) buildings(win box) {
	l, wd := p.l, p.wd
	p.buf = wd.ibld.query(win, p.buf)
	for _, bi := range p.buf {
		b := &wd.buildings[bi]
		s := &b.st[p.e]
		if !s.on || !b.bb.overlaps(win) {
			continue
		}
		spans(l, b.e, b.bb, func(j, i0, i1 int, y float64) {
			for i := i0; i <= i1; i++ {
				z, m := b.roofAt(s, l.X(i), y)
				p.set(j*l.W+i, b.base+z, m, surface.ClassBuilding, s.tone, s.id)
			}
		})
	}
	p.buf = wd.iitem.query(win, p.buf)
	for _, ii := range p.buf {
		it := &wd.items[ii]
		b := &wd.buildings[it.b]
		s := &b.st[p.e]
		if !s.on || it.mask&(1<<p.e) == 0 || !it.bb.overlaps(win) {
			continue
		}
		z := b.base + wd.itemTop(it, p.e)
		spans(l, it.e, it.bb, func(j, i0, i1 int, _ float64) {
			for k := j*l.W + i0; k <= j*l.W+i1; k++ {
				p.set(k, z, it.mat, surface.ClassBuilding, s.tone, s.id)
			}
		})
	}
}

func (p *painter) temps(win box) {
	l, wd := p.l, p.wd
	p.buf = wd.itemp.query(win, p.buf)
	for _, ti := range p.buf {
		t := &wd.temps[ti]
		if t.epoch != p.e || !t.bb.overlaps(win) {
			continue
		}
		for pi, e := range t.es {
			z := t.base + t.hs[pi]
			spans(l, e, t.parts[pi].bbox(), func(j, i0, i1 int, y float64) {
				for i := i0; i <= i1; i++ {
					if t.hole != nil && insideHP(t.hole, l.X(i), y) {
						continue
					}
					p.set(j*l.W+i, z, t.mat, surface.ClassUnclassified, 0, t.id)
				}
			})
		}
	}
}

func (p *painter) vehicles(win box) {
	l, wd := p.l, p.wd
	p.buf = wd.iveh[p.e].query(win, p.buf)
	var e [4]hp
	for _, vi := range p.buf {
		v := &wd.veh[p.e][vi]
		q := v.poly()
		bb := q.bbox()
		if !bb.overlaps(win) {
			continue
		}
		copy(e[:], halfPlanes(q))
		m := v.material()
		spans(l, e[:], bb, func(j, i0, i1 int, y float64) {
			for i := i0; i <= i1; i++ {
				a := v.u[0]*(l.X(i)-v.c[0]) + v.u[1]*(y-v.c[1])
				p.set(j*l.W+i, v.g+v.top(a), m, surface.ClassUnclassified, v.tone, v.id)
			}
		})
	}
}

// crown merges a crown slice into cell k: the highest top wins the cell's
// tree, the lowest bottom bounds the vegetation.
func (p *painter) crown(k int, top, bot float64, dens, class uint8, obj uint32) {
	l := p.l
	t, b := float32(top), float32(bot)
	if t <= l.Solid[k] {
		return // inside a roof or a vehicle: the crown ends at its surface
	}
	b = max(b, l.Solid[k])
	if l.CanopyTop[k] == surface.NoCanopy {
		l.CanopyTop[k], l.CanopyBase[k], l.CanopyDensity[k], l.CanopyObj[k], l.CanopyClass[k] = t, b, dens, obj, class
		return
	}
	l.CanopyBase[k] = min(l.CanopyBase[k], b)
	if t > l.CanopyTop[k] {
		l.CanopyTop[k], l.CanopyDensity[k], l.CanopyObj[k], l.CanopyClass[k] = t, dens, obj, class
	}
}

func (p *painter) hedges(win box) {
	l, wd := p.l, p.wd
	p.buf = wd.ihedge.query(win, p.buf)
	for _, hi := range p.buf {
		h := &wd.hedges[hi]
		if !h.bb.overlaps(win) {
			continue
		}
		spans(l, h.e, h.bb, func(j, i0, i1 int, _ float64) {
			for k := j*l.W + i0; k <= j*l.W+i1; k++ {
				p.crown(k, h.g+h.top, h.g+h.base, 160, surface.ClassMediumVeg, h.id)
			}
		})
	}
}

func (p *painter) trees(win box) {
	l, wd := p.l, p.wd
	p.buf = wd.itree.query(win, p.buf)
	for _, ti := range p.buf {
		t := &wd.trees[ti]
		s := &t.st[p.e]
		if !s.on {
			continue
		}
		class := t.class()
		disc(l, t.c, s.rad, func(k int, d2 float64) {
			top, bot := t.crown(s, d2)
			p.crown(k, t.g+top, t.g+bot, t.dens, class, s.id)
		})
	}
}

// latticeCell locates (x, y) on the ground lattice.
func latticeCell(x, y float64) (a, b int64, tx, ty float64) {
	fx, fy := x/gstep, y/gstep
	ix, iy := math.Floor(fx), math.Floor(fy)
	return int64(ix), int64(iy), fx - ix, fy - iy
}

// blend is bilinear interpolation; the explicit conversions forbid fused
// multiply-adds, so Ground and Paint agree bit for bit on every platform.
func blend(v00, v10, v01, v11, tx, ty float64) float64 {
	lo := v00 + float64((v10-v00)*tx)
	hi := v01 + float64((v11-v01)*tx)
	return lo + float64((hi-lo)*ty)
}
