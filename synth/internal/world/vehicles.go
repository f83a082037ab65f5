package world

import (
	"math"

	"github.com/cdflow/cdflow/synth/internal/surface"
)

type vtype uint8

const (
	vCar vtype = iota
	vVan
	vBus
	vTruck
	vContainer // shipping container or skip: moved like a vehicle
	numVTypes
)

var vtypeNames = [numVTypes]string{"car", "van", "bus", "truck", "container"}

// Where a vehicle may stand.
type slotKind uint8

const (
	slKerb  slotKind = iota // kerbside parking lane
	slLane                  // a bus or lorry in the traffic lane of an avenue
	slStall                 // car park stall
	slYard                  // industrial yard
	slDrive                 // house driveway
	slSite                  // building site
)

type slot struct {
	c, u pt
	kind slotKind
	run  int32 // kerb run the slot belongs to (consecutive slots), -1 for none
}

type vehicle struct {
	c, u   pt
	hl, hw float64
	h, g   float64
	typ    vtype
	tone   uint8
	id     uint32
}

func (v *vehicle) poly() poly { return rect(v.c, v.u, v.hl, v.hw) }

// Occupancy of slots and the mix of vehicle types, per slot kind
// (car, van, bus, truck, container).
var (
	occupancy = [...]float64{slKerb: 0.72, slLane: 0.35, slStall: 0.6, slYard: 0.55, slDrive: 0.6, slSite: 0.7}
	vmix      = [...][numVTypes]float64{
		slKerb:  {0.84, 0.13, 0, 0.03, 0},
		slLane:  {0, 0, 0.6, 0.4, 0},
		slStall: {0.92, 0.08, 0, 0, 0},
		slYard:  {0.2, 0.3, 0, 0.32, 0.18},
		slDrive: {0.9, 0.1, 0, 0, 0},
		slSite:  {0.1, 0.3, 0, 0.3, 0.3},
	}
)

// placeVehicles parks epoch e's vehicles: each epoch draws its own from its
// own stream, so no vehicle stands in the same place in 2010 and 2017.
func (wd *World) placeVehicles(e int) {
	r := newRand(wd.seed, streamVehicles+uint64(e))
	var last *vehicle
	lastRun := int32(-2)
	var buf []int32
	out := wd.veh[e][:0]
	for _, s := range wd.slots {
		if r.Float64() > occupancy[s.kind] {
			continue
		}
		u := r.Float64()
		t := vCar
		for k, p := range vmix[s.kind] {
			if u < p {
				t = vtype(k)
				break
			}
			u -= p
		}
		v := vehicle{typ: t, tone: uint8(r.IntN(16))}
		switch t {
		case vCar:
			v.hl, v.hw, v.h = uniform(r, 1.9, 2.4), uniform(r, 0.85, 0.95), uniform(r, 1.4, 1.6)
		case vVan:
			v.hl, v.hw, v.h = uniform(r, 2.5, 3.3), 1.0, uniform(r, 2.0, 2.6)
		case vBus:
			v.hl, v.hw, v.h = uniform(r, 5.9, 6.1), 1.27, uniform(r, 3.1, 3.4)
		case vTruck:
			v.hl, v.hw, v.h = uniform(r, 3.5, 6.5), 1.25, uniform(r, 3.0, 3.6)
		case vContainer:
			v.hl, v.hw, v.h = []float64{3.03, 6.1}[r.IntN(2)], 1.22, 2.6
		}
		v.u = s.u
		if r.Float64() < 0.5 && s.kind != slKerb {
			v.u = mul(v.u, -1)
		}
		a := uniform(r, -0.03, 0.03)
		v.u = pt{v.u[0]*math.Cos(a) - v.u[1]*math.Sin(a), v.u[0]*math.Sin(a) + v.u[1]*math.Cos(a)}
		v.c = add(s.c, mul(v.u, uniform(r, -0.4, 0.4)))
		if s.kind == slKerb && s.run == lastRun && last != nil && norm(sub(v.c, last.c)) < last.hl+v.hl+0.4 {
			continue // the previous long vehicle takes this slot too
		}
		if s.kind != slKerb && s.kind != slLane && wd.blocked(e, v.poly(), &buf) {
			continue
		}
		v.g = wd.Ground(v.c[0], v.c[1])
		out = append(out, v)
		if s.kind == slKerb {
			last, lastRun = &out[len(out)-1], s.run
		}
	}
	wd.veh[e] = out
}

// blocked reports whether p meets a building or a temporary structure of
// epoch e.
func (wd *World) blocked(e int, p poly, buf *[]int32) bool {
	bb := p.bbox()
	*buf = wd.ibld.query(bb, *buf)
	for _, i := range *buf {
		b := &wd.buildings[i]
		if b.st[e].on && overlap(p, b.p) {
			return true
		}
	}
	*buf = wd.itemp.query(bb, *buf)
	for _, i := range *buf {
		t := &wd.temps[i]
		if t.epoch == e && t.kind != tScaffold && overlap(p, t.parts[0]) {
			return true
		}
	}
	return false
}

// vehicleTop is the vehicle's height above its ground at local coordinate
// a along its axis (-hl..hl, front at +hl): bonnets and cabs are lower.
func (v *vehicle) top(a float64) float64 {
	f := (a + v.hl) / (2 * v.hl)
	switch v.typ {
	case vCar:
		if f > 0.78 {
			return v.h * 0.68
		}
		if f < 0.08 {
			return v.h * 0.75
		}
	case vVan:
		if f > 0.88 {
			return v.h * 0.6
		}
	case vTruck:
		if f > 0.8 {
			return v.h * 0.85
		}
	}
	return v.h
}

func (v *vehicle) material() surface.Material {
	if v.typ == vContainer {
		return surface.Container
	}
	return surface.Vehicle
}
