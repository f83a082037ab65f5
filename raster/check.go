package raster

import (
	"context"
	"fmt"
	"runtime"
	"strconv"

	"github.com/airbusgeo/godal"
)

// maxCheckPixels bounds the buffer of one read of CheckFile, so a file
// whose header claims enormous blocks cannot exhaust memory.
const maxCheckPixels = 1 << 22

// CheckFile opens one raster file and reads every block of every band once,
// the way a release must be able to, and returns its metadata. A file that
// opens but cannot be read whole (truncated, corrupt compressed data) gives
// its metadata and an error naming the file and the first block that
// failed; a file that does not open gives only the error. ctx is checked
// between blocks, so a huge or hostile file cannot hold a run forever.
func CheckFile(ctx context.Context, path string) (info Info, err error) {
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	info, err = fileInfo(path)
	if err != nil {
		return Info{}, err
	}
	return info, checkBlocks(ctx, path, info)
}

func checkBlocks(ctx context.Context, path string, info Info) error {
	return withDataset(path, func(ds *godal.Dataset, log *gdalLog) error {
		return decodeBlocks(ctx, ds, path, info, log)
	})
}

// withDataset opens path for a check, runs check on it and closes it.
func withDataset(path string, check func(*godal.Dataset, *gdalLog) error) (err error) {
	defer guard("read", path, &err)
	var log gdalLog
	ds, err := godal.Open(path, godal.RasterOnly(), godal.ErrLogger(log.handler()))
	if err != nil {
		return log.wrap("open", path, err)
	}
	defer ds.Close(godal.ErrLogger(log.handler()))
	return check(ds, &log)
}

// decodeBlocks reads every block of every band of an open dataset once.
func decodeBlocks(ctx context.Context, ds *godal.Dataset, path string, info Info, log *gdalLog) error {
	bands := ds.Bands()
	if len(bands) == 0 {
		return &OpError{Op: "read", Path: path, Err: fmt.Errorf("%w: it has no raster band", ErrNotRaster)}
	}
	st := bands[0].Structure()
	// Reads span whole blocks of all bands at once (pixel-interleaved files
	// decode each block once), cut smaller when a block is huge.
	nb := len(bands)
	bw := max(1, min(st.BlockSizeX, info.Width))
	bh := max(1, min(st.BlockSizeY, info.Height))
	if bw*bh*nb > maxCheckPixels {
		bh = max(1, maxCheckPixels/(bw*nb))
	}
	if bw*bh*nb > maxCheckPixels {
		bw = max(1, maxCheckPixels/nb)
	}
	// Values are decoded, not kept: bytes are read as bytes and every other
	// type as float32, never as float64, whose conversion of every pixel of
	// every source would cost more than decoding it.
	if st.DataType == godal.Byte {
		return scanBlocks[uint8](ctx, ds, path, info, bw, bh, nb, log)
	}
	return scanBlocks[float32](ctx, ds, path, info, bw, bh, nb, log)
}

// scanBlocks reads a whole file, bw × bh pixels of its nb bands at a time.
func scanBlocks[T Pixel](ctx context.Context, ds *godal.Dataset, path string, info Info, bw, bh, nb int, log *gdalLog) error {
	buf := make([]T, bw*bh*nb)
	for y := 0; y < info.Height; y += bh {
		h := min(bh, info.Height-y)
		for x := 0; x < info.Width; x += bw {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("read %s: %w", path, err)
			}
			w := min(bw, info.Width-x)
			if err := ds.Read(x, y, buf[:w*h*nb], w, h, godal.ErrLogger(log.handler())); err != nil {
				return fmt.Errorf("%w; the file is truncated or corrupt: replace it, or remove it from the source's files",
					log.wrap("read", path, fmt.Errorf("block at column %d, row %d: %w", x, y, err)))
			}
		}
	}
	return nil
}

// CheckLayout is CheckFile without decoding pixels where the format lets
// it: for a GeoTIFF it checks that every block of every band lies within
// the file, which finds a file cut short (an interrupted copy or
// download, the usual unreadable file) at the cost of reading its
// directory, where decoding every block costs about as much as reading the
// source once more. Compressed data corrupt inside the file is not found
// here but by the read that decodes it, which fails naming the file. Other
// formats are checked as CheckFile does.
func CheckLayout(ctx context.Context, path string) (info Info, err error) {
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	info, err = fileInfo(path)
	if err != nil {
		return Info{}, err
	}
	size, _, err := Stat(path)
	if err != nil {
		return info, &OpError{Op: "read", Path: path, Err: err}
	}
	return info, withDataset(path, func(ds *godal.Dataset, log *gdalLog) error {
		located, err := checkTIFFLayout(ctx, ds, path, size)
		if located || err != nil {
			return err
		}
		return decodeBlocks(ctx, ds, path, info, log)
	})
}

// checkTIFFLayout checks a GeoTIFF's blocks against its size; it reports
// false when the file is not a GeoTIFF or GDAL does not say where its
// blocks lie.
func checkTIFFLayout(ctx context.Context, ds *godal.Dataset, path string, size int64) (located bool, err error) {
	if ds.Driver().ShortName() != "GTiff" {
		return false, nil
	}
	for b, band := range ds.Bands() {
		st := band.Structure()
		if st.BlockSizeX <= 0 || st.BlockSizeY <= 0 {
			return false, nil // no block layout to check: decode instead
		}
		nx := (st.SizeX + st.BlockSizeX - 1) / st.BlockSizeX
		ny := (st.SizeY + st.BlockSizeY - 1) / st.BlockSizeY
		for y := range ny {
			if err := ctx.Err(); err != nil {
				return true, fmt.Errorf("read %s: %w", path, err)
			}
			for x := range nx {
				key := fmt.Sprintf("_%d_%d", x, y)
				offText, sizeText := blockLocation(band, key)
				off, okOff := parseBlockField(offText)
				n, okSize := parseBlockField(sizeText)
				if !okOff || !okSize {
					// GDAL does not say where the block lies (a layout it
					// does not expose): decode instead.
					return false, nil
				}
				located = located || off > 0
				// Offset 0 is a sparse block, read as nodata.
				if off > 0 && (off > size || n > size-off) {
					return true, &OpError{Op: "read", Path: path, Err: fmt.Errorf(
						"band %d, block at column %d, row %d: its %d bytes at offset %d lie past the end of the %d-byte file; the file is truncated or corrupt: replace it, or remove it from the source's files",
						b+1, x*st.BlockSizeX, y*st.BlockSizeY, n, off, size)}
				}
			}
		}
	}
	// No block located at all: this GDAL does not tell, so decode.
	return located, nil
}

// blockLocation returns GDAL's BLOCK_OFFSET and BLOCK_SIZE of a block.
// GDAL formats them in a buffer of the calling thread that its later calls
// on that thread reuse, so the goroutine stays on its thread until it has
// copied them: moved to another, it could read what a GDAL call of another
// goroutine wrote there since, and call a whole file truncated.
func blockLocation(band godal.Band, key string) (offset, size string) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tiffDomain := godal.Domain("TIFF")
	return band.Metadata("BLOCK_OFFSET"+key, tiffDomain), band.Metadata("BLOCK_SIZE"+key, tiffDomain)
}

// parseBlockField parses a BLOCK_OFFSET or BLOCK_SIZE value; an absent one
// (a sparse block) is 0.
func parseBlockField(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v >= 0
}
