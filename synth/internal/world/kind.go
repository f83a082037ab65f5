package world

// Kind says what an object is in terms of change between the two epochs.
type Kind uint8

// Kinds of change; their numeric values are the codes of the truth rasters.
const (
	None         Kind = iota // unchanged object or terrain
	Construction             // a built structure appears or grows
	Demolition               // a building disappears or loses storeys
	Vegetation               // tree planted, felled, grown or pruned
	Vehicle                  // vehicles and containers: moved
	Terrain                  // excavations, earthworks, spoil heaps
	Temporary                // cranes, scaffolding, site huts
	Renovation               // roof renewed without height change
	numKinds
)

var kindNames = [numKinds]string{
	"none", "construction", "demolition", "vegetation", "vehicle", "terrain", "temporary", "renovation",
}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "kind?"
}

// Code is the value written to the truth rasters: 0 none, 1 construction,
// 2 demolition, 3 vegetation, 4 vehicle, 5 terrain, 6 temporary,
// 7 renovation.
func (k Kind) Code() uint8 { return uint8(k) }

// Building reports whether k is a building change (change.tif rather than
// other_change.tif).
func (k Kind) Building() bool { return k == Construction || k == Demolition }

// Change is one changed object. Outline is a local polygon (closed
// implicitly); ObjT0 and ObjT1 are the ids painted in each epoch (0 when the
// object is absent), HeightT0 and HeightT1 its top above the ground.
type Change struct {
	ID                 int
	Kind               Kind
	What               string
	Outline            [][2]float64
	ObjT0, ObjT1       uint32
	HeightT0, HeightT1 float64
}
