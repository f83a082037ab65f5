// Package laz decodes the point records of LASzip chunks: the items
// POINT10, GPSTIME11, RGB12 and BYTE in version 2 (compressors 1 and 2)
// and POINT14, RGB14, RGBNIR14 and BYTE14 in versions 3 and 4
// (compressor 3), over the entropy coder of package arith. Decoded
// records are byte-identical to the uncompressed LAS records.
//
// Package pointcloud reads the files around the chunks (header, VLRs,
// chunk table) and checks the item list before asking for a decode; the
// identifiers exported beyond Decoder and Codec are shared with the test
// encoder (package lazenc), which must code exactly as the decoders do.
package laz

import (
	"context"
	"errors"

	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
)

// Errors that decoding returns, wrapped with details. Package pointcloud
// exports these same values, so errors.Is works across both packages.
var (
	ErrTruncated     = errors.New("file is truncated")
	ErrCountMismatch = errors.New("point count disagrees with the data")
	ErrCorrupt       = errors.New("corrupt data")
)

// LASzip item types (the values of pointcloud's Item constants).
const (
	ItemByte      = 0
	ItemPoint10   = 6
	ItemGPSTime11 = 7
	ItemRGB12     = 8
	ItemPoint14   = 10
	ItemRGB14     = 11
	ItemRGBNIR14  = 12
	ItemByte14    = 14
)

// Item is one entry of the LASzip VLR's item list.
type Item struct {
	Type, Size, Version uint16
}

// Codec says how a file's chunks are coded. The caller has checked that
// the items are ones this package decodes (types and versions matching
// Layered, standard sizes) and that RecordLen is their total size.
type Codec struct {
	Layered   bool // compressor 3; otherwise 1 or 2 (point-wise)
	Items     []Item
	RecordLen int
}

// MaxPointsPerByte bounds how many points one compressed byte can
// decode to: LASzip's adaptive models cap a symbol's probability, so a
// point always costs more than 1/65536 of a byte. A chunk claiming more
// is corrupt, and is refused before decoding or allocating.
const MaxPointsPerByte = 1 << 16

// Decoder decodes chunks, reusing its adaptive models from one chunk to
// the next. The zero value is ready to use; a Decoder must not decode two
// chunks at once.
type Decoder struct {
	arena *arith.Arena
}

// Decode decodes count records from one chunk's bytes, appending them to
// out. Errors wrap ErrTruncated, ErrCountMismatch, ErrCorrupt or the
// context's error; the caller adds the file and the chunk.
func (d *Decoder) Decode(ctx context.Context, c *Codec, data []byte, count uint64, out []byte) ([]byte, error) {
	if d.arena == nil {
		d.arena = arith.NewArena()
	}
	return decodeChunk(ctx, c, data, count, out, d.arena)
}
