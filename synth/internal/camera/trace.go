package camera

import "math"

// view is what one view ray sees: the first solid surface and, in front of
// it, tree crowns that let part of the light through.
type view struct {
	k      int     // Layers index of the solid hit; -1 none
	gx, gy int64   // its global cell
	x, y   float64 // hit point, metres
	z      float64
	side   bool    // the ray hit a façade (entered the cell below its top)
	nx, ny float64 // façade normal, towards the camera

	ck       int // Layers index of the first crown cell; -1 none
	cgx, cgy int64
	cx, cy   float64 // where the ray entered that crown
	cz       float64
	cdepth   float64 // how far below the crown top it entered, m

	crown float64 // share of the pixel the crowns take
	solid float64 // share left to the solid surface
}

// keepLn[d] is ln(1 - d/255): the log transmittance of a metre of crown.
var keepLn = func() (t [256]float64) {
	for d := range t {
		t[d] = math.Log(max(1e-6, 1-float64(d)/255))
	}
	return
}()

// Past this optical depth (transmittance 0.4 %) a ray is taken as stopped.
const maxTau = 5.5

// trace follows the view ray from the camera at (cx, cy, cz) to the terrain
// point (px, py, pz) and fills v. With obj false it may stop once crowns
// hide the rest.
func (g *grid) trace(px, py, pz, camX, camY, camZ float64, obj bool, v *view) {
	*v = view{k: -1, ck: -1}
	hx, hy := camX-px, camY-py
	r := math.Sqrt(hx*hx + hy*hy)
	if r < 1e-9 {
		hx, hy, r = 1e-9, 0, 1e-9
	}
	ox, oy := px/g.res, py/g.res
	ir := 1 / r
	dx, dy := hx*ir, hy*ir
	ix, iy := r/hx, r/hy
	s := (camZ - pz) * ir * g.res // metres of height per cell of u
	is := 1 / s
	pathPerZ := 0.0 // metres of ray per metre of descent, once needed
	U := g.bound(g.levels, ox, oy, pz, s, is)

	var bw, cw walker
	var bs, sg seg
	tau := 0.0 // optical depth of the crowns passed
	l := g.l
	bw.init(ox, oy, dx, dy, ix, iy, blockCells, U, 0, -1)
	walking := false // whether cw walks on from the previous block
	for bw.next(&bs) {
		// The ray descends towards the terrain point: lowest where it
		// leaves the block.
		if pz+s*bs.uOut >= g.blockMax(bs.gx, bs.gy) {
			walking = false
			continue
		}
		if !walking {
			cw.init(ox, oy, dx, dy, ix, iy, 1, bs.uIn, 0, bs.axis)
			walking = true
		}
		// Block boundaries are cell boundaries: the cells of this block
		// end exactly where it does.
		for cw.u > bs.uOut && cw.next(&sg) {
			k := g.index(sg.gx, sg.gy)
			if k < 0 {
				continue
			}
			zIn, zOut := pz+s*sg.uIn, pz+s*sg.uOut
			if ct := float64(l.CanopyTop[k]); ct > zOut && tau < maxTau {
				hi, lo := min(zIn, ct), max(zOut, float64(l.CanopyBase[k]))
				if hi > lo {
					if v.ck < 0 {
						u := (hi - pz) * is
						v.ck, v.cgx, v.cgy = k, sg.gx, sg.gy
						v.cx, v.cy, v.cz = (ox+dx*u)*g.res, (oy+dy*u)*g.res, hi
						v.cdepth = ct - hi
					}
					if pathPerZ == 0 {
						slope := s / g.res
						pathPerZ = math.Sqrt(1 + 1/(slope*slope))
					}
					tau -= (hi - lo) * pathPerZ * keepLn[l.CanopyDensity[k]]
					if tau >= maxTau {
						// Opaque enough: the crowns take the whole pixel
						// (whether or not obj is wanted, for equal bytes).
						v.crown = 1
						if !obj {
							return
						}
					}
				}
			}
			if sz := float64(l.Solid[k]); sz > zOut+1e-3 {
				v.k, v.gx, v.gy = k, sg.gx, sg.gy
				if zIn < sz && sg.axis >= 0 {
					v.side = true
					v.x, v.y, v.z = (ox+dx*sg.uIn)*g.res, (oy+dy*sg.uIn)*g.res, zIn
					if sg.axis == 0 {
						v.nx = math.Copysign(1, dx)
					} else {
						v.ny = math.Copysign(1, dy)
					}
				} else {
					u := max(sg.uOut, min(sg.uIn, (sz-pz)*is))
					v.x, v.y, v.z = (ox+dx*u)*g.res, (oy+dy*u)*g.res, sz
				}
				v.setShares(tau)
				return
			}
		}
	}
	// Nothing above the terrain point: the pixel shows its own cell.
	gx, gy := int64(math.Floor(ox)), int64(math.Floor(oy))
	if k := g.index(gx, gy); k >= 0 {
		v.k, v.gx, v.gy = k, gx, gy
		v.x, v.y, v.z = px, py, max(pz, float64(g.l.Solid[k]))
	}
	v.setShares(tau)
}

// setShares splits the pixel between the crowns passed (optical depth tau)
// and the solid behind them.
func (v *view) setShares(tau float64) {
	if tau == 0 {
		v.crown, v.solid = 0, 1
		if v.k < 0 {
			v.solid = 0
		}
		return
	}
	if tau >= maxTau {
		v.crown, v.solid = 1, 0
		return
	}
	t := math.Exp(-tau)
	v.crown, v.solid = 1-t, t
	if v.k < 0 {
		v.solid = 0
	}
}

// sunRay is the sun's direction in the walker's terms.
type sunRay struct {
	dx, dy float64 // horizontal unit vector towards the sun
	s      float64 // metres of rise per cell
	path   float64 // path length per metre of rise
}

func newSunRay(sun [3]float64, res float64) sunRay {
	h := math.Hypot(sun[0], sun[1])
	if h < 1e-9 {
		return sunRay{dx: 1, s: 1e9, path: 1}
	}
	return sunRay{dx: sun[0] / h, dy: sun[1] / h, s: sun[2] / h * res, path: 1 / sun[2]}
}
