package camera

import (
	"errors"
	"fmt"
	"math"
)

// Photo is one frame of the flight: its projection centre and radiometry.
// The camera looks straight down; the frame's long side is across-track.
type Photo struct {
	X, Y, Z    float64 // projection centre: scene metres, absolute height
	Strip, Seq int     // strip and position along it

	Exposure float64    // exposure and gain relative to the flight's, ~1
	Balance  [3]float64 // white balance of this frame, ~1 per band
	Vignette float64    // residual fall-off at the frame corners (after the lab's correction)
}

// Flight is one epoch's survey: photo centres in strips over the scene, the
// sun of its date, the photos' radiometry.
type Flight struct {
	p     Params
	seed  int64
	epoch int
	key   uint64 // this flight's hash key (seed and epoch)
	tex   uint64 // the world's texture key (seed only)

	height   float64 // flying height above the mean terrain
	altitude float64 // nominal altitude of the projection centres

	ax, ay   float64 // along-track unit vector
	cx, cy   float64 // across-track unit vector, right of the heading
	ox, oy   float64 // origin of the strip coordinates: the scene centre
	base     float64 // distance between exposures along a strip
	spacing  float64 // distance between strips
	phase    float64 // across-track offset of strip 0 from the origin
	tanAlong float64 // half field of view, tangent, along-track
	tanCross float64 // across-track

	m0, k0, nm, nk int       // planned photos: strips m0..m0+nm-1, exposures k0..k0+nk-1
	photos         []Photo   // planned photos, [m-m0][k-k0]
	phases         []float64 // planned strips' along-track phases

	sunAz, sunEl float64
	sun          [3]float64 // unit vector towards the sun: x east, y north, z up

	rmax float64    // farthest a terrain point can be from its photo's nadir
	gain [3]float64 // the epoch's balance with this flight's own deviation
	hot  float64    // hotspot amplitude
	halo float64
}

// Planned jitter of the projection centres (GNSS-guided flight), σ in metres;
// the draws are bounded to ±3σ.
const (
	sigmaAlong  = 6
	sigmaAcross = 10
	sigmaZ      = 8
)

// Hash purposes for the flight's draws.
const (
	keyFlight = 0x666c6967 << 20
	keyPhoto  = 0x70686f74 << 20
	keyStrip  = 0x73747269 << 20
)

// NewFlight plans epoch's flight over the scene [0,w]×[0,h] (scene metres):
// strips along p.Heading spaced by the side overlap, exposures spaced by the
// forward overlap, both at a seeded phase so the scene falls anywhere in the
// block, with jittered centres at the flying height above the mean of ground.
// maxAboveGround is the tallest object above the terrain (for Halo).
func NewFlight(seed int64, epoch int, w, h float64, ground func(x, y float64) float64, maxAboveGround float64, p Params) (*Flight, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if !(w > 0) || !(h > 0) || ground == nil {
		return nil, errors.New("camera: the scene needs a positive size and a ground function")
	}
	f := &Flight{p: p, seed: seed, epoch: epoch}
	f.key = mix(uint64(seed)*0x9e3779b97f4a7c15 ^ uint64(int64(epoch)+1)*0xd1b54a32d192ed03)
	f.tex = mix(uint64(seed) ^ 0x7465787475726573)
	f.height = p.FlyingHeight()

	// Terrain: mean for the altitude, max for the shortest height above ground.
	var sum float64
	gmax := math.Inf(-1)
	const n = 24
	for j := 0; j <= n; j++ {
		for i := 0; i <= n; i++ {
			z := ground(w*float64(i)/n, h*float64(j)/n)
			sum += z
			gmax = max(gmax, z)
		}
	}
	mean := sum / ((n + 1) * (n + 1))
	if math.IsNaN(mean) || math.IsInf(mean, 0) {
		return nil, errors.New("camera: ground function returns non-finite heights")
	}
	f.altitude = mean + f.height
	if f.height-(gmax-mean)-3*sigmaZ-maxAboveGround < 100 {
		return nil, fmt.Errorf("camera: flying height %.0f m too low for the relief and objects", f.height)
	}

	hd := p.Heading * math.Pi / 180
	f.ax, f.ay = math.Sin(hd), math.Cos(hd)
	f.cx, f.cy = math.Cos(hd), -math.Sin(hd)
	f.ox, f.oy = w/2, h/2
	along := float64(p.FrameH) * p.GSD
	across := float64(p.FrameW) * p.GSD
	f.base = (1 - p.ForwardOverlap) * along
	f.spacing = (1 - p.SideOverlap) * across
	f.tanAlong = float64(p.FrameH) * p.PixelUM / 2000 / p.FocalMM
	f.tanCross = float64(p.FrameW) * p.PixelUM / 2000 / p.FocalMM
	f.phase = (unit(strong2(f.key^keyFlight, 1, 0)) - 0.5) * f.spacing

	f.sunAz, f.sunEl = sunPosition(p.Date, p.Lat, p.Lon)
	if f.sunEl < 10 {
		return nil, fmt.Errorf("camera: sun elevation %.1f° at %s is too low for a survey flight", f.sunEl, p.Date.Format("2006-01-02 15:04 MST"))
	}
	a, e := f.sunAz*math.Pi/180, f.sunEl*math.Pi/180
	f.sun = [3]float64{math.Sin(a) * math.Cos(e), math.Cos(a) * math.Cos(e), math.Sin(e)}

	for b := range 3 {
		f.gain[b] = p.Balance[b] * (1 + 0.015*clamp3(gauss(strong2(f.key^keyFlight, 2, int64(b)))))
	}
	f.hot = 0.06 + 0.05*unit(strong2(f.key^keyFlight, 3, 0))

	f.plan(w, h)
	// A point's own lattice point is within half a base and half a strip
	// spacing; its photo strays 3σ from it; the nearest photo is no farther.
	// Doubled jitter leaves room to spare.
	f.rmax = math.Hypot(f.base/2+2*3*sigmaAlong, f.spacing/2+2*3*sigmaAcross)
	f.halo = f.computeHalo(maxAboveGround, gmax-mean)
	return f, nil
}

// plan stores the photos whose Voronoi cells can reach the scene.
func (f *Flight) plan(w, h float64) {
	amin, amax, cmin, cmax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, c := range [4][2]float64{{0, 0}, {w, 0}, {0, h}, {w, h}} {
		a, x := f.stripCoords(c[0], c[1])
		amin, amax = min(amin, a), max(amax, a)
		cmin, cmax = min(cmin, x), max(cmax, x)
	}
	f.m0 = int(math.Floor((cmin-f.phase)/f.spacing)) - 1
	f.nm = int(math.Ceil((cmax-f.phase)/f.spacing)) + 1 - f.m0 + 1
	f.k0 = int(math.Floor(amin/f.base)) - 2
	f.nk = int(math.Ceil(amax/f.base)) + 2 - f.k0 + 1
	f.phases = make([]float64, f.nm)
	for m := range f.nm {
		f.phases[m] = f.drawPhase(f.m0 + m)
	}
	f.photos = make([]Photo, f.nm*f.nk)
	for m := range f.nm {
		for k := range f.nk {
			f.photos[m*f.nk+k] = f.makePhoto(f.m0+m, f.k0+k)
		}
	}
}

// stripCoords returns the along- and across-track coordinates of a point.
func (f *Flight) stripCoords(x, y float64) (a, c float64) {
	dx, dy := x-f.ox, y-f.oy
	return dx*f.ax + dy*f.ay, dx*f.cx + dy*f.cy
}

// stripPhase is where strip m's exposures fall along-track: each strip
// starts anew, so the exposures of neighbouring strips do not line up.
func (f *Flight) stripPhase(m int) float64 {
	if i := m - f.m0; i >= 0 && i < len(f.phases) {
		return f.phases[i]
	}
	return f.drawPhase(m)
}

func (f *Flight) drawPhase(m int) float64 {
	return (unit(strong2(f.key^keyStrip, int64(m), 0)) - 0.5) * f.base
}

// makePhoto draws photo (m, k) from hashes, so any photo of the endless
// block can be made on demand, identical to the planned one.
func (f *Flight) makePhoto(m, k int) Photo {
	key := f.key ^ keyPhoto
	g := func(n int64) float64 { return clamp3(gauss(strong2(key^uint64(n)<<56, int64(m), int64(k)))) }
	a := f.stripPhase(m) + float64(k)*f.base + sigmaAlong*g(0)
	c := f.phase + float64(m)*f.spacing + sigmaAcross*g(1)
	p := Photo{
		X:        f.ox + a*f.ax + c*f.cx,
		Y:        f.oy + a*f.ay + c*f.cy,
		Z:        f.altitude + sigmaZ*g(2),
		Strip:    m,
		Seq:      k,
		Exposure: 1 + 0.02*g(3),
		Balance:  [3]float64{1 + 0.01*g(4), 1, 1 + 0.01*g(5)},
		Vignette: 0.02 + 0.04*unit(strong2(key^7<<56, int64(m), int64(k))),
	}
	return p
}

// photo returns photo (m, k), planned or made on demand.
func (f *Flight) photo(m, k int) *Photo {
	if i, j := m-f.m0, k-f.k0; i >= 0 && j >= 0 && i < f.nm && j < f.nk {
		return &f.photos[i*f.nk+j]
	}
	p := f.makePhoto(m, k)
	return &p
}

// nearest returns the photo whose nadir is nearest to (x, y): the mosaic's
// Voronoi seamlines. Centres stray at most 3σ from their lattice points,
// far less than half the base, so the 3×3 lattice neighbours hold it.
func (f *Flight) nearest(x, y float64) *Photo {
	var c photoCache
	return f.nearestCached(&c, x, y)
}

// photoCache keeps the 3×3 lattice neighbourhood of the last lookup, which
// neighbouring pixels almost always share, and, along a row of pixels, how
// far it holds.
type photoCache struct {
	ok   bool
	m0   int
	k0   [3]int
	cand [9]*Photo

	row       int64 // the row of pixels (global) the span is on, with ok
	from, end int64 // pixels [from, end) of the row keep m0 and k0
	near      int64 // and pixels [from, near) the nearest photo, cur
	cur       *Photo
}

// lattice returns the lattice neighbourhood of (x, y): the strip nearest
// and, in it and the strips either side, the nearest exposure, with the
// fractional indices they are rounded from.
func (f *Flight) lattice(x, y float64) (m0 int, k0 [3]int, qm float64, qk [3]float64) {
	a, cr := f.stripCoords(x, y)
	qm = (cr - f.phase) / f.spacing
	m0 = int(math.Round(qm))
	for n := range 3 {
		qk[n] = (a - f.stripPhase(m0-1+n)) / f.base
		k0[n] = int(math.Round(qk[n]))
	}
	return
}

func (c *photoCache) fill(f *Flight, m0 int, k0 [3]int) {
	if !c.ok || c.m0 != m0 || c.k0 != k0 {
		c.ok, c.m0, c.k0 = true, m0, k0
		for n := range 3 {
			for t := range 3 {
				c.cand[n*3+t] = f.photo(m0-1+n, k0[n]-1+t)
			}
		}
	}
}

// best returns the candidate nearest to (x, y).
func (c *photoCache) best(x, y float64) *Photo {
	best, bd := c.cand[0], math.Inf(1)
	for _, p := range c.cand {
		if d := (p.X-x)*(p.X-x) + (p.Y-y)*(p.Y-y); d < bd {
			best, bd = p, d
		}
	}
	return best
}

func (f *Flight) nearestCached(c *photoCache, x, y float64) *Photo {
	m0, k0, _, _ := f.lattice(x, y)
	c.fill(f, m0, k0)
	return c.best(x, y)
}

// nearestAlong is nearestCached for pixel I of row J, pixels of res
// metres, (x, y) its centre: the lattice neighbourhood is looked up again
// only where the row may leave it. Any neighbourhood holding the nearest
// photo gives the same photo, so where exactly the lookups fall does not
// matter.
func (f *Flight) nearestAlong(c *photoCache, x, y, res float64, I, J int64) *Photo {
	if !c.ok || c.row != J || I < c.from || I >= c.end {
		m0, k0, qm, qk := f.lattice(x, y)
		c.fill(f, m0, k0)
		// Pixels east until a fractional index reaches its rounding
		// boundary, less one to spare.
		steps := until(qm, res*f.cx/f.spacing)
		for n := range 3 {
			steps = min(steps, until(qk[n], res*f.ax/f.base))
		}
		c.row, c.from, c.end = J, I, I+1
		if steps > 1 {
			c.end = I + int64(min(steps, 1<<30)) - 1
		}
		c.near = I
	}
	if I < c.near {
		return c.cur
	}
	// The nearest photo and the margin by which it is: a pixel further
	// east is res nearer to or farther from each photo, so the nearest
	// stays the same for margin/(2·res) pixels (one less to spare).
	d1, d2 := math.Inf(1), math.Inf(1)
	for _, p := range c.cand {
		d := (p.X-x)*(p.X-x) + (p.Y-y)*(p.Y-y)
		switch {
		case d < d1:
			c.cur, d1, d2 = p, d, d1
		case d < d2:
			d2 = d
		}
	}
	c.near = I + 1
	if n := math.Floor((math.Sqrt(d2)-math.Sqrt(d1))/(2*res)) - 1; n > 1 {
		c.near = I + int64(min(n, 1<<30))
	}
	return c.cur
}

// until returns the steps of dq after which q may round otherwise.
func until(q, dq float64) float64 {
	m := math.Round(q)
	switch {
	case dq > 1e-12:
		return math.Floor((m + 0.5 - q) / dq)
	case dq < -1e-12:
		return math.Floor((q - (m - 0.5)) / -dq)
	}
	return math.Inf(1)
}

// computeHalo bounds how far beyond a window a pixel's rays reach: the
// view ray to the top of the tallest object at the farthest point of a
// Voronoi cell from its nadir, then the sun ray from there over the tallest
// object, plus a metre for normals and cell rounding.
func (f *Flight) computeHalo(maxAbove, relief float64) float64 {
	maxAbove = max(0, maxAbove)
	r := f.rmax
	hmin := f.height - 3*sigmaZ - relief
	lean := maxAbove * r / (hmin - maxAbove)
	shadow := (maxAbove + relief) / math.Tan(f.sunEl*math.Pi/180)
	return lean + shadow + 1
}

// Halo is how far (metres) the Layers must reach beyond an output window
// for Render to see everything the window's pixels see.
func (f *Flight) Halo() float64 { return f.halo }

// Sun returns the sun's azimuth (degrees clockwise from north) and
// elevation (degrees) at the flight's date and the scene centre.
func (f *Flight) Sun() (azimuthDeg, elevationDeg float64) { return f.sunAz, f.sunEl }

// Params returns the flight's parameters.
func (f *Flight) Params() Params { return f.p }

// FlyingHeight is the flight's nominal height above the mean terrain, m.
func (f *Flight) FlyingHeight() float64 { return f.height }

// Photos returns the planned photos around the scene (a copy).
func (f *Flight) Photos() []Photo { return append([]Photo(nil), f.photos...) }

// PhotoAt returns the photo whose nadir is nearest to (x, y): the one the
// orthophoto shows there.
func (f *Flight) PhotoAt(x, y float64) Photo { return *f.nearest(x, y) }

// LayersGrid returns the grid (top-left corner, size in cells of res) that
// Layers need for rendering the window whose top-left corner is (x0, y1)
// and size w×h pixels of wres: the window grown by Halo, snapped outwards to
// multiples of res so every window's Layers share one lattice.
func (f *Flight) LayersGrid(x0, y1, wres float64, w, h int, res float64) (lx0, ly1 float64, lw, lh int) {
	xa := math.Floor((x0-f.halo)/res) * res
	xb := math.Ceil((x0+float64(w)*wres+f.halo)/res) * res
	yb := math.Ceil((y1+f.halo)/res) * res
	ya := math.Floor((y1-float64(h)*wres-f.halo)/res) * res
	return xa, yb, int(math.Round((xb - xa) / res)), int(math.Round((yb - ya) / res))
}
