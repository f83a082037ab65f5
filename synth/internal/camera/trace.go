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

	tau := 0.0 // optical depth of the crowns passed
	l := g.l
	// Walk the blocks from u = U down to 0 and the cells of those the ray
	// passes below their highest top (see walk.go: the same blocks, cells
	// and crossings, stepped here without calls). Block boundaries are
	// cell boundaries: a block's cells end exactly where it does, and the
	// cells of consecutive blocks are one walk.
	const bs = blockCells
	bkx, bsx, bux := ahead(ox, dx, ix, bs, U)
	bky, bsy, buy := ahead(oy, dy, iy, bs, U)
	bu, baxis := U, -1
	bknown := false
	var bgx, bgy int64
	var kx, ky, sx, sy, gx, gy int64
	var ux, uy, u float64
	axis := -1
	live, known := false, false
	for bu > 0 {
		be, bna := 0.0, -1
		if bux >= be {
			be, bna = bux, 0
		}
		if buy > be {
			be, bna = buy, 1
		}
		bcx, bcy := bux == be, buy == be
		if bcx {
			bkx += bsx
			bux = (float64(bkx)*bs - ox) * ix
		}
		if bcy {
			bky += bsy
			buy = (float64(bky)*bs - oy) * iy
		}
		buIn, baIn := bu, baxis
		bu, baxis = be, bna
		if buIn-be < 1e-9 {
			if bknown {
				if bcx {
					bgx += bsx
				}
				if bcy {
					bgy += bsy
				}
			}
			continue
		}
		if !bknown {
			mid := (buIn + be) / 2
			bgx, bgy = int64(math.Floor((ox+dx*mid)*(1.0/bs))), int64(math.Floor((oy+dy*mid)*(1.0/bs)))
			bknown = true
		}
		cbx, cby := bgx, bgy
		if bcx {
			bgx += bsx
		}
		if bcy {
			bgy += bsy
		}
		// The ray descends towards the terrain point: lowest where it
		// leaves the block.
		bm := g.blockMax(cbx, cby)
		if pz+s*be >= bm {
			live = false
			continue
		}
		// Above the block's highest top the ray meets nothing in it: the
		// cells start where it comes down to that height. Entered there
		// or at their boundary, such a cell shows the same (its tops are
		// below both), so where its walk starts changes nothing.
		from, fromAxis := buIn, baIn
		if ub := (bm - pz) * is; ub < buIn {
			from, fromAxis = ub, -1
		}
		if !live || from < u-2 {
			kx, sx, ux = ahead(ox, dx, ix, 1, from)
			ky, sy, uy = ahead(oy, dy, iy, 1, from)
			u, axis = from, fromAxis
			live, known = true, false
		}
		for u > be {
			e, na := 0.0, -1 // be is 0 or a boundary ahead
			if ux >= e {
				e, na = ux, 0
			}
			if uy > e {
				e, na = uy, 1
			}
			cx, cy := ux == e, uy == e
			if cx {
				kx += sx
				ux = (float64(kx) - ox) * ix
			}
			if cy {
				ky += sy
				uy = (float64(ky) - oy) * iy
			}
			uIn, aIn := u, axis
			u, axis = e, na
			if uIn-e < 1e-9 {
				// Too short to tell its cell: step over it.
				if known {
					if cx {
						gx += sx
					}
					if cy {
						gy += sy
					}
				}
				continue
			}
			if !known {
				mid := (uIn + e) / 2
				gx, gy = int64(math.Floor(ox+dx*mid)), int64(math.Floor(oy+dy*mid))
				known = true
			}
			cgx, cgy := gx, gy
			if cx {
				gx += sx
			}
			if cy {
				gy += sy
			}
			k := g.index(cgx, cgy)
			if k < 0 {
				continue
			}
			zIn, zOut := pz+s*uIn, pz+s*e
			if ct := float64(l.CanopyTop[k]); ct > zOut && tau < maxTau {
				hi, lo := min(zIn, ct), max(zOut, float64(l.CanopyBase[k]))
				if hi > lo {
					if v.ck < 0 {
						u := (hi - pz) * is
						v.ck, v.cgx, v.cgy = k, cgx, cgy
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
				v.k, v.gx, v.gy = k, cgx, cgy
				if zIn < sz && aIn >= 0 {
					v.side = true
					v.x, v.y, v.z = (ox+dx*uIn)*g.res, (oy+dy*uIn)*g.res, zIn
					if aIn == 0 {
						v.nx = math.Copysign(1, dx)
					} else {
						v.ny = math.Copysign(1, dy)
					}
				} else {
					u := max(e, min(uIn, (sz-pz)*is))
					v.x, v.y, v.z = (ox+dx*u)*g.res, (oy+dy*u)*g.res, sz
				}
				v.setShares(tau)
				return
			}
		}
	}
	// Nothing above the terrain point: the pixel shows its own cell.
	gx, gy = int64(math.Floor(ox)), int64(math.Floor(oy))
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
	t := expNeg(tau)
	v.crown, v.solid = 1-t, t
	if v.k < 0 {
		v.solid = 0
	}
}

// sunRay is the sun's direction in the walks' terms.
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
