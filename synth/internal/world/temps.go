package world

import (
	"math/rand/v2"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

type tempKind uint8

const (
	tCrane    tempKind = iota // tower crane: mast, jib, counter-jib
	tScaffold                 // scaffolding round a building
	tHut                      // site hut
)

// temp is a temporary structure of a building site, present in one epoch.
type temp struct {
	kind  tempKind
	parts []poly    // convex parts
	es    [][]hp    // their half-planes
	hs    []float64 // top of each part above base
	hole  []hp      // scaffolding: the building inside the ring
	base  float64
	bb    box
	epoch int
	id    uint32
	mat   surface.Material
	rec   int32
}

func (wd *World) addTemp(kind tempKind, parts []poly, hs []float64, epoch int, base float64) int {
	t := temp{kind: kind, parts: parts, hs: hs, epoch: epoch, base: base, rec: -1}
	t.bb = parts[0].bbox()
	for _, p := range parts {
		t.es = append(t.es, halfPlanes(p))
		t.bb = t.bb.union(p.bbox())
	}
	switch kind {
	case tCrane:
		t.mat = surface.Crane
	case tScaffold:
		t.mat = surface.Scaffold
	default:
		t.mat = surface.Container
	}
	wd.temps = append(wd.temps, t)
	return len(wd.temps) - 1
}

// crane raises a tower crane beside footprint fp, jib over the site.
func (wd *World) crane(r *rand.Rand, fp poly, height float64, epoch int) int {
	c := fp.centroid()
	out := unitv(sub(fp[r.IntN(len(fp))], c))
	mast := add(fp[0], mul(out, 0))
	for range 6 {
		m := add(lerp(c, fp[r.IntN(len(fp))], uniform(r, 0.6, 1)), mul(out, uniform(r, 3, 6)))
		if fp.depth(m) < -2.5 {
			mast = m
			break
		}
	}
	if fp.depth(mast) > -2.5 {
		mast = add(c, mul(out, 0.5*norm(sub(fp[0], fp[2]))+4))
	}
	jdir := unitv(sub(c, mast))
	if r.Float64() < 0.5 {
		jdir = dirv(r.Float64() * 6.283)
	}
	jl := uniform(r, 35, 55)
	top := height + uniform(r, 8, 14)
	parts := []poly{
		rect(mast, pt{1, 0}, 1, 1),
		rect(add(mast, mul(jdir, jl/2)), jdir, jl/2, 0.8),
		rect(add(mast, mul(jdir, -7)), jdir, 6, 1.2),
		rect(add(mast, mul(jdir, -11)), jdir, 1.5, 1.5),
	}
	return wd.addTemp(tCrane, parts, []float64{top + 1.5, top, top, top + 1}, epoch, wd.Ground(mast[0], mast[1]))
}

// scaffold wraps footprint fp in scaffolding up to height.
func (wd *World) scaffold(fp poly, height float64, epoch int, base float64) int {
	ti := wd.addTemp(tScaffold, []poly{outset(fp, 1.3)}, []float64{height}, epoch, base)
	wd.temps[ti].hole = halfPlanes(fp)
	return ti
}
