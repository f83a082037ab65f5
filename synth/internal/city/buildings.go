package city

import (
	"math"
	"math/rand/v2"
)

// Epoch bits of building.epochs.
const (
	inT0       uint8 = 1 << 0
	inT1       uint8 = 1 << 1
	bothEpochs       = inT0 | inT1
)

// TargetShare is the share of the scene's area that changes (3DCD: 4–5 %).
const TargetShare = 0.05

// Building limits, from the issue (and the 3DCD ΔH range −25 … +35 m).
const (
	minSide         = 8.0
	maxSide         = 60.0
	maxHeight       = 35.0
	maxDemolished   = 25.0
	minExtension    = 3.0
	maxExtension    = 12.0
	extremeBuildMin = 150.0 // m², smallest footprint for the forced extreme events
	extremeBuildMax = 1500.0
)

// building is a box with a flat or gable roof, standing on the terrain.
// A building that changes is two records: one present at t0, one at t1.
type building struct {
	fp          rect
	top         float64 // highest point above the ground (ridge of a gable roof)
	eave        float64 // height of the eaves; equals top for flat roofs
	gable       bool
	ridgeAlongX bool // the ridge runs east–west
	mat         material
	tone        uint8 // picks the roof colour
	epochs      uint8 // inT0 | inT1
}

func (b *building) in(epoch int) bool { return b.epochs&(1<<epoch) != 0 }

// heightAt is the roof height above the ground at a point of the footprint.
func (b *building) heightAt(x, y float64) float64 {
	if !b.gable {
		return b.top
	}
	var d float64 // 0 on the ridge, 1 at the eaves
	if b.ridgeAlongX {
		half := b.fp.h() / 2
		d = math.Abs(y-(b.fp.y0+half)) / half
	} else {
		half := b.fp.w() / 2
		d = math.Abs(x-(b.fp.x0+half)) / half
	}
	return b.top - (b.top-b.eave)*d
}

// drawHeight draws a building height: mostly low and mid-rise, a few towers.
func drawHeight(r *rand.Rand) float64 {
	switch u := r.Float64(); {
	case u < 0.45:
		return 3 + 7*r.Float64()
	case u < 0.87:
		return 10 + 10*r.Float64()
	default:
		return 20 + (maxHeight-20)*r.Float64()
	}
}

// buildingOnLot places a building inside a lot, set back from its edges.
func buildingOnLot(r *rand.Rand, lr rect) (building, bool) {
	fp := rect{
		lr.x0 + 1 + 3*r.Float64(), lr.y0 + 1 + 3*r.Float64(),
		lr.x1 - 1 - 3*r.Float64(), lr.y1 - 1 - 3*r.Float64(),
	}
	if r.Float64() < 0.35 {
		// Leave a yard on one side.
		f := 0.55 + 0.35*r.Float64()
		alongX, atStart := r.IntN(2) == 0, r.IntN(2) == 0
		fp = shrink(fp, alongX, atStart, f)
	}
	if fp.w() > maxSide {
		fp.x1 = fp.x0 + maxSide
	}
	if fp.h() > maxSide {
		fp.y1 = fp.y0 + maxSide
	}
	if fp.w() < minSide || fp.h() < minSide {
		return building{}, false
	}
	b := building{fp: fp}
	setRoof(r, &b, drawHeight(r), true)
	return b, true
}

func shrink(fp rect, alongX, atStart bool, f float64) rect {
	if alongX {
		w := fp.w() * f
		if atStart {
			fp.x1 = fp.x0 + w
		} else {
			fp.x0 = fp.x1 - w
		}
		return fp
	}
	h := fp.h() * f
	if atStart {
		fp.y1 = fp.y0 + h
	} else {
		fp.y0 = fp.y1 - h
	}
	return fp
}

// setRoof gives b its height and a roof: gable roofs (when allowed) on
// small, low buildings, flat ones elsewhere.
func setRoof(r *rand.Rand, b *building, top float64, gableOK bool) {
	b.top, b.eave, b.gable = top, top, false
	b.mat = matRoofFlat
	b.tone = uint8(r.Uint32())
	short := math.Min(b.fp.w(), b.fp.h())
	if gableOK && short <= 22 && top >= 4 && top <= 20 && r.Float64() < 0.45 {
		pitch := (22 + 16*r.Float64()) * math.Pi / 180
		rise := math.Min(short/2*math.Tan(pitch), 0.4*top)
		b.gable = true
		b.ridgeAlongX = b.fp.w() >= b.fp.h()
		b.eave = top - rise
		b.mat = matRoofTile
	}
}

// eventKind is the kind of a building change, as changes.geojson names it.
type eventKind uint8

const (
	construction eventKind = iota
	demolition
	extension
)

func (k eventKind) String() string {
	return [...]string{"construction", "demolition", "extension"}[k]
}

// event is one changed building: before and after index c.buildings (-1: none).
type event struct {
	kind          eventKind
	before, after int
}

// footprint is the area that changes, the event's polygon.
func (c *City) footprint(e event) rect {
	if e.after >= 0 {
		return c.buildings[e.after].fp
	}
	return c.buildings[e.before].fp
}

// dh is the change at the building's highest point: the ΔH the event reports.
func (c *City) dh(e event) float64 {
	var before, after float64
	if e.before >= 0 {
		before = c.buildings[e.before].top
	}
	if e.after >= 0 {
		after = c.buildings[e.after].top
	}
	return after - before
}

// selectEvents turns lots inside the extent into constructions, demolitions
// and extensions until their footprints cover TargetShare of the scene.
// Changed lots hold no trees and no cars, so on them the DSM difference is
// exactly the building change plus noise. The first two events are the
// extremes of the 3DCD ΔH range: a 25 m demolition and a 35 m construction.
func (c *City) selectEvents(r *rand.Rand) {
	inner := rect{0, 0, c.w, c.h}
	var vacant, built []int
	for i, l := range c.lots {
		if !inner.contains(l.r) {
			continue
		}
		switch l.kind {
		case lotVacant:
			vacant = append(vacant, i)
		case lotBuilt:
			built = append(built, i)
		}
	}
	r.Shuffle(len(vacant), func(i, j int) { vacant[i], vacant[j] = vacant[j], vacant[i] })
	r.Shuffle(len(built), func(i, j int) { built[i], built[j] = built[j], built[i] })

	target := TargetShare * c.w * c.h
	var cum float64
	take := func(pool *[]int, ok func(li int) bool) int {
		for k, li := range *pool {
			if ok(li) {
				*pool = append((*pool)[:k], (*pool)[k+1:]...)
				return li
			}
		}
		return -1
	}
	fits := func(a float64) bool { return cum+a <= target*1.02 }

	// The extremes first, on mid-sized footprints.
	if li := take(&built, func(li int) bool {
		a := c.buildings[c.lots[li].building].fp.area()
		return a >= extremeBuildMin && a <= extremeBuildMax
	}); li >= 0 {
		setRoof(r, &c.buildings[c.lots[li].building], maxDemolished, false)
		cum += c.demolish(li)
	}
	if li := take(&vacant, func(int) bool { return true }); li >= 0 {
		if b, ok := buildingOnLot(r, c.lots[li].r); ok {
			setRoof(r, &b, maxHeight, false)
			cum += c.construct(b)
		}
	}

	for cum < target*0.995 && (len(vacant) > 0 || len(built) > 0) {
		u := r.Float64()
		switch {
		case u < 0.4 && len(vacant) > 0 || len(built) == 0:
			li := take(&vacant, func(int) bool { return true })
			b, ok := buildingOnLot(r, c.lots[li].r)
			if ok && fits(b.fp.area()) {
				cum += c.construct(b)
			}
		default:
			li := take(&built, func(int) bool { return true })
			b := c.buildings[c.lots[li].building]
			if !fits(b.fp.area()) {
				continue
			}
			demolish := u < 0.7 && b.top <= maxDemolished
			switch {
			case demolish:
				cum += c.demolish(li)
			case b.top <= maxHeight-minExtension:
				add := minExtension + (math.Min(maxExtension, maxHeight-b.top)-minExtension)*r.Float64()
				cum += c.extend(li, add)
			}
		}
	}
}

func (c *City) demolish(li int) float64 {
	l := &c.lots[li]
	b := &c.buildings[l.building]
	b.epochs = inT0
	l.ground[1] = matSoil // a cleared site
	c.events = append(c.events, event{kind: demolition, before: l.building, after: -1})
	return b.fp.area()
}

func (c *City) construct(b building) float64 {
	b.epochs = inT1
	c.events = append(c.events, event{kind: construction, before: -1, after: len(c.buildings)})
	c.buildings = append(c.buildings, b)
	return b.fp.area()
}

// extend adds storeys to a building: same footprint, higher roof, and new
// roofing of a clearly different colour, so the change shows in the
// orthophotos too.
func (c *City) extend(li int, add float64) float64 {
	l := &c.lots[li]
	old := &c.buildings[l.building]
	old.epochs = inT0
	nb := *old
	nb.epochs = inT1
	nb.top += add
	nb.eave += add
	nb.tone = contrastingTone(old.mat, old.tone)
	c.events = append(c.events, event{kind: extension, before: l.building, after: len(c.buildings)})
	c.buildings = append(c.buildings, nb)
	return nb.fp.area()
}
