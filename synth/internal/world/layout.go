package world

import (
	"math"
	"math/rand/v2"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

// District types: each has its own street grid orientation and spacing,
// so streets run at any angle and meet at the districts' borders.
type dtype uint8

const (
	dHistoric   dtype = iota // irregular small blocks, perimeter buildings, courtyards
	dEnsanche                // regular perimeter blocks, 5–9 storeys, tree-lined avenues
	dOpen                    // open blocks: slabs and towers among lawns and car parks
	dHouses                  // detached and terraced houses with gardens
	dIndustrial              // sheds in yards
	dFields                  // farmland beyond the city
	numDTypes
)

var dtypeNames = [numDTypes]string{"historic", "ensanche", "open_block", "houses", "industrial", "fields"}

// Street grid parameters of a district type.
type gridParams struct {
	spacing   [2][2]float64 // node spacing ranges along both axes, m
	jitter    float64       // node jitter, share of the spacing
	street    [2]float64    // carriageway width range
	avenue    float64       // share of grid lines that are avenues
	aveWidth  [2]float64
	sidewalk  float64
	avenueGap int // no two avenues closer than this many lines
}

var grids = [numDTypes]gridParams{
	dHistoric:   {[2][2]float64{{40, 85}, {40, 85}}, 0.17, [2]float64{5, 8}, 0.12, [2]float64{13, 18}, 2, 2},
	dEnsanche:   {[2][2]float64{{85, 130}, {85, 130}}, 0.04, [2]float64{10, 13}, 0.3, [2]float64{22, 32}, 3.5, 2},
	dOpen:       {[2][2]float64{{120, 180}, {110, 170}}, 0.06, [2]float64{10, 14}, 0.25, [2]float64{22, 34}, 3, 2},
	dHouses:     {[2][2]float64{{65, 95}, {140, 200}}, 0.05, [2]float64{7, 9}, 0.1, [2]float64{16, 20}, 2, 3},
	dIndustrial: {[2][2]float64{{150, 260}, {150, 260}}, 0.04, [2]float64{12, 16}, 0.2, [2]float64{22, 28}, 2.5, 2},
	dFields:     {[2][2]float64{{180, 380}, {180, 380}}, 0.12, [2]float64{4, 6}, 0, [2]float64{6, 6}, 0, 9},
}

const (
	siteStep       = 700.0 // spacing of district seeds, m
	boundaryStreet = 16.0  // width of the avenue between two districts, sidewalks included
)

type district struct {
	ga, gb int
	key    uint64
	site   pt
	typ    dtype
	theta  float64
	cell   poly
	cb     box // the cell's bbox
	gp     gridParams
	sx, sy float64
	n      int
	wx, wy []float64 // carriageway widths of grid lines -n..n
}

// site is the seed of district (ga, gb): a jittered lattice point.
func (wd *World) site(ga, gb int) pt {
	h := hash3(uint64(wd.seed), int64(ga), int64(gb), 17)
	return pt{(float64(ga) + 0.2 + 0.6*unit(h)) * siteStep, (float64(gb) + 0.2 + 0.6*unit(mix64(h))) * siteStep}
}

// nearest returns the district seed nearest to p (the Voronoi cell p is in).
func (wd *World) nearest(p pt) (int, int) {
	ca, cb := int(math.Floor(p[0]/siteStep)), int(math.Floor(p[1]/siteStep))
	best, ba, bb := math.Inf(1), 0, 0
	for b := cb - 2; b <= cb+2; b++ {
		for a := ca - 2; a <= ca+2; a++ {
			s := wd.site(a, b)
			if d := (s[0]-p[0])*(s[0]-p[0]) + (s[1]-p[1])*(s[1]-p[1]); d < best {
				best, ba, bb = d, a, b
			}
		}
	}
	return ba, bb
}

// districtType: the historic core at the centre, then the ensanche, open
// blocks, houses and industry, farmland beyond ~4 km (Valladolid's rings).
func (wd *World) districtType(ga, gb int, s pt) dtype {
	r := norm(sub(s, wd.centre))
	ca, cb := wd.nearest(wd.centre)
	if ga == ca && gb == cb {
		return dHistoric
	}
	u := unit(hash3(uint64(wd.seed), int64(ga), int64(gb), 23))
	pick := func(w ...float64) dtype {
		for i, p := range w {
			if u < p {
				return []dtype{dHistoric, dEnsanche, dOpen, dHouses, dIndustrial, dFields}[i]
			}
			u -= p
		}
		return dOpen
	}
	switch {
	case r < 1000:
		return pick(0.55, 0.45)
	case r < 2000:
		return pick(0.05, 0.35, 0.4, 0.1, 0.1)
	case r < 3800:
		return pick(0, 0.05, 0.35, 0.3, 0.3)
	}
	return pick(0, 0, 0.1, 0.15, 0.2, 0.55)
}

// layout creates the districts meeting the extended extent and fills them.
func (wd *World) layout() {
	a0, a1 := int(math.Floor(wd.ext.x0/siteStep))-2, int(math.Floor(wd.ext.x1/siteStep))+2
	b0, b1 := int(math.Floor(wd.ext.y0/siteStep))-2, int(math.Floor(wd.ext.y1/siteStep))+2
	for gb := b0; gb <= b1; gb++ {
		for ga := a0; ga <= a1; ga++ {
			s := wd.site(ga, gb)
			cell := rect(s, pt{1, 0}, 2*siteStep, 2*siteStep)
			for b := gb - 2; b <= gb+2 && cell != nil; b++ {
				for a := ga - 2; a <= ga+2 && cell != nil; a++ {
					if a == ga && b == gb {
						continue
					}
					o := wd.site(a, b)
					n := unitv(sub(s, o))
					cell = clip(cell, n, dot(n, mul(add(s, o), 0.5)))
				}
			}
			if cell == nil || !cell.bbox().overlaps(wd.ext) {
				continue
			}
			key := uint64(hash3(uint64(wd.seed), int64(ga), int64(gb), 29))
			d := district{ga: ga, gb: gb, key: key, site: s, typ: wd.districtType(ga, gb, s), cell: cell}
			wd.districts = append(wd.districts, d)
		}
	}
	for i := range wd.districts {
		wd.fillDistrict(i)
	}
}

// node is the jittered grid node (a, b) of district d.
func (d *district) node(a, b int) pt {
	h := hash3(d.key, int64(a), int64(b), 31)
	jx := d.gp.jitter * (2*unit(h) - 1)
	jy := d.gp.jitter * (2*unit(mix64(h)) - 1)
	e1 := dirv(d.theta)
	e2 := perp(e1)
	return add(d.site, add(mul(e1, (float64(a)+jx)*d.sx), mul(e2, (float64(b)+jy)*d.sy)))
}

func (d *district) lineWidth(r *rand.Rand, n int) []float64 {
	w := make([]float64, 2*n+1)
	last := -100
	for i := range w {
		if i-last >= d.gp.avenueGap && r.Float64() < d.gp.avenue {
			w[i] = uniform(r, d.gp.aveWidth[0], d.gp.aveWidth[1])
			last = i
		} else {
			w[i] = uniform(r, d.gp.street[0], d.gp.street[1])
		}
	}
	return w
}

func convex(p poly) bool {
	for i := range p {
		a, b, c := p[i], p[(i+1)%len(p)], p[(i+2)%len(p)]
		if cross(sub(b, a), sub(c, b)) <= 0 {
			return false
		}
	}
	return true
}

// fillDistrict lays out district i's street grid, blocks and streets.
func (wd *World) fillDistrict(i int) {
	d := &wd.districts[i]
	r := subRand(wd.seed, streamLayout, d.key)
	rt := subRand(wd.seed, streamTrees, d.key)
	d.gp = grids[d.typ]
	d.theta = uniform(r, 0, math.Pi/2)
	d.sx = uniform(r, d.gp.spacing[0][0], d.gp.spacing[0][1])
	d.sy = uniform(r, d.gp.spacing[1][0], d.gp.spacing[1][1])
	d.n = int(2.2*siteStep/math.Min(d.sx, d.sy)) + 1
	d.wx, d.wy = d.lineWidth(r, d.n), d.lineWidth(r, d.n)
	inner := inset(d.cell, boundaryStreet/2)
	if d.typ == dFields {
		inner = inset(d.cell, 3)
		wd.addCover(d.cell, surface.Gravel, 0, 3)
	}
	if inner == nil {
		return
	}
	cb := d.cell.bbox()
	d.cb = cb
	n := d.n
	for b := -n; b < n; b++ {
		for a := -n; a < n; a++ {
			q := poly{d.node(a, b), d.node(a+1, b), d.node(a+1, b+1), d.node(a, b+1)}
			bb := q.bbox()
			if !bb.overlaps(cb) || !bb.overlaps(wd.ext.grow(30)) || !convex(q) {
				continue
			}
			ws := [4]float64{d.wy[b+n], d.wx[a+1+n], d.wy[b+1+n], d.wx[a+n]}
			outer := insetEach(q, func(k int) float64 { return ws[k] / 2 })
			if outer == nil {
				continue
			}
			outer = intersect(outer, inner)
			if outer == nil || outer.area() < 150 {
				continue
			}
			wd.addBlock(r, rt, i, outer)
		}
	}
	wd.streets(r, rt, i)
}
