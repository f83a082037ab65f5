package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cdflow/cdflow/schema"
)

// Sizes in SVG user units (pixels at 100 %): the frame of every ΔH chart,
// then the bounds of the tile maps.
const (
	chartW, chartH     = 640, 240
	plotL, plotR       = 64, 16 // margins: y labels left, a little air right
	plotT, plotB       = 12, 44 // margins: air on top, x labels below
	plotX0, plotX1     = plotL, chartW - plotR
	plotY0, plotY1     = chartH - plotB, plotT // y grows downwards: Y0 is the axis
	histMin, histMax   = schema.HistogramMin, schema.HistogramMin + schema.HistogramBins
	mapMaxW, mapMaxH   = 560, 480
	mapMargin, legendW = 8, 150
	binWidth           = float64(plotX1-plotX0) / schema.HistogramBins
	colorNone          = "#999999" // tiles not in any subset
)

// subsetPalette is Okabe and Ito's colour-blind safe palette: train, test,
// val first, as everywhere in cdflow, then other subsets in order.
var (
	subsetPalette = map[string]string{"train": "#0072b2", "test": "#e69f00", "val": "#009e73", "validate": "#009e73", "validation": "#009e73"}
	extraPalette  = []string{"#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"}
)

func subsetColors(order []string) map[string]string {
	c := map[string]string{}
	next := 0
	for _, s := range order {
		switch col, ok := subsetPalette[s]; {
		case ok:
			c[s] = col
		case s == "":
			c[s] = colorNone
		default:
			c[s] = extraPalette[next%len(extraPalette)]
			next++
		}
	}
	return c
}

// Chart geometry shared by the template: the frame and the x axis, which
// is the same for every ΔH chart.
type frame struct {
	W, H, X0, X1, Y0, Y1 int
	XMid, YMid           int // axis label anchors
	XLabelY, XTickY      int // baselines of the x axis label and tick labels
	XTickEnd             int // lower end of the x tick marks
	YTickX               int // right end of the y tick labels
}

var chartFrame = frame{
	W: chartW, H: chartH, X0: plotX0, X1: plotX1, Y0: plotY0, Y1: plotY1,
	XMid: (plotX0 + plotX1) / 2, YMid: (plotY0 + plotY1) / 2,
	XLabelY: chartH - 6, XTickY: plotY0 + 17, XTickEnd: plotY0 + 5, YTickX: plotX0 - 6,
}

// XTicks are the ΔH axis ticks, every 10 m.
func (frame) XTicks() []tick {
	var t []tick
	for v := histMin; v <= histMax; v += 10 {
		t = append(t, tick{Pos: fixed(dhX(float64(v)), 2), Label: strconv.Itoa(v)})
	}
	return t
}

type tick struct{ Pos, Label string }

func dhX(dh float64) float64 {
	return plotX0 + (dh-histMin)*binWidth
}

type bar struct{ X, Y, W, H, Title string }

// histogram is one subset's ΔH distribution (the paper's Figures 6–8).
type histogram struct {
	Subset, Name, Color, Changed string
	Bars                         []bar
	YTicks                       []tick
}

// newHistogram draws the counts on a log(1 + n) axis: the changed pixels
// pile up within a few metres of the threshold while the tails that show
// whether a subset covers −25 … +35 m hold a handful each, and a linear
// axis would flatten them to nothing. Every bin gets a bar (zero-height
// when empty) so each has its tooltip.
func newHistogram(s schema.SplitStats, color string) histogram {
	var maxN, total int64
	for _, n := range s.DHHistogram {
		maxN, total = max(maxN, n), total+n
	}
	// The axis itself is 0; ticks at 1, 10, … up to the smallest power of
	// ten holding the tallest bar.
	top := int64(1)
	for top < maxN {
		top *= 10
	}
	scale := float64(plotY0-plotY1) / math.Log10(1+float64(top))
	y := func(n int64) float64 { return plotY0 - scale*math.Log10(1+float64(n)) }

	h := histogram{Subset: s.Subset, Name: subsetName(s.Subset), Color: color, Changed: strconv.FormatInt(total, 10)}
	for v := int64(1); v <= top; v *= 10 {
		h.YTicks = append(h.YTicks, tick{Pos: fixed(y(v), 2), Label: strconv.FormatInt(v, 10)})
	}
	for i, n := range s.DHHistogram {
		lo := histMin + i
		top := y(n)
		h.Bars = append(h.Bars, bar{
			X: fixed(dhX(float64(lo)), 2), W: fixed(binWidth, 2),
			Y: fixed(top, 2), H: fixed(plotY0-top, 2),
			Title: fmt.Sprintf("%s: ΔH %s m: %d changed pixels", h.Name, binLabel(i), n),
		})
	}
	return h
}

// binLabel names bin i the way its contents are defined: the outer bins
// also hold everything beyond the axis.
func binLabel(i int) string {
	lo, hi := histMin+i, histMin+i+1
	switch i {
	case 0:
		return fmt.Sprintf("< %d", hi)
	case schema.HistogramBins - 1:
		return fmt.Sprintf("≥ %d", lo)
	}
	return fmt.Sprintf("%d … %d", lo, hi)
}

// overlay compares the subsets' ΔH distributions, each normalized to the
// share of its changed pixels per bin: the question is whether train, test
// and val have the same shape, whatever their sizes. A linear axis shows
// where the mass is; the per-subset charts show the tails.
type overlay struct {
	Lines  []line
	YTicks []tick
}

type line struct {
	Subset, Name, Color, Points                string
	LegendX, LegendY, LegendTextX, LegendTextY string
}

func newOverlay(splits []schema.SplitStats, colors map[string]string) overlay {
	shares := make([][]float64, len(splits))
	maxShare := 0.0
	for i, s := range splits {
		var total int64
		for _, n := range s.DHHistogram {
			total += n
		}
		if total == 0 {
			continue
		}
		shares[i] = make([]float64, len(s.DHHistogram))
		for b, n := range s.DHHistogram {
			shares[i][b] = 100 * float64(n) / float64(total)
			maxShare = max(maxShare, shares[i][b])
		}
	}
	var o overlay
	top, k := niceCeil(maxShare)
	prec := max(0, 1-k) // top/5 is a multiple of 10^(k−1)
	y := func(v float64) float64 { return plotY0 - (plotY0-plotY1)*v/top }
	for i := 0; i <= 5; i++ {
		v := top * float64(i) / 5
		o.YTicks = append(o.YTicks, tick{Pos: fixed(y(v), 2), Label: fixed(v, prec)})
	}
	for i, s := range splits {
		if shares[i] == nil {
			continue
		}
		// A step line, flat across each bin so it reads as a histogram,
		// with a vertex only where the value changes.
		var pts strings.Builder
		prev := ""
		for b, v := range shares[i] {
			x, yy := fixed(dhX(float64(histMin+b)), 2), fixed(y(v), 2)
			if yy == prev {
				continue
			}
			if prev != "" {
				fmt.Fprintf(&pts, "%s,%s ", x, prev)
			}
			fmt.Fprintf(&pts, "%s,%s ", x, yy)
			prev = yy
		}
		fmt.Fprintf(&pts, "%s,%s", fixed(plotX1, 2), prev)
		n := len(o.Lines)
		o.Lines = append(o.Lines, line{
			Subset: s.Subset, Name: subsetName(s.Subset), Color: colors[s.Subset],
			Points:  pts.String(),
			LegendX: strconv.Itoa(plotX1 - 100), LegendY: strconv.Itoa(plotY1 + 4 + 18*n),
			LegendTextX: strconv.Itoa(plotX1 - 82), LegendTextY: strconv.Itoa(plotY1 + 14 + 18*n),
		})
	}
	return o
}

// niceCeil returns the smallest of 1, 2 or 5 × 10^k that is ≥ v, and k;
// 1 for v ≤ 0.
func niceCeil(v float64) (float64, int) {
	if v <= 0 {
		return 1, 0
	}
	k := int(math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5} {
		if top := m * math.Pow10(k); top >= v {
			return top, k
		}
	}
	return math.Pow10(k + 1), k + 1
}

// tileMap is the tile grid in map coordinates, north up: one rect per
// tile, a legend to the right and a scale bar below.
type tileMap struct {
	ID, Caption    string
	Squares        bool // squares of several tiles, not one rect per tile
	W, H           string
	Tiles          []tileRect
	Legend         []legendItem
	LegendX        string
	LegendTextX    string
	ScaleX0        string
	ScaleX1        string
	ScaleY         string
	ScaleLabel     string
	ScaleLabelY    string
	ScaleLabelXMid string
}

type tileRect struct{ X, Y, W, H, Fill, Tile, Subset, Title string }

type legendItem struct{ Y, TextY, Color, Label string }

// maxMapTiles is the most tiles a map draws one by one, each with its ID:
// beyond, a tile would be a pixel or less, and the report of a national
// release hundreds of megabytes, so squares of k × k tiles are drawn.
const maxMapTiles = 10000

// newTileMaps draws the grid twice: coloured by subset, then by change
// fraction. Nil without tiles.
func newTileMaps(ts *Tiles, order []string, colors map[string]string) []tileMap {
	if ts.Len() == 0 {
		return nil
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, t := range ts.places {
		minX, minY = min(minX, t.minX), min(minY, t.minY)
		maxX, maxY = max(maxX, t.maxX), max(maxY, t.maxY)
	}
	dx, dy := max(maxX-minX, 1e-9), max(maxY-minY, 1e-9)
	scale := min(mapMaxW/dx, mapMaxH/dy)
	w, h := dx*scale, dy*scale

	// Scale bar: the longest round length up to a quarter of the map.
	length, _ := niceFloor(dx / 4)
	base := tileMap{
		// Room for the scale bar below and for a five-entry legend however
		// flat the grid.
		W: fixed(w+2*mapMargin+legendW, 0), H: fixed(max(h, 100)+2*mapMargin+36, 0),
		LegendX: fixed(w+2*mapMargin+8, 0), LegendTextX: fixed(w+2*mapMargin+28, 0),
		ScaleX0: fixed(mapMargin, 2), ScaleX1: fixed(mapMargin+length*scale, 2),
		ScaleY: fixed(h+mapMargin+16, 2), ScaleLabelY: fixed(h+mapMargin+30, 2),
		ScaleLabelXMid: fixed(mapMargin+length*scale/2, 2),
		ScaleLabel:     strconv.FormatFloat(length, 'f', -1, 64) + " m",
	}
	bySubset, byChange := base, base
	bySubset.ID, bySubset.Caption = "map-subset", "Tile grid by subset"
	byChange.ID = "map-change"
	rect := func(x0, y0, x1, y1 float64) tileRect {
		return tileRect{
			X: fixed(mapMargin+(x0-minX)*scale, 2), Y: fixed(mapMargin+(maxY-y1)*scale, 2),
			W: fixed((x1-x0)*scale, 2), H: fixed((y1-y0)*scale, 2),
		}
	}
	count := make([]int, len(ts.subsets))
	for _, t := range ts.places {
		count[t.subset]++
	}
	var maxFrac float64
	if ts.ids != nil {
		for _, t := range ts.places {
			maxFrac = max(maxFrac, t.frac)
		}
		byChange.Caption = "Tile grid by change fraction (changed / valid pixels of cd3d), 0 … " + fixed(100*maxFrac, 2) + " %"
		for i, t := range ts.places {
			r := rect(t.minX, t.minY, t.maxX, t.maxY)
			id, split := ts.ids[i], ts.subsets[t.subset]
			r.Tile, r.Subset = id, split
			r.Fill = colors[split]
			r.Title = fmt.Sprintf("%s (%s): change fraction %s %%", id, subsetName(split), fixed(100*t.frac, 2))
			bySubset.Tiles = append(bySubset.Tiles, r)
			r.Fill = changeColor(t.frac, maxFrac)
			byChange.Tiles = append(byChange.Tiles, r)
		}
	} else {
		var k int
		bySubset.Tiles, byChange.Tiles, maxFrac, k = squares(ts, order, colors, minX, maxY, rect)
		bySubset.Squares, byChange.Squares = true, true
		side := fmt.Sprintf("%d × %d", k, k)
		bySubset.Caption += ", in squares of " + side + " tiles coloured by the subset most of their tiles are in"
		byChange.Caption = "Tile grid by change fraction (changed / valid pixels of cd3d), averaged over squares of " + side + " tiles, 0 … " + fixed(100*maxFrac, 2) + " %"
	}
	for _, s := range order {
		if k, ok := ts.subset[s]; ok && count[k] > 0 {
			bySubset.Legend = append(bySubset.Legend, legendEntry(len(bySubset.Legend), colors[s], fmt.Sprintf("%s (%d tiles)", subsetName(s), count[k])))
		}
	}
	for i := 0; i <= 4; i++ {
		f := maxFrac * float64(i) / 4
		byChange.Legend = append(byChange.Legend, legendEntry(i, changeColor(f, maxFrac), fixed(100*f, 2)+" %"))
	}
	return []tileMap{bySubset, byChange}
}

// squares draws a grid of too many tiles as squares of k × k tiles (k
// the smallest that makes at most maxMapTiles squares), north-west first:
// by the subset most of a square's tiles are in (the first in order on a
// tie) and by their mean change fraction, whose largest it returns. A tile
// belongs to the square its centre falls in; squares without tiles are
// not drawn.
func squares(ts *Tiles, order []string, colors map[string]string, minX, maxY float64, rect func(x0, y0, x1, y1 float64) tileRect) (bySubset, byChange []tileRect, maxFrac float64, k int) {
	var minY, maxX float64 = maxY, minX
	for _, t := range ts.places {
		minY, maxX = min(minY, t.minY), max(maxX, t.maxX)
	}
	// Squares are k × k times the first tile; a tile without extent
	// (never made by a tiling) falls back to a square grid of the tiles.
	first := ts.places[0]
	tw, th := first.maxX-first.minX, first.maxY-first.minY
	side := math.Ceil(math.Sqrt(float64(len(ts.places))))
	if !(tw > 0) {
		tw = max(maxX-minX, 1e-9) / side
	}
	if !(th > 0) {
		th = max(maxY-minY, 1e-9) / side
	}
	cols := func(k int) float64 { return max(1, math.Ceil((maxX-minX)/(float64(k)*tw))) }
	rows := func(k int) float64 { return max(1, math.Ceil((maxY-minY)/(float64(k)*th))) }
	k = max(1, int(math.Sqrt(cols(1)*rows(1)/maxMapTiles)))
	for cols(k)*rows(k) > maxMapTiles {
		k++
	}
	nc, nr := int(cols(k)), int(rows(k))
	cw, ch := float64(k)*tw, float64(k)*th
	type square struct {
		n     int
		frac  float64
		count []int // by subset index
	}
	sq := map[int]*square{}
	for _, t := range ts.places {
		c := min(max(int(((t.minX+t.maxX)/2-minX)/cw), 0), nc-1)
		r := min(max(int((maxY-(t.minY+t.maxY)/2)/ch), 0), nr-1)
		s := sq[r*nc+c]
		if s == nil {
			s = &square{count: make([]int, len(ts.subsets))}
			sq[r*nc+c] = s
		}
		s.n++
		s.frac += t.frac
		s.count[t.subset]++
	}
	// A subset's rank: Table 2's order, then any the tiles alone name.
	rank := make([]int, len(ts.subsets))
	for i, name := range ts.subsets {
		rank[i] = len(order) + i
		for j, o := range order {
			if o == name {
				rank[i] = j
				break
			}
		}
	}
	for i := range nr * nc {
		if s := sq[i]; s != nil {
			maxFrac = max(maxFrac, s.frac/float64(s.n))
		}
	}
	byRank := sortedByRank(rank)
	for i := range nr * nc {
		s := sq[i]
		if s == nil {
			continue
		}
		r, c := i/nc, i%nc
		x0, y1 := minX+float64(c)*cw, maxY-float64(r)*ch
		box := rect(x0, max(y1-ch, minY), min(x0+cw, maxX), y1)
		most := 0
		for j := range s.count {
			if s.count[j] > s.count[most] || (s.count[j] == s.count[most] && rank[j] < rank[most]) {
				most = j
			}
		}
		split := ts.subsets[most]
		var parts []string
		for _, j := range byRank {
			if s.count[j] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", subsetName(ts.subsets[j]), s.count[j]))
			}
		}
		mean := s.frac / float64(s.n)
		box.Subset = split
		box.Fill = colors[split]
		box.Title = fmt.Sprintf("%d tiles: %s; mean change fraction %s %%", s.n, strings.Join(parts, ", "), fixed(100*mean, 2))
		bySubset = append(bySubset, box)
		box.Fill = changeColor(mean, maxFrac)
		byChange = append(byChange, box)
	}
	return bySubset, byChange, maxFrac, k
}

// sortedByRank lists subset indexes by rank.
func sortedByRank(rank []int) []int {
	idx := make([]int, len(rank))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return rank[a] - rank[b] })
	return idx
}

func legendEntry(i int, color, label string) legendItem {
	y := mapMargin + 20*i
	return legendItem{Y: strconv.Itoa(y), TextY: strconv.Itoa(y + 11), Color: color, Label: label}
}

// niceFloor returns the largest of 1, 2 or 5 × 10^k that is ≤ v (v > 0).
func niceFloor(v float64) (float64, int) {
	k := int(math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if top := m * math.Pow10(k); top <= v {
			return top, k
		}
	}
	return math.Pow10(k), k
}

// changeStops is a light-to-dark orange ramp (ColorBrewer "Oranges"), so
// the most changed tiles stand out.
var changeStops = [][3]float64{{0xff, 0xf5, 0xeb}, {0xfd, 0x8d, 0x3c}, {0x7f, 0x27, 0x04}}

func changeColor(f, maxFrac float64) string {
	t := 0.0
	if maxFrac > 0 {
		t = min(max(f/maxFrac, 0), 1)
	}
	seg := min(int(t*float64(len(changeStops)-1)), len(changeStops)-2)
	u := t*float64(len(changeStops)-1) - float64(seg)
	a, b := changeStops[seg], changeStops[seg+1]
	var c [3]int
	for i := range c {
		c[i] = int(math.Round(a[i] + (b[i]-a[i])*u))
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2])
}
