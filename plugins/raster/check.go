package raster

import (
	"context"
	"fmt"

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

func checkBlocks(ctx context.Context, path string, info Info) (err error) {
	defer guard("read", path, &err)
	var log gdalLog
	ds, err := godal.Open(path, godal.RasterOnly(), godal.ErrLogger(log.handler()))
	if err != nil {
		return log.wrap("open", path, err)
	}
	defer ds.Close(godal.ErrLogger(log.handler()))
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
	// Blocks are read in the file's own pixel type: converting every pixel
	// of every source to float64 would cost more than decoding it.
	buf := newCheckBuffer(st.DataType, bw*bh*nb)
	for y := 0; y < info.Height; y += bh {
		h := min(bh, info.Height-y)
		for x := 0; x < info.Width; x += bw {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("read %s: %w", path, err)
			}
			w := min(bw, info.Width-x)
			if err := ds.Read(x, y, buf(w*h*nb), w, h, godal.ErrLogger(log.handler())); err != nil {
				return fmt.Errorf("%w; the file is truncated or corrupt: replace it, or remove it from the source's files",
					log.wrap("read", path, fmt.Errorf("block at column %d, row %d: %w", x, y, err)))
			}
		}
	}
	return nil
}

// newCheckBuffer returns a function giving a buffer of n pixels of a GDAL
// data type (float64 for the types without a Go slice of their own).
func newCheckBuffer(dt godal.DataType, size int) func(n int) any {
	switch dt {
	case godal.Byte:
		b := make([]uint8, size)
		return func(n int) any { return b[:n] }
	case godal.UInt16:
		b := make([]uint16, size)
		return func(n int) any { return b[:n] }
	case godal.Int16:
		b := make([]int16, size)
		return func(n int) any { return b[:n] }
	case godal.UInt32:
		b := make([]uint32, size)
		return func(n int) any { return b[:n] }
	case godal.Int32:
		b := make([]int32, size)
		return func(n int) any { return b[:n] }
	case godal.Float32:
		b := make([]float32, size)
		return func(n int) any { return b[:n] }
	default:
		b := make([]float64, size)
		return func(n int) any { return b[:n] }
	}
}
