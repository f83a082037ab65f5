package world

import (
	"math"
	"math/rand/v2"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

type species uint8

const (
	spStreet  species = iota // plane, elm, lime along streets
	spPark                   // broadleaves of parks and courtyards
	spConifer                // pines, cedars, cypresses
	spPoplar                 // riparian poplars and willows
	spShrub                  // shrubs and bushes (class 4)
	spOrchard                // small garden and fruit trees
	numSpecies
)

var speciesNames = [numSpecies]string{"street", "park", "conifer", "poplar", "shrub", "garden"}

// tstate is a tree in one epoch; heights above the ground.
type tstate struct {
	on             bool
	id             uint32
	kind           Kind
	top, base, rad float64
}

type tree struct {
	c     pt
	g     float64
	sp    species
	dens  uint8
	tone  uint8
	young bool
	st    [2]tstate
}

// addTree plants a tree of species sp at c with a size drawn from r.
func (wd *World) addTree(r *rand.Rand, c pt, sp species) {
	if wd.riverDist(c) < 1 || wd.onBridge(c, 2) {
		return
	}
	var top, rad, baseShare float64
	dens := 0.0
	switch sp {
	case spStreet:
		top, rad, baseShare, dens = uniform(r, 6, 15), 0, 0.3, uniformR(0.2, 0.3, r)
	case spPark:
		top, rad, baseShare, dens = uniform(r, 7, 18), 0, 0.25, uniformR(0.2, 0.32, r)
	case spConifer:
		top, rad, baseShare, dens = uniform(r, 8, 18), uniform(r, 1.8, 3.8), 0.35, uniformR(0.35, 0.5, r)
	case spPoplar:
		top, rad, baseShare, dens = uniform(r, 15, 25), uniform(r, 2.5, 4.5), 0.3, uniformR(0.18, 0.28, r)
	case spShrub:
		top, rad, baseShare, dens = uniform(r, 0.8, 2.2), uniform(r, 0.7, 1.6), 0.1, uniformR(0.5, 0.7, r)
	case spOrchard:
		top, rad, baseShare, dens = uniform(r, 3.5, 8), 0, 0.3, uniformR(0.25, 0.35, r)
	}
	if rad == 0 {
		rad = math.Max(1.2, top*uniform(r, 0.22, 0.34))
	}
	young := sp != spShrub && r.Float64() < 0.22
	if young {
		top *= 0.6
		rad *= 0.65
		top = math.Max(top, 3)
	}
	st := tstate{on: true, top: top, base: top * baseShare, rad: rad}
	wd.trees = append(wd.trees, tree{
		c: c, g: wd.Ground(c[0], c[1]), sp: sp, young: young,
		dens: uint8(math.Min(255, dens*255)), tone: uint8(r.IntN(8)),
		st: [2]tstate{st, st},
	})
}

// uniform with the generator last, for compact literals.
func uniformR(a, b float64, r *rand.Rand) float64 { return uniform(r, a, b) }

// class is the ASPRS class of the tree's crown.
func (t *tree) class() uint8 {
	if t.sp == spShrub {
		return surface.ClassMediumVeg
	}
	return surface.ClassHighVeg
}

// crown returns the crown's top and bottom above the ground at squared
// distance d2 from the trunk: an ellipsoid for broadleaves, a cone for
// conifers.
func (t *tree) crown(s *tstate, d2 float64) (top, bot float64) {
	f := d2 / (s.rad * s.rad)
	if t.sp == spConifer {
		k := math.Sqrt(f)
		return s.top - (s.top-s.base)*k, s.base
	}
	h := math.Sqrt(math.Max(0, 1-f))
	mid, half := (s.top+s.base)/2, (s.top-s.base)/2
	return mid + half*h, mid - half*h*0.7
}

// hedge is a clipped hedge along a garden boundary (class 4).
type hedge struct {
	p         poly
	e         []hp
	bb        box
	g         float64
	top, base float64
	id        uint32
}

func (wd *World) addHedge(p poly, h float64) {
	c := p.centroid()
	wd.hedges = append(wd.hedges, hedge{p: p, e: halfPlanes(p), bb: p.bbox(), g: wd.Ground(c[0], c[1]), top: h, base: 0.15})
}
