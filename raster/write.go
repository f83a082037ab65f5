package raster

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"math"
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
		w, err := createGTiff[T](ctx, path, "write COG", img.Grid, len(img.Bands), nd, side,
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
	// Level 2 writes a quicklook three times faster than the default 6
	// for files about 7 % larger.
	return writeQuicklook(ctx, path, img, "write PNG", []string{"-of", "PNG", "-co", "ZLEVEL=2"})
}

// JPEGQuality is the quality quicklooks of photographs are written at.
const JPEGQuality = 85

// WriteJPEG writes an 8-bit image (1 or 3 bands) as a baseline JPEG at
// JPEGQuality, atomically, without georeferencing. For a photograph's
// quicklook it is the better format: a tile's orthophoto thumbnail is
// about a sixth of its PNG's size, and written several times faster
// (zlib and libpng's filter choice take most of a PNG's time).
func WriteJPEG(ctx context.Context, path string, img *Image[uint8]) (err error) {
	defer guard("write JPEG", path, &err)
	if n := len(img.Bands); n != 1 && n != 3 {
		return fmt.Errorf("write JPEG %s: %d bands; JPEG takes 1 or 3 (no transparency: write a PNG)", path, n)
	}
	return writeQuicklook(ctx, path, img, "write JPEG", []string{"-of", "JPEG", "-co", "QUALITY=" + strconv.Itoa(JPEGQuality)})
}

// writeQuicklook writes img's pixels, without georeferencing, through
// gdal_translate's switches.
func writeQuicklook(ctx context.Context, path string, img *Image[uint8], op string, switches []string) error {
	var log gdalLog
	plain := &Image[uint8]{Grid: Grid{Width: img.Width, Height: img.Height}, Bands: img.Bands}
	mem, err := memDataset(plain, &log)
	if err != nil {
		return log.wrap(op, path, err)
	}
	defer mem.Close()
	return translateTo(ctx, mem, path, op, switches, &log)
}

// GeoTIFFWriter streams a (possibly large) GeoTIFF block by block, so a
// scene-sized raster never has to be held in memory. Close renames it into place.
type GeoTIFFWriter[T Pixel] struct {
	path, tmp string
	ds        *godal.Dataset
	grid      Grid
	bands     int
	// canonical: Close lays the tiles out in tile order; see CreateGeoTIFF.
	canonical bool
	tiles     *tiles[T]
	log       gdalLog
}

// CreateGeoTIFF starts a tiled, DEFLATE-compressed GeoTIFF on a grid. nodata may be nil.
//
// Blocks may come in any order, from one goroutine at a time, and the
// file's bytes depend only on its pixels. A tile that blocks bring in
// parts is assembled before GDAL gets it (see tiles). GDAL writes a
// compressed tile at the end of the file when the tile leaves its block
// cache, which every thread shares: when another thread needs room, or at
// Close. So the tiles' order in the file follows the order blocks came in
// and the other threads' use of the cache, and a tile a block overlaps
// after it was whole is written twice. Close therefore rewrites the file
// with its tiles in tile order (see canonicalTIFF): the compressed bytes
// are copied, not recompressed, one tile at a time.
func CreateGeoTIFF[T Pixel](ctx context.Context, path string, g Grid, bands int, nodata *float64) (w *GeoTIFFWriter[T], err error) {
	defer guard("create GeoTIFF", path, &err)
	w, err = createGTiff[T](ctx, path, "create GeoTIFF", g, bands, nodata, geoTIFFTile,
		"TILED=YES", "BLOCKXSIZE="+strconv.Itoa(geoTIFFTile), "BLOCKYSIZE="+strconv.Itoa(geoTIFFTile), "COMPRESS=DEFLATE", "PREDICTOR="+predictor[T]())
	if err != nil {
		return nil, err
	}
	w.canonical = true
	return w, nil
}

// geoTIFFTile is the side of CreateGeoTIFF's tiles.
const geoTIFFTile = 256

// createGTiff creates a GeoTIFF of side×side tiles with the GTiff driver's
// creation options and sets its georeferencing before any pixel, so the
// IFD is written once, ahead of the data.
func createGTiff[T Pixel](ctx context.Context, path, op string, g Grid, bands int, nodata *float64, side int, opts ...string) (*GeoTIFFWriter[T], error) {
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
	// Pixels never written read as nodata, or 0, as GDAL fills them.
	w.tiles = newTiles(side, g.Width, g.Height, bands, fillOf[T](nd), filepath.Dir(path), path)
	return w, nil
}

// WriteBlock writes img (every band) with its top-left pixel at (x0, y0).
func (w *GeoTIFFWriter[T]) WriteBlock(x0, y0 int, img *Image[T]) (err error) {
	defer guard("write GeoTIFF", w.path, &err)
	if w.ds == nil {
		return fmt.Errorf("write GeoTIFF %s: already closed", w.path)
	}
	if len(img.Bands) != w.bands {
		return fmt.Errorf("write GeoTIFF %s: block has %d bands, file has %d", w.path, len(img.Bands), w.bands)
	}
	if x0 < 0 || y0 < 0 || x0+img.Width > w.grid.Width || y0+img.Height > w.grid.Height {
		return fmt.Errorf("write GeoTIFF %s: block %dx%d at (%d,%d) outside %dx%d", w.path, img.Width, img.Height, x0, y0, w.grid.Width, w.grid.Height)
	}
	if err := checkBands(img); err != nil {
		return fmt.Errorf("write GeoTIFF %s: %w", w.path, err)
	}
	return w.tiles.writeBlock(w.put, x0, y0, img)
}

// Close flushes the file and renames it into place.
func (w *GeoTIFFWriter[T]) Close() (err error) {
	defer guard("write GeoTIFF", w.path, &err)
	if w.ds == nil {
		return fmt.Errorf("write GeoTIFF %s: already closed", w.path)
	}
	if err := w.tiles.flush(w.put); err != nil {
		w.Abort()
		return err
	}
	err = w.ds.Close(godal.ErrLogger(w.log.handler()))
	w.ds = nil
	if err != nil {
		os.Remove(w.tmp)
		return w.log.wrap("write GeoTIFF", w.path, err)
	}
	src := w.tmp
	if w.canonical {
		defer os.Remove(w.tmp)
		src = tempPath(w.path)
		if err := canonicalTIFF(w.tmp, src); err != nil {
			os.Remove(src)
			return fmt.Errorf("write GeoTIFF %s: %w", w.path, err)
		}
	}
	if err := os.Rename(src, w.path); err != nil {
		os.Remove(src)
		return fmt.Errorf("write GeoTIFF %s: %w", w.path, err)
	}
	return nil
}

// Abort discards a file being written.
func (w *GeoTIFFWriter[T]) Abort() {
	if w.tiles != nil {
		_ = w.tiles.close()
	}
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

// TIFF tags canonicalTIFF moves: the offsets of the tiles (or strips) and
// their sizes.
const (
	tagStripOffsets    = 273
	tagStripByteCounts = 279
	tagTileOffsets     = 324
	tagTileByteCounts  = 325
)

// tiffTypeSize is the size of one value of each TIFF field type.
var tiffTypeSize = map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8}

type tiffEntry struct {
	tag, typ uint16
	count    uint64
	data     []byte // the value's bytes, in the file's byte order
}

// canonicalTIFF copies the single-image TIFF src to dst laid out in one
// order: header, directory, the directory's out-of-line values in tag
// order, then the tiles in tile order, with nothing between them (a tile
// GDAL wrote twice leaves its first copy behind in src). The tiles'
// compressed bytes are copied as they are, one at a time, so two files with
// the same tags and the same tiles come out byte for byte the same.
func canonicalTIFF(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	var hdr [16]byte
	if _, err := in.ReadAt(hdr[:8], 0); err != nil {
		return fmt.Errorf("read TIFF header: %w", err)
	}
	var bo interface {
		binary.ByteOrder
		binary.AppendByteOrder
	}
	switch string(hdr[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return fmt.Errorf("not a TIFF file")
	}
	big := false
	var ifd uint64
	switch bo.Uint16(hdr[2:]) {
	case 42:
		ifd = uint64(bo.Uint32(hdr[4:]))
	case 43:
		big = true
		if _, err := in.ReadAt(hdr[8:16], 8); err != nil {
			return fmt.Errorf("read BigTIFF header: %w", err)
		}
		ifd = bo.Uint64(hdr[8:])
	default:
		return fmt.Errorf("not a TIFF file")
	}
	// Classic TIFF: 2-byte count, 12-byte entries, 4-byte values and
	// offsets; BigTIFF: 8, 20 and 8.
	countSize, entrySize, word, hdrSize := 2, 12, 4, 8
	if big {
		countSize, entrySize, word, hdrSize = 8, 20, 8, 16
	}
	uword := func(b []byte) uint64 {
		if big {
			return bo.Uint64(b)
		}
		return uint64(bo.Uint32(b))
	}
	buf := make([]byte, countSize)
	if _, err := in.ReadAt(buf, int64(ifd)); err != nil {
		return fmt.Errorf("read TIFF directory: %w", err)
	}
	n := uint64(bo.Uint16(buf))
	if big {
		n = bo.Uint64(buf)
	}
	if n == 0 || n > 1000 {
		return fmt.Errorf("TIFF directory of %d entries", n)
	}
	dir := make([]byte, int(n)*entrySize+word)
	if _, err := in.ReadAt(dir, int64(ifd)+int64(countSize)); err != nil {
		return fmt.Errorf("read TIFF directory: %w", err)
	}
	if uword(dir[int(n)*entrySize:]) != 0 {
		return fmt.Errorf("TIFF holds more than one image (overviews or masks)")
	}
	entries := make([]tiffEntry, n)
	var offsets, counts *tiffEntry
	for k := range entries {
		e := dir[k*entrySize : (k+1)*entrySize]
		en := &entries[k]
		en.tag, en.typ = bo.Uint16(e), bo.Uint16(e[2:])
		if big {
			en.count = bo.Uint64(e[4:])
		} else {
			en.count = uint64(bo.Uint32(e[4:]))
		}
		size, ok := tiffTypeSize[en.typ]
		if !ok {
			// IFD-pointer types (13, 18) and unknown ones: a value this
			// copy would not know to move.
			return fmt.Errorf("TIFF tag %d has field type %d", en.tag, en.typ)
		}
		total := uint64(size) * en.count
		if total > 1<<30 {
			return fmt.Errorf("TIFF tag %d holds %d bytes", en.tag, total)
		}
		en.data = make([]byte, total)
		if total <= uint64(word) {
			copy(en.data, e[entrySize-word:])
		} else if _, err := in.ReadAt(en.data, int64(uword(e[entrySize-word:]))); err != nil {
			return fmt.Errorf("read TIFF tag %d: %w", en.tag, err)
		}
		switch en.tag {
		case tagTileOffsets, tagStripOffsets:
			offsets = en
		case tagTileByteCounts, tagStripByteCounts:
			counts = en
		}
	}
	if offsets == nil || counts == nil || offsets.count != counts.count {
		return fmt.Errorf("TIFF without matching tile offsets and sizes")
	}
	value := func(en *tiffEntry, i int) (uint64, error) {
		switch en.typ {
		case 3:
			return uint64(bo.Uint16(en.data[2*i:])), nil
		case 4:
			return uint64(bo.Uint32(en.data[4*i:])), nil
		case 16:
			return bo.Uint64(en.data[8*i:]), nil
		}
		return 0, fmt.Errorf("TIFF tag %d has field type %d", en.tag, en.typ)
	}
	tiles := int(offsets.count)
	oldOff := make([]uint64, tiles)
	size := make([]uint64, tiles)
	for i := range tiles {
		if oldOff[i], err = value(offsets, i); err != nil {
			return err
		}
		if size[i], err = value(counts, i); err != nil {
			return err
		}
	}

	// The new layout: the directory after the header, its values after it
	// (each at an even offset, as TIFF asks), then the tiles.
	pos := uint64(hdrSize) + uint64(countSize) + uint64(len(dir))
	valueAt := make([]uint64, n)
	for k := range entries {
		if len(entries[k].data) > word {
			pos += pos & 1
			valueAt[k] = pos
			pos += uint64(len(entries[k].data))
		}
	}
	for i := range tiles {
		if size[i] == 0 {
			continue // a tile never written stays absent
		}
		nv := pos
		switch offsets.typ {
		case 3:
			if nv > math.MaxUint16 {
				return fmt.Errorf("TIFF tile offset %d does not fit its field", nv)
			}
			bo.PutUint16(offsets.data[2*i:], uint16(nv))
		case 4:
			if nv > math.MaxUint32 {
				return fmt.Errorf("TIFF tile offset %d does not fit its field", nv)
			}
			bo.PutUint32(offsets.data[4*i:], uint32(nv))
		default:
			bo.PutUint64(offsets.data[8*i:], nv)
		}
		pos += size[i]
	}

	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(out, 1<<20)
	head := append([]byte(nil), hdr[:4]...)
	if big {
		head = append(head, hdr[4:8]...) // offset size and padding, as read
		head = bo.AppendUint64(head, uint64(hdrSize))
	} else {
		head = bo.AppendUint32(head, uint32(hdrSize))
	}
	if big {
		head = bo.AppendUint64(head, n)
	} else {
		head = bo.AppendUint16(head, uint16(n))
	}
	for k, en := range entries {
		head = bo.AppendUint16(head, en.tag)
		head = bo.AppendUint16(head, en.typ)
		if big {
			head = bo.AppendUint64(head, en.count)
		} else {
			head = bo.AppendUint32(head, uint32(en.count))
		}
		v := make([]byte, word)
		if len(en.data) > word {
			if big {
				bo.PutUint64(v, valueAt[k])
			} else {
				bo.PutUint32(v, uint32(valueAt[k]))
			}
		} else {
			copy(v, en.data)
		}
		head = append(head, v...)
	}
	head = append(head, make([]byte, word)...) // no next directory
	written := uint64(len(head))
	if _, err := bw.Write(head); err != nil {
		return err
	}
	for k, en := range entries {
		if len(en.data) <= word {
			continue
		}
		if pad := valueAt[k] - written; pad > 0 {
			if _, err := bw.Write(make([]byte, pad)); err != nil {
				return err
			}
			written += pad
		}
		if _, err := bw.Write(en.data); err != nil {
			return err
		}
		written += uint64(len(en.data))
	}
	var tile []byte
	for i := range tiles {
		if size[i] == 0 {
			continue
		}
		if uint64(cap(tile)) < size[i] {
			tile = make([]byte, size[i])
		}
		t := tile[:size[i]]
		if _, err := in.ReadAt(t, int64(oldOff[i])); err != nil {
			return fmt.Errorf("read TIFF tile %d: %w", i, err)
		}
		if _, err := bw.Write(t); err != nil {
			return err
		}
	}
	return bw.Flush()
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
