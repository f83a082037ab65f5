package raster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/airbusgeo/godal"
)

func init() {
	// No .aux.xml side-car files: they would land beside users' sources and
	// make releases differ by whether statistics were once computed.
	if os.Getenv("GDAL_PAM_ENABLED") == "" {
		os.Setenv("GDAL_PAM_ENABLED", "NO")
	}
	// GDAL's block cache defaults to 5 % of RAM, and a mosaic's files stay
	// open, up to 100 per thread that read them; bound both so memory stays
	// workers × tile size whatever the extent, not a share of the machine or
	// of the sources. 32 MB per CPU holds the source blocks a strip of tiles
	// shares with the next (the executor processes tiles in strips); more
	// buys no speed (measured at 64 and 128 MB on 2 CPUs). 16 open files per
	// CPU covers the sheets under each worker's windows. Users may set their own.
	cpus := max(2, runtime.GOMAXPROCS(0))
	if os.Getenv("GDAL_CACHEMAX") == "" {
		os.Setenv("GDAL_CACHEMAX", strconv.Itoa(32*cpus))
	}
	if os.Getenv("GDAL_MAX_DATASET_POOL_SIZE") == "" {
		os.Setenv("GDAL_MAX_DATASET_POOL_SIZE", strconv.Itoa(16*cpus))
	}
}

var tmpSeq atomic.Int64

// tempPath is where a file is written before it is renamed into place, so a
// reader never sees a half-written product.
func tempPath(path string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+".partial-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(tmpSeq.Add(1), 10))
}

func checkBands[T Pixel](img *Image[T]) error {
	if len(img.Bands) == 0 {
		return fmt.Errorf("image has no band")
	}
	for i, b := range img.Bands {
		if len(b) != img.Width*img.Height {
			return fmt.Errorf("band %d holds %d pixels, want %d×%d", i+1, len(b), img.Width, img.Height)
		}
	}
	return nil
}

// memDataset copies an image into a GDAL in-memory dataset.
func memDataset[T Pixel](img *Image[T], log *gdalLog) (*godal.Dataset, error) {
	if err := checkBands(img); err != nil {
		return nil, err
	}
	ds, err := godal.Create(godal.Memory, "", len(img.Bands), dataTypeOf[T](), img.Width, img.Height, godal.ErrLogger(log.handler()))
	if err != nil {
		return nil, err
	}
	if err := setGeoref(ds, img.Grid, img.HasNoData, img.NoData, log); err != nil {
		ds.Close()
		return nil, err
	}
	for i, b := range ds.Bands() {
		if err := b.Write(0, 0, img.Bands[i], img.Width, img.Height, godal.ErrLogger(log.handler())); err != nil {
			ds.Close()
			return nil, err
		}
	}
	return ds, nil
}

func setGeoref(ds *godal.Dataset, g Grid, hasND bool, nd float64, log *gdalLog) error {
	if g.GeoTransform != ([6]float64{}) {
		if err := ds.SetGeoTransform(g.GeoTransform, godal.ErrLogger(log.handler())); err != nil {
			return err
		}
	}
	if g.CRS.WKT != "" {
		if err := ds.SetProjection(g.CRS.WKT, godal.ErrLogger(log.handler())); err != nil {
			return err
		}
	}
	if hasND {
		for _, b := range ds.Bands() {
			if err := b.SetNoData(nd, godal.ErrLogger(log.handler())); err != nil {
				return err
			}
		}
	}
	return nil
}

// translateTo writes an in-memory dataset to path with a driver and options,
// through a temporary file renamed into place.
func translateTo(ctx context.Context, mem *godal.Dataset, path, op string, switches []string, log *gdalLog) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tmp := tempPath(path)
	out, err := mem.Translate(tmp, switches, godal.ErrLogger(log.handler()))
	if err != nil {
		os.Remove(tmp)
		return log.wrap(op, path, err)
	}
	if err := out.Close(godal.ErrLogger(log.handler())); err != nil {
		os.Remove(tmp)
		return log.wrap(op, path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s %s: %w", op, path, err)
	}
	wroteFile()
	return nil
}

// COGCreationOptions are the COG driver's creation options for a product
// of width × height pixels: DEFLATE with the predictor suited to the data
// type, one compression thread (tiles run in parallel instead).
//
// DEFLATE level 1 (libdeflate) compresses a tile's products three times
// faster than the default level 6 for files about 1 % larger. A product
// up to 512 pixels a side is one block fitted to it (a multiple of 16, as
// TIFF wants): the default 512-pixel block would pad a 200 × 200 product
// six times over, and the padding is compressed too. Larger rasters keep
// 512-pixel blocks and their overviews. The benchmark's GDAL pipeline
// (bench/gdal_pipeline.sh) writes with the same options.
func COGCreationOptions(width, height int) []string {
	opts := []string{"COMPRESS=DEFLATE", "LEVEL=1", "PREDICTOR=YES", "NUM_THREADS=1"}
	if side, ok := singleBlock(width, height); ok {
		opts = append(opts, "BLOCKSIZE="+strconv.Itoa(side))
	}
	return opts
}

// singleBlock is the block side of a product small enough to be one block
// and no overview.
func singleBlock(width, height int) (int, bool) {
	side := max(width, height)
	return max(128, (side+15)/16*16), side <= 512
}

func cogSwitches(width, height int) []string {
	sw := []string{"-of", "COG"}
	for _, o := range COGCreationOptions(width, height) {
		sw = append(sw, "-co", o)
	}
	return sw
}

// predictor is the TIFF predictor for a pixel type: horizontal
// differencing for integers, floating point for floats.
func predictor[T Pixel]() string {
	if dt := dataTypeOf[T](); dt == godal.Float32 || dt == godal.Float64 {
		return "3"
	}
	return "2"
}

// WriteCOG writes an image as a Cloud-Optimized GeoTIFF (tiled, DEFLATE,
// predictor) with its CRS, geotransform and nodata, atomically.
//
// A tile's product (up to 512 pixels a side) is one block without
// overviews, and the GTiff driver writes such a file straight from the
// pixels in the COG layout: the IFD first (its block offsets are filled in
// place on close), then the block; GDAL's validate_cloud_optimized_geotiff
// accepts it. The COG driver would add only GDAL's "ghost" layout note, at
// about 1 ms more per file, a third of a small product's cost: it copies
// through a new dataset and reopens the file, reading its CRS back from the
// PROJ database. Larger rasters go through the COG driver for their
// overviews.
func WriteCOG[T Pixel](ctx context.Context, path string, img *Image[T]) (err error) {
	defer guard("write COG", path, &err)
	if side, ok := singleBlock(img.Width, img.Height); ok {
		if err := checkBands(img); err != nil {
			return fmt.Errorf("write COG %s: %w", path, err)
		}
		var nd *float64
		if img.HasNoData {
			nd = &img.NoData
		}
		b := strconv.Itoa(side)
		w, err := createGTiff[T](ctx, path, "write COG", img.Grid, len(img.Bands), nd,
			"TILED=YES", "BLOCKXSIZE="+b, "BLOCKYSIZE="+b, "COMPRESS=DEFLATE", "ZLEVEL=1", "PREDICTOR="+predictor[T]())
		if err != nil {
			return err
		}
		if err := w.WriteBlock(0, 0, img); err != nil {
			w.Abort()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		wroteFile()
		return nil
	}
	var log gdalLog
	mem, err := memDataset(img, &log)
	if err != nil {
		return log.wrap("write COG", path, err)
	}
	defer mem.Close()
	return translateTo(ctx, mem, path, "write COG", cogSwitches(img.Width, img.Height), &log)
}

// WritePNG writes an 8-bit image (1, 3 or 4 bands) as PNG, atomically.
// PNGs are quicklooks: no georeferencing is written.
func WritePNG(ctx context.Context, path string, img *Image[uint8]) (err error) {
	defer guard("write PNG", path, &err)
	if n := len(img.Bands); n != 1 && n != 3 && n != 4 {
		return fmt.Errorf("write PNG %s: %d bands; PNG takes 1, 3 or 4", path, n)
	}
	var log gdalLog
	plain := &Image[uint8]{Grid: Grid{Width: img.Width, Height: img.Height}, Bands: img.Bands}
	mem, err := memDataset(plain, &log)
	if err != nil {
		return log.wrap("write PNG", path, err)
	}
	defer mem.Close()
	// Level 2 writes a quicklook three times faster than the default 6
	// for files about 7 % larger.
	return translateTo(ctx, mem, path, "write PNG", []string{"-of", "PNG", "-co", "ZLEVEL=2"}, &log)
}

// GeoTIFFWriter streams a (possibly large) GeoTIFF block by block, so a
// scene-sized raster never has to be held in memory. Close renames it into place.
type GeoTIFFWriter[T Pixel] struct {
	path, tmp string
	ds        *godal.Dataset
	grid      Grid
	bands     int
	log       gdalLog
}

// CreateGeoTIFF starts a tiled, DEFLATE-compressed GeoTIFF on a grid. nodata may be nil.
func CreateGeoTIFF[T Pixel](ctx context.Context, path string, g Grid, bands int, nodata *float64) (w *GeoTIFFWriter[T], err error) {
	defer guard("create GeoTIFF", path, &err)
	return createGTiff[T](ctx, path, "create GeoTIFF", g, bands, nodata,
		"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "PREDICTOR="+predictor[T]())
}

// createGTiff creates a GeoTIFF with the GTiff driver's creation options
// and sets its georeferencing before any pixel, so the IFD is written once,
// ahead of the data.
func createGTiff[T Pixel](ctx context.Context, path, op string, g Grid, bands int, nodata *float64, opts ...string) (*GeoTIFFWriter[T], error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w := &GeoTIFFWriter[T]{path: path, tmp: tempPath(path), grid: g, bands: bands}
	ds, err := godal.Create(godal.GTiff, w.tmp, bands, dataTypeOf[T](), g.Width, g.Height,
		godal.CreationOption(opts...), godal.ErrLogger(w.log.handler()))
	if err != nil {
		os.Remove(w.tmp)
		return nil, w.log.wrap(op, path, err)
	}
	w.ds = ds
	var nd float64
	if nodata != nil {
		nd = *nodata
	}
	if err := setGeoref(ds, g, nodata != nil, nd, &w.log); err != nil {
		w.Abort()
		return nil, w.log.wrap(op, path, err)
	}
	return w, nil
}

// WriteBlock writes img (every band) with its top-left pixel at (x0, y0).
func (w *GeoTIFFWriter[T]) WriteBlock(x0, y0 int, img *Image[T]) (err error) {
	defer guard("write GeoTIFF", w.path, &err)
	if len(img.Bands) != w.bands {
		return fmt.Errorf("write GeoTIFF %s: block has %d bands, file has %d", w.path, len(img.Bands), w.bands)
	}
	if x0 < 0 || y0 < 0 || x0+img.Width > w.grid.Width || y0+img.Height > w.grid.Height {
		return fmt.Errorf("write GeoTIFF %s: block %dx%d at (%d,%d) outside %dx%d", w.path, img.Width, img.Height, x0, y0, w.grid.Width, w.grid.Height)
	}
	for i, b := range w.ds.Bands() {
		if err := b.Write(x0, y0, img.Bands[i], img.Width, img.Height, godal.ErrLogger(w.log.handler())); err != nil {
			return w.log.wrap("write GeoTIFF", w.path, err)
		}
	}
	return nil
}

// Close flushes the file and renames it into place.
func (w *GeoTIFFWriter[T]) Close() (err error) {
	defer guard("write GeoTIFF", w.path, &err)
	if w.ds == nil {
		return fmt.Errorf("write GeoTIFF %s: already closed", w.path)
	}
	err = w.ds.Close(godal.ErrLogger(w.log.handler()))
	w.ds = nil
	if err != nil {
		os.Remove(w.tmp)
		return w.log.wrap("write GeoTIFF", w.path, err)
	}
	if err := os.Rename(w.tmp, w.path); err != nil {
		os.Remove(w.tmp)
		return fmt.Errorf("write GeoTIFF %s: %w", w.path, err)
	}
	return nil
}

// Abort discards a file being written.
func (w *GeoTIFFWriter[T]) Abort() {
	if w.ds != nil {
		_ = w.ds.Close(godal.SkipWarnings)
		w.ds = nil
	}
	os.Remove(w.tmp)
}

// WriteGeoTIFF writes a whole image as a tiled, DEFLATE-compressed GeoTIFF, atomically.
func WriteGeoTIFF[T Pixel](ctx context.Context, path string, img *Image[T]) error {
	var nd *float64
	if img.HasNoData {
		nd = &img.NoData
	}
	w, err := CreateGeoTIFF[T](ctx, path, img.Grid, len(img.Bands), nd)
	if err != nil {
		return err
	}
	if err := w.WriteBlock(0, 0, img); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// CheckEnv refuses GDAL settings that would make every read fail in a way
// that looks like damaged files: GDAL takes a negative or garbled cache
// size without a word, then cannot cache a single block.
func CheckEnv(getenv func(string) string) error {
	if v := getenv("GDAL_CACHEMAX"); v != "" {
		num := strings.TrimSpace(v)
		for _, suffix := range []string{"%", "MB", "mb", "GB", "gb", "KB", "kb", "B"} {
			if n, ok := strings.CutSuffix(num, suffix); ok {
				num = strings.TrimSpace(n)
				break
			}
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || !(f > 0) {
			return fmt.Errorf("GDAL_CACHEMAX=%q is not a positive size (e.g. 256 for 256 MB, 1GB or 10%%): unset it or fix it", v)
		}
	}
	if v := getenv("GDAL_MAX_DATASET_POOL_SIZE"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 1 {
			return fmt.Errorf("GDAL_MAX_DATASET_POOL_SIZE=%q is not a positive number of files: unset it or fix it", v)
		}
	}
	return nil
}
