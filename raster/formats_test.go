package raster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnsupportedFormats: ECW and MrSID files, which Debian's GDAL cannot
// read, fail to open with an error that names the file, the format and the
// gdal_translate commands converting it; other files keep their errors.
func TestUnsupportedFormats(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	junk := []byte(strings.Repeat("not a raster at all ", 50))
	ecw := write("x.ecw", junk)
	sid := write("sheet.sid", append([]byte("msid\x01"), junk...))
	sidByHeader := write("sheet.img", append([]byte("msid\x02"), junk...))
	for _, tc := range []struct {
		path, format string
		jp2          bool // the message also offers lossless JPEG 2000
	}{
		{ecw, "ECW", true},
		{sid, "MrSID", true},
		{sidByHeader, "MrSID", true},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			_, err := OpenMosaic(ctx, []string{tc.path}, MosaicOptions{})
			if !errors.Is(err, ErrUnsupportedFormat) {
				t.Fatalf("err = %v, want ErrUnsupportedFormat", err)
			}
			if errors.Is(err, ErrNotRaster) {
				t.Errorf("also ErrNotRaster: %v", err)
			}
			msg := err.Error()
			base := strings.TrimSuffix(filepath.Base(tc.path), filepath.Ext(tc.path))
			for _, want := range []string{
				tc.path, tc.format, "gdalinfo --formats",
				"gdal_translate -of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES " + filepath.Base(tc.path) + " " + base + ".tif",
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
			if jp2 := "gdal_translate -of JP2OpenJPEG -co REVERSIBLE=YES -co QUALITY=100"; strings.Contains(msg, jp2) != tc.jp2 {
				t.Errorf("lossless JPEG 2000 offered = %v, want %v:\n%s", !tc.jp2, tc.jp2, msg)
			}
			// Inspect (what plan calls) says the same.
			if _, err := Inspect(ctx, []string{tc.path}, MosaicOptions{}); !errors.Is(err, ErrUnsupportedFormat) {
				t.Errorf("Inspect: %v", err)
			}
		})
	}

	// This GDAL reads JPEG 2000: a broken .jp2 is a broken file, not a format to convert.
	if UnsupportedFormat(write("broken.jp2", append(append([]byte(nil), jp2Signature...), junk...))) != nil {
		t.Error("a .jp2 is reported unsupported although GDAL has a JPEG 2000 driver")
	}
	if _, err := OpenMosaic(ctx, []string{filepath.Join(dir, "broken.jp2")}, MosaicOptions{}); !errors.Is(err, ErrNotRaster) || errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("broken.jp2: %v, want ErrNotRaster only", err)
	}
	// A file GDAL opens is read whatever its name.
	tif := filepath.Join(dir, "real.ecw")
	fixture(t, filepath.Join(dir, "real.tif"), Extent{355000, 4610000, 355010, 4610010}, 1, 1, nil, func(b, x, y int) uint8 { return uint8(x + y) })
	if err := os.Rename(filepath.Join(dir, "real.tif"), tif); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(ctx, []string{tif}, MosaicOptions{}); err != nil {
		t.Errorf("a GeoTIFF named .ecw: %v", err)
	}
	// A missing file is missing.
	if _, err := OpenMosaic(ctx, []string{filepath.Join(dir, "missing.ecw")}, MosaicOptions{}); err == nil || errors.Is(err, ErrUnsupportedFormat) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing.ecw: %v", err)
	}
}
