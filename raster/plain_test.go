package raster

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// pixelBytes are an image's pixels, band after band, little-endian: equal
// bytes are bit-identical values, NaNs included.
func pixelBytes[T Pixel](t *testing.T, img *Image[T]) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, b := range img.Bands {
		if err := binary.Write(&buf, binary.LittleEndian, b); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// copyPlain copies src with CopyPlainGeoTIFF and checks the copy: the
// encoding plain readers decode (DEFLATE strips, pixel-interleaved, the
// predictor), the very pixels, grid, CRS and nodata of src, no overview and
// no temporary file left.
func copyPlain[T Pixel](t *testing.T, src, predictor string, rowsPerStrip int) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	dst := filepath.Join(dir, "plain.tif")
	if err := CopyPlainGeoTIFF(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("gdalinfo", "-json", dst).Output()
	if err != nil {
		t.Fatal(err)
	}
	var gi struct {
		Metadata map[string]map[string]string
		Bands    []struct {
			Block     []int `json:"block"`
			Overviews []any `json:"overviews"`
		} `json:"bands"`
	}
	if err := json.Unmarshal(out, &gi); err != nil {
		t.Fatal(err)
	}
	st := gi.Metadata["IMAGE_STRUCTURE"]
	if pred := st["PREDICTOR"]; st["COMPRESSION"] != "DEFLATE" || (pred != predictor && !(predictor == "1" && pred == "")) {
		t.Errorf("image structure %v, want DEFLATE, predictor %s", st, predictor)
	}
	if len(gi.Bands) > 1 && st["INTERLEAVE"] != "PIXEL" {
		t.Errorf("interleave %s, want PIXEL", st["INTERLEAVE"])
	}
	want, err := ReadFile[T](ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile[T](ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range gi.Bands {
		if fmt.Sprint(b.Block) != fmt.Sprint([]int{want.Width, rowsPerStrip}) || len(b.Overviews) != 0 {
			t.Errorf("block %v, %d overviews; want strips of %d rows, none", b.Block, len(b.Overviews), rowsPerStrip)
		}
	}
	if got.Width != want.Width || got.Height != want.Height || len(got.Bands) != len(want.Bands) || got.GeoTransform != want.GeoTransform {
		t.Fatalf("%dx%dx%d %v, want %dx%dx%d %v", got.Width, got.Height, len(got.Bands), got.GeoTransform, want.Width, want.Height, len(want.Bands), want.GeoTransform)
	}
	if !got.CRS.Same(want.CRS) || got.CRS.EPSG != want.CRS.EPSG {
		t.Errorf("CRS %s, want %s", got.CRS, want.CRS)
	}
	if got.HasNoData != want.HasNoData || math.Float64bits(got.NoData) != math.Float64bits(want.NoData) {
		t.Errorf("nodata %v %v, want %v %v", got.HasNoData, got.NoData, want.HasNoData, want.NoData)
	}
	if !bytes.Equal(pixelBytes(t, got), pixelBytes(t, want)) {
		t.Error("the copy's pixels differ from the source's")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the copy", len(entries))
	}
}

// CopyPlainGeoTIFF re-encodes the products (DEFLATE with the floating-point
// predictor, tiles, overviews) losslessly into what tifffile decodes
// without imagecodecs; the folders publisher's test reads its files in
// Python.
func TestCopyPlainGeoTIFF(t *testing.T) {
	ctx := context.Background()
	crs, err := CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dh := func(side int) string {
		img := NewImage[float32](NorthUp(crs, Extent{356200, 4612600 - float64(side), 356200 + float64(side), 4612600}, 1, 1), 1)
		for i := range img.Bands[0] {
			img.Bands[0][i] = float32(i%side)*0.1 - 3
		}
		img.Bands[0][0] = -9999
		img.Bands[0][1] = float32(math.NaN())
		img.NoData, img.HasNoData = -9999, true
		path := filepath.Join(dir, fmt.Sprintf("dh%d.tif", side))
		if err := WriteCOG(ctx, path, img); err != nil {
			t.Fatal(err)
		}
		return path
	}
	ortho := NewImage[uint8](NorthUp(crs, Extent{356200, 4612400, 356400, 4612600}, 0.5, 0.5), 3)
	for b := range ortho.Bands {
		for i := range ortho.Bands[b] {
			ortho.Bands[b][i] = uint8(i%400/2 + 20*b)
		}
	}
	orthoPath := filepath.Join(dir, "ortho.tif")
	if err := WriteCOG(ctx, orthoPath, ortho); err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(dir, "signed.tif")
	nd := -1.0
	fixture(t, signed, Extent{356200, 4612400, 356300, 4612500}, 1, 1, &nd, func(b, x, y int) int16 { return int16(x*y - 3000) })

	t.Run("elevation tile", func(t *testing.T) { copyPlain[float32](t, dh(200), "1", 200) })
	t.Run("orthophoto tile", func(t *testing.T) { copyPlain[uint8](t, orthoPath, "2", 400) })
	t.Run("int16", func(t *testing.T) { copyPlain[int16](t, signed, "2", 100) })
	// A raster with overviews: strips of at most 4 MiB, no overview.
	t.Run("larger than a strip", func(t *testing.T) { copyPlain[float32](t, dh(1100), "1", plainStripBytes/(1100*4)) })
	if err := CopyPlainGeoTIFF(ctx, filepath.Join(dir, "missing.tif"), filepath.Join(dir, "x.tif")); err == nil {
		t.Error("a missing source copied")
	}
}
