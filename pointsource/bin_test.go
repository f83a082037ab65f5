package pointsource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdflow/cdflow/raster"
)

// gridTiles lays out the tiles of cells on g, each grown by the halo, as
// the executor does: tile (c, r) spans Origin + c×Size to + Size.
func gridTiles(g Grid, cells [][2]int) []Tile {
	var tiles []Tile
	for _, c := range cells {
		x0 := g.Origin[0] + float64(c[0])*g.Size
		y0 := g.Origin[1] + float64(c[1])*g.Size
		x1 := g.Origin[0] + float64(c[0]+1)*g.Size
		y1 := g.Origin[1] + float64(c[1]+1)*g.Size
		tiles = append(tiles, Tile{
			ID:   fmt.Sprintf("t_%d_%d", c[0], c[1]),
			Work: raster.Extent{MinX: x0 - g.Halo, MinY: y0 - g.Halo, MaxX: x1 + g.Halo, MaxY: y1 + g.Halo},
		})
	}
	return tiles
}

// inWork is the tile membership the tests expect: the work extent holds
// its edges (Tile's doc: "edges included").
func inWork(w raster.Extent, x, y float64) bool {
	return x >= w.MinX && x <= w.MaxX && y >= w.MinY && y <= w.MaxY
}

// expectBins decodes the LAS and LAZ files of info directly, in file then
// record order, and returns each tile's points (z in metres) and the number
// of points kept (in at least one tile).
func expectBins(t testing.TB, info *Info, r rule, tiles []Tile) (map[string][]xyz, int64, int64) {
	t.Helper()
	want := map[string][]xyz{}
	var read, kept int64
	for _, f := range info.Files {
		if f.COPC {
			continue
		}
		pts := decodeAll(t, f.Path)
		read += int64(len(pts))
		for _, p := range pts {
			if !r.wants(p.Classification, p.ReturnNumber, p.NumberOfReturns, p.ClassificationFlags&4 != 0) {
				continue
			}
			in := false
			for _, tl := range tiles {
				if inWork(tl.Work, p.X, p.Y) {
					want[tl.ID] = append(want[tl.ID], xyz{p.X, p.Y, p.Z * info.ZMetres})
					in = true
				}
			}
			if in {
				kept++
			}
		}
	}
	return want, read, kept
}

// checkBins compares each tile's bin with the expected points: same
// multiset, same order (file order, then record order), no file for an
// empty tile and no stray file.
func checkBins(t *testing.T, dir string, tiles []Tile, want map[string][]xyz) {
	t.Helper()
	for _, tl := range tiles {
		p, err := ReadTile(dir, tl.ID)
		if err != nil {
			t.Fatalf("ReadTile(%s): %v", tl.ID, err)
		}
		got, exp := p.triples(), want[tl.ID]
		if len(got) != len(exp) {
			t.Errorf("tile %s: %d points binned, want %d", tl.ID, len(got), len(exp))
			continue
		}
		if !slices.Equal(got, exp) {
			if gs, es := sortXYZ(got), sortXYZ(exp); !slices.Equal(gs, es) {
				i := slices.IndexFunc(gs, func(v xyz) bool { return !slices.Contains(es, v) })
				t.Errorf("tile %s: binned points differ from the decoded ones (first extra: %v)", tl.ID, gs[max(i, 0)])
			} else {
				t.Errorf("tile %s: right points in the wrong order (want file order, then record order)", tl.ID)
			}
			continue
		}
		_, err = os.Stat(filepath.Join(dir, tl.ID+".xyz"))
		if len(exp) == 0 && err == nil {
			t.Errorf("tile %s has no point but got a file", tl.ID)
		}
	}
	ids := map[string]bool{}
	for _, tl := range tiles {
		ids[tl.ID+".xyz"] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !ids[e.Name()] {
			t.Errorf("stray file %s in the bin folder", e.Name())
		}
	}
}

// readDir returns the bytes of every file of dir by name.
func readDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func sameDirs(t *testing.T, what string, a, b map[string][]byte) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d files against %d", what, len(a), len(b))
	}
	for name, ba := range a {
		bb, ok := b[name]
		if !ok {
			t.Errorf("%s: %s missing from the second", what, name)
		} else if !bytes.Equal(ba, bb) {
			t.Errorf("%s: %s differs (%d bytes against %d)", what, name, len(ba), len(bb))
		}
	}
}

func inspect(t testing.TB, crs string, paths ...string) *Info {
	t.Helper()
	info, err := Inspect(context.Background(), paths, crs)
	if err != nil {
		t.Fatalf("Inspect(%v): %v", paths, err)
	}
	return info
}

// autzenGrids are grids over autzen_trim (x 636001.76…637179.22, y
// 848935.2…849497.9, international feet) with tiles inside, across and
// beside the data, some left out, one with negative indices.
var autzenGrids = []struct {
	name  string
	grid  Grid
	cells [][2]int
}{
	{"400ft halo 25", Grid{Origin: [2]float64{636000, 848900}, Size: 400, Halo: 25},
		[][2]int{{-1, 0}, {0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {5, 5}}},
	{"300ft halo 10.5 negative", Grid{Origin: [2]float64{636600, 849200}, Size: 300, Halo: 10.5},
		[][2]int{{-2, -1}, {-1, -1}, {0, -1}, {1, -1}, {-2, 0}, {0, 0}, {1, 0}, {-3, 0}}},
	{"250ft no halo", Grid{Origin: [2]float64{636001.76, 848935.2}, Size: 250, Halo: 0},
		[][2]int{{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {0, 2}, {2, 2}}},
	// A halo wider than the tile: a point lands in up to 4 × 4 tiles, the
	// bins outgrow the write buffer and are flushed more than once.
	{"100ft halo 130", Grid{Origin: [2]float64{636000, 848900}, Size: 100, Halo: 130}, allCells(-2, 13, -2, 7)},
}

func allCells(c0, c1, r0, r1 int) [][2]int {
	var cells [][2]int
	for r := r0; r <= r1; r++ {
		for c := c0; c <= c1; c++ {
			cells = append(cells, [2]int{c, r})
		}
	}
	return cells
}

// TestBinMatchesDirectDecode: for autzen_trim.laz, every tile's bin holds
// exactly the points a direct decode keeps inside the tile grown by the
// halo (edges included), in file and record order, z in metres; the same
// bytes whatever the number of workers; read and kept count right.
func TestBinMatchesDirectDecode(t *testing.T) {
	path := lidarFile(t, "autzen_trim.laz")
	info := inspect(t, "", path)
	if info.ZMetres != 0.3048 {
		t.Fatalf("autzen_trim heights are in international feet: ZMetres = %v, want 0.3048", info.ZMetres)
	}
	ctx := context.Background()
	for _, gc := range autzenGrids {
		for _, r := range []rule{{exclude: DefaultExclude}, {keep: []int{2}, returns: LastReturns}, {returns: FirstReturns}} {
			flt := r.filter(t)
			t.Run(gc.name+"/"+flt.String(), func(t *testing.T) {
				tiles := gridTiles(gc.grid, gc.cells)
				want, wantRead, wantKept := expectBins(t, info, r, tiles)
				var first map[string][]byte
				for _, workers := range []int{1, 2, 4, 0} {
					dir := t.TempDir()
					read, kept, err := Bin(ctx, info, flt, gc.grid, tiles, dir, workers)
					if err != nil {
						t.Fatalf("Bin(workers=%d): %v", workers, err)
					}
					if read != wantRead || kept != wantKept {
						t.Errorf("Bin(workers=%d) read %d kept %d, want %d and %d", workers, read, kept, wantRead, wantKept)
					}
					checkBins(t, dir, tiles, want)
					got := readDir(t, dir)
					if first == nil {
						first = got
						if len(got) < 3 {
							t.Fatalf("only %d tiles got points: the grid does not exercise the binning", len(got))
						}
					} else {
						sameDirs(t, fmt.Sprintf("workers 1 against %d", workers), first, got)
					}
				}
			})
		}
	}
}

// TestBinTwinsIdentical: autzen_trim.laz and its LAS twin give the same
// bins byte for byte, and binning both in one source gives each tile the
// LAS file's points followed by the LAZ file's.
func TestBinTwinsIdentical(t *testing.T) {
	las, laz := lidarFile(t, "autzen_trim.las"), lidarFile(t, "autzen_trim.laz")
	gc := autzenGrids[0]
	tiles := gridTiles(gc.grid, gc.cells)
	flt := rule{exclude: DefaultExclude}.filter(t)
	ctx := context.Background()
	bins := map[string]map[string][]byte{}
	for _, p := range []string{las, laz} {
		dir := t.TempDir()
		if _, _, err := Bin(ctx, inspect(t, "", p), flt, gc.grid, tiles, dir, 2); err != nil {
			t.Fatal(err)
		}
		bins[p] = readDir(t, dir)
	}
	sameDirs(t, "LAS against LAZ", bins[las], bins[laz])

	both := inspect(t, "", las, laz)
	dir := t.TempDir()
	read, _, err := Bin(ctx, both, flt, gc.grid, tiles, dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if read != 220000 {
		t.Errorf("read %d points from the twins, want 220000", read)
	}
	for name, b := range readDir(t, dir) {
		if want := append(slices.Clone(bins[las][name]), bins[laz][name]...); !bytes.Equal(b, want) {
			t.Errorf("%s from both twins is not the LAS bin followed by the LAZ bin", name)
		}
	}
}

// edgePoints are hand-built points in half units (scale 0.5) on, just
// inside and just outside the edges of a grid of 10-unit tiles.
func edgePoints() []synth {
	at := func(x, y float64) synth {
		return synth{X: int32(x * 2), Y: int32(y * 2), Z: 20, Class: 2, Ret: 1, N: 1}
	}
	pts := []synth{
		at(5, 5),       // inside tile (0, 0)
		at(10, 5),      // on the edge between (0, 0) and (1, 0)
		at(10, 10),     // the corner of four tiles
		at(0, 0),       // the grid's origin
		at(-1.5, 5),    // on the halo edge of (0, 0) with halo 1.5
		at(-2, 5),      // just past it
		at(11.5, 19.5), // on the halo edge of (0, 0), inside (1, 1)
		at(29.5, -9.5), // outside every tile
	}
	withheld := at(5, 5)
	withheld.Flags = 4
	noise := at(5, 6)
	noise.Class = 7
	high := at(5, 7)
	high.Class = 18
	return append(pts, withheld, noise, high)
}

// TestBinTileEdges bins hand-built LAS files (legacy and extended layouts)
// whose points lie exactly on tile and halo edges: a point on an edge goes
// to every tile whose work extent has that edge; withheld and noise points
// go nowhere.
func TestBinTileEdges(t *testing.T) {
	ctx := context.Background()
	cells := allCells(-1, 1, -1, 1)
	for _, f := range []uint8{1, 6} {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("edges%d.las", f))
		writeLAS(t, path, f, edgePoints(), lasOptions{Scale: [3]float64{0.5, 0.5, 0.5}})
		info := inspect(t, "EPSG:25830", path)
		if info.ZMetres != 1 {
			t.Fatalf("ZMetres = %v in EPSG:25830", info.ZMetres)
		}
		flt := rule{exclude: DefaultExclude}.filter(t)
		for _, halo := range []float64{0, 1.5} {
			g := Grid{Size: 10, Halo: halo}
			tiles := gridTiles(g, cells)
			dir := t.TempDir()
			_, kept, err := Bin(ctx, info, flt, g, tiles, dir, 2)
			if err != nil {
				t.Fatal(err)
			}
			want, _, wantKept := expectBins(t, info, rule{exclude: DefaultExclude}, tiles)
			checkBins(t, dir, tiles, want)
			if kept != wantKept {
				t.Errorf("format %d halo %v: kept %d, want %d", f, halo, kept, wantKept)
			}
			// Spelled out, independently of expectBins.
			has := func(id string, x, y float64) bool {
				p, err := ReadTile(dir, id)
				if err != nil {
					t.Fatal(err)
				}
				return slices.Contains(p.triples(), xyz{x, y, 10})
			}
			for _, c := range []struct {
				id   string
				x, y float64
				want bool
			}{
				{"t_0_0", 5, 5, true},
				{"t_0_0", 10, 5, true}, {"t_1_0", 10, 5, true}, {"t_-1_0", 10, 5, false},
				{"t_0_0", 10, 10, true}, {"t_1_0", 10, 10, true}, {"t_0_1", 10, 10, true}, {"t_1_1", 10, 10, true},
				{"t_0_0", 0, 0, true}, {"t_-1_-1", 0, 0, true}, {"t_-1_0", 0, 0, true}, {"t_0_-1", 0, 0, true},
				{"t_-1_0", -1.5, 5, true}, {"t_0_0", -1.5, 5, halo >= 1.5},
				{"t_-1_0", -2, 5, true}, {"t_0_0", -2, 5, false},
				{"t_1_1", 11.5, 19.5, true}, {"t_0_0", 11.5, 19.5, false}, {"t_0_1", 11.5, 19.5, halo >= 1.5},
				{"t_0_0", 5, 6, false}, {"t_0_0", 5, 7, false}, // classes 7 and 18
			} {
				if got := has(c.id, c.x, c.y); got != c.want {
					t.Errorf("format %d halo %v: tile %s holds (%v, %v): %v, want %v", f, halo, c.id, c.x, c.y, got, c.want)
				}
			}
			p, _ := ReadTile(dir, "t_0_0")
			if n := slices.Index(p.triples(), xyz{5, 5, 10}); n < 0 || slices.Contains(p.triples()[n+1:], xyz{5, 5, 10}) {
				t.Errorf("format %d halo %v: (5, 5) should be binned once (its withheld twin dropped): %v", f, halo, p.triples())
			}
		}
	}
}

// TestBinFileTouchingTiles: a file whose extent only touches the tiles (a
// single point on the tile's edge, or a line of points along it) is still
// read: its points lie in the work extent, edges included.
func TestBinFileTouchingTiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	one := filepath.Join(dir, "one.las")
	writeLAS(t, one, 0, []synth{{X: 20, Y: 10, Z: 4, Class: 2, Ret: 1, N: 1}}, lasOptions{Scale: [3]float64{0.5, 0.5, 0.5}})
	line := filepath.Join(dir, "line.las")
	writeLAS(t, line, 6, []synth{{X: 20, Y: 4, Z: 4, Class: 2}, {X: 20, Y: 12, Z: 6, Class: 2}}, lasOptions{Scale: [3]float64{0.5, 0.5, 0.5}})
	for _, files := range [][]string{{one}, {line}, {one, line}} {
		info := inspect(t, "EPSG:25830", files...)
		g := Grid{Size: 10}
		tiles := gridTiles(g, [][2]int{{0, 0}, {-1, 0}})
		out := t.TempDir()
		read, kept, err := Bin(ctx, info, rule{}.filter(t), g, tiles, out, 1)
		if err != nil {
			t.Fatal(err)
		}
		want, wantRead, wantKept := expectBins(t, info, rule{}, tiles)
		if read != wantRead || kept != wantKept || kept == 0 {
			t.Errorf("%v: read %d kept %d, want %d and %d", files, read, kept, wantRead, wantKept)
		}
		checkBins(t, out, tiles, want)
	}
}

// TestBinSkipsFarFilesAndCOPC: files beside every tile are not read at
// all; COPC files are left to ReadBox.
func TestBinSkipsFarFilesAndCOPC(t *testing.T) {
	ctx := context.Background()
	info := inspect(t, "", lidarFile(t, "autzen_trim.laz"))
	flt := rule{}.filter(t)
	g := Grid{Origin: [2]float64{0, 0}, Size: 1000, Halo: 10}
	dir := t.TempDir()
	read, kept, err := Bin(ctx, info, flt, g, gridTiles(g, [][2]int{{0, 0}, {3, 3}}), dir, 2)
	if err != nil || read != 0 || kept != 0 {
		t.Errorf("Bin over tiles away from the data: read %d kept %d err %v, want 0 0 nil", read, kept, err)
	}
	if got := readDir(t, dir); len(got) != 0 {
		t.Errorf("files written for tiles without points: %v", got)
	}

	copc := inspect(t, "", lidarFile(t, "1.2-with-color.copc.laz"))
	g = Grid{Origin: [2]float64{635000, 848000}, Size: 2000, Halo: 10}
	read, kept, err = Bin(ctx, copc, flt, g, gridTiles(g, [][2]int{{0, 0}, {1, 1}, {1, 2}}), dir, 2)
	if err != nil || read != 0 || kept != 0 {
		t.Errorf("Bin of a COPC file: read %d kept %d err %v, want it skipped", read, kept, err)
	}
}

func TestBinRejectsBadGrid(t *testing.T) {
	info := inspect(t, "", lidarFile(t, "autzen_trim.laz"))
	for _, size := range []float64{0, -100} {
		g := Grid{Size: size}
		if _, _, err := Bin(context.Background(), info, Filter{}, g, nil, t.TempDir(), 1); err == nil {
			t.Errorf("Bin with tile size %v: no error", size)
		}
	}
}

// TestBinCancelled: a cancelled or expired context stops Bin with the
// context's own error (ctx.Err(), not a chunk's error wrapping it) and no
// bin is written; a context that expires while Bin runs either lets it
// finish or stops it with ctx.Err(), leaving no goroutine behind.
func TestBinCancelled(t *testing.T) {
	path := lidarFile(t, "autzen_trim.laz")
	info := inspect(t, "", path, lidarFile(t, "autzen_trim.las"))
	gc := autzenGrids[0]
	tiles := gridTiles(gc.grid, gc.cells)
	flt := rule{}.filter(t)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, workers := range []int{1, 2, 8} {
		dir := t.TempDir()
		_, _, err := Bin(ctx, info, flt, gc.grid, tiles, dir, workers)
		if err != ctx.Err() {
			t.Errorf("Bin(cancelled, workers=%d) = %v, want ctx.Err() = %v", workers, err, ctx.Err())
		}
		if got := readDir(t, dir); len(got) != 0 {
			t.Errorf("Bin(cancelled) wrote %d bins", len(got))
		}
	}
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if _, _, err := Bin(expired, info, flt, gc.grid, tiles, t.TempDir(), 2); err != context.DeadlineExceeded {
		t.Errorf("Bin(expired) = %v, want context.DeadlineExceeded", err)
	}

	before := runtime.NumGoroutine()
	stopped := 0
	for i := range 80 {
		d := time.Duration(i) * 250 * time.Microsecond
		ctx, cancel := context.WithTimeout(context.Background(), d)
		_, _, err := Bin(ctx, info, flt, gc.grid, tiles, t.TempDir(), 1+i%3)
		if err != nil {
			stopped++
			if err != ctx.Err() {
				t.Errorf("Bin with a %v timeout: %v, want nil or ctx.Err()", d, err)
			}
		}
		cancel()
	}
	if stopped == 0 {
		t.Error("no Bin was stopped by its timeout")
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left behind by cancelled Bins", n-before)
	}
}

func TestReadTile(t *testing.T) {
	dir := t.TempDir()
	p, err := ReadTile(dir, "absent")
	if err != nil || p.Len() != 0 {
		t.Errorf("ReadTile of a tile without file = %d points, %v; want none, nil", p.Len(), err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cut.xyz"), make([]byte, 2*pointBytes+5), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadTile(dir, "cut")
	if err == nil || !strings.Contains(err.Error(), "cut.xyz") || !strings.Contains(err.Error(), "not whole points") {
		t.Errorf("ReadTile of a cut file: %v, want an error naming it", err)
	}
}

// TestReadBoxMatchesTwin: ReadBox on 1.2-with-color.copc.laz returns the
// points of its LAS twin inside the box (edges included) that pass the
// filter, z in metres, for boxes across, inside, on and beside the data.
func TestReadBoxMatchesTwin(t *testing.T) {
	ctx := context.Background()
	copcPath := lidarFile(t, "1.2-with-color.copc.laz")
	info := inspect(t, "", copcPath)
	if !info.HasCOPC() {
		t.Fatal("HasCOPC() = false for a COPC file")
	}
	twin := decodeAll(t, lidarFile(t, "1.2-with-color.las"))
	copcPts := decodeAll(t, copcPath)
	if len(twin) != 1065 || len(copcPts) != 1065 {
		t.Fatalf("decoded %d and %d points, want 1065", len(twin), len(copcPts))
	}
	// Coordinates are compared in hundredths (both files' scale is 0.01;
	// their offsets differ, so their floats may differ in the last bit).
	cents := func(v float64) int64 { return int64(math.Round(v * 100)) }
	// A box edge within rounding of a hundredth is that hundredth.
	edge := func(v float64) float64 {
		if c := math.Round(v * 100); math.Abs(v*100-c) < 1e-4 {
			return c
		}
		return v * 100
	}
	type key [3]int64
	e := info.Extent
	p0 := copcPts[100]
	p1 := copcPts[700]
	boxes := []raster.Extent{
		e,
		{MinX: e.MinX - 1000, MinY: e.MinY - 1000, MaxX: e.MaxX + 1000, MaxY: e.MaxY + 1000},
		{MinX: 636500.005, MinY: 850000.005, MaxX: 637800.005, MaxY: 852000.005},
		{MinX: 637000, MinY: 849000, MaxX: 637100, MaxY: 853000},
		// Edges exactly on points of the file.
		{MinX: min(p0.X, p1.X), MinY: min(p0.Y, p1.Y), MaxX: max(p0.X, p1.X), MaxY: max(p0.Y, p1.Y)},
		{MinX: p0.X, MinY: p0.Y, MaxX: p0.X, MaxY: p0.Y},
		{MinX: e.MaxX + 1, MinY: e.MinY, MaxX: e.MaxX + 100, MaxY: e.MaxY},
	}
	for _, r := range []rule{{}, {exclude: DefaultExclude}, {keep: []int{2}}, {returns: FirstReturns}, {exclude: []int{2}, returns: LastReturns}} {
		flt := r.filter(t)
		for bi, box := range boxes {
			got, err := ReadBox(ctx, info, flt, box)
			if err != nil {
				t.Fatalf("ReadBox(%v): %v", box, err)
			}
			var want []key
			wantZ := map[key]float64{}
			for _, p := range twin {
				if !r.wants(p.Classification, p.ReturnNumber, p.NumberOfReturns, p.ClassificationFlags&4 != 0) {
					continue
				}
				cx, cy := float64(cents(p.X)), float64(cents(p.Y))
				if cx < edge(box.MinX) || cx > edge(box.MaxX) || cy < edge(box.MinY) || cy > edge(box.MaxY) {
					continue
				}
				k := key{cents(p.X), cents(p.Y), cents(p.Z)}
				want = append(want, k)
				wantZ[k] = p.Z * info.ZMetres
			}
			var have []key
			for i := range got.Len() {
				k := key{cents(got.X[i]), cents(got.Y[i]), cents(got.Z[i] / info.ZMetres)}
				have = append(have, k)
				if z, ok := wantZ[k]; ok && math.Abs(z-got.Z[i]) > 1e-6 {
					t.Errorf("box %d: z %v m, want %v m", bi, got.Z[i], z)
				}
			}
			cmpKey := func(a, b key) int { return slices.Compare(a[:], b[:]) }
			slices.SortFunc(want, cmpKey)
			slices.SortFunc(have, cmpKey)
			if !slices.Equal(have, want) {
				t.Errorf("filter %s, box %d %v: ReadBox gave %d points, the LAS twin has %d there", flt, bi, box, len(have), len(want))
			}
			if bi == 5 && r.wants(p0.Classification, p0.ReturnNumber, p0.NumberOfReturns, false) && len(have) == 0 {
				t.Errorf("filter %s: a box reduced to one point of the file does not return it", flt)
			}
		}
	}

	// A source of LAS files only has nothing for ReadBox; a cancelled
	// context stops it.
	las := inspect(t, "", lidarFile(t, "autzen_trim.laz"))
	if p, err := ReadBox(ctx, las, rule{}.filter(t), las.Extent); err != nil || p.Len() != 0 {
		t.Errorf("ReadBox over LAZ files only: %d points, %v", p.Len(), err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ReadBox(cctx, info, rule{}.filter(t), e); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadBox(cancelled) = %v, want context.Canceled", err)
	}
}

// TestBinPlusReadBoxMixedSource: a source of the LAS twin and the COPC
// file (same points) gives each tile, from Bin and ReadBox together, every
// point twice.
func TestBinPlusReadBoxMixedSource(t *testing.T) {
	ctx := context.Background()
	info := inspect(t, "EPSG:2991", lidarFile(t, "1.2-with-color.las"), lidarFile(t, "1.2-with-color.copc.laz"))
	if !info.HasCOPC() || info.Points != 2130 {
		t.Fatalf("mixed source: HasCOPC %v, %d points", info.HasCOPC(), info.Points)
	}
	g := Grid{Origin: [2]float64{635000, 848000}, Size: 1500, Halo: 50.005}
	tiles := gridTiles(g, allCells(0, 2, 0, 3))
	flt := rule{exclude: DefaultExclude}.filter(t)
	dir := t.TempDir()
	read, _, err := Bin(ctx, info, flt, g, tiles, dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if read != 1065 {
		t.Errorf("Bin read %d points, want the LAS file's 1065 only", read)
	}
	total := 0
	for _, tl := range tiles {
		a, err := ReadTile(dir, tl.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ReadBox(ctx, info, flt, tl.Work)
		if err != nil {
			t.Fatal(err)
		}
		round := func(p *Points) []xyz {
			v := p.triples()
			for i := range v {
				v[i] = xyz{math.Round(v[i].X * 100), math.Round(v[i].Y * 100), math.Round(v[i].Z * 100)}
			}
			return sortXYZ(v)
		}
		if !slices.Equal(round(a), round(b)) {
			t.Errorf("tile %s: Bin gave %d points of the LAS file, ReadBox %d of the COPC file", tl.ID, a.Len(), b.Len())
		}
		total += a.Len()
	}
	if total < 1065 {
		t.Errorf("tiles hold %d points of the LAS file, want every one of 1065 at least once", total)
	}
}

// BenchmarkBin bins autzen_trim.laz (110 000 points) into six 400 ft tiles
// with a 25 ft halo.
func BenchmarkBin(b *testing.B) {
	path := lidarFile(b, "autzen_trim.laz")
	info := inspect(b, "", path)
	gc := autzenGrids[0]
	tiles := gridTiles(gc.grid, gc.cells)
	flt := rule{exclude: DefaultExclude}.filter(b)
	root := b.TempDir()
	ctx := context.Background()
	var read int64
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(root, fmt.Sprint(i))
		r, _, err := Bin(ctx, info, flt, gc.grid, tiles, dir, runtime.GOMAXPROCS(0))
		if err != nil {
			b.Fatal(err)
		}
		read += r
	}
	b.ReportMetric(float64(read)/b.Elapsed().Seconds(), "points/s")
}
