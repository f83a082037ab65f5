package city

import (
	"math/rand/v2"
	"sort"
)

// rect is an axis-aligned box in local scene metres (x east, y north, origin
// at the scene's lower-left corner). A point p is inside when x0 <= p.x < x1
// and y0 <= p.y < y1, so rects that share an edge never both claim a pixel.
type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) w() float64    { return r.x1 - r.x0 }
func (r rect) h() float64    { return r.y1 - r.y0 }
func (r rect) area() float64 { return r.w() * r.h() }
func (r rect) inset(d float64) rect {
	return rect{r.x0 + d, r.y0 + d, r.x1 - d, r.y1 - d}
}
func (r rect) intersects(o rect) bool {
	return r.x0 < o.x1 && o.x0 < r.x1 && r.y0 < o.y1 && o.y0 < r.y1
}
func (r rect) contains(o rect) bool {
	return o.x0 >= r.x0 && o.y0 >= r.y0 && o.x1 <= r.x1 && o.y1 <= r.y1
}

// street is one straight street of the grid: a carriageway between two
// sidewalks. North–south streets keep their centre x in c, east–west ones y.
type street struct {
	c     float64 // centre line
	road  float64 // carriageway width
	walk  float64 // sidewalk width, each side
	trees bool    // tree-lined: trees stand at the kerb
}

func (s street) half() float64 { return s.road/2 + s.walk }

// blockKind is what fills a block between streets.
type blockKind uint8

const (
	blockUrban   blockKind = iota // lots with buildings, gardens, vacant plots, car parks
	blockPark                     // grass, trees, footpaths
	blockParking                  // one large car park
)

type block struct {
	r    rect
	kind blockKind
}

// lotKind is what stands on a lot of an urban block.
type lotKind uint8

const (
	lotBuilt   lotKind = iota // a building with a yard
	lotGarden                 // grass and trees
	lotVacant                 // bare soil or grass: where constructions happen
	lotParking                // paved, marked stalls, parked cars
)

type lot struct {
	r        rect
	kind     lotKind
	ground   [2]material // ground surface per epoch
	building int         // the t0 building on the lot, -1 if none
}

// City is the whole scene model: generated once from the seed and the
// extent, independent of how the scene is cut into sheets. Its lists are
// small (a 4×5 km scene holds some 10 000 buildings); rasters are made per
// sheet or strip from them.
type City struct {
	key       uint64  // hash key of the per-pixel textures and noise, from the seed
	w, h      float64 // extent, metres
	terr      terrain
	xs, ys    []street // north–south and east–west streets, sorted by c
	blocks    []block
	lots      []lot
	parks     []park
	parkings  []parking
	buildings []building
	trees     []tree
	cars      []car
	events    []event
	light     [2]Lighting
}

// margin is how far beyond the extent the city is laid out, so features at
// the edge (and shadows cast across it) look the same as inside.
const margin = 80

func New(seed int64, w, h float64) *City {
	r := newRand(seed, streamLayout)
	c := &City{key: mix64(uint64(seed) ^ 0x63697479), w: w, h: h}
	c.terr = newTerrain(r, w, h)
	c.xs = genStreets(r, -margin, w+margin)
	c.ys = genStreets(r, -margin, h+margin)
	c.layBlocks(r)
	c.plantStreetTrees(r)
	c.selectEvents(newRand(seed, streamEvents))
	c.parkCars(newRand(seed, streamCars))
	c.light = newLighting(newRand(seed, streamLight))
	return c
}

// genStreets places street centre lines from lo to hi with blocks of 60–150 m between them.
func genStreets(r *rand.Rand, lo, hi float64) []street {
	var out []street
	pos := lo - 40*r.Float64()
	for {
		s := street{road: 7 + 7*r.Float64(), walk: 2 + 1.5*r.Float64()}
		if r.Float64() < 0.4 {
			s.trees = true
			s.walk = 3.5 + 1.5*r.Float64()
		}
		if len(out) > 0 {
			pos += out[len(out)-1].half() + 60 + 90*r.Float64() + s.half()
		}
		s.c = pos
		out = append(out, s)
		if pos > hi {
			return out
		}
	}
}

// crossing reports whether coordinate v lies within pad metres of any street of ss.
func crossing(ss []street, v, pad float64) bool {
	i := sort.Search(len(ss), func(i int) bool { return ss[i].c+ss[i].half()+pad > v })
	return i < len(ss) && ss[i].c-ss[i].half()-pad <= v
}

func (c *City) layBlocks(r *rand.Rand) {
	keep := rect{-margin, -margin, c.w + margin, c.h + margin}
	for j := 0; j+1 < len(c.ys); j++ {
		for i := 0; i+1 < len(c.xs); i++ {
			b := block{r: rect{
				c.xs[i].c + c.xs[i].half(), c.ys[j].c + c.ys[j].half(),
				c.xs[i+1].c - c.xs[i+1].half(), c.ys[j+1].c - c.ys[j+1].half(),
			}}
			// Draw the kind before testing the extent so that every block
			// consumes the same random numbers wherever it lies.
			u := r.Float64()
			sub := r.Uint64()
			if !b.r.intersects(keep) {
				continue
			}
			br := rand.New(rand.NewPCG(sub, uint64(len(c.blocks))))
			switch {
			case u < 0.80:
				b.kind = blockUrban
				c.layLots(br, b.r)
			case u < 0.91:
				b.kind = blockPark
				c.layPark(br, b.r)
			default:
				b.kind = blockParking
				c.layParking(b.r)
			}
			c.blocks = append(c.blocks, b)
		}
	}
}

// layLots cuts an urban block into lots and decides what stands on each.
func (c *City) layLots(r *rand.Rand, br rect) {
	var rects []rect
	splitLots(r, br, 30+36*r.Float64(), &rects)
	for _, lr := range rects {
		l := lot{r: lr, building: -1}
		u := r.Float64()
		switch {
		case u < 0.63:
			l.kind = lotBuilt
		case u < 0.77:
			l.kind = lotGarden
		case u < 0.93:
			l.kind = lotVacant
		default:
			l.kind = lotParking
		}
		if l.kind == lotBuilt {
			if b, ok := buildingOnLot(r, lr); ok {
				l.building = len(c.buildings)
				b.epochs = bothEpochs
				c.buildings = append(c.buildings, b)
			} else {
				l.kind = lotGarden
			}
		}
		switch l.kind {
		case lotBuilt:
			g := matGrass
			if r.Float64() < 0.45 {
				g = matPaved
			}
			l.ground = [2]material{g, g}
		case lotGarden:
			l.ground = [2]material{matGrass, matGrass}
			c.plantGarden(r, lr)
		case lotVacant:
			g := matSoil
			if r.Float64() < 0.35 {
				g = matGrass
			}
			l.ground = [2]material{g, g}
		case lotParking:
			l.ground = [2]material{matPaved, matPaved}
		}
		c.lots = append(c.lots, l)
		if l.kind == lotParking {
			c.layParking(lr)
		}
	}
}

// splitLots cuts r in two across its longer side until no side exceeds maxSide.
func splitLots(r *rand.Rand, rc rect, maxSide float64, out *[]rect) {
	if rc.w() <= maxSide && rc.h() <= maxSide {
		*out = append(*out, rc)
		return
	}
	f := 0.35 + 0.3*r.Float64()
	if rc.w() >= rc.h() {
		x := rc.x0 + f*rc.w()
		splitLots(r, rect{rc.x0, rc.y0, x, rc.y1}, maxSide, out)
		splitLots(r, rect{x, rc.y0, rc.x1, rc.y1}, maxSide, out)
		return
	}
	y := rc.y0 + f*rc.h()
	splitLots(r, rect{rc.x0, rc.y0, rc.x1, y}, maxSide, out)
	splitLots(r, rect{rc.x0, y, rc.x1, rc.y1}, maxSide, out)
}

// park is a park block: grass crossed by footpaths, with trees.
type park struct {
	r     rect
	paths []rect
}

func (c *City) layPark(r *rand.Rand, br rect) {
	p := park{r: br}
	for k := 0; k < 1+r.IntN(2); k++ {
		wd := 2 + 2*r.Float64()
		if r.IntN(2) == 0 {
			x := br.x0 + (0.2+0.6*r.Float64())*br.w()
			p.paths = append(p.paths, rect{x - wd/2, br.y0, x + wd/2, br.y1})
		} else {
			y := br.y0 + (0.2+0.6*r.Float64())*br.h()
			p.paths = append(p.paths, rect{br.x0, y - wd/2, br.x1, y + wd/2})
		}
	}
	c.parks = append(c.parks, p)
	n := int(br.area() / (90 + 90*r.Float64()))
	for k := 0; k < n; k++ {
		c.addTree(r, br, 2.5, 6.5)
	}
}

// parking is a car park: rows of marked stalls along its longer side.
type parking struct {
	r      rect
	alongX bool   // stalls line up along x (cars point north–south)
	rows   []rect // one rect per row of stalls
}

const (
	stallWidth = 2.5
	stallDepth = 5.0
	aisle      = 6.0
)

func (c *City) layParking(pr rect) {
	p := parking{r: pr, alongX: pr.w() >= pr.h()}
	in := pr.inset(1)
	// Rows pair back to back, pairs separated by an aisle.
	depth, length := in.h(), in.w()
	if !p.alongX {
		depth, length = in.w(), in.h()
	}
	n := int(length / stallWidth)
	if n >= 2 {
		for off := aisle / 2; off+stallDepth <= depth; {
			row := rect{in.x0, in.y0 + off, in.x0 + float64(n)*stallWidth, in.y0 + off + stallDepth}
			if !p.alongX {
				row = rect{in.x0 + off, in.y0, in.x0 + off + stallDepth, in.y0 + float64(n)*stallWidth}
			}
			p.rows = append(p.rows, row)
			if len(p.rows)%2 == 1 {
				off += stallDepth
			} else {
				off += stallDepth + aisle
			}
		}
	}
	c.parkings = append(c.parkings, p)
}
