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
	// Values are decoded, not kept: bytes are read as bytes and every other
	// type as float32, never as float64, whose conversion of every pixel of
	// every source would cost more than decoding it.
	if st.DataType == godal.Byte {
		return scanBlocks[uint8](ctx, ds, path, info, bw, bh, nb, &log)
	}
	return scanBlocks[float32](ctx, ds, path, info, bw, bh, nb, &log)
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
