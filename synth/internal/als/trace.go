package als

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// tileCells is the side of the tiles whose highest top lets a ray skip
// empty space: most of a ray's path from the highest object down to the
// ground crosses tiles it passes high above.
const tileCells = 8

// partialRate is how many partial echoes (leaves catching part of the
// footprint) a crown yields per unit of the optical depth that stops a
// pulse, so that most pulses through a crown return from it even when
// they reach the ground.
const partialRate = 1.5

// crownLambda[d] is the attenuation per metre of path of a crown of
// CanopyDensity d: the share d/255 of pulses stopped per metre.
var crownLambda = func() (t [256]float64) {
	for d := 1; d < 256; d++ {
		t[d] = -math.Log(1 - min(float64(d)/255, 0.999))
	}
	return t
}()

type echoKind uint8

const (
	echoCrown     echoKind = iota // leaves and branches
	echoTop                       // the top of the solid surface
	echoWall                      // the vertical step between two cells
	echoBird                      // gross error above the surface
	echoMultipath                 // gross error below it
)

// echo is a return before errors are added.
type echo struct {
	t    float64 // range from the aircraft, m
	e    float64 // share of the pulse's energy it sends back
	k    int     // cell hit; −1 for a bird
	kind echoKind
	axis uint8 // walls: 0 crossed between columns (normal along x), 1 between rows
}

// tracer walks rays through one Layers.
type tracer struct {
	l      *surface.Layers
	tw, th int
	tmax   []float32 // highest top per tile
	zmax   float64
}

func newTracer(l *surface.Layers) tracer {
	tr := tracer{l: l, tw: (l.W + tileCells - 1) / tileCells, th: (l.H + tileCells - 1) / tileCells}
	tr.tmax = make([]float32, tr.tw*tr.th)
	for k := range tr.tmax {
		tr.tmax[k] = float32(math.Inf(-1))
	}
	zmax := float32(math.Inf(-1))
	for j := range l.H {
		row := tr.tmax[(j/tileCells)*tr.tw:]
		for i, k := 0, j*l.W; i < l.W; i, k = i+1, k+1 {
			z := max(l.Solid[k], l.CanopyTop[k])
			if z > row[i/tileCells] {
				row[i/tileCells] = z
			}
		}
	}
	for _, z := range tr.tmax {
		zmax = max(zmax, z)
	}
	tr.zmax = float64(zmax)
	return tr
}

type outcome uint8

const (
	traceHit   outcome = iota // the pulse ended on a solid surface or in a crown
	traceWater                // it ended on water
	traceLost                 // it left the Layers: they do not reach far enough
)

// pulse is the state of one ray being traced.
type pulse struct {
	tr                 *tracer
	ox, oy, oz         float64 // aircraft
	dx, dy, dz         float64 // unit direction, dz < 0
	gx0, gy0, vx, vy   float64 // the ray in grid units (columns, rows)
	r                  *rng
	tau, stop, partial float64 // crown optical depth so far and its thresholds
	energy             float64 // share of the pulse not yet sent back
	specular           bool    // a water surface would reflect it back
	out                outcome
	echoes             []echo
}

// dda steps through the cells of size cs (grid units) a ray crosses.
type dda struct {
	i, j, si, sj     int
	tx, ty, dtx, dty float64
}

func startDDA(p *pulse, t, cs float64, i0, i1, j0, j1 int) dda {
	d := dda{
		i: min(max(int(math.Floor((p.gx0+t*p.vx)/cs)), i0), i1),
		j: min(max(int(math.Floor((p.gy0+t*p.vy)/cs)), j0), j1),
	}
	d.si, d.tx, d.dtx = axisStep(p.gx0, p.vx, d.i, cs)
	d.sj, d.ty, d.dty = axisStep(p.gy0, p.vy, d.j, cs)
	return d
}

func axisStep(g0, v float64, i int, cs float64) (step int, next, delta float64) {
	switch {
	case v > 0:
		return 1, (float64(i+1)*cs - g0) / v, cs / v
	case v < 0:
		return -1, (float64(i)*cs - g0) / v, -cs / v
	}
	return 0, math.Inf(1), math.Inf(1)
}

// step moves to the next cell and tells which boundary it crossed.
func (d *dda) step() uint8 {
	if d.tx < d.ty {
		d.i += d.si
		d.tx += d.dtx
		return 0
	}
	d.j += d.sj
	d.ty += d.dty
	return 1
}

// trace follows p from above the highest top of the Layers until it ends.
func (tr *tracer) trace(p *pulse) {
	l := tr.l
	p.tr, p.energy, p.out = tr, 1, traceLost
	p.tau, p.stop, p.partial = 0, p.r.exp(), p.r.exp()/partialRate
	p.gx0, p.gy0 = (p.ox-l.X0)/l.Res, (l.Y1-p.oy)/l.Res
	p.vx, p.vy = p.dx/l.Res, -p.dy/l.Res
	t0, t1 := (tr.zmax+0.01-p.oz)/p.dz, math.Inf(1)
	var ok bool
	if t0, t1, ok = clip(p.gx0, p.vx, float64(l.W), t0, t1); !ok {
		return
	}
	if t0, t1, ok = clip(p.gy0, p.vy, float64(l.H), t0, t1); !ok {
		return
	}
	t := max(t0, 0)
	d := startDDA(p, t, tileCells, 0, tr.tw-1, 0, tr.th-1)
	var axis uint8
	for {
		tn := min(d.tx, d.ty, t1)
		if tn > t && p.oz+tn*p.dz <= float64(tr.tmax[d.j*tr.tw+d.i]) && p.tile(d.i, d.j, t, tn, axis) {
			return
		}
		if tn >= t1 {
			return
		}
		axis = d.step()
		t = max(t, tn)
		if d.i < 0 || d.i >= tr.tw || d.j < 0 || d.j >= tr.th {
			return
		}
	}
}

// clip narrows [t0, t1] to where the ray's coordinate g0+t·v lies in [0, n).
func clip(g0, v, n, t0, t1 float64) (float64, float64, bool) {
	if v == 0 {
		return t0, t1, g0 >= 0 && g0 < n
	}
	a, b := -g0/v, (n-g0)/v
	if a > b {
		a, b = b, a
	}
	t0, t1 = max(t0, a), min(t1, b)
	return t0, t1, t0 < t1
}

// tile walks the cells of tile (ti, tj) between t and tn; it reports
// whether the pulse ended there.
func (p *pulse) tile(ti, tj int, t, tn float64, axis uint8) bool {
	l := p.tr.l
	i0, j0 := ti*tileCells, tj*tileCells
	i1, j1 := min(i0+tileCells, l.W)-1, min(j0+tileCells, l.H)-1
	d := startDDA(p, t, 1, i0, i1, j0, j1)
	for {
		out := max(min(d.tx, d.ty, tn), t)
		if p.cell(d.j*l.W+d.i, t, out, axis) {
			return true
		}
		if out >= tn {
			return false
		}
		axis = d.step()
		t = out
		if d.i < i0 || d.i > i1 || d.j < j0 || d.j > j1 {
			return false
		}
	}
}

// cell handles the stretch [tin, tout] of the ray over cell k: first the
// crown above the solid surface, then the surface itself, met on its top or,
// when the ray arrives already below it, on the wall it crossed.
func (p *pulse) cell(k int, tin, tout float64, axis uint8) bool {
	l := p.tr.l
	zin, zout := p.oz+tin*p.dz, p.oz+tout*p.dz
	if ct := float64(l.CanopyTop[k]); ct > zout {
		if cb := float64(l.CanopyBase[k]); cb < zin && l.CanopyDensity[k] > 0 {
			if p.crown(k, min(zin, ct), max(zout, cb), crownLambda[l.CanopyDensity[k]]) {
				return true
			}
		}
	}
	top := float64(l.Solid[k])
	if zout > top {
		return false
	}
	e := echo{t: tin, e: p.energy, k: k, kind: echoWall, axis: axis}
	if zin > top {
		e.t, e.kind = (top-p.oz)/p.dz, echoTop
	}
	if l.Mat[k] == surface.Water {
		p.out = traceWater
		if !p.specular {
			return true
		}
		e.kind = echoTop
	} else {
		p.out = traceHit
	}
	p.add(e)
	return true
}

// crown crosses the crown of cell k from height zhi down to zlo: leaves
// send part of the pulse back (partial echoes) until the optical depth
// reaches the pulse's stopping threshold, where the rest returns.
func (p *pulse) crown(k int, zhi, zlo, lam float64) bool {
	ta, tb := (zhi-p.oz)/p.dz, (zlo-p.oz)/p.dz
	tau1 := p.tau + lam*(tb-ta)
	for {
		next := min(p.partial, p.stop)
		if next > tau1 {
			break
		}
		te := ta + (next-p.tau)/lam
		if next == p.stop {
			p.add(echo{t: te, e: p.energy, k: k, kind: echoCrown})
			p.energy, p.out = 0, traceHit
			return true
		}
		f := p.energy * (0.1 + 0.3*p.r.float())
		p.add(echo{t: te, e: f, k: k, kind: echoCrown})
		p.energy -= f
		p.partial += p.r.exp() / partialRate
	}
	p.tau = tau1
	return false
}

func (p *pulse) add(e echo) {
	if len(p.echoes) < cap(p.echoes) {
		p.echoes = append(p.echoes, e)
	}
}
