package raster

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/airbusgeo/godal"
)

// TestGeoTIFFWriterBlockOrder: a GeoTIFF written block by block has the
// same bytes whatever order its blocks come in. The files are written by a
// child process with a 1 MB GDAL block cache (GDAL reads the size once per
// process), so tiles leave the cache while a file is being written, as they
// do for a scene-sized raster. whole.tif, a several-band WriteGeoTIFF, goes
// through the same writer and is checked with them.
func TestGeoTIFFWriterBlockOrder(t *testing.T) {
	if dir := os.Getenv("CDFLOW_RASTER_ORDER_OUT"); dir != "" {
		writeBlockOrderFiles(t, dir, os.Getenv("CDFLOW_RASTER_ORDER") == "reverse")
		return
	}
	var dirs []string
	for _, order := range []string{"forward", "reverse"} {
		dir := filepath.Join(t.TempDir(), order)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		smallCacheChild(t, "TestGeoTIFFWriterBlockOrder", "CDFLOW_RASTER_ORDER_OUT="+dir, "CDFLOW_RASTER_ORDER="+order)
		dirs = append(dirs, dir)
	}
	for _, name := range []string{"rgb.tif", "dsm.tif", "whole.tif"} {
		a, err := os.ReadFile(filepath.Join(dirs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dirs[1], name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the bytes depend on the order the blocks were written in (%d and %d bytes)", name, len(a), len(b))
		}
	}
	// The file holds the pixels, wherever its tiles are.
	ctx := context.Background()
	for _, name := range []string{"rgb.tif", "whole.tif"} {
		m, err := OpenMosaic(ctx, []string{filepath.Join(dirs[1], name)}, MosaicOptions{})
		if err != nil {
			t.Fatal(err)
		}
		img, err := Read[uint8](ctx, m, Window{Extent: m.Info().Extent, ResX: 0.25, ResY: 0.25})
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := orderRGB(t)
		for bi := range want.Bands {
			if !slices.Equal(img.Bands[bi], want.Bands[bi]) {
				t.Errorf("%s band %d: pixels differ from those written", name, bi+1)
			}
		}
	}
}

// smallCacheChild runs test in a child process with env and a 1 MB GDAL
// block cache (GDAL reads its size once per process).
func smallCacheChild(t *testing.T, test string, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), "GDAL_CACHEMAX=1"), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", test, env, err, out)
	}
}

// orderSide is the test files' side: 5 × 5 tiles of 256 pixels, written in
// blocks of orderBlock pixels that share tiles with their neighbours.
const (
	orderSide  = 1280
	orderBlock = 320
)

func orderGrid(t *testing.T) Grid {
	crs, err := CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	return Grid{CRS: crs, GeoTransform: [6]float64{355000, 0.25, 0, 4611000, 0, -0.25}, Width: orderSide, Height: orderSide}
}

// orderRGB is a three-band image that compresses to tiles of varied sizes.
func orderRGB(t *testing.T) *Image[uint8] {
	img := NewImage[uint8](orderGrid(t), 3)
	for b := range img.Bands {
		for y := range orderSide {
			for x := range orderSide {
				v := x*(b+1) + y*y/(x+7) + (x*y)>>(b+3)
				img.Bands[b][y*orderSide+x] = uint8(v)
			}
		}
	}
	return img
}

func writeBlockOrderFiles(t *testing.T, dir string, reverse bool) {
	ctx := context.Background()
	rgb := orderRGB(t)
	dsm := NewImage[float32](orderGrid(t), 1)
	for k := range dsm.Bands[0] {
		x, y := k%orderSide, k/orderSide
		dsm.Bands[0][k] = float32(700 + 20*math.Sin(float64(x)/37) + float64(y%97)/3)
	}
	nd := -9999.0
	w8, err := CreateGeoTIFF[uint8](ctx, filepath.Join(dir, "rgb.tif"), rgb.Grid, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	w32, err := CreateGeoTIFF[float32](ctx, filepath.Join(dir, "dsm.tif"), dsm.Grid, 1, &nd)
	if err != nil {
		t.Fatal(err)
	}
	var origins [][2]int
	for y := 0; y < orderSide; y += orderBlock {
		for x := 0; x < orderSide; x += orderBlock {
			origins = append(origins, [2]int{x, y})
		}
	}
	if reverse {
		slices.Reverse(origins)
	}
	for _, o := range origins {
		if err := w8.WriteBlock(o[0], o[1], crop(rgb, o[0], o[1])); err != nil {
			t.Fatal(err)
		}
		if err := w32.WriteBlock(o[0], o[1], crop(dsm, o[0], o[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w8.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w32.Close(); err != nil {
		t.Fatal(err)
	}
	if err := WriteGeoTIFF(ctx, filepath.Join(dir, "whole.tif"), rgb); err != nil {
		t.Fatal(err)
	}
}

// crop is the orderBlock-pixel block of img at (x0, y0).
func crop[T Pixel](img *Image[T], x0, y0 int) *Image[T] {
	return cropWH(img, x0, y0, orderBlock, orderBlock)
}

// cropWH is the w×h block of img at (x0, y0).
func cropWH[T Pixel](img *Image[T], x0, y0, w, h int) *Image[T] {
	out := &Image[T]{Grid: Grid{Width: w, Height: h}}
	for _, b := range img.Bands {
		band := make([]T, 0, w*h)
		for y := y0; y < y0+h; y++ {
			band = append(band, b[y*img.Width+x0:y*img.Width+x0+w]...)
		}
		out.Bands = append(out.Bands, band)
	}
	return out
}

// TestCanonicalTIFF: the re-layout keeps the pixels and tags of classic and
// BigTIFF files in either byte order, and is a fixed point.
func TestCanonicalTIFF(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.tif")
	if err := WriteGeoTIFF(context.Background(), src, orderRGB(t)); err != nil {
		t.Fatal(err)
	}
	for _, co := range [][]string{
		{"-co", "BIGTIFF=NO", "-co", "ENDIANNESS=LITTLE"},
		{"-co", "BIGTIFF=YES", "-co", "ENDIANNESS=BIG"},
	} {
		// Strips of 16 rows, written by GDAL in order: the re-layout moves
		// the directory ahead of them.
		in := filepath.Join(dir, "in.tif")
		args := append([]string{"-q", "-co", "COMPRESS=DEFLATE", "-co", "BLOCKYSIZE=16"}, co...)
		if err := gdalTB(t, "gdal_translate", append(args, src, in)...); err != nil {
			t.Fatal(err)
		}
		a, b := filepath.Join(dir, "a.tif"), filepath.Join(dir, "b.tif")
		if err := canonicalTIFF(in, a); err != nil {
			t.Fatalf("%v: %v", co, err)
		}
		if err := canonicalTIFF(a, b); err != nil {
			t.Fatalf("%v: %v", co, err)
		}
		da, _ := os.ReadFile(a)
		db, _ := os.ReadFile(b)
		if !bytes.Equal(da, db) {
			t.Errorf("%v: a second re-layout changed the file", co)
		}
		info := func(p string) string {
			out, err := exec.Command("gdalinfo", "-checksum", "-nofl", p).CombinedOutput()
			if err != nil {
				t.Fatalf("gdalinfo %s: %v\n%s", p, err, out)
			}
			_, rest, _ := bytes.Cut(out, []byte("\n"))
			_, rest, _ = bytes.Cut(rest, []byte("\n")) // past the file name
			return string(rest)
		}
		if got, want := info(a), info(in); got != want {
			t.Errorf("%v: gdalinfo differs after the re-layout:\n%s\nwant\n%s", co, got, want)
		}
	}
}

// TestGeoTIFFWriterFill: pixels never written read the same in a tile the
// writer assembled and in a tile it never got, which GDAL fills: nodata as
// GDAL converts it to the file's type, or 0.
func TestGeoTIFFWriterFill(t *testing.T) {
	for _, tc := range []struct {
		name   string
		nodata *float64
	}{
		{"none", nil},
		{"in range", ptr(7.0)},
		{"half", ptr(2.5)},
		{"negative half", ptr(-2.5)},
		{"below the type", ptr(-9999.0)},
		{"above the type", ptr(300.7)},
		{"NaN", ptr(math.NaN())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			g := orderGrid(t)
			g.Width, g.Height = 300, 300
			p := filepath.Join(t.TempDir(), "f.tif")
			w, err := CreateGeoTIFF[uint8](ctx, p, g, 1, tc.nodata)
			if err != nil {
				t.Fatal(err)
			}
			// 10 × 10 pixels of 1 in the first tile; the last tile untouched.
			block := &Image[uint8]{Grid: Grid{Width: 10, Height: 10}, Bands: [][]uint8{slices.Repeat([]uint8{1}, 100)}}
			if err := w.WriteBlock(0, 0, block); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			ds, err := godal.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer ds.Close()
			px := make([]uint8, 300*300)
			if err := ds.Bands()[0].Read(0, 0, px, 300, 300); err != nil {
				t.Fatal(err)
			}
			if px[0] != 1 {
				t.Errorf("written pixel reads %d, want 1", px[0])
			}
			if assembled, filled := px[20*300+20], px[299*300+299]; assembled != filled {
				t.Errorf("a pixel never written reads %d in the tile the writer assembled, %d in the tile GDAL filled", assembled, filled)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
