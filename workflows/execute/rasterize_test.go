package execute_test

import (
	"github.com/cdflow/cdflow/internal/sharedtest"

	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/pointcloud"
	"github.com/cdflow/cdflow/pointsource"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
)

// lidarFile is a real LiDAR file of the shared test data.
func lidarFile(t testing.TB, name string) string { return sharedtest.Lidar(t, name) }

// refPoint is a point as the reference computations see it: decoded by
// package pointcloud from the LAS twin, z in metres.
type refPoint struct{ x, y, z float64 }

// referencePoints decodes a LAS file directly and applies what a
// pointcloud source does by default: noise classes 7 and 18 and withheld
// points dropped, heights from feet (the file's CRS unit) to metres.
func referencePoints(t testing.TB, path string, zMetres float64) []refPoint {
	t.Helper()
	f, err := pointcloud.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pts []refPoint
	for p, err := range f.Points(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Classification == 7 || p.Classification == 18 || p.ClassificationFlags&4 != 0 {
			continue
		}
		pts = append(pts, refPoint{p.X, p.Y, p.Z * zMetres})
	}
	return pts
}

// runPointWorkflow runs a one-step workflow rasterizing autzen_trim.laz
// (a feet CRS) on tiles of size feet and returns the tiles' DSMs.
func runPointWorkflow(t *testing.T, size float64, step string) (*execute.Result, map[string]*raster.Image[float32]) {
	t.Helper()
	return runPointFile(t, "autzen_trim.laz", "", size, step)
}

// runPointFile runs a one-step workflow rasterizing a shared LiDAR file.
func runPointFile(t *testing.T, file, crs string, size float64, step string) (*execute.Result, map[string]*raster.Image[float32]) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	wf := fmt.Sprintf(`
dataset "autzen" {
  title   = "Autzen"
  license = "CC0-1.0"
  version = "1.0.0"
}
source "pointcloud" "t0" {
  files    = [%q]
  datetime = "2010-01-01"
  %s
}
tiling {
  size   = %g
  origin = [0, 0]
}
%s
`, lidarFile(t, file), crs, size, step)
	path := filepath.Join(dir, "workflow.hcl")
	if err := os.WriteFile(path, []byte(wf), 0o644); err != nil {
		t.Fatal(err)
	}
	w, diags := workflows.NewParser(nil).Load(path, workflows.InputValues{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	pl, diags := plans.New(ctx, w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	out, res := run(t, pl, 2)
	dsms := map[string]*raster.Image[float32]{}
	for _, tr := range res.Tiles {
		img, err := raster.ReadFile[float32](ctx, filepath.Join(out, tr.Products["dsm"]))
		if err != nil {
			t.Fatal(err)
		}
		dsms[tr.Tile.ID] = img
	}
	if _, err := os.Stat(filepath.Join(out, execute.PointsDir)); !os.IsNotExist(err) {
		t.Errorf("the points' bins %s are left after a successful run (%v)", execute.PointsDir, err)
	}
	return res, dsms
}

const footMetres = 0.3048

// TestRasterizeCellStatistics checks max, min and mean against the
// points decoded independently from the LAS twin, cell by cell: a point
// belongs to the cell containing it, the cell's left and top edges
// included.
func TestRasterizeCellStatistics(t *testing.T) {
	ref := referencePoints(t, lidarFile(t, "autzen_trim.las"), footMetres)
	for _, method := range []string{"max", "min", "mean"} {
		t.Run(method, func(t *testing.T) {
			res, dsms := runPointWorkflow(t, 250, fmt.Sprintf(`step "rasterize" "dsm" {
  input      = source.pointcloud.t0
  resolution = 5
  method     = %q
}`, method))
			if len(res.Tiles) != 8 {
				t.Fatalf("%d tiles, want 8", len(res.Tiles))
			}
			cells := 0
			for id, img := range dsms {
				gt := img.GeoTransform
				n := img.Width * img.Height
				acc, cnt := make([]float64, n), make([]int, n)
				for _, p := range ref {
					c := math.Floor((p.x - gt[0]) / gt[1])
					r := math.Floor((gt[3] - p.y) / -gt[5])
					if c < 0 || r < 0 || c >= float64(img.Width) || r >= float64(img.Height) {
						continue
					}
					i := int(r)*img.Width + int(c)
					switch {
					case cnt[i] == 0 || method == "mean":
						if method == "mean" {
							acc[i] += p.z
						} else {
							acc[i] = p.z
						}
					case method == "max":
						acc[i] = max(acc[i], p.z)
					case method == "min":
						acc[i] = min(acc[i], p.z)
					}
					cnt[i]++
				}
				for i, got := range img.Bands[0] {
					if cnt[i] == 0 {
						if float64(got) != img.NoData {
							t.Errorf("tile %s cell %d: %g, want nodata (no point)", id, i, got)
						}
						continue
					}
					want := acc[i]
					if method == "mean" {
						want /= float64(cnt[i])
					}
					if math.Abs(float64(got)-want) > 1e-4 {
						t.Errorf("tile %s cell %d: %s %g, want %g from %d points", id, i, method, got, want, cnt[i])
					}
					cells++
				}
			}
			if cells < 3*50*50*9/10 {
				t.Errorf("only %d cells with points; the test proves little", cells)
			}
		})
	}
}

// TestRasterizeMatchesGDALGrid checks tin against gdal_grid -a linear and
// idw against gdal_grid -a invdist, run on the same points as a CSV. The
// points go to gdal_grid shifted to the tile's corner, where its qhull
// triangulation is exact.
func TestRasterizeMatchesGDALGrid(t *testing.T) {
	ref := referencePoints(t, lidarFile(t, "autzen_trim.las"), footMetres)
	tests := []struct {
		name, step, alg string
	}{
		{"tin", `method = "tin"`, "linear:radius=0:nodata=-9999"},
		{"idw", `method = "idw"
  radius = 6
  power  = 2`, "invdist:power=2:smoothing=0:radius1=6:radius2=6:angle=0:max_points=0:min_points=1:nodata=-9999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, dsms := runPointWorkflow(t, 250, `step "rasterize" "dsm" {
  input      = source.pointcloud.t0
  resolution = 2.5
  `+tt.step+`
}`)
			data := bounds(ref)
			compared := 0
			for id, img := range dsms {
				gt := img.GeoTransform
				minX, maxY := gt[0], gt[3]
				w, h := float64(img.Width)*gt[1], float64(img.Height)*-gt[5]
				if minX < data[0] || maxY-h < data[1] || minX+w > data[2] || maxY > data[3] {
					// Along the survey's outline the triangles are long
					// and thin and depend on points far away: compare
					// where the points surround the tile.
					continue
				}
				// Every point within 60 ft of the tile: more than the step's
				// halo, so a difference at the edges would show.
				dir := t.TempDir()
				var b strings.Builder
				b.WriteString("x,y,z\n")
				for _, p := range ref {
					if p.x >= minX-60 && p.x <= minX+w+60 && p.y >= maxY-h-60 && p.y <= maxY+60 {
						fmt.Fprintf(&b, "%s,%s,%s\n", strconv.FormatFloat(p.x-minX, 'g', -1, 64),
							strconv.FormatFloat(p.y-(maxY-h), 'g', -1, 64), strconv.FormatFloat(p.z, 'g', -1, 64))
					}
				}
				csv := filepath.Join(dir, "pts.csv")
				vrt := filepath.Join(dir, "pts.vrt")
				if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				doc := `<OGRVRTDataSource><OGRVRTLayer name="pts"><SrcDataSource>` + csv +
					`</SrcDataSource><GeometryType>wkbPoint25D</GeometryType>` +
					`<GeometryField encoding="PointFromColumns" x="x" y="y" z="z"/></OGRVRTLayer></OGRVRTDataSource>`
				if err := os.WriteFile(vrt, []byte(doc), 0o644); err != nil {
					t.Fatal(err)
				}
				tif, xyz := filepath.Join(dir, "ref.tif"), filepath.Join(dir, "ref.xyz")
				gdal(t, "gdal_grid", "-q", "-a", tt.alg, "-txe", "0", ff(w), "-tye", "0", ff(h),
					"-outsize", strconv.Itoa(img.Width), strconv.Itoa(img.Height), "-ot", "Float64", "-l", "pts", vrt, tif)
				gdal(t, "gdal_translate", "-q", "-of", "XYZ", tif, xyz)
				want := readXYZGrid(t, xyz, img.Width, img.Height, gt[1])
				for i, got := range img.Bands[0] {
					wv := want[i]
					switch {
					case wv == -9999 && float64(got) == img.NoData:
					case wv == -9999 || float64(got) == img.NoData:
						t.Errorf("tile %s cell %d: ours %g, gdal_grid %g", id, i, got, wv)
					case math.Abs(float64(got)-wv) > 1e-3:
						t.Errorf("tile %s cell %d: ours %g, gdal_grid %g", id, i, got, wv)
					default:
						compared++
					}
				}
			}
			if compared < 3*100*100*9/10 {
				t.Errorf("only %d cells with values; the test proves little", compared)
			}
		})
	}
}

// bounds is the points' bounding box: min x, min y, max x, max y.
func bounds(pts []refPoint) [4]float64 {
	bx := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		bx = [4]float64{min(bx[0], p.x), min(bx[1], p.y), max(bx[2], p.x), max(bx[3], p.y)}
	}
	return bx
}

// readXYZGrid places the values of GDAL's XYZ output by their cell centres
// (x, y from the grid's lower-left corner at 0, 0).
func readXYZGrid(t *testing.T, path string, w, h int, res float64) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vals := make([]float64, w*h)
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 {
			t.Fatalf("bad XYZ line %q", sc.Text())
		}
		x, _ := strconv.ParseFloat(fs[0], 64)
		y, _ := strconv.ParseFloat(fs[1], 64)
		v, _ := strconv.ParseFloat(fs[2], 64)
		c, r := int(math.Floor(x/res)), h-1-int(math.Floor(y/res))
		if c < 0 || r < 0 || c >= w || r >= h {
			t.Fatalf("XYZ node %g %g outside the %d×%d grid", x, y, w, h)
		}
		vals[r*w+c] = v
		seen++
	}
	if seen != w*h {
		t.Fatalf("XYZ has %d nodes, want %d", seen, w*h)
	}
	return vals
}

// TestRasterizeSeamless rasterizes the same points on 250 ft tiles and on
// 125 ft tiles: each small tile equals its quarter of the big one, so the
// halo makes tiles join without seams.
func TestRasterizeSeamless(t *testing.T) {
	step := `step "rasterize" "dsm" {
  input      = source.pointcloud.t0
  resolution = 2.5
  method     = "tin"
  max_edge   = 40
}`
	_, big := runPointWorkflow(t, 250, step)
	_, small := runPointWorkflow(t, 125, step)
	matched := 0
	for sid, s := range small {
		for bid, b := range big {
			dc := (s.GeoTransform[0] - b.GeoTransform[0]) / b.GeoTransform[1]
			dr := (b.GeoTransform[3] - s.GeoTransform[3]) / b.GeoTransform[1]
			if dc < 0 || dr < 0 || int(dc)+s.Width > b.Width || int(dr)+s.Height > b.Height {
				continue
			}
			matched++
			for r := range s.Height {
				for c := range s.Width {
					got := s.Bands[0][r*s.Width+c]
					want := b.Bands[0][(r+int(dr))*b.Width+c+int(dc)]
					if got != want {
						t.Fatalf("small tile %s (%d, %d) = %g, big tile %s there = %g", sid, c, r, got, bid, want)
					}
				}
			}
		}
	}
	if matched < 8 {
		t.Errorf("%d small tiles inside big ones, want at least 8", matched)
	}
}

// TestRasterizeCOPC reads a COPC file tile by tile through its octree and
// its LAS twin through the bins: the DSMs are equal.
func TestRasterizeCOPC(t *testing.T) {
	step := `step "rasterize" "dsm" {
  input      = source.pointcloud.t0
  resolution = 25
  method     = "max"
}`
	_, copc := runPointFile(t, "1.2-with-color.copc.laz", "", 500, step)
	// The LAS twin has no CRS: give it the COPC file's.
	info, err := pointsource.Inspect(context.Background(), []string{lidarFile(t, "1.2-with-color.copc.laz")}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, las := runPointFile(t, "1.2-with-color.las", fmt.Sprintf("crs = %q", info.FullCRS.WKT), 500, step)
	if len(copc) != len(las) || len(copc) < 20 {
		t.Fatalf("%d COPC tiles, %d LAS tiles; want the same, at least 20", len(copc), len(las))
	}
	cells := 0
	for id, c := range copc {
		l := las[id]
		if l == nil {
			t.Fatalf("tile %s only from the COPC file", id)
		}
		for i := range c.Bands[0] {
			if c.Bands[0][i] != l.Bands[0][i] {
				t.Fatalf("tile %s cell %d: COPC %g, LAS %g", id, i, c.Bands[0][i], l.Bands[0][i])
			}
			if float64(c.Bands[0][i]) != c.NoData {
				cells++
			}
		}
	}
	if cells < 500 {
		t.Errorf("%d cells with points; the test proves little", cells)
	}
}
