package raster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/airbusgeo/godal"
)

// fixture writes a deterministic test raster through the package's own writer.
func fixture[T Pixel](t *testing.T, path string, e Extent, res float64, bands int, nodata *float64, gen func(b, x, y int) T) {
	t.Helper()
	crs, err := CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	img := NewImage[T](NorthUp(crs, e, res, res), bands)
	for b := range img.Bands {
		for y := 0; y < img.Height; y++ {
			for x := 0; x < img.Width; x++ {
				img.Bands[b][y*img.Width+x] = gen(b, x, y)
			}
		}
	}
	if nodata != nil {
		img.NoData, img.HasNoData = *nodata, true
	}
	if err := WriteGeoTIFF(context.Background(), path, img); err != nil {
		t.Fatal(err)
	}
}

func gdal(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "GDAL_PAM_ENABLED=NO")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

type scene struct {
	ortho, dsm, dsmA, dsmB string
}

func makeScene(t *testing.T) scene {
	dir := t.TempDir()
	s := scene{
		ortho: filepath.Join(dir, "ortho.tif"),
		dsm:   filepath.Join(dir, "dsm.tif"),
		dsmA:  filepath.Join(dir, "parts", "dsm_a.tif"),
		dsmB:  filepath.Join(dir, "parts", "dsm_b.tif"),
	}
	os.MkdirAll(filepath.Join(dir, "parts"), 0o755)
	r := rand.New(rand.NewPCG(1, 2))
	noise := make([]float32, 4096)
	for i := range noise {
		noise[i] = float32(r.NormFloat64())
	}
	nd := -9999.0
	// 100 m × 80 m of orthophoto at 0.25 m: smooth gradients plus texture.
	fixture(t, s.ortho, Extent{355000, 4610000, 355100, 4610080}, 0.25, 3, nil, func(b, x, y int) uint8 {
		return uint8((x*(b+1) + y*3 + int(noise[(x*7+y*13+b)%4096]*20) + 256*4) % 256)
	})
	dsm := func(x0, y0 int) func(b, x, y int) float32 {
		return func(b, x, y int) float32 {
			x, y = x+x0, y+y0
			if (x+y)%97 == 0 {
				return -9999
			}
			return 690 + float32(x)*0.05 - float32(y)*0.02 + noise[(x*31+y*17)%4096]*0.15 + float32((x/10+y/10)%3)*4
		}
	}
	fixture(t, s.dsm, Extent{355000, 4610000, 355100, 4610080}, 1, 1, &nd, dsm(0, 0))
	// The same DSM cut into two files side by side, for the mosaic.
	fixture(t, s.dsmA, Extent{355000, 4610000, 355060, 4610080}, 1, 1, &nd, dsm(0, 0))
	fixture(t, s.dsmB, Extent{355060, 4610000, 355100, 4610080}, 1, 1, &nd, dsm(60, 0))
	return s
}

func equalImages[T Pixel](t *testing.T, got, want *Image[T], tol float64) {
	t.Helper()
	if got.Width != want.Width || got.Height != want.Height || len(got.Bands) != len(want.Bands) {
		t.Fatalf("size %dx%dx%d, want %dx%dx%d", got.Width, got.Height, len(got.Bands), want.Width, want.Height, len(want.Bands))
	}
	for i := range got.GeoTransform {
		if math.Abs(got.GeoTransform[i]-want.GeoTransform[i]) > 1e-9 {
			t.Fatalf("geotransform %v, want %v", got.GeoTransform, want.GeoTransform)
		}
	}
	for b := range got.Bands {
		for i, v := range got.Bands[b] {
			w := want.Bands[b][i]
			if d := math.Abs(float64(v) - float64(w)); d > tol || math.IsNaN(d) {
				t.Fatalf("band %d pixel (%d,%d) = %v, want %v", b+1, i%got.Width, i/got.Width, v, w)
			}
		}
	}
}

// TestReadEqualsGDALTranslate checks a window read against gdal_translate of the same window.
func TestReadEqualsGDALTranslate(t *testing.T) {
	ctx := context.Background()
	s := makeScene(t)
	tests := []struct {
		name   string
		files  []string
		float  bool
		e      Extent
		res    float64
		method string
	}{
		{"uint8 native", []string{s.ortho}, false, Extent{355010, 4610010, 355060, 4610050}, 0.25, "nearest"},
		{"uint8 average 0.5", []string{s.ortho}, false, Extent{355010, 4610010, 355060, 4610050}, 0.5, "average"},
		{"uint8 bilinear 1.0", []string{s.ortho}, false, Extent{355000, 4610000, 355100, 4610080}, 1, "bilinear"},
		{"uint8 cubic 0.75 unaligned", []string{s.ortho}, false, Extent{355003.3, 4610007.1, 355051.3, 4610055.1}, 0.75, "cubic"},
		{"float32 native", []string{s.dsm}, true, Extent{355020, 4610020, 355070, 4610060}, 1, "nearest"},
		{"float32 average 2", []string{s.dsm}, true, Extent{355020, 4610020, 355070, 4610060}, 2, "average"},
		{"float32 bilinear 5", []string{s.dsm}, true, Extent{355000, 4610000, 355100, 4610080}, 5, "bilinear"},
		{"float32 mosaic native", []string{filepath.Join(filepath.Dir(s.dsmA), "*.tif")}, true, Extent{355040, 4610010, 355080, 4610070}, 1, "nearest"},
		{"float32 mosaic average 2", []string{s.dsmA, s.dsmB}, true, Extent{355040, 4610010, 355080, 4610070}, 2, "average"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := OpenMosaic(ctx, tc.files, MosaicOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			src := m.Info().Files[0]
			if len(m.Info().Files) > 1 {
				// A mosaic resamples as the one raster its files make up:
				// the reference is their merge, not a VRT (which resamples
				// file by file, kernels clamped at each file's edges).
				vrt := filepath.Join(t.TempDir(), "ref.vrt")
				gdal(t, "gdalbuildvrt", append([]string{"-q", vrt}, m.Info().Files...)...)
				src = filepath.Join(t.TempDir(), "merged.tif")
				gdal(t, "gdal_translate", "-q", vrt, src)
			}
			ref := filepath.Join(t.TempDir(), "ref.tif")
			gdal(t, "gdal_translate", "-q", "-projwin", ff(tc.e.MinX), ff(tc.e.MaxY), ff(tc.e.MaxX), ff(tc.e.MinY),
				"-tr", ff(tc.res), ff(tc.res), "-r", tc.method, src, ref)
			w := Window{Extent: tc.e, ResX: tc.res, ResY: tc.res, Method: tc.method}
			if tc.float {
				got, err := Read[float32](ctx, m, w)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ReadFile[float32](ctx, ref)
				if err != nil {
					t.Fatal(err)
				}
				equalImages(t, got, want, 0)
				if !got.HasNoData || got.NoData != -9999 {
					t.Errorf("nodata = %v %v, want -9999", got.NoData, got.HasNoData)
				}
			} else {
				got, err := Read[uint8](ctx, m, w)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ReadFile[uint8](ctx, ref)
				if err != nil {
					t.Fatal(err)
				}
				equalImages(t, got, want, 0)
			}
		})
	}
}

// TestWarpEqualsGDALWarp checks Warp against gdalwarp of the same window.
func TestWarpEqualsGDALWarp(t *testing.T) {
	ctx := context.Background()
	s := makeScene(t)
	for _, method := range []string{"bilinear", "average", "nearest", "cubic"} {
		t.Run(method, func(t *testing.T) {
			m, err := OpenMosaic(ctx, []string{s.dsm}, MosaicOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			e := Extent{355010.5, 4610004.5, 355090.5, 4610064.5} // half a pixel off the source grid
			ref := filepath.Join(t.TempDir(), "ref.tif")
			r := method
			if r == "nearest" {
				r = "near"
			}
			gdal(t, "gdalwarp", "-q", "-te", ff(e.MinX), ff(e.MinY), ff(e.MaxX), ff(e.MaxY), "-tr", "2", "2", "-r", r, "-dstnodata", "-9999", s.dsm, ref)
			got, err := Warp[float32](ctx, m, Window{Extent: e, ResX: 2, ResY: 2, Method: method})
			if err != nil {
				t.Fatal(err)
			}
			want, err := ReadFile[float32](ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			equalImages(t, got, want, 0)
		})
	}
}

func TestInspect(t *testing.T) {
	ctx := context.Background()
	s := makeScene(t)
	tests := []struct {
		name      string
		files     []string
		nfiles    int
		bands     int
		dtype     string
		nodata    bool
		extent    Extent
		res       float64
		overrideN *float64
	}{
		{"ortho", []string{s.ortho}, 1, 3, "uint8", false, Extent{355000, 4610000, 355100, 4610080}, 0.25, nil},
		{"dsm", []string{s.dsm}, 1, 1, "float32", true, Extent{355000, 4610000, 355100, 4610080}, 1, nil},
		{"mosaic glob", []string{filepath.Join(filepath.Dir(s.dsmA), "dsm_*.tif")}, 2, 1, "float32", true, Extent{355000, 4610000, 355100, 4610080}, 1, nil},
		{"nodata override", []string{s.ortho}, 1, 3, "uint8", true, Extent{355000, 4610000, 355100, 4610080}, 0.25, new(float64)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Inspect(ctx, tc.files, MosaicOptions{NoData: tc.overrideN})
			if err != nil {
				t.Fatal(err)
			}
			if len(info.Files) != tc.nfiles || info.Bands != tc.bands || info.DataType != tc.dtype || info.HasNoData != tc.nodata {
				t.Errorf("got files=%d bands=%d dtype=%s nodata=%v", len(info.Files), info.Bands, info.DataType, info.HasNoData)
			}
			if info.CRS.EPSG != 25830 {
				t.Errorf("EPSG = %d, want 25830", info.CRS.EPSG)
			}
			if info.Extent != tc.extent {
				t.Errorf("extent = %v, want %v", info.Extent, tc.extent)
			}
			if info.ResX != tc.res || info.ResY != tc.res {
				t.Errorf("res = %g x %g, want %g", info.ResX, info.ResY, tc.res)
			}
		})
	}
}

func TestBadInputsNameThePath(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.tif")
	os.WriteFile(text, []byte("this is not a raster\n"), 0o644)
	s := makeScene(t)
	truncated := filepath.Join(dir, "truncated.tif")
	data, _ := os.ReadFile(s.dsm)
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	tests := []struct {
		name     string
		patterns []string
		want     []string
		is       error
	}{
		{"not a raster", []string{text}, []string{text, "not a readable raster"}, ErrNotRaster},
		{"missing file", []string{filepath.Join(dir, "nope.tif")}, []string{filepath.Join(dir, "nope.tif"), "does not exist"}, nil},
		{"empty glob", []string{filepath.Join(dir, "none", "*.tif")}, []string{filepath.Join(dir, "none", "*.tif"), "matches no file"}, nil},
		{"directory", []string{dir}, []string{dir, "is a directory"}, nil},
		{"mixed bands", []string{s.ortho, s.dsm}, []string{s.dsm, "bands"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenMosaic(ctx, tc.patterns, MosaicOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
	t.Run("truncated reads fail with the path", func(t *testing.T) {
		m, err := OpenMosaic(ctx, []string{truncated}, MosaicOptions{})
		if err != nil {
			if !strings.Contains(err.Error(), truncated) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		defer m.Close()
		_, err = Read[float32](ctx, m, Window{Extent: m.Info().Extent, ResX: 1, ResY: 1})
		if err == nil || !strings.Contains(err.Error(), truncated) {
			t.Fatalf("error %v does not name %s", err, truncated)
		}
	})
}

// validateCOG runs GDAL's own COG validator (validate_cloud_optimized_geotiff,
// shipped with gdal-bin's python3-gdal) on a file.
func validateCOG(t *testing.T, path string) {
	t.Helper()
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	out, err := exec.Command(python, "-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "is a valid cloud optimized GeoTIFF") {
		t.Errorf("validate_cloud_optimized_geotiff %s: %v\n%s", path, err, out)
	}
}

func TestWriteCOG(t *testing.T) {
	ctx := context.Background()
	crs, err := CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	dh := func(side int, res float64) *Image[float32] {
		img := NewImage[float32](NorthUp(crs, Extent{356200, 4612600 - float64(side)*res, 356200 + float64(side)*res, 4612600}, res, res), 1)
		for i := range img.Bands[0] {
			img.Bands[0][i] = float32(i%side) * 0.1
		}
		img.Bands[0][0] = -9999
		img.NoData, img.HasNoData = -9999, true
		return img
	}
	ortho := NewImage[uint8](NorthUp(crs, Extent{356200, 4612400, 356400, 4612600}, 0.5, 0.5), 3)
	for b := range ortho.Bands {
		for i := range ortho.Bands[b] {
			ortho.Bands[b][i] = uint8(i%400/2 + 20*b)
		}
	}
	cases := []struct {
		name      string
		write     func(path string) error
		size      string
		typ       string
		predictor string
		block     string
		overviews int
		nodata    bool
		res       float64
	}{
		{"elevation tile", func(p string) error { return WriteCOG(ctx, p, dh(200, 1)) }, "[200 200]", "Float32", "3", "[208 208]", 0, true, 1},
		{"orthophoto tile", func(p string) error { return WriteCOG(ctx, p, ortho) }, "[400 400]", "Byte", "2", "[400 400]", 0, false, 0.5},
		{"larger than a block", func(p string) error { return WriteCOG(ctx, p, dh(1100, 1)) }, "[1100 1100]", "Float32", "3", "[512 512]", 2, true, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.tif")
			if err := tc.write(path); err != nil {
				t.Fatal(err)
			}
			validateCOG(t, path)
			out, err := exec.Command("gdalinfo", "-json", path).Output()
			if err != nil {
				t.Fatal(err)
			}
			var gi struct {
				Size         []int     `json:"size"`
				GeoTransform []float64 `json:"geoTransform"`
				Metadata     map[string]map[string]string
				Bands        []struct {
					Type      string   `json:"type"`
					Block     []int    `json:"block"`
					NoData    *float64 `json:"noDataValue"`
					Overviews []any    `json:"overviews"`
				} `json:"bands"`
			}
			if err := json.Unmarshal(out, &gi); err != nil {
				t.Fatal(err)
			}
			st := gi.Metadata["IMAGE_STRUCTURE"]
			if st["COMPRESSION"] != "DEFLATE" || st["PREDICTOR"] != tc.predictor {
				t.Errorf("image structure %v, want DEFLATE predictor %s", st, tc.predictor)
			}
			if fmt.Sprint(gi.Size) != tc.size || gi.GeoTransform[0] != 356200 || gi.GeoTransform[3] != 4612600 || gi.GeoTransform[5] != -tc.res {
				t.Errorf("size %v geotransform %v", gi.Size, gi.GeoTransform)
			}
			for _, b := range gi.Bands {
				if b.Type != tc.typ || fmt.Sprint(b.Block) != tc.block || len(b.Overviews) != tc.overviews || (b.NoData != nil) != tc.nodata || (tc.nodata && *b.NoData != -9999) {
					t.Errorf("band %+v, want %s, block %s, %d overviews, nodata %v", b, tc.typ, tc.block, tc.overviews, tc.nodata)
				}
			}
			// Atomic writes leave no temporary file behind.
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("directory holds %d entries, want only the product", len(entries))
			}
			// Same image, same bytes.
			path2 := filepath.Join(t.TempDir(), "p.tif")
			if err := tc.write(path2); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(path)
			b, _ := os.ReadFile(path2)
			if string(a) != string(b) {
				t.Error("two writes of one image differ")
			}
		})
	}
	// The pixels, CRS and nodata read back as written.
	path := filepath.Join(t.TempDir(), "dh.tif")
	img := dh(200, 1)
	if err := WriteCOG(ctx, path, img); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile[float32](ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	equalImages(t, back, img, 0)
	if back.CRS.EPSG != 25830 {
		t.Errorf("EPSG %d", back.CRS.EPSG)
	}
}

func TestWritePNG(t *testing.T) {
	img := NewImage[uint8](Grid{Width: 16, Height: 8, GeoTransform: [6]float64{0, 1, 0, 0, 0, 1}}, 3)
	for i := range img.Bands[1] {
		img.Bands[1][i] = uint8(i)
	}
	path := filepath.Join(t.TempDir(), "q.png")
	if err := WritePNG(context.Background(), path, img); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile[uint8](context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	equalImages(t, back, img, 0)
	if err := WritePNG(context.Background(), path, NewImage[uint8](Grid{Width: 2, Height: 2}, 2)); err == nil {
		t.Error("2-band PNG accepted")
	}
}

// TestWriteJPEG writes a photograph-like quicklook: a JPEG (not a PNG under
// another name), the same size, each band near its own pixels, the same
// bytes every time, and no sidecar.
func TestWriteJPEG(t *testing.T) {
	const w, h = 64, 48
	img := NewImage[uint8](Grid{Width: w, Height: h, GeoTransform: [6]float64{355000, 0.5, 0, 4610200, 0, -0.5}}, 3)
	for y := range h {
		for x := range w {
			i := y*w + x
			// Smooth ramps, a different one per band, so swapped or
			// repeated bands show.
			img.Bands[0][i] = uint8(40 + 3*x)
			img.Bands[1][i] = uint8(200 - 3*y)
			img.Bands[2][i] = uint8(90 + x + y)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "thumbnail.jpg")
	ctx := context.Background()
	if err := WriteJPEG(ctx, path, img); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 3 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF {
		t.Fatalf("not a JPEG: starts % x", b[:min(len(b), 4)])
	}
	back, err := ReadFile[uint8](ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Width != w || back.Height != h || len(back.Bands) != 3 {
		t.Fatalf("read back %d×%d×%d, want %d×%d×3", back.Width, back.Height, len(back.Bands), w, h)
	}
	for k := range 3 {
		sum, worst := 0, 0
		for i, v := range back.Bands[k] {
			d := int(v) - int(img.Bands[k][i])
			if d < 0 {
				d = -d
			}
			sum += d
			worst = max(worst, d)
		}
		if mean := float64(sum) / float64(w*h); mean > 2 || worst > 16 {
			t.Errorf("band %d: mean error %.2f, worst %d (quality %d should keep ramps within 2 and 16)", k+1, mean, worst, JPEGQuality)
		}
	}
	again := filepath.Join(dir, "again.jpg")
	if err := WriteJPEG(ctx, again, img); err != nil {
		t.Fatal(err)
	}
	if b2, err := os.ReadFile(again); err != nil || !bytes.Equal(b, b2) {
		t.Errorf("the same image written twice differs (%v)", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v, want the two JPEGs alone", names)
	}
	if err := WriteJPEG(ctx, path, NewImage[uint8](Grid{Width: 2, Height: 2}, 4)); err == nil {
		t.Error("4-band JPEG accepted")
	}
}

// TestConcurrentReads runs many readers on one mosaic (run with -race).
func TestConcurrentReads(t *testing.T) {
	ctx := context.Background()
	s := makeScene(t)
	m, err := OpenMosaic(ctx, []string{s.dsmA, s.dsmB}, MosaicOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want, err := Read[float32](ctx, m, Window{Extent: Extent{355040, 4610020, 355080, 4610060}, ResX: 1, ResY: 1})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	// Half the readers share the pool; the others are workers, each with
	// its own handle, reading several windows one after the other.
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx := ctx
			if i%2 == 1 {
				rctx = WithWorker(ctx, i/2)
			}
			for range 3 {
				got, err := Read[float32](rctx, m, Window{Extent: Extent{355040, 4610020, 355080, 4610060}, ResX: 1, ResY: 1})
				if err != nil {
					errs <- err
					return
				}
				for j := range got.Bands[0] {
					if got.Bands[0][j] != want.Bands[0][j] {
						errs <- fmt.Errorf("reader %d: pixel %d differs", i, j)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	m.mu.Lock()
	owned := len(m.owned)
	m.mu.Unlock()
	if owned != 8 {
		t.Errorf("%d worker handles, want 8", owned)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Read[float32](WithWorker(ctx, 0), m, Window{Extent: Extent{355040, 4610020, 355080, 4610060}, ResX: 1, ResY: 1}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("read after Close: %v", err)
	}
}

func TestTransformBounds(t *testing.T) {
	utm, err := CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	wgs, err := CRSFromEPSG(4326)
	if err != nil {
		t.Fatal(err)
	}
	e, err := TransformBounds(Extent{355000, 4610000, 357000, 4612000}, utm, wgs)
	if err != nil {
		t.Fatal(err)
	}
	// Valladolid lies near 4.7°W, 41.6°N; x must be longitude (GIS order, as STAC wants).
	lon, lat := (e.MinX+e.MaxX)/2, (e.MinY+e.MaxY)/2
	if math.Abs(lon-(-4.7)) > 0.2 || math.Abs(lat-41.6) > 0.2 {
		t.Errorf("centre %.4f, %.4f not near Valladolid", lon, lat)
	}
}

func TestPROJJSON(t *testing.T) {
	crs, err := CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	js, err := crs.PROJJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Type string `json:"type"`
		Name string `json:"name"`
		ID   struct {
			Authority string `json:"authority"`
			Code      int    `json:"code"`
		} `json:"id"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("%v in %s", err, js)
	}
	if doc.Type != "ProjectedCRS" || doc.ID.Authority != "EPSG" || doc.ID.Code != 25830 || !strings.Contains(doc.Name, "UTM zone 30N") {
		t.Errorf("PROJJSON %+v", doc)
	}
	if _, err := (CRS{}).PROJJSON(); err == nil {
		t.Error("empty CRS exported")
	}
}

func TestExtentWKB(t *testing.T) {
	wkb, err := ExtentWKB(Extent{356200, 4612400, 356400, 4612600})
	if err != nil {
		t.Fatal(err)
	}
	// byte order, type (3 = polygon), 1 ring, 5 points of 16 bytes.
	if len(wkb) != 1+4+4+4+5*16 || wkb[0] != 1 || wkb[1] != 3 || wkb[5] != 1 || wkb[9] != 5 {
		t.Errorf("WKB % x", wkb)
	}
	if _, err := PolygonWKB("POLYGON ((0 0, 1"); err == nil {
		t.Error("bad WKT accepted")
	}
}

func TestRasterize(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "review.geojson")
	os.WriteFile(path, []byte(`{"type":"FeatureCollection",
"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25830"}},
"features":[
{"type":"Feature","properties":{"action":"keep"},"geometry":{"type":"Polygon","coordinates":[[[356210,4612410],[356220,4612410],[356220,4612420],[356210,4612420],[356210,4612410]]]}},
{"type":"Feature","properties":{"action":"drop"},"geometry":{"type":"Polygon","coordinates":[[[356300,4612500],[356350,4612500],[356350,4612510],[356300,4612510],[356300,4612500]]]}}
]}`), 0o644)
	crs, _ := CRSFromEPSG(25830)
	g := NorthUp(crs, Extent{356200, 4612400, 356400, 4612600}, 1, 1)
	keep, err := Rasterize(ctx, path, g, "action = 'keep'")
	if err != nil {
		t.Fatal(err)
	}
	all, err := Rasterize(ctx, path, g, "")
	if err != nil {
		t.Fatal(err)
	}
	count := func(img *Image[uint8]) int {
		n := 0
		for _, v := range img.Bands[0] {
			n += int(v)
		}
		return n
	}
	if count(keep) != 100 || count(all) != 600 {
		t.Errorf("burnt %d keep and %d in all, want 100 and 600", count(keep), count(all))
	}
	// The keep square spans columns 10–19 and rows 180–189 (north-up).
	if keep.At(0, 10, 189) != 1 || keep.At(0, 9, 189) != 0 || keep.At(0, 10, 179) != 0 {
		t.Error("keep square misplaced")
	}
	if _, err := Rasterize(ctx, filepath.Join(t.TempDir(), "none.geojson"), g, ""); err == nil || !strings.Contains(err.Error(), "none.geojson") {
		t.Errorf("missing file: %v", err)
	}
}

func TestCrop(t *testing.T) {
	img := NewImage[uint8](NorthUp(CRS{}, Extent{0, 0, 10, 8}, 1, 1), 2)
	for i := range img.Bands[1] {
		img.Bands[1][i] = uint8(i)
	}
	c, err := Crop(img, Extent{2, 3, 6, 5})
	if err != nil {
		t.Fatal(err)
	}
	// Row 0 of the crop is y = 5…4, i.e. image row 3; column 0 is x = 2.
	if c.Width != 4 || c.Height != 2 || c.At(1, 0, 0) != uint8(3*10+2) || c.At(1, 3, 1) != uint8(4*10+5) {
		t.Errorf("crop %dx%d %v", c.Width, c.Height, c.Bands[1])
	}
	if c.GeoTransform[0] != 2 || c.GeoTransform[3] != 5 {
		t.Errorf("geotransform %v", c.GeoTransform)
	}
	for _, bad := range []Extent{{2.5, 3, 6, 5}, {-1, 0, 5, 5}, {0, 0, 11, 8}} {
		if _, err := Crop(img, bad); err == nil {
			t.Errorf("crop %v accepted", bad)
		}
	}
}

func TestCheckFile(t *testing.T) {
	ctx := context.Background()
	crs, err := CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	g := NorthUp(crs, Extent{356000, 4612000, 356600, 4612600}, 1, 1)
	dir := t.TempDir()
	rgb := NewImage[uint8](g, 3)
	for b := range rgb.Bands {
		for i := range rgb.Bands[b] {
			rgb.Bands[b][i] = uint8(i*31 + b*7)
		}
	}
	dsm := NewImage[float32](g, 1)
	for i := range dsm.Bands[0] {
		dsm.Bands[0][i] = float32(i%977) * 0.37
	}
	files := map[string]func(string) error{
		"rgb.tif": func(p string) error { return WriteGeoTIFF(ctx, p, rgb) },
		"dsm.tif": func(p string) error { return WriteGeoTIFF(ctx, p, dsm) },
	}
	// CheckFile decodes every block; CheckLayout finds the same truncation
	// from the GeoTIFF's directory alone, and so misses data corrupt inside
	// the file, which the read that decodes it finds.
	checks := []struct {
		name         string
		check        func(context.Context, string) (Info, error)
		findsCorrupt bool
	}{
		{"CheckFile", CheckFile, true},
		{"CheckLayout", CheckLayout, false},
	}
	for name, write := range files {
		path := filepath.Join(dir, name)
		if err := write(path); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Cut the file before its last blocks: the checks must find them.
		cut := filepath.Join(dir, "cut-"+name)
		if err := os.WriteFile(cut, data[:len(data)*3/4], 0o644); err != nil {
			t.Fatal(err)
		}
		// Garbage over the first block's compressed data, the size unchanged.
		bad := filepath.Join(dir, "bad-"+name)
		off := firstBlockOffset(t, path)
		garbled := append([]byte(nil), data...)
		for i := off; i < min(off+64, int64(len(garbled))); i++ {
			garbled[i] = 0xFF
		}
		if err := os.WriteFile(bad, garbled, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range checks {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				info, err := c.check(ctx, path)
				if err != nil {
					t.Fatalf("a sound file: %v", err)
				}
				if info.Width != 600 || info.Height != 600 {
					t.Errorf("info %dx%d", info.Width, info.Height)
				}
				_, err = c.check(ctx, cut)
				if err == nil || !strings.Contains(err.Error(), cut) || !strings.Contains(err.Error(), "block at column") {
					t.Errorf("a truncated file: %v", err)
				}
				_, err = c.check(ctx, bad)
				if c.findsCorrupt != (err != nil) {
					t.Errorf("corrupt compressed data: error %v, want one: %v", err, c.findsCorrupt)
				}
				if err != nil && !strings.Contains(err.Error(), bad) {
					t.Errorf("the error does not name %s: %v", bad, err)
				}
				if !c.findsCorrupt {
					// The read that decodes the block finds it.
					m, err := OpenMosaic(ctx, []string{bad}, MosaicOptions{})
					if err != nil {
						t.Fatal(err)
					}
					defer m.Close()
					_, err = Read[float32](ctx, m, Window{Extent: g.Extent(), ResX: 1, ResY: 1})
					if err == nil || !strings.Contains(err.Error(), bad) {
						t.Errorf("reading the corrupt block: %v", err)
					}
				}
			})
		}
	}
	// A format other than GeoTIFF is decoded whole by CheckLayout too.
	img := filepath.Join(dir, "rgb.img")
	src, err := godal.Open(filepath.Join(dir, "rgb.tif"))
	if err != nil {
		t.Fatal(err)
	}
	// Erdas Imagine, which GDAL reads without a block directory.
	out, err := src.Translate(img, []string{"-of", "HFA"})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	out.Close()
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckLayout(ctx, img); err != nil {
		t.Fatalf("a sound .img: %v", err)
	}
	if err := os.WriteFile(img, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckLayout(ctx, img); err == nil || !strings.Contains(err.Error(), img) {
		t.Errorf("a truncated .img: %v", err)
	}
}

// firstBlockOffset is where a GeoTIFF's first block starts, from GDAL.
func firstBlockOffset(t *testing.T, path string) int64 {
	t.Helper()
	ds, err := godal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	off, ok := parseBlockField(ds.Bands()[0].Metadata("BLOCK_OFFSET_0_0", godal.Domain("TIFF")))
	if !ok || off <= 0 {
		t.Fatalf("%s: no offset for block 0", path)
	}
	return off
}

// TestCheckLayoutConcurrent checks many GeoTIFFs at once while other
// goroutines open files. GDAL returns a block's offset in a per-thread
// buffer that its next calls on that thread reuse, so a check reading it
// after the goroutine moved thread saw another block's figures and called
// whole files truncated.
func TestCheckLayoutConcurrent(t *testing.T) {
	ctx := context.Background()
	crs, err := CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	for i := range 4 {
		g := NorthUp(crs, Extent{356000, 4612000, 356512, 4612512}, 0.25, 0.25)
		img := NewImage[uint8](g, 3)
		for b := range img.Bands {
			for j := range img.Bands[b] {
				img.Bands[b][j] = uint8(j*31 + b*7 + i)
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("rgb%d.tif", i))
		if err := WriteGeoTIFF(ctx, p, img); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	stop := make(chan struct{})
	var busy sync.WaitGroup
	for range 6 {
		busy.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, f := range files {
					if _, err := fileInfo(f); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	var checks sync.WaitGroup
	for range 24 {
		for _, f := range files {
			checks.Go(func() {
				if _, err := CheckLayout(ctx, f); err != nil {
					t.Errorf("a whole file called damaged: %v", err)
				}
			})
		}
	}
	checks.Wait()
	close(stop)
	busy.Wait()
}
