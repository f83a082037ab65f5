package als

import "github.com/cdflow/cdflow/synth/internal/surface"

// The classifier emulated is an automatic one as production uses
// (TerraScan-like): ground by a progressive TIN, vegetation by height above
// it, buildings by planarity, the rest left unclassified, gross errors
// mostly found. Its mistakes, per return unless said otherwise:
const (
	errGroundUnderCrown = 0.05  // ground under trees taken for low vegetation
	errGroundOther      = 0.01  // ground elsewhere, half unclassified, half low vegetation
	errEdge             = 0.06  // roof edge and wall points: 2/3 vegetation, 1/3 unclassified
	errRoof             = 0.008 // inner roof points: half vegetation, half unclassified
	errEquipment        = 0.30  // per roof structure: 5/6 of them vegetation, 1/6 unclassified
	errVehicleGround    = 0.06  // per vehicle: taken for ground
	errVehicleVeg       = 0.03  // vehicle points as vegetation
	errStructBuilding   = 0.10  // per container, crane, scaffold: taken for a building
	errStructVeg        = 0.05  // their points as vegetation
	errCrownOverRoof    = 0.30  // crown points over a roof joined to the building
	errCrownUnclass     = 0.02  // crown points left unclassified
	errLowVegGround     = 0.12  // low vegetation taken for ground
	errWater            = 0.05  // water points flagged low noise
	errBridge           = 0.06  // deck points: 2/3 unclassified, 1/3 building
	liftedGround        = 0.4   // ground echoes merged this high with low leaves are not ground
	edgeStep            = 1.5   // a roof cell this much above a neighbour is an edge
	edgeReach           = 0.5   // how far an edge is looked for, m
)

// byHeight is the vegetation class of a point this high above the ground,
// as the truth's classes are cut (surface: hedges < 0.5 m, shrubs < 2 m).
func byHeight(hag float64) uint8 {
	switch {
	case hag < 0.25:
		return surface.ClassGround
	case hag < 0.5:
		return surface.ClassLowVeg
	case hag < 2:
		return surface.ClassMediumVeg
	}
	return surface.ClassHighVeg
}

// classify labels a return at height z.
func (s *Survey) classify(r *rng, l *surface.Layers, e *echo, z float64) uint8 {
	u := r.float()
	switch e.kind {
	case echoBird:
		if u < s.p.NoiseCaught {
			return surface.ClassHighNoise
		}
		if r.float() < 0.7 {
			return surface.ClassUnclassified
		}
		return surface.ClassHighVeg
	case echoMultipath:
		if u < s.p.NoiseCaught {
			return surface.ClassLowNoise
		}
		if r.float() < 0.5 {
			return surface.ClassGround
		}
		return surface.ClassUnclassified
	}
	k := e.k
	hag := z - float64(l.Ground[k])
	if e.kind == echoCrown {
		c := byHeight(hag)
		switch {
		case l.Class[k] == surface.ClassBuilding && u < errCrownOverRoof:
			return surface.ClassBuilding
		case u < errCrownUnclass:
			return surface.ClassUnclassified
		case c == surface.ClassLowVeg && u < errCrownUnclass+errLowVegGround:
			return surface.ClassGround
		}
		return c
	}
	switch l.Class[k] {
	case surface.ClassGround:
		switch {
		case hag > liftedGround:
			return byHeight(hag)
		case l.CanopyTop[k] > l.Solid[k]:
			if u < errGroundUnderCrown {
				return surface.ClassLowVeg
			}
		case u < errGroundOther/2:
			return surface.ClassUnclassified
		case u < errGroundOther:
			return surface.ClassLowVeg
		}
		return surface.ClassGround
	case surface.ClassBuilding:
		if l.Mat[k] == surface.Equipment {
			// Whole structures go wrong together: the draw is per object
			// and 2 m block, not per point.
			i, j := k%l.W, k/l.W
			o := unit(hash4(s.seed, uint64(s.epoch)+1, uint64(l.Obj[k]), uint64(int(l.X(i)/2))<<32|uint64(uint32(int(l.Y(j)/2)))))
			switch {
			case o < errEquipment*5/6:
				return vegetation(hag)
			case o < errEquipment:
				return surface.ClassUnclassified
			}
			return surface.ClassBuilding
		}
		rate := errRoof
		if e.kind == echoWall || edge(l, k) {
			rate = errEdge
		}
		switch {
		case u < rate*2/3:
			return vegetation(hag)
		case u < rate:
			return surface.ClassUnclassified
		}
		return surface.ClassBuilding
	case surface.ClassUnclassified:
		o := unit(hash4(s.seed, uint64(s.epoch)+1, uint64(l.Obj[k]), 0x6f626a))
		if l.Mat[k] == surface.Vehicle {
			switch {
			case o < errVehicleGround:
				return surface.ClassGround
			case u < errVehicleVeg:
				return vegetation(hag)
			}
			return surface.ClassUnclassified
		}
		switch {
		case o < errStructBuilding:
			return surface.ClassBuilding
		case u < errStructVeg:
			return vegetation(hag)
		}
		return surface.ClassUnclassified
	case surface.ClassLowVeg, surface.ClassMediumVeg, surface.ClassHighVeg:
		c := byHeight(hag)
		if c == surface.ClassLowVeg && u < errLowVegGround {
			return surface.ClassGround
		}
		return c
	case surface.ClassWater:
		if u < errWater {
			return surface.ClassLowNoise
		}
		return surface.ClassWater
	case surface.ClassBridge:
		switch {
		case u < errBridge*2/3:
			return surface.ClassUnclassified
		case u < errBridge:
			return surface.ClassBuilding
		}
		return surface.ClassBridge
	}
	return l.Class[k]
}

// vegetation is byHeight for a point the classifier has taken for
// vegetation: one on the ground it would still call low.
func vegetation(hag float64) uint8 { return max(byHeight(hag), surface.ClassLowVeg) }

// edge reports whether roof cell k lies within edgeReach of a drop.
func edge(l *surface.Layers, k int) bool {
	d := max(1, int(edgeReach/l.Res+0.5))
	i, j := k%l.W, k/l.W
	top := l.Solid[k] - edgeStep
	return (i >= d && l.Solid[k-d] < top) || (i+d < l.W && l.Solid[k+d] < top) ||
		(j >= d && l.Solid[k-d*l.W] < top) || (j+d < l.H && l.Solid[k+d*l.W] < top)
}
