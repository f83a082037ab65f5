package report_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cdflow/cdflow/report"
	"github.com/cdflow/cdflow/schema"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden.html from the actual output")

func f32(v float32) *float32 { return &v }

// testTiles is a 4 × 5 grid of 200 m tiles, north row first: 13 train,
// 5 test, 2 val, with ΔH from −25 m to +35 m in train and one tile without
// change.
func testTiles() []schema.TileStats {
	var tiles []schema.TileStats
	for row := range int32(4) {
		for col := range int32(5) {
			i := int(row*5 + col)
			split := "train"
			switch {
			case i%4 == 1 && i < 18:
				split = "test"
			case i >= 17:
				split = "val"
			}
			minx, miny := 355000+200*float64(col), 4613000-200*float64(row+1)
			hist := make([]int32, schema.HistogramBins)
			changed := int32(0)
			for b, n := range map[int]int32{39: 300 + int32(i)*10, 41: 900 - int32(i)*7, 43: 40 + int32(i), 30: int32(i % 3), 50: 5} {
				hist[b] = n
				changed += n
			}
			t := schema.TileStats{
				TileID: fmt.Sprintf("r%03dc%03d", row, col), Split: split, Row: row, Col: col,
				MinX: minx, MinY: miny, MaxX: minx + 200, MaxY: miny + 200, EPSG: 25830,
				Pixels3D: 40000, ChangedPixels3D: changed, ChangeFraction: float64(changed) / 40000,
				DHMin: f32(-9.5 - float32(col)), DHMax: f32(10.25 + float32(row)),
				DHHistogram: hist,
				Counts: []schema.Count{{Name: "dropped_pixels.min_area", N: 100 + int32(i)}, {Name: "dropped_pixels.opening", N: 20},
					{Name: "dropped_pixels.vegetation", N: int32(i % 2)}, {Name: "dropped_pixels.review", N: 3}},
			}
			switch i {
			case 0: // the train tiles holding the dataset's extremes
				t.DHMin, t.DHHistogram[15] = f32(-25), 7
				t.ChangedPixels3D += 7
			case 2:
				t.DHMax, t.DHHistogram[75] = f32(35), 4
				t.ChangedPixels3D += 4
			case 8: // no change at all
				t.DHMin, t.DHMax, t.ChangedPixels3D = nil, nil, 0
				t.DHHistogram = make([]int32, schema.HistogramBins)
			}
			t.ChangeFraction = float64(t.ChangedPixels3D) / float64(t.Pixels3D)
			tiles = append(tiles, t)
		}
	}
	return tiles
}

const testWorkflow = `
dataset "demo" { title = "Demo <3DCD> & co" }
# <script>alert("x")</script>
source "dsm" "t0" { files = ["${var.data}/dsm_2010/*.tif"] }
`

func testInput() report.Input {
	tiles := testTiles()
	return report.Input{
		Title: "Demo 3DCD 1.0.0", Dataset: "demo", Version: "1.0.0",
		Tiles: report.TilesOf(tiles), Splits: schema.SummarizeSplits(tiles),
		Workflow: testWorkflow,
		Software: map[string]string{"cdflow": "0.1.0-dev", "GDAL": "3.6.2"},
		CRS:      "EPSG:25830",
		Created:  "2024-05-01T00:00:00Z",
		// Bins −1, +1, +3 and +10 m have ≥ 50 pixels; −25, −10 and +35 m fewer.
		CoverRange: "train", CoverMinPixels: 50,
	}
}

// subsetFill is the palette the maps and histograms must use.
var subsetFill = map[string]string{"train": "#0072b2", "test": "#e69f00", "val": "#009e73", "": "#999999"}

func TestWrite(t *testing.T) {
	withFindings := testInput()
	withFindings.Violations = []string{"mean change fraction of val is 1.4 pp from the dataset's (limit 1 pp)"}
	withFindings.QA = []report.QARow{{Tile: "r000c001", Flag: "stripes_t0", Detail: "rows 10–12 <nodata>"}}
	// From 5 pixels the −25 m bin (7 pixels, in train only) is wanted in test.
	withFindings.CoverRange, withFindings.CoverMinPixels = "test", 5

	fromTiles := testInput()
	fromTiles.Splits = nil
	fromTiles.CoverRange = ""

	beforeSplit := testInput()
	beforeSplit.Splits = nil
	unsplit := testTiles()
	for i := range unsplit {
		unsplit[i].Split = ""
	}
	beforeSplit.Tiles = report.TilesOf(unsplit)

	tests := []struct {
		name   string
		in     report.Input
		tiles  []schema.TileStats // the rows of in.Tiles
		golden string
	}{
		{name: "release", in: testInput(), tiles: testTiles(), golden: "report.golden.html"},
		{name: "findings", in: withFindings, tiles: testTiles()},
		{name: "splits from tiles", in: fromTiles, tiles: testTiles()},
		{name: "before the split", in: beforeSplit, tiles: unsplit},
		{name: "empty", in: report.Input{Dataset: "empty", Version: "0.0.1", Workflow: "tiling { size = 200 }"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report.html")
			if err := report.Write(t.Context(), path, tc.in); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}

			// Same input, same bytes.
			again := filepath.Join(dir, "again.html")
			if err := report.Write(t.Context(), again, tc.in); err != nil {
				t.Fatal(err)
			}
			if data2, err := os.ReadFile(again); err != nil {
				t.Fatal(err)
			} else if !bytes.Equal(data, data2) {
				t.Error("two writes of the same input differ")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Errorf("directory holds %d files, want the 2 reports and no temp file", len(entries))
			}

			doc, err := html.Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			splits := tc.in.Splits
			if splits == nil {
				splits = schema.SummarizeSplits(tc.tiles)
			}
			checkSelfContained(t, doc)
			checkTable2(t, doc, splits)
			checkHistograms(t, doc, splits)
			checkMaps(t, doc, tc.tiles)
			checkNoise(t, doc, tc.tiles)
			checkFindings(t, doc, tc.in)
			checkBins(t, doc, tc.in, splits)
			checkLineage(t, doc, data, tc.in)

			if tc.golden != "" {
				golden := filepath.Join("testdata", tc.golden)
				if *update {
					if err := os.WriteFile(golden, data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(data, want) {
					t.Errorf("report differs from %s; run go test -update and review the diff", golden)
				}
			}
		})
	}
}

// checkSelfContained: nothing a browser would fetch or run.
func checkSelfContained(t *testing.T, doc *html.Node) {
	t.Helper()
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode }) {
		switch n.Data {
		case "script", "link", "img", "iframe", "object", "embed", "image", "use", "foreignObject":
			t.Errorf("report has a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			switch {
			case a.Key == "src" || a.Key == "xlink:href" || strings.HasPrefix(a.Key, "on"):
				t.Errorf("<%s> has attribute %s=%q", n.Data, a.Key, a.Val)
			case a.Key == "href" && !strings.HasPrefix(a.Val, "#"):
				t.Errorf("<%s> links out: href=%q", n.Data, a.Val)
			}
		}
	}
	for _, s := range findAll(doc, element("style")) {
		if css := text(s); strings.Contains(css, "@import") || strings.Contains(css, "url(") {
			t.Errorf("inline CSS fetches something: %q", css)
		}
	}
}

func checkTable2(t *testing.T, doc *html.Node, splits []schema.SplitStats) {
	t.Helper()
	table := byID(doc, "table2-subsets")
	if len(splits) == 0 {
		if table != nil {
			t.Error("Table 2 printed without subsets")
		}
		return
	}
	if table == nil {
		t.Fatal("no table#table2-subsets")
	}
	rows := findAll(table, func(n *html.Node) bool { return isElement(n, "tr") && hasAttr(n, "data-subset") })
	if len(rows) != len(splits) {
		t.Fatalf("Table 2 has %d subset rows, want %d", len(rows), len(splits))
	}
	for i, s := range splits {
		if got, _ := attr(rows[i], "data-subset"); got != s.Subset {
			t.Errorf("Table 2 row %d is %q, want %q", i, got, s.Subset)
			continue
		}
		cells := findAll(rows[i], element("td"))
		if len(cells) != 5 {
			t.Fatalf("subset %s: %d cells, want 5", s.Subset, len(cells))
		}
		if got := text(cells[0]); got != strconv.Itoa(int(s.Tiles)) {
			t.Errorf("subset %s: tiles %q, want %d", s.Subset, got, s.Tiles)
		}
		// Printed with two decimals: read back, each is within half a unit
		// of the last digit.
		for j, want := range []*float64{&s.ChangedPct, &s.UnchangedPct, f64(s.DHMin), f64(s.DHMax)} {
			got := text(cells[j+1])
			if want == nil {
				if got != "-" {
					t.Errorf("subset %s: cell %d = %q, want -", s.Subset, j+1, got)
				}
				continue
			}
			v, err := strconv.ParseFloat(got, 64)
			if err != nil || math.Abs(v-*want) > 0.005+1e-9 || !strings.Contains(got, ".") || len(got)-strings.Index(got, ".") != 3 {
				t.Errorf("subset %s: cell %d = %q, want %.2f", s.Subset, j+1, got, *want)
			}
		}
	}
}

func f64(v *float32) *float64 {
	if v == nil {
		return nil
	}
	x := float64(*v)
	return &x
}

func checkHistograms(t *testing.T, doc *html.Node, splits []schema.SplitStats) {
	t.Helper()
	charts := findAll(doc, class("svg", "histogram"))
	if len(charts) != len(splits) {
		t.Fatalf("%d histograms, want one per subset (%d)", len(charts), len(splits))
	}
	for i, s := range splits {
		if got, _ := attr(charts[i], "data-subset"); got != s.Subset {
			t.Errorf("histogram %d is of %q, want %q", i, got, s.Subset)
		}
		bars := findAll(charts[i], class("rect", "bar"))
		if len(bars) != schema.HistogramBins {
			t.Fatalf("subset %s: %d bars, want %d", s.Subset, len(bars), schema.HistogramBins)
		}
		// Bars from left to right; taller for more pixels; none for none.
		maxH, tallest := -1.0, -1
		for b, bar := range bars {
			x, h := num(t, bar, "x"), num(t, bar, "height")
			if b > 0 && x <= num(t, bars[b-1], "x") {
				t.Errorf("subset %s: bar %d not right of bar %d", s.Subset, b, b-1)
			}
			if (s.DHHistogram[b] == 0) != (h == 0) {
				t.Errorf("subset %s: bin %d holds %d pixels but its bar is %g high", s.Subset, b, s.DHHistogram[b], h)
			}
			if fill, _ := attr(bar, "fill"); fill != subsetFill[s.Subset] {
				t.Errorf("subset %s: bar fill %s, want %s", s.Subset, fill, subsetFill[s.Subset])
			}
			if !strings.Contains(text(bar), fmt.Sprintf(": %d changed pixels", s.DHHistogram[b])) {
				t.Errorf("subset %s: bin %d tooltip %q lacks its count %d", s.Subset, b, text(bar), s.DHHistogram[b])
			}
			if h > maxH {
				maxH, tallest = h, b
			}
		}
		if want := slices.Index(s.DHHistogram, slices.Max(s.DHHistogram)); tallest != want {
			t.Errorf("subset %s: tallest bar is bin %d, want %d", s.Subset, tallest, want)
		}
	}
	if len(splits) > 0 {
		overlay := byID(doc, "hist-overlay")
		if overlay == nil {
			t.Fatal("no overlay of the normalized distributions")
		}
		if lines := findAll(overlay, element("polyline")); len(lines) != len(splits) {
			t.Errorf("overlay has %d lines, want %d", len(lines), len(splits))
		}
	}
}

func checkMaps(t *testing.T, doc *html.Node, tiles []schema.TileStats) {
	t.Helper()
	bySubset, byChange := byID(doc, "map-subset"), byID(doc, "map-change")
	if len(tiles) == 0 {
		if bySubset != nil || byChange != nil {
			t.Error("maps drawn without tiles")
		}
		return
	}
	if bySubset == nil || byChange == nil {
		t.Fatal("missing #map-subset or #map-change")
	}
	rects := findAll(bySubset, class("rect", "tile"))
	if len(rects) != len(tiles) {
		t.Fatalf("subset map has %d tiles, want %d", len(rects), len(tiles))
	}
	byTile := map[string]*html.Node{}
	for _, r := range rects {
		id, _ := attr(r, "data-tile")
		byTile[id] = r
	}
	for _, tile := range tiles {
		r := byTile[tile.TileID]
		if r == nil {
			t.Errorf("tile %s not on the map", tile.TileID)
			continue
		}
		if fill, _ := attr(r, "fill"); fill != subsetFill[tile.Split] {
			t.Errorf("tile %s (%s): fill %s, want %s", tile.TileID, tile.Split, fill, subsetFill[tile.Split])
		}
		if title := text(firstOf(r, element("title"))); !strings.HasPrefix(title, tile.TileID+" ") {
			t.Errorf("tile %s: tooltip %q", tile.TileID, title)
		}
	}
	// North up, east right: map x grows with minx, map y with −maxy.
	for _, a := range tiles {
		for _, b := range tiles {
			ra, rb := byTile[a.TileID], byTile[b.TileID]
			if ra == nil || rb == nil {
				continue
			}
			if a.MinX < b.MinX && num(t, ra, "x") >= num(t, rb, "x") {
				t.Errorf("tile %s is west of %s but not left of it", a.TileID, b.TileID)
			}
			if a.MaxY > b.MaxY && num(t, ra, "y") >= num(t, rb, "y") {
				t.Errorf("tile %s is north of %s but not above it", a.TileID, b.TileID)
			}
		}
	}
	change := findAll(byChange, class("rect", "tile"))
	if len(change) != len(tiles) {
		t.Fatalf("change map has %d tiles, want %d", len(change), len(tiles))
	}
	most := slices.MaxFunc(tiles, func(a, b schema.TileStats) int { return cmpF(a.ChangeFraction, b.ChangeFraction) })
	for _, r := range change {
		id, _ := attr(r, "data-tile")
		fill, _ := attr(r, "fill")
		if (id == most.TileID) != (fill == "#7f2704") {
			t.Errorf("change map: tile %s has fill %s; only the most changed tile %s is darkest", id, fill, most.TileID)
		}
	}
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func checkNoise(t *testing.T, doc *html.Node, tiles []schema.TileStats) {
	t.Helper()
	table := byID(doc, "noise-removal")
	if len(tiles) == 0 {
		if table != nil {
			t.Error("noise table printed without tiles")
		}
		return
	}
	if table == nil {
		t.Fatal("no table#noise-removal")
	}
	want := map[string][]int64{}
	total := make([]int64, 6)
	for _, tile := range tiles {
		c := func(r string) int64 { return int64(tile.Count("dropped_pixels." + r)) }
		row := []int64{c("min_area"), c("opening"), c("vegetation"), c("review"),
			c("min_area") + c("opening") + c("vegetation") + c("review"), int64(tile.ChangedPixels3D)}
		if want[tile.Split] == nil {
			want[tile.Split] = make([]int64, 6)
		}
		for i, v := range row {
			want[tile.Split][i] += v
			total[i] += v
		}
	}
	rows := findAll(table, element("tr"))
	seen := 0
	for _, r := range rows {
		var w []int64
		if s, ok := attr(r, "data-subset"); ok {
			w = want[s]
			seen++
		} else if c, _ := attr(r, "class"); c == "total" {
			w = total
		} else {
			continue
		}
		cells := findAll(r, element("td"))
		if len(cells) != 7 || w == nil {
			t.Fatalf("noise row %q: %d cells", text(r), len(cells))
		}
		for i, v := range w {
			if got := text(cells[i]); got != strconv.FormatInt(v, 10) {
				t.Errorf("noise row %q: cell %d = %s, want %d", text(r), i, got, v)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("noise table has %d subset rows, want %d", seen, len(want))
	}
}

func checkFindings(t *testing.T, doc *html.Node, in report.Input) {
	t.Helper()
	if len(in.Violations) == 0 {
		if n := byID(doc, "violations-none"); n == nil || text(n) != "All split constraints met." {
			t.Error(`no "All split constraints met."`)
		}
	} else {
		var got []string
		for _, li := range findAll(byID(doc, "violations"), element("li")) {
			got = append(got, text(li))
		}
		if !slices.Equal(got, in.Violations) {
			t.Errorf("violations %q, want %q", got, in.Violations)
		}
	}
	if len(in.QA) == 0 {
		if n := byID(doc, "qa-none"); n == nil || text(n) != "No findings." {
			t.Error(`no "No findings." in the QA section`)
		}
		return
	}
	var got []report.QARow
	for _, tr := range findAll(byID(doc, "qa-findings"), element("tr")) {
		if c := findAll(tr, element("td")); len(c) == 3 {
			got = append(got, report.QARow{Tile: text(c[0]), Flag: text(c[1]), Detail: text(c[2])})
		}
	}
	if !slices.Equal(got, in.QA) {
		t.Errorf("QA rows %q, want %q", got, in.QA)
	}
}

// checkBins reads the ΔH bin table back: a row per bin with changed
// pixels, each subset's pixels in it, the bins below the cover minimum
// greyed and "missing" exactly where the cover subset lacks a wanted bin.
func checkBins(t *testing.T, doc *html.Node, in report.Input, splits []schema.SplitStats) {
	t.Helper()
	table := byID(doc, "dh-bins")
	var want [][]string
	var classes []string
	missing := 0
	for b := range schema.HistogramBins {
		var total int64
		for _, s := range splits {
			total += s.DHHistogram[b]
		}
		if total == 0 {
			continue
		}
		row := []string{fmt.Sprint(total)}
		wanted := in.CoverRange != "" && total >= in.CoverMinPixels
		for _, s := range splits {
			switch n := s.DHHistogram[b]; {
			case n > 0:
				row = append(row, fmt.Sprint(n))
			case wanted && s.Subset == in.CoverRange:
				row = append(row, "missing")
				missing++
			default:
				row = append(row, "–")
			}
		}
		want = append(want, row)
		switch {
		case wanted:
			classes = append(classes, "wanted")
		case in.CoverRange != "":
			classes = append(classes, "spike")
		default:
			classes = append(classes, "")
		}
	}
	if len(want) == 0 {
		if table != nil {
			t.Error("a ΔH bin table without changed pixels")
		}
		return
	}
	if table == nil {
		t.Fatal("no ΔH bin table")
	}
	var got [][]string
	var gotClasses []string
	for _, tr := range findAll(firstOf(table, element("tbody")), element("tr")) {
		var row []string
		for _, td := range findAll(tr, element("td")) {
			row = append(row, text(td))
		}
		got = append(got, row)
		c, _ := attr(tr, "class")
		gotClasses = append(gotClasses, c)
	}
	if !slices.EqualFunc(got, want, slices.Equal) || !slices.Equal(gotClasses, classes) {
		t.Errorf("bin rows %q %q, want %q %q", got, gotClasses, want, classes)
	}
	if n := len(findAll(table, class("td", "bad"))); n != missing {
		t.Errorf("%d bins marked missing, want %d", n, missing)
	}
	if in.CoverRange == "test" && missing == 0 {
		t.Error("the findings case has no missing bin: it tests nothing")
	}
}

func checkLineage(t *testing.T, doc *html.Node, raw []byte, in report.Input) {
	t.Helper()
	pre := byID(doc, "workflow")
	if pre == nil || !isElement(pre, "pre") {
		t.Fatal("no pre#workflow")
	}
	if got := text(pre); got != in.Workflow {
		t.Errorf("workflow reads back as %q, want %q", got, in.Workflow)
	}
	if strings.Contains(in.Workflow, "<") && !bytes.Contains(raw, []byte("&lt;script&gt;")) {
		t.Error("workflow text is not escaped")
	}
	var names []string
	for _, tr := range findAll(doc, func(n *html.Node) bool { return isElement(n, "tr") && ancestorID(n, "software") }) {
		if c := findAll(tr, element("td")); len(c) == 2 {
			if in.Software[text(c[0])] != text(c[1]) {
				t.Errorf("software %s = %s, want %s", text(c[0]), text(c[1]), in.Software[text(c[0])])
			}
			names = append(names, text(c[0]))
		}
	}
	if len(names) != len(in.Software) || !slices.IsSorted(names) {
		t.Errorf("software rows %q: want every entry of %v, sorted", names, in.Software)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "report.html")
	if err := os.WriteFile(existing, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	badHist := testInput()
	badHist.Splits[1].DHHistogram = badHist.Splits[1].DHHistogram[:79]
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()

	tests := []struct {
		name    string
		ctx     context.Context
		path    string
		in      report.Input
		wantErr string
		is      error
	}{
		{name: "histogram bins", ctx: t.Context(), path: existing, in: badHist, wantErr: `subset "test": dh_histogram has 79 bins, want 80`},
		{name: "missing directory", ctx: t.Context(), path: filepath.Join(dir, "nowhere", "report.html"), in: testInput(), wantErr: "nowhere", is: os.ErrNotExist},
		{name: "cancelled", ctx: cancelled, path: existing, in: testInput(), is: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := report.Write(tc.ctx, tc.path, tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not name %s and %q", err, tc.path, tc.wantErr)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			// A failed write leaves the old file and no temp file.
			if data, err := os.ReadFile(existing); err != nil || string(data) != "old" {
				t.Errorf("existing report changed: %q, %v", data, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("directory holds %d entries, want 1", len(entries))
			}
		})
	}
}

// HTML tree helpers.

func findAll(root *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if root == nil {
		return nil
	}
	for n := range root.Descendants() {
		if match(n) {
			out = append(out, n)
		}
	}
	return out
}

func firstOf(root *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(root, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func byID(root *html.Node, id string) *html.Node {
	return firstOf(root, func(n *html.Node) bool { v, ok := attr(n, "id"); return ok && v == id })
}

func ancestorID(n *html.Node, id string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if v, _ := attr(p, "id"); v == id {
			return true
		}
	}
	return false
}

func isElement(n *html.Node, name string) bool { return n.Type == html.ElementNode && n.Data == name }

func element(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return isElement(n, name) }
}

func class(name, cls string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		c, _ := attr(n, "class")
		return isElement(n, name) && slices.Contains(strings.Fields(c), cls)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasAttr(n *html.Node, key string) bool { _, ok := attr(n, key); return ok }

func num(t *testing.T, n *html.Node, key string) float64 {
	t.Helper()
	s, _ := attr(n, key)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.Data, key, s, err)
	}
	return v
}

// text is the text content of n, as a browser shows it inside <pre>.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// TestLargeGridMap draws a grid of more tiles than the maps draw one by
// one (120 × 100): squares of 2 × 2 tiles, each coloured by the subset
// most of its tiles are in and by their mean change fraction, and every
// tile counted once; the noise table still sums every tile.
func TestLargeGridMap(t *testing.T) {
	const cols, rows = 120, 100
	var tiles []schema.TileStats
	for row := range int32(rows) {
		for col := range int32(cols) {
			// West half train, east half test; one tile of each square of
			// the north-west quarter val, so those squares stay train.
			split := "train"
			if col >= cols/2 {
				split = "test"
			}
			if row < rows/2 && col < cols/2 && row%2 == 0 && col%2 == 0 {
				split = "val"
			}
			minx, miny := 355000+200*float64(col), 4613000-200*float64(row+1)
			frac := 0.0
			if row/2 == 7 && col/2 == 11 { // one square changes most
				frac = 0.5
			}
			tiles = append(tiles, schema.TileStats{
				TileID: fmt.Sprintf("r%03dc%03d", row, col), Split: split, Row: row, Col: col,
				MinX: minx, MinY: miny, MaxX: minx + 200, MaxY: miny + 200,
				Pixels3D: 40000, ChangedPixels3D: int32(frac * 40000), ChangeFraction: frac,
				DHHistogram: make([]int32, schema.HistogramBins),
				Counts:      []schema.Count{{Name: "dropped_pixels.min_area", N: 1}, {Name: "dropped_pixels.opening", N: 2}, {Name: "dropped_pixels.vegetation", N: row % 3}},
			})
			// The last stage only test tiles count (and the first tile, to
			// set the stages' order): the other subsets' rows still have
			// a cell for it.
			if split == "test" || len(tiles) == 1 {
				tiles[len(tiles)-1].Counts = append(tiles[len(tiles)-1].Counts, schema.Count{Name: "dropped_pixels.review", N: int32(5 * (len(tiles) % 2))})
			}
		}
	}
	in := report.Input{Dataset: "large", Version: "1.0.0", Tiles: report.TilesOf(tiles), Workflow: "tiling { size = 200 }"}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := report.Write(t.Context(), path, in); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 2<<20 {
		t.Errorf("report of %d tiles is %d bytes; the maps should draw squares, not tiles", len(tiles), len(data))
	}
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"map-subset", "map-change"} {
		m := byID(doc, id)
		if m == nil {
			t.Fatalf("missing #%s", id)
		}
		if n := len(findAll(m, class("rect", "tile"))); n != 0 {
			t.Errorf("#%s draws %d tiles one by one", id, n)
		}
		squares := findAll(m, class("rect", "tiles"))
		if len(squares) != cols*rows/4 {
			t.Fatalf("#%s has %d squares, want %d", id, len(squares), cols*rows/4)
		}
		total := 0
		for _, sq := range squares {
			title := text(firstOf(sq, element("title")))
			n, err := strconv.Atoi(strings.Fields(title)[0])
			if err != nil {
				t.Fatalf("square tooltip %q does not start with its tile count", title)
			}
			total += n
			x, y := num(t, sq, "x"), num(t, sq, "y")
			fill, _ := attr(sq, "fill")
			if id == "map-subset" {
				// x grows east: the west half is train (val in one tile of
				// four), the east half test.
				want := subsetFill["train"]
				if x >= 8+560/2-1 {
					want = subsetFill["test"]
				}
				if fill != want {
					t.Errorf("square at %.0f,%.0f (%s): fill %s, want %s", x, y, title, fill, want)
				}
			} else if hot := strings.Contains(title, "mean change fraction 50.00 %"); hot != (fill == "#7f2704") {
				t.Errorf("change map: square %q has fill %s; only the most changed square is darkest", title, fill)
			}
		}
		if total != len(tiles) {
			t.Errorf("#%s: squares count %d tiles, want %d", id, total, len(tiles))
		}
	}
	var legend []string
	for _, n := range findAll(byID(doc, "map-subset"), element("text")) {
		legend = append(legend, text(n))
	}
	for _, want := range []string{fmt.Sprintf("train (%d tiles)", cols*rows/2-cols*rows/16), fmt.Sprintf("test (%d tiles)", cols*rows/2), fmt.Sprintf("val (%d tiles)", cols*rows/16)} {
		if !slices.Contains(legend, want) {
			t.Errorf("subset legend %q has no %q", legend, want)
		}
	}
	checkNoise(t, doc, tiles)
}

// TestDegenerateGridMap draws more tiles than the maps draw one by one,
// all of them points spread over a grid: the squares still spread over
// the map, at most 10 000 of them.
func TestDegenerateGridMap(t *testing.T) {
	var tiles []schema.TileStats
	for i := range 10100 {
		x, y := 355000+10*float64(i%101), 4613000-10*float64(i/101)
		tiles = append(tiles, schema.TileStats{TileID: fmt.Sprintf("t%05d", i), Split: "train", MinX: x, MinY: y, MaxX: x, MaxY: y,
			DHHistogram: make([]int32, schema.HistogramBins)})
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := report.Write(t.Context(), path, report.Input{Dataset: "points", Version: "1.0.0", Tiles: report.TilesOf(tiles)}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	squares := findAll(byID(doc, "map-subset"), class("rect", "tiles"))
	if len(squares) == 0 || len(squares) > 10000 {
		t.Errorf("%d squares, want 1 to 10 000", len(squares))
	}
	xs := map[string]bool{}
	for _, sq := range squares {
		x, _ := attr(sq, "x")
		xs[x] = true
	}
	if len(xs) < 10 {
		t.Errorf("squares in %d columns: the grid of points should spread over many", len(xs))
	}
}
