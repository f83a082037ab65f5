// Package lazenc is a LASzip encoder: it compresses point records into
// LASzip chunks (point-wise items POINT10, GPSTIME11, RGB12 and BYTE in
// version 2; layered items POINT14, RGB14, RGBNIR14 and BYTE14 in
// versions 3 and 4) and encodes the chunk table. Each item encoder
// mirrors its decoder in package laz, sharing its models, tables and
// predictors; re-encoding real LASzip, laz-perf and laz-rs output gives
// back their bytes exactly (package pointcloud's tests), which proves that
// both sides read the format as LASzip does.
//
// The encoders trust their input: callers pass whole records of the
// length the items add up to, as package pointcloud's Writer does.
package lazenc

import (
	"encoding/binary"

	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
)

// ChunkTable encodes a LASzip chunk table: version 0, the number of
// chunks, then each chunk's byte size (and, when counts is not nil, its
// point count first: variable-size chunks) through the integer
// compressor, as LASzip writes it after the last chunk.
func ChunkTable(sizes []int, counts []int) []byte {
	le := binary.LittleEndian
	out := le.AppendUint32(nil, 0)
	out = le.AppendUint32(out, uint32(len(sizes)))
	e := arith.NewEncoder()
	ic := arith.NewIntEncoder(32, 2)
	prevN, prevS := int32(0), int32(0)
	for i, s := range sizes {
		if counts != nil {
			ic.Encode(e, prevN, int32(counts[i]), 0)
			prevN = int32(counts[i])
		}
		ic.Encode(e, prevS, int32(s), 1)
		prevS = int32(s)
	}
	return append(out, e.Done()...)
}

// lazy returns the model in slot, creating it on first use, as the
// decoders do.
func lazy(slot **arith.Model, n uint32) *arith.Model {
	return (*arith.Arena)(nil).Lazy(slot, n)
}

// p14 is one LAS 1.4 point record (the decoder keeps its own, unexported).
type p14 struct {
	x, y, z    int32
	intensity  uint16
	r, n       uint8 // return number, number of returns (4 bits each)
	classFlags uint8 // 4 bits
	channel    uint8
	scanDir    uint8
	edge       uint8
	class      uint8
	userData   uint8
	scanAngle  int16
	sourceID   uint16
	gps        int64 // bit pattern of the float64 GPS time
	gpsChange  bool
}

func readP14(b []byte) p14 {
	le := binary.LittleEndian
	return p14{
		x: int32(le.Uint32(b)), y: int32(le.Uint32(b[4:])), z: int32(le.Uint32(b[8:])),
		intensity:  le.Uint16(b[12:]),
		r:          b[14] & 15,
		n:          b[14] >> 4,
		classFlags: b[15] & 15,
		channel:    (b[15] >> 4) & 3,
		scanDir:    (b[15] >> 6) & 1,
		edge:       b[15] >> 7,
		class:      b[16],
		userData:   b[17],
		scanAngle:  int16(le.Uint16(b[18:])),
		sourceID:   le.Uint16(b[20:]),
		gps:        int64(le.Uint64(b[22:])),
	}
}
