// Package laztest is a LASzip encoder, for tests and benchmarks only: it
// turns real LAS files into LAZ chunks of any point format (the lidar
// folder has real LAZ only for formats 0–3 and 7), and re-encoding real
// LASzip output byte for byte proves that encoder and decoder read the
// format the same way. Each item encoder mirrors its decoder in package
// laz, sharing its models, tables and predictors.
package laztest

import (
	"encoding/binary"

	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
)

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
