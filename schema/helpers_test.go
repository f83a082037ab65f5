package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/cdflow/cdflow/raster"
)

// testPROJJSON is the PROJJSON of EPSG:25830 (ETRS89 / UTM 30N, the 3DCD
// Valladolid CRS), exported by GDAL.
func testPROJJSON(t testing.TB) string {
	t.Helper()
	crs, err := raster.CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	js, err := crs.PROJJSON()
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func tileWKB(t testing.TB, minx, miny, maxx, maxy float64) []byte {
	t.Helper()
	wkb, err := raster.ExtentWKB(raster.Extent{MinX: minx, MinY: miny, MaxX: maxx, MaxY: maxy})
	if err != nil {
		t.Fatal(err)
	}
	return wkb
}

func f32(v float32) *float32 { return &v }

func hist32(pairs ...int32) []int32 {
	h := make([]int32, HistogramBins)
	for i := 0; i+1 < len(pairs); i += 2 {
		h[pairs[i]] = pairs[i+1]
	}
	return h
}

// testTile makes a tile of the 200 m grid at (row, col) with every column
// set; tests then blank what they need.
func testTile(t testing.TB, row, col int32, split string) TileStats {
	t.Helper()
	minx, miny := 355000+200*float64(col), 4613000-200*float64(row+1)
	t0 := time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)
	t1 := time.Date(2017, 7, 1, 10, 30, 15, 123456000, time.UTC)
	id := fmt.Sprintf("r%03dc%03d", row, col)
	return TileStats{
		TileID: id, Split: split, Row: row, Col: col,
		MinX: minx, MinY: miny, MaxX: minx + 200, MaxY: miny + 200, EPSG: 25830,
		DatetimeT0: t0, DatetimeT1: t1,
		Pixels3D: 40000, ChangedPixels3D: 2000 + row*10 + col,
		ChangeFraction:   float64(2000+row*10+col) / 40000,
		ChangeFraction2D: 0.051, PositiveFraction: 0.03, NegativeFraction: 0.02,
		DHMin: f32(-12.5 - float32(col)), DHMax: f32(20.25 + float32(row)), DHMean: f32(1.5), DHStd: f32(4.25),
		DHP05: f32(-8), DHP50: f32(1.25), DHP95: f32(15),
		VolumeGainM3: 12345.5, VolumeLossM3: 6789.25,
		DHHistogram: hist32(27, 500, 41, 1200, 60, 300),
		Counts: []Count{{"dropped_pixels.min_area", 120}, {"dropped_pixels.opening", 45},
			{"dropped_pixels.vegetation", 3}, {"dropped_pixels.review", 0}},
		NodataFractionT0: 0.001, NodataFractionT1: 0,
		OrthoMeanT0: &[3]float32{101.5, 98.25, 87}, OrthoMeanT1: &[3]float32{110, 105.75, 90.5},
		QAFlags: []string{"stripes_t0", "vertical_bias"},
		Assets: map[string]string{
			"dsm_t1": "items/" + id + "/dsm_t1.tif", "cd3d": "items/" + id + "/cd3d.tif",
			"t0": "items/" + id + "/t0.tif", "dsm_t0": "items/" + id + "/dsm_t0.tif",
		},
		Geometry: tileWKB(t, minx, miny, minx+200, miny+200),
	}
}

// noChange blanks what a tile without changed pixels and without
// orthophotos (a DSM-only workflow) has no value for.
func noChange(r TileStats) TileStats {
	r.ChangedPixels3D, r.ChangeFraction, r.ChangeFraction2D = 0, 0, 0
	r.PositiveFraction, r.NegativeFraction = 0, 0
	r.DHMin, r.DHMax, r.DHMean, r.DHStd, r.DHP05, r.DHP50, r.DHP95 = nil, nil, nil, nil, nil, nil, nil
	r.VolumeGainM3, r.VolumeLossM3 = 0, 0
	r.DHHistogram = make([]int32, HistogramBins)
	r.OrthoMeanT0, r.OrthoMeanT1 = nil, nil
	r.QAFlags, r.Assets = nil, nil
	return r
}

// moduleRoot is the directory holding go.mod, found upwards from the test's
// working directory.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = up
	}
}

// sharedFiles returns the paths of the named files in the shared folder
// (CDFLOW_SHARED, default ../shared from the module root; a relative value
// is taken from the module root too), failing the test with the list of
// missing files.
func sharedFiles(t testing.TB, names ...string) []string {
	t.Helper()
	dir := os.Getenv("CDFLOW_SHARED")
	if dir == "" {
		dir = "../shared"
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(t), dir)
	}
	var paths, missing []string
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
		paths = append(paths, p)
	}
	if len(missing) > 0 {
		t.Fatalf("shared test files missing (set CDFLOW_SHARED to the shared folder): %v", missing)
	}
	return paths
}

func sortedByID(rows []TileStats) []TileStats {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b TileStats) int { return strings.Compare(a.TileID, b.TileID) })
	return out
}

// testCounters are the threshold step's counters, as a release declares them.
var testCounters = []Counter{
	{"dropped_pixels.min_area", "In connected components smaller than min_area."},
	{"dropped_pixels.opening", "Removed by the morphological opening."},
	{"dropped_pixels.vegetation", "Masked as vegetation."},
	{"dropped_pixels.review", "Dropped by review polygons."},
}

// mustTileSchema is TileSchema with the test counters.
func mustTileSchema(t testing.TB) *arrow.Schema {
	t.Helper()
	s, err := TileSchema(testCounters...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
