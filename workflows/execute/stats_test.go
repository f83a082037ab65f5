package execute_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/release"
)

// TestStatsEqualWrittenProducts recomputes every tile's cd3d statistics from
// its written GeoTIFF and compares them with what the run computed in memory.
func TestStatsEqualWrittenProducts(t *testing.T) {
	ctx := context.Background()
	dir := sceneDir(t)
	pl := plan(t, dir, denoised)
	out, res := run(t, pl, 2)
	sum, err := release.Finish(ctx, pl, res)
	if err != nil {
		t.Fatal(err)
	}
	back, _, err := schema.ReadTiles(ctx, sum.TilesParquet)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(res.Tiles) {
		t.Fatalf("%d rows for %d tiles", len(back), len(res.Tiles))
	}
	changedTiles := 0
	for i, st := range back {
		tr := res.Tiles[i]
		if st.TileID != tr.Tile.ID || st.Split == "" {
			t.Fatalf("row %d: tile %q split %q", i, st.TileID, st.Split)
		}
		cd, err := raster.ReadFile[float32](ctx, filepath.Join(out, tr.Products["cd3d"]))
		if err != nil {
			t.Fatal(err)
		}
		var valid, pos, neg int
		var vals []float32
		var gain, loss float64
		hist := make([]int32, schema.HistogramBins)
		for _, v := range cd.Bands[0] {
			if v == changemap.NoData {
				continue
			}
			valid++
			if v == 0 {
				continue
			}
			vals = append(vals, v)
			if v > 0 {
				pos++
				gain += float64(v)
			} else {
				neg++
				loss -= float64(v)
			}
			hist[schema.HistogramBin(v)]++
		}
		if int(st.Pixels3D) != valid || int(st.ChangedPixels3D) != len(vals) {
			t.Errorf("%s: pixels %d/%d, recomputed %d/%d", st.TileID, st.Pixels3D, st.ChangedPixels3D, valid, len(vals))
		}
		if !close(st.ChangeFraction, float64(len(vals))/float64(valid)) || !close(st.PositiveFraction, float64(pos)/float64(valid)) || !close(st.NegativeFraction, float64(neg)/float64(valid)) {
			t.Errorf("%s: fractions differ", st.TileID)
		}
		if !close(st.VolumeGainM3, gain) || !close(st.VolumeLossM3, loss) {
			t.Errorf("%s: volumes %g/%g, recomputed %g/%g", st.TileID, st.VolumeGainM3, st.VolumeLossM3, gain, loss)
		}
		if !slices.Equal(st.DHHistogram, hist) {
			t.Errorf("%s: histogram differs", st.TileID)
		}
		if len(vals) == 0 {
			if st.DHMin != nil || st.DHP50 != nil {
				t.Errorf("%s: ΔH statistics without changed pixels", st.TileID)
			}
			continue
		}
		changedTiles++
		slices.Sort(vals)
		if *st.DHMin != vals[0] || *st.DHMax != vals[len(vals)-1] {
			t.Errorf("%s: ΔH range %v…%v, recomputed %v…%v", st.TileID, *st.DHMin, *st.DHMax, vals[0], vals[len(vals)-1])
		}
		if p := float32(execute.Percentile(vals, 50)); *st.DHP50 != p {
			t.Errorf("%s: median %v, recomputed %v", st.TileID, *st.DHP50, p)
		}
		cd2, err := raster.ReadFile[uint8](ctx, filepath.Join(out, tr.Products["cd2d"]))
		if err != nil {
			t.Fatal(err)
		}
		n2 := 0
		for _, v := range cd2.Bands[0] {
			if v != 0 {
				n2++
			}
		}
		if !close(st.ChangeFraction2D, float64(n2)/float64(len(cd2.Bands[0]))) {
			t.Errorf("%s: 2D fraction %g, recomputed %g", st.TileID, st.ChangeFraction2D, float64(n2)/float64(len(cd2.Bands[0])))
		}
		if st.OrthoMeanT0 == nil || st.OrthoMeanT1 == nil || st.Assets["cd3d"] == "" || len(st.Geometry) == 0 {
			t.Errorf("%s: missing ortho means, assets or geometry", st.TileID)
		}
	}
	if changedTiles < 10 {
		t.Errorf("only %d tiles with changes", changedTiles)
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestReviewPolygons drops the changes of one building with a "drop"
// polygon and keeps a small region min_area would drop with a "keep" one.
func TestReviewPolygons(t *testing.T) {
	ctx := context.Background()
	dir := sceneDir(t)
	// Find a pixel over the threshold that min_area removes (a small
	// region), in the eastern half of a tile that has changes.
	minArea := `
step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abs  = 1.0
  min_area = 20
}
`
	outA, resA := run(t, plan(t, dir, minArea), 2)
	outB, _ := run(t, plan(t, dir, thresholdOnly), 2)
	var target execute.TileResult
	kx, ky := -1, -1
	for _, tr := range resA.Tiles {
		if tr.Stats.ChangeFraction < 0.01 {
			continue
		}
		a, err := raster.ReadFile[float32](ctx, filepath.Join(outA, tr.Products["cd3d"]))
		if err != nil {
			t.Fatal(err)
		}
		b, err := raster.ReadFile[float32](ctx, filepath.Join(outB, tr.Products["cd3d"]))
		if err != nil {
			t.Fatal(err)
		}
		for y := 5; y < 195 && kx < 0; y++ {
			for x := 110; x < 195; x++ {
				if a.At(0, x, y) == 0 && b.At(0, x, y) != 0 && b.At(0, x, y) != changemap.NoData {
					kx, ky = x, y
					break
				}
			}
		}
		if kx >= 0 {
			target = tr
			break
		}
	}
	if kx < 0 {
		t.Fatal("no small region to keep in any changed tile")
	}
	e := target.Tile.Extent
	// Drop everything in the tile's western half; keep a 5×5 m square
	// around the small region's pixel.
	cx, cy := e.MinX+float64(kx)+0.5, e.MaxY-float64(ky)-0.5
	geojson := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25830"}},"features":[` +
		feature("drop", e.MinX, e.MinY, e.MinX+100, e.MaxY) + `,` +
		feature("keep", cx-2.5, cy-2.5, cx+2.5, cy+2.5) + `]}`
	if err := os.WriteFile(filepath.Join(dir, "review.geojson"), []byte(geojson), 0o644); err != nil {
		t.Fatal(err)
	}
	reviewed := `
source "vector" "review" {
  files = ["review.geojson"]
}
step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abs  = 1.0
  min_area = 20
  review   = source.vector.review
}
`
	out, res := run(t, plan(t, dir, reviewed), 2)
	var tr execute.TileResult
	for _, r := range res.Tiles {
		if r.Tile.ID == target.Tile.ID {
			tr = r
		}
	}
	cd, err := raster.ReadFile[float32](ctx, filepath.Join(out, tr.Products["cd3d"]))
	if err != nil {
		t.Fatal(err)
	}
	dh, err := raster.ReadFile[float32](ctx, filepath.Join(out, tr.Products["dh"]))
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < cd.Height; y++ {
		for x := 0; x < 100; x++ {
			if v := cd.At(0, x, y); v != 0 && v != changemap.NoData {
				t.Fatalf("change %v at (%d,%d) inside the drop polygon", v, x, y)
			}
		}
	}
	if tr.Stats.Count("dropped_pixels.review") == 0 {
		t.Error("no pixel counted as dropped by review")
	}
	// The kept pixel, which min_area alone removes, stays.
	if d := dh.At(0, kx, ky); cd.At(0, kx, ky) != d {
		t.Errorf("kept pixel (%d,%d): cd3d %v, ΔH %v", kx, ky, cd.At(0, kx, ky), d)
	}
	t.Logf("tile %s: %d pixels dropped by review; pixel (%d,%d) kept", tr.Tile.ID, tr.Stats.Count("dropped_pixels.review"), kx, ky)
}

func feature(action string, minx, miny, maxx, maxy float64) string {
	f := func(v float64) string { return ff(v) }
	return `{"type":"Feature","properties":{"action":"` + action + `"},"geometry":{"type":"Polygon","coordinates":[[[` +
		f(minx) + `,` + f(miny) + `],[` + f(maxx) + `,` + f(miny) + `],[` + f(maxx) + `,` + f(maxy) + `],[` + f(minx) + `,` + f(maxy) + `],[` + f(minx) + `,` + f(miny) + `]]]}}`
}
