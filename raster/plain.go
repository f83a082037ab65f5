package raster

import (
	"context"
	"strconv"

	"github.com/airbusgeo/godal"
)

// plainStripBytes bounds a strip of a plain GeoTIFF (uncompressed): a
// tile's product is one strip, a larger raster several.
const plainStripBytes = 4 << 20

// CopyPlainGeoTIFF copies a raster file to a GeoTIFF that readers without
// optional codecs decode: Python's tifffile without imagecodecs (and
// imageio through it), Pillow, any TIFF library with zlib. The products'
// own encoding is not one of them: tifffile needs imagecodecs for the
// floating-point predictor (PREDICTOR=3) of the float products.
//
// The copy is DEFLATE (zlib) in strips, pixel-interleaved (readers return
// rows × columns × bands), with the horizontal predictor for integer pixels
// (tifffile undoes it with numpy alone; orthophotos compress about 10 %
// better) and no predictor for floating point (horizontal differencing of
// floats' bits compresses worse than none). The pixels, georeferencing
// (GeoTIFF tags), nodata and band metadata are GDAL's copy of src's.
func CopyPlainGeoTIFF(ctx context.Context, src, dst string) (err error) {
	defer guard("write GeoTIFF", dst, &err)
	if err := ctx.Err(); err != nil {
		return err
	}
	var log gdalLog
	ds, err := godal.Open(src, godal.RasterOnly(), godal.ErrLogger(log.handler()))
	if err != nil {
		return log.wrap("open", src, err)
	}
	defer ds.Close(godal.ErrLogger(log.handler()))
	return translateTo(ctx, ds, dst, "write GeoTIFF", plainSwitches(ds.Structure()), &log)
}

// plainSwitches are gdal_translate's switches for CopyPlainGeoTIFF.
func plainSwitches(st godal.DatasetStructure) []string {
	pred, size := "2", 8
	switch st.DataType {
	case godal.Float32, godal.Float64, godal.CFloat32, godal.CFloat64:
		pred = "1"
	}
	switch st.DataType {
	case godal.Byte, godal.Int8:
		size = 1
	case godal.Int16, godal.UInt16:
		size = 2
	case godal.Int32, godal.UInt32, godal.Float32:
		size = 4
	}
	row := max(1, st.SizeX*max(1, st.NBands)*size)
	rows := max(1, min(st.SizeY, plainStripBytes/row))
	return []string{"-of", "GTiff",
		"-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=" + pred,
		"-co", "TILED=NO", "-co", "BLOCKYSIZE=" + strconv.Itoa(rows),
		"-co", "INTERLEAVE=PIXEL", "-co", "NUM_THREADS=1"}
}
