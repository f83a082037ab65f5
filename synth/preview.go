package synth

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The contact sheet (preview.png): what the scene looks like, panel by
// panel at one resolution: both orthophotos, the truth drawn on the later
// one, the other changes, the hillshades of both DSMs (as made from the
// points) and the first-return density of both point clouds. Sums are
// integers, so the picture does not depend on the order blocks finish.
type preview struct {
	on      bool
	nominal [2]float64 // pulses per m² of each survey
	res     float64    // metres per preview pixel
	w, h    int
	mu      sync.Mutex
	rgb     [2][]uint32 // sums of 0.25 m pixels, 3 per cell
	n       []uint32    // 0.25 m pixels per cell
	dsm     [2][]int64  // sums of DSM cells, cm
	dsmN    [2][]uint32
	dens    [2][]uint32 // first returns per cell
	chg     []uint8     // highest change code seen
	other   []uint8
}

// previewMaxSide is the longer side of a panel, pixels.
const previewMaxSide = 500

func newPreview(on bool, w, h float64, nominal [2]float64) *preview {
	p := &preview{on: on, nominal: nominal}
	if !on {
		return p
	}
	p.res = math.Max(1, math.Ceil(math.Max(w, h)/previewMaxSide))
	p.w, p.h = int(math.Ceil(w/p.res)), int(math.Ceil(h/p.res))
	n := p.w * p.h
	for e := range 2 {
		p.rgb[e] = make([]uint32, 3*n)
		p.dsm[e] = make([]int64, n)
		p.dsmN[e] = make([]uint32, n)
		p.dens[e] = make([]uint32, n)
	}
	p.n = make([]uint32, n)
	p.chg = make([]uint8, n)
	p.other = make([]uint8, n)
	return p
}

// cell is the preview cell holding local point (x, y).
func (p *preview) cell(x, y, sceneH float64) int {
	i := min(p.w-1, int(x/p.res))
	j := min(p.h-1, int((sceneH-y)/p.res))
	return j*p.w + i
}

func (p *preview) addBlock(g *generator, wk *worker, b block, dsm [2][]float32, tr *truthBlockData) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	bw, bh := (b.x1-b.x0)*4, (b.y1-b.y0)*4
	for j := 0; j < bh; j++ {
		y := float64(b.y1) - (float64(j)+0.5)*OrthoRes
		for i := 0; i < bw; i++ {
			x := float64(b.x0) + (float64(i)+0.5)*OrthoRes
			c := p.cell(x, y, g.h)
			k := j*bw + i
			for e := range 2 {
				p.rgb[e][3*c] += uint32(wk.rgb[e][3*k])
				p.rgb[e][3*c+1] += uint32(wk.rgb[e][3*k+1])
				p.rgb[e][3*c+2] += uint32(wk.rgb[e][3*k+2])
			}
			p.n[c]++
			h := (j/2)*(bw/2) + i/2
			p.chg[c] = max(p.chg[c], tr.change[h])
			p.other[c] = max(p.other[c], tr.other[h])
		}
	}
	dw := b.x1 - b.x0
	for e := range 2 {
		for k, v := range dsm[e] {
			if v == DSMNoData {
				continue
			}
			c := p.cell(float64(b.x0+k%dw)+0.5, float64(b.y1-k/dw)-0.5, g.h)
			p.dsm[e][c] += int64(math.Round(float64(v) * 100))
			p.dsmN[e][c]++
		}
		for k := range wk.ret[e] {
			r := &wk.ret[e][k]
			if r.Number == 1 && r.X >= 0 && r.Y >= 0 && r.X < g.w && r.Y < g.h {
				p.dens[e][p.cell(r.X, r.Y, g.h)]++
			}
		}
	}
}

// png draws the contact sheet.
func (p *preview) png() ([]byte, error) {
	const label, gap = 16, 4
	pw, ph := p.w, p.h+label
	img := image.NewRGBA(image.Rect(0, 0, 4*pw+3*gap, 2*ph+gap))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{255, 255, 255, 255}), image.Point{}, draw.Src)
	panels := []struct {
		name string
		px   func(c int) color.RGBA
	}{
		{"orthophoto t0", func(c int) color.RGBA { return p.orthoAt(0, c, false) }},
		{"orthophoto t1", func(c int) color.RGBA { return p.orthoAt(1, c, false) }},
		{"truth: construction, demolition", func(c int) color.RGBA {
			switch p.chg[c] {
			case 1:
				return color.RGBA{230, 30, 30, 255}
			case 2:
				return color.RGBA{30, 90, 240, 255}
			}
			return p.orthoAt(1, c, true)
		}},
		{"other changes", func(c int) color.RGBA {
			if col, ok := otherColours[p.other[c]]; ok {
				return col
			}
			return p.orthoAt(0, c, true)
		}},
		{"DSM t0 (from points)", func(c int) color.RGBA { return p.hillshade(0, c) }},
		{"DSM t1 (from points)", func(c int) color.RGBA { return p.hillshade(1, c) }},
		{fmt.Sprintf("first returns/m2 t0 (0-%g)", 2*p.nominal[0]), func(c int) color.RGBA { return p.density(0, c) }},
		{fmt.Sprintf("first returns/m2 t1 (0-%g)", 2*p.nominal[1]), func(c int) color.RGBA { return p.density(1, c) }},
	}
	for k, pn := range panels {
		ox, oy := (k%4)*(pw+gap), (k/4)*(ph+gap)
		d := font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{0, 0, 0, 255}), Face: basicfont.Face7x13, Dot: fixed.P(ox+2, oy+12)}
		d.DrawString(pn.name)
		for j := 0; j < p.h; j++ {
			for i := 0; i < p.w; i++ {
				img.SetRGBA(ox+i, oy+label+j, pn.px(j*p.w+i))
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	return buf.Bytes(), nil
}

var otherColours = map[uint8]color.RGBA{
	3: {40, 170, 40, 255},  // vegetation
	4: {240, 200, 0, 255},  // vehicle, container
	5: {160, 90, 30, 255},  // terrain
	6: {240, 120, 0, 255},  // temporary structure
	7: {200, 60, 200, 255}, // roof renovation
}

func (p *preview) orthoAt(e, c int, grey bool) color.RGBA {
	n := p.n[c]
	if n == 0 {
		return color.RGBA{255, 255, 255, 255}
	}
	r, g, b := p.rgb[e][3*c]/n, p.rgb[e][3*c+1]/n, p.rgb[e][3*c+2]/n
	if grey {
		v := uint8((r+g+b)/3/2 + 64)
		return color.RGBA{v, v, v, 255}
	}
	return color.RGBA{uint8(r), uint8(g), uint8(b), 255}
}

func (p *preview) height(e, i, j int) (float64, bool) {
	i, j = max(0, min(p.w-1, i)), max(0, min(p.h-1, j))
	c := j*p.w + i
	if p.dsmN[e][c] == 0 {
		return 0, false
	}
	return float64(p.dsm[e][c]) / 100 / float64(p.dsmN[e][c]), true
}

// hillshade lights the DSM from the north-west at 45°; voids are red.
func (p *preview) hillshade(e, c int) color.RGBA {
	i, j := c%p.w, c/p.w
	z, ok := p.height(e, i, j)
	if !ok {
		return color.RGBA{220, 40, 40, 255}
	}
	at := func(di, dj int) float64 {
		if v, ok := p.height(e, i+di, j+dj); ok {
			return v
		}
		return z
	}
	dzdx := (at(1, 0) - at(-1, 0)) / (2 * p.res)
	dzdy := (at(0, -1) - at(0, 1)) / (2 * p.res)
	// Sun from azimuth 315°, elevation 45°.
	lx, ly, lz := -math.Sqrt(0.5)*math.Sqrt(0.5), math.Sqrt(0.5)*math.Sqrt(0.5), math.Sqrt(0.5)
	nx, ny, nz := -dzdx, -dzdy, 1.0
	l := math.Sqrt(nx*nx + ny*ny + nz*nz)
	v := math.Max(0, (nx*lx+ny*ly+nz*lz)/l)
	g := uint8(40 + 215*v)
	return color.RGBA{g, g, g, 255}
}

// density maps first returns per m² (0 … twice the nominal) from dark
// blue to yellow, averaged over the 5×5 pixels around: at a metre a pixel
// holds too few returns to show a density.
func (p *preview) density(e, c int) color.RGBA {
	i0, j0 := c%p.w, c/p.w
	var sum, n float64
	for j := max(0, j0-2); j <= min(p.h-1, j0+2); j++ {
		for i := max(0, i0-2); i <= min(p.w-1, i0+2); i++ {
			sum += float64(p.dens[e][j*p.w+i])
			n++
		}
	}
	d := sum / n / (p.res * p.res)
	t := math.Min(1, d/(2*p.nominal[e]))
	return color.RGBA{uint8(20 + 235*t), uint8(20 + 200*t), uint8(120 * (1 - t)), 255}
}
