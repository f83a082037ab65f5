package qa

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// RunTile checks the tile's inputs and flags what it finds. A finding whose
// policy is "fail" is also the step's error, so the run stops on it.
func (s *Step) RunTile(ctx context.Context, t *plugins.Tile, in map[string]plugins.TileInput, _ []plugins.Product) error {
	a, err := s.analyse(ctx, t, in, false)
	if err != nil {
		return err
	}
	for _, f := range a.findings {
		t.Flag(f)
	}
	var fails []error
	for _, f := range a.findings {
		if f.Policy == plugins.PolicyFail {
			fails = append(fails, fmt.Errorf("qa: %s; %s = \"fail\" stops the run (set it to \"exclude\" or \"flag\" to go on)", f, s.attr(f.Check)))
		}
	}
	return errors.Join(fails...)
}

// analysis is what the checks measured on one tile.
type analysis struct {
	res            float64 // of the DSM windows and ΔH
	w, h           int     // the work window at res
	x0, y0, tw, th int     // the tile inside it
	findings       []plugins.Finding

	// bias is the median ΔH of stable ground (NaN when too little of it),
	// stable the values it was taken from.
	bias   float64
	stable []float32
	// shiftE, shiftN are the later DSM's displacement in metres (NaN when
	// the tile has too little structure to tell).
	shiftE, shiftN float64

	// Kept for a sample only, for the scene's coregistration: both DSMs on
	// the work window, their valid pixels (no nodata, stripes or pixels
	// outside the files) and the vegetation mask (nil without orthophotos).
	ref, mov     []float32
	okRef, okMov []bool
	veg          []bool
}

// minStableShare is the share of a tile's pixels that must be stable ground
// for a bias to be estimated.
const minStableShare = 0.05

// analyse runs the checks on one tile. A sample (for the scene's bias and
// shift) skips what those do not need: the orthophotos' stripes and voids.
func (s *Step) analyse(ctx context.Context, t *plugins.Tile, in map[string]plugins.TileInput, sample bool) (*analysis, error) {
	res := 0.0
	if dh, ok := in["dh"]; ok {
		res = dh.Product().Resolution
	} else {
		res = max(in["dsm_t0"].Product().Resolution, in["dsm_t1"].Product().Resolution)
	}
	if !(res > 0) {
		return nil, errors.New("qa: the DSMs' resolution is unknown")
	}
	a := &analysis{res: res, bias: math.NaN(), shiftE: math.NaN(), shiftN: math.NaN()}
	a.x0, a.y0, a.tw, a.th = t.Inner(res)
	inner := a.tw * a.th

	// The DSMs: read at ΔH's resolution with the default method, the very
	// windows the difference step reads (one read for both).
	var dsm [2]*raster.Image[float32]
	var cov [2]cover
	names := [2]string{"dsm_t0", "dsm_t1"}
	for e, name := range names {
		img, err := in[name].Float32(ctx, res, "")
		if err != nil {
			return nil, fmt.Errorf("qa: %s: %w", name, err)
		}
		dsm[e] = img
		cov[e] = s.coverage(name, img.Grid)
	}
	a.w, a.h = dsm[0].Width, dsm[0].Height
	if dsm[1].Width != a.w || dsm[1].Height != a.h || a.x0+a.tw > a.w || a.y0+a.th > a.h {
		return nil, fmt.Errorf("qa: DSM windows of %d×%d and %d×%d pixels do not hold the tile", a.w, a.h, dsm[1].Width, dsm[1].Height)
	}
	var ok [2][]bool
	for e, name := range names {
		img := dsm[e]
		nd := changemap.Nodata{Value: float32(img.NoData), Set: img.HasNoData}
		keys := getKeys(len(img.Bands[0]))
		for i, v := range img.Bands[0] {
			switch {
			case cov[e].explained(i):
				keys[i] = skipKey
			case nd.Is(v):
				keys[i] = invalidKey
			default:
				keys[i] = math.Float32bits(v)
			}
		}
		var f []plugins.Finding
		ok[e], f = s.inspect(a, name, keys, true, func(k uint32) string { return formatFloat32(math.Float32frombits(k)) })
		putKeys(keys)
		a.findings = append(a.findings, f...)
		a.findings = append(a.findings, s.unreadable(a, name, cov[e].lost, img.Grid)...)
	}
	a.findings = append(a.findings, s.missing(a, names, cov)...)

	veg, err := s.orthophotos(ctx, a, in, sample)
	if err != nil {
		return nil, err
	}

	// ΔH: the step's input when given (what the release holds), else
	// computed from the windows.
	n := a.w * a.h
	d := make([]float32, n)
	okDH := make([]bool, n)
	dhNodata := changemap.Nodata{Value: changemap.NoData, Set: true}
	if in["dh"] != nil {
		img, err := in["dh"].Float32(ctx, res, "")
		if err != nil {
			return nil, fmt.Errorf("qa: dh: %w", err)
		}
		if img.Width != a.w || img.Height != a.h {
			return nil, fmt.Errorf("qa: ΔH of %d×%d pixels is not on the DSM windows' %d×%d grid", img.Width, img.Height, a.w, a.h)
		}
		copy(d, img.Bands[0])
		dhNodata = changemap.Nodata{Value: float32(img.NoData), Set: img.HasNoData}
	} else {
		for i := range d {
			d[i] = dsm[1].Bands[0][i] - dsm[0].Bands[0][i]
		}
	}
	for i := range d {
		okDH[i] = ok[0][i] && ok[1][i] && !dhNodata.Is(d[i])
	}

	// Implausible ΔH, left out of the estimates below.
	var implausible int
	var extreme float32
	a.eachInner(func(i int) {
		if okDH[i] && (d[i] > float32(s.Cfg.MaxAbsDH) || d[i] < -float32(s.Cfg.MaxAbsDH)) {
			implausible++
			if abs32(d[i]) > abs32(extreme) {
				extreme = d[i]
			}
			okDH[i] = false
		}
	})
	if implausible > 0 {
		f := s.finding(CheckImplausible, dhName(in), float64(implausible)/float64(inner),
			fmt.Sprintf("%d px with |ΔH| above %g m (up to %.1f m)", implausible, s.Cfg.MaxAbsDH, extreme))
		f.Systemic = "the two DSMs' heights are likely not in one unit (decimetres or centimetres read as metres, or feet) or not both DSMs: check each DSM's unit and scale (gdalinfo), convert them to metres or declare the scale (gdal_edit.py -scale), and run again"
		a.findings = append(a.findings, f)
	}

	// Vertical bias on stable ground.
	a.eachInner(func(i int) {
		if okDH[i] && (veg == nil || !veg[i]) && abs32(d[i]) < candidateDH {
			a.stable = append(a.stable, d[i])
		}
	})
	if b, used := stableMedian(a.stable); used >= int(minStableShare*float64(inner)) {
		a.bias = b
		if math.Abs(b) > s.Cfg.MaxBias {
			a.findings = append(a.findings, s.finding(CheckBias, "dsm_t1", b,
				fmt.Sprintf("median ΔH of %d px of stable ground is %+.3f m (later minus earlier DSM)", used, b)))
		}
	}

	if sample {
		a.ref, a.mov, a.okRef, a.okMov, a.veg = dsm[0].Bands[0], dsm[1].Bands[0], ok[0], ok[1], veg
	}

	// Horizontal shift, after the bias is taken out, over the whole work
	// window: every wall more steadies the estimate.
	bias := float32(0)
	if !math.IsNaN(a.bias) {
		bias = float32(a.bias)
	}
	if sx, sy, used, fine := estimateShift(dsm[0].Bands[0], dsm[1].Bands[0], ok[0], ok[1], a.w, a.h, 0, 0, a.w, a.h, bias); fine {
		a.shiftE, a.shiftN = sx*res, sy*res
		if m := math.Hypot(a.shiftE, a.shiftN); m > s.Cfg.MaxShift {
			a.findings = append(a.findings, s.finding(CheckShift, "dsm_t1", m,
				fmt.Sprintf("the later DSM lies %+.2f m east, %+.2f m north of the earlier (%d px compared)", a.shiftE, a.shiftN, used)))
		}
	}
	return a, nil
}

func dhName(in map[string]plugins.TileInput) string {
	if in["dh"] != nil {
		return "dh"
	}
	return "dsm_t1"
}

func (s *Step) finding(check, input string, v float64, detail string) plugins.Finding {
	f := plugins.Finding{Check: check, Input: input, Value: v, Detail: detail, Policy: s.Policy(check)}
	if check == CheckBias || check == CheckShift {
		f.Unit = "m" // measured in metres, not a share of the tile
	}
	return f
}

// eachInner calls f with the index of every pixel of the tile itself.
func (a *analysis) eachInner(f func(i int)) {
	for y := a.y0; y < a.y0+a.th; y++ {
		for i := y*a.w + a.x0; i < y*a.w+a.x0+a.tw; i++ {
			f(i)
		}
	}
}

// inspect finds stripes and voids in one input's key raster, which lies on
// a's work grid, counts them inside the tile, and, when valid is set,
// returns which pixels are valid data.
func (s *Step) inspect(a *analysis, name string, keys []uint32, valid bool, describe func(uint32) string) ([]bool, []plugins.Finding) {
	w, h := a.w, a.h
	x0, y0, tw, th := a.x0, a.y0, a.tw, a.th
	stripe := getBools(len(keys))
	defer putBools(stripe)
	marked := thinBands(stripe, keys, w, h, s.Cfg.StripeMinLength, s.Cfg.StripeMaxWidth)
	var ok []bool
	if valid {
		ok = make([]bool, len(keys))
		for i, k := range keys {
			ok[i] = k != skipKey && k != invalidKey && !stripe[i]
		}
	}
	var stripes, voids int
	values := map[uint32]bool{}
	for y := y0; y < y0+th; y++ {
		row := keys[y*w+x0 : y*w+x0+tw]
		if marked == 0 {
			// No stripe anywhere (nearly every tile): voids alone, a
			// test a pixel.
			for _, k := range row {
				if k == invalidKey {
					voids++
				}
			}
			continue
		}
		for j, k := range row {
			switch {
			case stripe[y*w+x0+j]:
				stripes++
				values[k] = true
			case k == invalidKey:
				voids++
			}
		}
	}
	inner := float64(tw * th)
	var out []plugins.Finding
	if stripes > 0 {
		out = append(out, s.finding(CheckStripes, name, float64(stripes)/inner,
			fmt.Sprintf("%d px in thin runs of one value: %s", stripes, describeValues(values, describe))))
	}
	if voids > 0 && float64(voids)/inner > s.Cfg.MaxVoidFraction {
		out = append(out, s.finding(CheckVoids, name, float64(voids)/inner,
			fmt.Sprintf("%d px of nodata outside stripes", voids)))
	}
	return ok, out
}

func describeValues(values map[uint32]bool, describe func(uint32) string) string {
	var out []string
	for k := range values {
		if k == invalidKey {
			out = append(out, "nodata")
		} else {
			out = append(out, describe(k))
		}
	}
	slices.Sort(out)
	if len(out) > 4 {
		out = append(out[:4], "…")
	}
	return strings.Join(out, ", ")
}

func formatFloat32(v float32) string { return fmt.Sprintf("%g", v) }

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

// cover is where an input's files lie on a grid.
type cover struct {
	// known: the files are known (the input is a source and Prepare ran);
	// without them nothing is explained and nothing is missing.
	known bool
	// full: every file is readable and covers every pixel, so there are
	// no masks (the usual case, told from the files' extents).
	full bool
	// covered marks the pixels whose centre some file covers, lost those
	// only unreadable files cover (nil when every file is readable).
	covered, lost []bool
}

// explained reports whether a pixel's lack of data has a cause of its own:
// no file of the input covers it, or only a file that cannot be read.
func (c cover) explained(i int) bool {
	return (c.covered != nil && !c.covered[i]) || (c.lost != nil && c.lost[i])
}

// covers reports whether some file covers pixel i; c must be known.
func (c cover) covers(i int) bool { return c.full || c.covered[i] }

// unreadable flags the part of the tile only unreadable files cover.
func (s *Step) unreadable(a *analysis, name string, lost []bool, g raster.Grid) []plugins.Finding {
	if lost == nil {
		return nil
	}
	n := 0
	a.eachInner(func(i int) {
		if lost[i] {
			n++
		}
	})
	if n == 0 {
		return nil
	}
	var files []string
	var first error
	te := pixelExtent(g, a.x0, a.y0, a.tw, a.th)
	for _, f := range s.filesOf(name) {
		if _, hit := f.Extent.Intersect(te); hit && f.Err != nil {
			files = append(files, filepath.Base(f.Path))
			if first == nil {
				first = f.Err
			}
		}
	}
	msg := strings.Join(strings.Fields(fmt.Sprint(first)), " ")
	return []plugins.Finding{s.finding(CheckUnreadable, name, float64(n)/float64(a.tw*a.th),
		fmt.Sprintf("%d px only in %s, which cannot be read: %s", n, strings.Join(files, ", "), msg))}
}

// missing flags, for each epoch, the part of the tile the other epoch's
// files cover and its own do not.
func (s *Step) missing(a *analysis, names [2]string, cov [2]cover) []plugins.Finding {
	if !cov[0].known || !cov[1].known {
		return nil
	}
	var out []plugins.Finding
	for e := range 2 {
		if cov[e].full {
			continue
		}
		n := countMissing(a, cov[e].covered, cov[1-e])
		if n > 0 {
			frac := float64(n) / float64(a.tw*a.th)
			out = append(out, s.finding(CheckMissing, names[e], frac,
				fmt.Sprintf("no %s file covers %.1f %% of the tile, which %s covers", names[e], 100*frac, names[1-e])))
		}
	}
	return out
}

// countMissing counts the tile's pixels that other covers and own (an
// epoch's covered mask, not full) does not. It runs on every pixel of a
// tile at a scene's edge, so row by row, without a call a pixel.
func countMissing(a *analysis, own []bool, other cover) int {
	n := 0
	for y := a.y0; y < a.y0+a.th; y++ {
		i := y*a.w + a.x0
		row := own[i : i+a.tw]
		if other.full {
			for _, in := range row {
				if !in {
					n++
				}
			}
			continue
		}
		orow := other.covered[i : i+a.tw]
		for j, in := range row {
			if orow[j] && !in {
				n++
			}
		}
	}
	return n
}

// pixelExtent is the extent of a pixel rectangle of a north-up grid.
func pixelExtent(g raster.Grid, x0, y0, w, h int) raster.Extent {
	gt := g.GeoTransform
	return raster.Extent{
		MinX: gt[0] + float64(x0)*gt[1], MaxX: gt[0] + float64(x0+w)*gt[1],
		MaxY: gt[3] + float64(y0)*gt[5], MinY: gt[3] + float64(y0+h)*gt[5],
	}
}

// pixelRect is the rectangle of g's pixels whose centre lies inside e,
// columns c0…c1 and rows r0…r1; ok is false when there is none.
func pixelRect(g raster.Grid, e raster.Extent) (c0, r0, c1, r1 int, ok bool) {
	gt := g.GeoTransform
	rx, ry := gt[1], -gt[5]
	if !(rx > 0 && ry > 0) {
		return 0, 0, 0, 0, false
	}
	c0 = max(0, int(math.Ceil((e.MinX-gt[0])/rx-0.5)))
	c1 = min(g.Width-1, int(math.Floor((e.MaxX-gt[0])/rx-0.5)))
	r0 = max(0, int(math.Ceil((gt[3]-e.MaxY)/ry-0.5)))
	r1 = min(g.Height-1, int(math.Floor((gt[3]-e.MinY)/ry-0.5)))
	return c0, r0, c1, r1, c0 <= c1 && r0 <= r1
}

// coverage is where the input's files lie on g.
func (s *Step) coverage(name string, g raster.Grid) cover {
	files := s.filesOf(name)
	if files == nil {
		return cover{}
	}
	if coversGrid(files, g) {
		return cover{known: true, full: true}
	}
	n := g.Width * g.Height
	covered := make([]bool, n)
	var bad []bool
	for _, f := range files {
		if f.Err == nil {
			fillExtent(covered, g, f.Extent)
			continue
		}
		if bad == nil {
			bad = make([]bool, n)
		}
		fillExtent(bad, g, f.Extent)
	}
	if bad == nil {
		// Every file is readable: nothing is lost.
		return cover{known: true, covered: covered}
	}
	lost := make([]bool, n)
	for i, b := range bad {
		lost[i] = b && !covered[i]
		covered[i] = covered[i] || b
	}
	return cover{known: true, covered: covered, lost: lost}
}

// coversGrid reports whether every file is readable and the files' pixel
// rectangles (as fillExtent sets them) cover all of g. It checks the
// cells the rectangles' edges cut g into, not the pixels.
func coversGrid(files []plugins.SourceFile, g raster.Grid) bool {
	var rects [][4]int // c0, r0, c1, r1: inclusive
	xs, ys := []int{0, g.Width}, []int{0, g.Height}
	for _, f := range files {
		if f.Err != nil {
			return false
		}
		c0, r0, c1, r1, ok := pixelRect(g, f.Extent)
		if !ok {
			continue
		}
		rects = append(rects, [4]int{c0, r0, c1, r1})
		xs, ys = append(xs, c0, c1+1), append(ys, r0, r1+1)
	}
	if len(rects) == 0 || g.Width <= 0 || g.Height <= 0 {
		return false
	}
	slices.Sort(xs)
	slices.Sort(ys)
	xs, ys = slices.Compact(xs), slices.Compact(ys)
	for i := 0; i+1 < len(xs) && xs[i] < g.Width; i++ {
		for j := 0; j+1 < len(ys) && ys[j] < g.Height; j++ {
			// Cell [xs[i], xs[i+1]) × [ys[j], ys[j+1]) lies wholly inside
			// or wholly outside each rectangle.
			in := slices.ContainsFunc(rects, func(r [4]int) bool {
				return r[0] <= xs[i] && xs[i] <= r[2] && r[1] <= ys[j] && ys[j] <= r[3]
			})
			if !in {
				return false
			}
		}
	}
	return true
}

// fillExtent sets the pixels of g whose centre lies inside e.
func fillExtent(mask []bool, g raster.Grid, e raster.Extent) {
	c0, r0, c1, r1, ok := pixelRect(g, e)
	if !ok {
		return
	}
	for r := r0; r <= r1; r++ {
		for c := c0; c <= c1; c++ {
			mask[r*g.Width+c] = true
		}
	}
}

func (s *Step) filesOf(name string) []plugins.SourceFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[name]
}

// orthophotos checks both orthophotos for stripes, voids, unreadable and
// missing files, and returns the vegetation mask on the DSM grid (nil
// without orthophotos, or when their pixels do not divide the DSM's).
func (s *Step) orthophotos(ctx context.Context, a *analysis, in map[string]plugins.TileInput, sample bool) ([]bool, error) {
	names := [2]string{"ortho_t0", "ortho_t1"}
	if in[names[0]] == nil || in[names[1]] == nil {
		return nil, nil
	}
	var imgs [2]*raster.Image[uint8]
	var cov [2]cover
	for e, name := range names {
		ores := in[name].Product().Resolution
		f := a.res / ores
		factor := int(math.Round(f))
		if !(ores > 0) || factor < 1 || math.Abs(f-float64(factor)) > 1e-6 {
			// Checked at ΔH's resolution instead: stripes blur, voids remain.
			ores, factor = a.res, 1
		}
		img, err := in[name].Uint8(ctx, ores, "")
		if err != nil {
			return nil, fmt.Errorf("qa: %s: %w", name, err)
		}
		if img.Width != a.w*factor || img.Height != a.h*factor {
			return nil, fmt.Errorf("qa: %s window of %d×%d pixels is not on the tile's grid", name, img.Width, img.Height)
		}
		imgs[e] = img
		if sample {
			continue
		}
		cov[e] = s.coverage(name, img.Grid)
		keys := getKeys(img.Width * img.Height)
		rgbKeys(keys, img, cov[e])
		_, found := s.inspect(scaled(a, factor), name, keys, false, describeRGB)
		putKeys(keys)
		a.findings = append(a.findings, found...)
		a.findings = append(a.findings, s.unreadable(scaled(a, factor), name, cov[e].lost, img.Grid)...)
	}
	factor := imgs[0].Width / a.w
	if !sample {
		a.findings = append(a.findings, s.missing(scaled(a, factor), names, cov)...)
	}
	if len(imgs[0].Bands) < 3 || len(imgs[1].Bands) < 3 || imgs[1].Width != imgs[0].Width {
		return nil, nil
	}
	// A DSM pixel is vegetation when any of its orthophoto pixels is green
	// in either epoch: stable ground must be bare in both.
	veg := make([]bool, a.w*a.h)
	greenCells(veg, a.w, a.h, factor, [3][]uint8(imgs[0].Bands), [3][]uint8(imgs[1].Bands))
	return veg, nil
}

// rgbKeys packs each orthophoto pixel's first three bands into a key for
// the stripe and void checks: skipKey where coverage explains the pixel
// (outside every file, or in an unreadable one), invalidKey where every
// band is nodata or the alpha band is 0. It runs on every full-resolution
// pixel of both epochs, so nodata is compared as a byte, not per band as
// a float. keys holds the image's pixels; every one is set.
func rgbKeys(keys []uint32, img *raster.Image[uint8], cov cover) {
	n := img.Width * img.Height
	keys = keys[:n]
	nd, hasND := uint8(img.NoData), img.HasNoData && img.NoData >= 0 && img.NoData <= 255 && img.NoData == math.Trunc(img.NoData)
	if len(img.Bands) < 3 {
		for i := range keys {
			k, allND := uint32(0), hasND
			for b, band := range img.Bands {
				k |= uint32(band[i]) << (8 * b)
				allND = allND && band[i] == nd
			}
			if allND {
				k = invalidKey
			}
			keys[i] = k
		}
	} else {
		r, g, b := img.Bands[0][:n], img.Bands[1][:n], img.Bands[2][:n]
		var alpha []uint8
		if len(img.Bands) == 4 {
			alpha = img.Bands[3][:n]
		}
		for i := range keys {
			keys[i] = uint32(r[i]) | uint32(g[i])<<8 | uint32(b[i])<<16
		}
		if hasND {
			for i := range keys {
				if r[i] == nd && g[i] == nd && b[i] == nd && (alpha == nil || alpha[i] == nd) {
					keys[i] = invalidKey
				}
			}
		}
		if alpha != nil {
			for i, a := range alpha {
				if a == 0 {
					keys[i] = invalidKey
				}
			}
		}
		if alpha == nil && hasND {
			// Bands past the third (none is alpha here) must be nodata too.
			for _, extra := range img.Bands[3:] {
				for i, v := range extra[:n] {
					if keys[i] == invalidKey && v != nd {
						keys[i] = uint32(r[i]) | uint32(g[i])<<8 | uint32(b[i])<<16
					}
				}
			}
		}
	}
	switch {
	case cov.lost != nil:
		for i := range keys {
			if cov.explained(i) {
				keys[i] = skipKey
			}
		}
	case cov.covered != nil:
		// Every file readable (the usual mask, at a scene's edges): one
		// test a pixel.
		for i, in := range cov.covered[:n] {
			if !in {
				keys[i] = skipKey
			}
		}
	}
}

// scaled is the analysis's tile geometry on a grid factor times finer.
func scaled(a *analysis, factor int) *analysis {
	return &analysis{w: a.w * factor, h: a.h * factor, x0: a.x0 * factor, y0: a.y0 * factor, tw: a.tw * factor, th: a.th * factor}
}

func describeRGB(k uint32) string {
	return fmt.Sprintf("RGB(%d,%d,%d)", k&0xff, k>>8&0xff, k>>16&0xff)
}
