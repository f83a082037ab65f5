package raster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/airbusgeo/godal"
)

// ErrUnsupportedFormat is returned (wrapped) for a file in a raster format
// other GDAL builds read but this one cannot: ECW and MrSID, whose drivers
// need proprietary SDKs that Debian's and most distributions' GDAL are
// built without, and JPEG 2000 when no JPEG 2000 driver is present. The
// error names the file and how to convert it.
var ErrUnsupportedFormat = errors.New("a format this GDAL cannot read")

// proprietary describes a format GDAL reads only through an optional driver.
type proprietary struct {
	name    string   // for messages
	why     string   // why this GDAL lacks it
	drivers []string // any of these GDAL drivers reads it
}

var (
	formatECW = proprietary{
		name:    "ECW (ERDAS Compressed Wavelets)",
		why:     "its driver needs Hexagon's proprietary ECW SDK, which this GDAL is built without",
		drivers: []string{"ECW"},
	}
	formatMrSID = proprietary{
		name:    "MrSID",
		why:     "its driver needs the proprietary MrSID SDK, which this GDAL is built without",
		drivers: []string{"MrSID"},
	}
	formatJP2 = proprietary{
		name:    "JPEG 2000",
		why:     "this GDAL was built without a JPEG 2000 driver (JP2OpenJPEG, which Debian's libgdal includes, is the usual one)",
		drivers: []string{"JP2OpenJPEG", "JP2ECW", "JP2KAK", "JP2MrSID", "JPEG2000"},
	}
)

// jp2Signature opens every JP2 file (the JPEG 2000 signature box);
// j2kSignature opens a raw codestream (SOC then SIZ markers).
var (
	jp2Signature = []byte{0, 0, 0, 0x0c, 'j', 'P', ' ', ' ', '\r', '\n', 0x87, '\n'}
	j2kSignature = []byte{0xff, 0x4f, 0xff, 0x51}
)

// sniffFormat recognises ECW and MrSID files by name (GDAL's ECW driver
// itself goes by the .ecw extension) or, for MrSID and JPEG 2000, by their
// first bytes. It opens nothing with GDAL.
func sniffFormat(path string) (proprietary, bool) {
	lower := strings.ToLower(path)
	ext := filepath.Ext(lower)
	switch {
	case ext == ".ecw" || strings.HasPrefix(lower, "ecwp://") || strings.HasPrefix(lower, "ecwps://"):
		return formatECW, true
	case ext == ".sid":
		return formatMrSID, true
	}
	var head [12]byte
	if !strings.HasPrefix(path, "/vsi") {
		if f, err := os.Open(path); err == nil {
			_, _ = io.ReadFull(f, head[:])
			f.Close()
		}
	}
	switch {
	case bytes.HasPrefix(head[:], []byte("msid")):
		return formatMrSID, true
	case bytes.Equal(head[:], jp2Signature) || bytes.HasPrefix(head[:], j2kSignature):
		return formatJP2, true
	}
	switch ext {
	case ".jp2", ".j2k", ".j2c", ".jpc", ".jpx", ".jpf":
		return formatJP2, true
	}
	return proprietary{}, false
}

// UnsupportedFormat reports a file in a format this GDAL has no driver for
// (ECW, MrSID, JPEG 2000 without a JPEG 2000 driver), by its name and first
// bytes, without opening it with GDAL: nil for any other file, and for
// these when this GDAL has a driver for them. The error wraps
// ErrUnsupportedFormat, names the file and gives the gdal_translate
// commands that convert it, to be run where GDAL has the driver.
func UnsupportedFormat(path string) error {
	f, ok := sniffFormat(path)
	if !ok {
		return nil
	}
	for _, d := range f.drivers {
		if _, ok := godal.RasterDriver(godal.DriverName(d)); ok {
			return nil // this GDAL reads it; a failure is the file's
		}
	}
	name := filepath.Base(path)
	base := strings.TrimSuffix(name, filepath.Ext(name))
	to := fmt.Sprintf("to a Cloud-Optimized GeoTIFF: gdal_translate -of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES %s %s.tif", name, base)
	if f.name != formatJP2.name {
		to += fmt.Sprintf(", or to lossless JPEG 2000: gdal_translate -of JP2OpenJPEG -co REVERSIBLE=YES -co QUALITY=100 %s %s.jp2; both keep the decoded pixels exactly", name, base)
	}
	return &OpError{Op: "open", Path: path, Err: fmt.Errorf(
		"%w: it is %s, and %s (GDAL %s). Convert it on a machine whose GDAL lists %s in `gdalinfo --formats`, %s. Then point the source's files at the copies",
		ErrUnsupportedFormat, f.name, f.why, GDALVersion(), strings.Join(f.drivers, " or "), to)}
}
