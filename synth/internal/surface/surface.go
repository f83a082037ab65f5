// Package surface is the contract between synth's world model and its
// sensors: one epoch of the world rasterized on a fine north-up grid (the
// orthophoto's 0.25 m), from which the simulated camera renders orthophotos
// and the simulated LiDAR fires its pulses. The world fills Layers; the
// sensors only read them, so each can be built and tested on its own.
//
// Coordinates are local scene metres: x east, y north, origin at the scene's
// lower-left corner; heights are absolute (orthometric) metres, the terrain
// lies near 690 m.
package surface

import "math"

// Material is what the top of the solid surface of a cell is made of: the
// camera colours and textures it, the scanner takes its reflectance from it.
type Material uint8

const (
	Asphalt    Material = iota // carriageway
	Marking                    // road marking paint (lane lines, crossings, stalls)
	Sidewalk                   // pavement slabs, kerbs
	Paved                      // squares, yards, car parks (concrete, pavers)
	Grass                      // lawns, parks, verges
	Soil                       // bare earth: vacant plots, excavations, earthworks
	Gravel                     // paths, vacant plots, flat gravel roofs
	Water                      // river surface: no LiDAR return
	RoofTile                   // clay tiles of pitched roofs
	RoofFlat                   // bitumen / membrane of flat roofs
	RoofMetal                  // corrugated sheet of industrial sheds
	Parapet                    // wall tops and parapets around flat roofs
	Skylight                   // glass in roofs
	Equipment                  // AC units, stair-tower roofs, chimneys, antennas
	Wall                       // a façade seen from above (vertical step on the grid)
	Vehicle                    // car, van, bus, truck roofs (Tone gives the paint)
	Container                  // skips, shipping containers, site huts
	Scaffold                   // scaffolding and formwork of building sites
	Crane                      // tower crane jib and mast
	Rubble                     // demolition debris
	BridgeDeck                 // bridge over the river (asphalt on a deck)
	Rail                       // railway ballast and tracks
	NumMaterials
)

var materialNames = [NumMaterials]string{
	"asphalt", "marking", "sidewalk", "paved", "grass", "soil", "gravel", "water",
	"roof_tile", "roof_flat", "roof_metal", "parapet", "skylight", "equipment", "wall",
	"vehicle", "container", "scaffold", "crane", "rubble", "bridge_deck", "rail",
}

func (m Material) String() string {
	if m < NumMaterials {
		return materialNames[m]
	}
	return "material?"
}

// ASPRS classes of the truth (what a perfect classifier would say).
const (
	ClassUnclassified = 1  // vehicles, containers, cranes, scaffolding
	ClassGround       = 2  // terrain, streets, squares, excavations
	ClassLowVeg       = 3  // grass is ground; low vegetation: hedges < 0.5 m
	ClassMediumVeg    = 4  // shrubs 0.5–2 m
	ClassHighVeg      = 5  // tree crowns
	ClassBuilding     = 6  // roofs, walls, parapets, roof equipment
	ClassLowNoise     = 7  // only the scanner's gross errors
	ClassWater        = 9  // river surface
	ClassBridge       = 17 // bridge decks
	ClassHighNoise    = 18 // only the scanner's gross errors
)

// NoCanopy marks a cell without vegetation above its solid surface.
var NoCanopy = float32(math.Inf(-1))

// Layers is one epoch of the world on a north-up grid of W×H cells of Res
// metres whose top-left corner is (X0, Y1). Cell (i, j) describes the world
// at its centre (X(i), Y(j)); slices are row-major, index j*W+i.
//
// The surface a DSM shows is max(Solid, CanopyTop). A pulse or a view ray
// entering a cell between CanopyBase and CanopyTop is in a tree crown: crowns
// are porous (CanopyDensity), everything else is opaque.
type Layers struct {
	X0, Y1 float64
	Res    float64
	W, H   int

	Ground []float32 // bare earth (the water surface on the river), z
	Solid  []float32 // top of the solid surface: ground, roof, vehicle, deck, z
	Mat    []Material
	Class  []uint8  // true ASPRS class of the solid top
	Tone   []uint8  // per-object colour variant (vehicle paint, roof shade, crown hue)
	Obj    []uint32 // id of the object whose solid top this is; 0 for bare terrain

	CanopyTop     []float32 // top of vegetation above the cell, z; NoCanopy for none
	CanopyBase    []float32 // bottom of the crown, z (>= Solid)
	CanopyDensity []uint8   // 0..255: share of pulses and view rays a crown stops per metre of crown depth, ×255
	CanopyObj     []uint32  // id of the tree; 0 for none
	CanopyClass   []uint8   // 3, 4 or 5
}

// New allocates layers for the grid.
func New(x0, y1, res float64, w, h int) *Layers {
	l := &Layers{}
	l.Reset(x0, y1, res, w, h)
	return l
}

// Reset points l at a new grid, reusing its buffers when they are large
// enough; every cell is then bare ground at height 0, no canopy.
func (l *Layers) Reset(x0, y1, res float64, w, h int) {
	n := w * h
	l.X0, l.Y1, l.Res, l.W, l.H = x0, y1, res, w, h
	l.Ground = grow(l.Ground, n)
	l.Solid = grow(l.Solid, n)
	l.Mat = grow(l.Mat, n)
	l.Class = grow(l.Class, n)
	l.Tone = grow(l.Tone, n)
	l.Obj = grow(l.Obj, n)
	l.CanopyTop = grow(l.CanopyTop, n)
	l.CanopyBase = grow(l.CanopyBase, n)
	l.CanopyDensity = grow(l.CanopyDensity, n)
	l.CanopyObj = grow(l.CanopyObj, n)
	l.CanopyClass = grow(l.CanopyClass, n)
	for k := 0; k < n; k++ {
		l.Ground[k], l.Solid[k] = 0, 0
		l.Mat[k], l.Class[k], l.Tone[k], l.Obj[k] = Soil, ClassGround, 0, 0
		l.CanopyTop[k], l.CanopyBase[k], l.CanopyDensity[k], l.CanopyObj[k], l.CanopyClass[k] = NoCanopy, NoCanopy, 0, 0, 0
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// X returns the easting of column i's centre.
func (l *Layers) X(i int) float64 { return l.X0 + (float64(i)+0.5)*l.Res }

// Y returns the northing of row j's centre.
func (l *Layers) Y(j int) float64 { return l.Y1 - (float64(j)+0.5)*l.Res }

// Cell returns the cell holding (x, y) and whether it is on the grid.
func (l *Layers) Cell(x, y float64) (i, j int, ok bool) {
	fi := math.Floor((x - l.X0) / l.Res)
	fj := math.Floor((l.Y1 - y) / l.Res)
	if fi < 0 || fj < 0 || fi >= float64(l.W) || fj >= float64(l.H) {
		return 0, 0, false
	}
	return int(fi), int(fj), true
}

// Top returns the height of the visible surface of cell k: the solid top or
// the tree crown above it.
func (l *Layers) Top(k int) float32 { return max(l.Solid[k], l.CanopyTop[k]) }

// Bounds returns min x, min y, max x, max y of the grid.
func (l *Layers) Bounds() [4]float64 {
	return [4]float64{l.X0, l.Y1 - float64(l.H)*l.Res, l.X0 + float64(l.W)*l.Res, l.Y1}
}
