package pointcloud

import (
	"encoding/binary"
	"math"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
)

// Box is an axis-aligned 2D box in scaled (real-world) coordinates.
// Bounds are inclusive.
type Box struct {
	MinX, MinY, MaxX, MaxY float64
}

// Contains reports whether (x, y) lies inside b.
func (b Box) Contains(x, y float64) bool {
	return x >= b.MinX && x <= b.MaxX && y >= b.MinY && y <= b.MaxY
}

// Intersects reports whether b and o overlap.
func (b Box) Intersects(o Box) bool {
	return b.MinX <= o.MaxX && o.MinX <= b.MaxX && b.MinY <= o.MaxY && o.MinY <= b.MaxY
}

// Box3 is an axis-aligned 3D box in scaled coordinates.
type Box3 struct {
	Min, Max [3]float64
}

// XY is the 2D footprint of the box.
func (b Box3) XY() Box { return Box{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} }

// Records holds raw point records of one format, as stored in the file
// (for LAZ: as LASzip decodes them, byte-identical to the LAS records).
// Passing the same Records to successive ReadChunk calls reuses its
// buffers and decoder models; one Records must not serve two calls at
// once.
type Records struct {
	Format    uint8
	RecordLen int
	Scale     [3]float64
	Offset    [3]float64
	Data      []byte // Len() records of RecordLen bytes

	compressed []byte      // reused buffer for a chunk's compressed bytes
	lazDec     laz.Decoder // keeps decoder models from chunk to chunk
}

// Len is the number of records.
func (r *Records) Len() int {
	if r.RecordLen == 0 {
		return 0
	}
	return len(r.Data) / r.RecordLen
}

// Raw returns record i's bytes (aliasing Data).
func (r *Records) Raw(i int) []byte {
	return r.Data[i*r.RecordLen : (i+1)*r.RecordLen]
}

// RawXYZ returns record i's integer coordinates.
func (r *Records) RawXYZ(i int) (x, y, z int32) {
	b := r.Data[i*r.RecordLen:]
	le := binary.LittleEndian
	return int32(le.Uint32(b)), int32(le.Uint32(b[4:])), int32(le.Uint32(b[8:]))
}

// XYZ returns record i's scaled and offset coordinates.
func (r *Records) XYZ(i int) (x, y, z float64) {
	ix, iy, iz := r.RawXYZ(i)
	return float64(ix)*r.Scale[0] + r.Offset[0], float64(iy)*r.Scale[1] + r.Offset[1], float64(iz)*r.Scale[2] + r.Offset[2]
}

// Bounds computes the bounds of all records (an empty box of +Inf/-Inf
// when there are none).
func (r *Records) Bounds() Box3 {
	inf := math.Inf(1)
	b := Box3{Min: [3]float64{inf, inf, inf}, Max: [3]float64{-inf, -inf, -inf}}
	n := r.Len()
	if n == 0 {
		return b
	}
	// Integer extremes first, scaled once: cheaper than scaling each
	// point. This pass runs over every decoded chunk, so it keeps the
	// extremes in scalars (arrays stay on the stack) and bounds-checks
	// one reslice per record.
	loX, loY, loZ := int32(math.MaxInt32), int32(math.MaxInt32), int32(math.MaxInt32)
	hiX, hiY, hiZ := int32(math.MinInt32), int32(math.MinInt32), int32(math.MinInt32)
	le := binary.LittleEndian
	stride := r.RecordLen
	data := r.Data[:n*stride]
	for off := 0; off <= len(data)-12; off += stride {
		rec := data[off : off+12 : off+12]
		x := int32(le.Uint32(rec[0:4]))
		y := int32(le.Uint32(rec[4:8]))
		z := int32(le.Uint32(rec[8:12]))
		loX, hiX = min(loX, x), max(hiX, x)
		loY, hiY = min(loY, y), max(hiY, y)
		loZ, hiZ = min(loZ, z), max(hiZ, z)
	}
	lo, hi := [3]int32{loX, loY, loZ}, [3]int32{hiX, hiY, hiZ}
	for k := 0; k < 3; k++ {
		a := float64(lo[k])*r.Scale[k] + r.Offset[k]
		c := float64(hi[k])*r.Scale[k] + r.Offset[k]
		b.Min[k], b.Max[k] = min(a, c), max(a, c)
	}
	return b
}

// Point is a typed point record. Fields a format lacks are zero and
// flagged by HasGPSTime, HasRGB, HasNIR.
type Point struct {
	X, Y, Z          float64 // scaled and offset
	RawX, RawY, RawZ int32
	Intensity        uint16
	ReturnNumber     uint8
	NumberOfReturns  uint8
	// Classification is the class (0–31 for formats 0–5, 0–255 for 6–10).
	Classification uint8
	// ClassificationFlags: bit 0 synthetic, 1 key-point, 2 withheld,
	// 3 overlap (formats 6–10 only).
	ClassificationFlags uint8
	ScannerChannel      uint8 // formats 6–10
	ScanDirection       bool
	EdgeOfFlightLine    bool
	// ScanAngle in degrees (the rank for formats 0–5, 0.006° units for
	// 6–10 converted).
	ScanAngle     float64
	UserData      uint8
	PointSourceID uint16
	GPSTime       float64
	Red, Green    uint16
	Blue, NIR     uint16
	HasGPSTime    bool
	HasRGB        bool
	HasNIR        bool
	// ExtraBytes aliases the record's bytes beyond the standard format.
	ExtraBytes []byte
}

// Point decodes record i.
func (r *Records) Point(i int) Point {
	var p Point
	r.PointInto(i, &p)
	return p
}

// PointInto decodes record i into p, avoiding a copy of the struct.
func (r *Records) PointInto(i int, p *Point) {
	b := r.Raw(i)
	le := binary.LittleEndian
	p.RawX, p.RawY, p.RawZ = int32(le.Uint32(b)), int32(le.Uint32(b[4:])), int32(le.Uint32(b[8:]))
	p.X = float64(p.RawX)*r.Scale[0] + r.Offset[0]
	p.Y = float64(p.RawY)*r.Scale[1] + r.Offset[1]
	p.Z = float64(p.RawZ)*r.Scale[2] + r.Offset[2]
	p.Intensity = le.Uint16(b[12:])
	lay := layoutOf(r.Format)
	if lay.extended {
		p.ReturnNumber, p.NumberOfReturns = b[14]&15, b[14]>>4
		p.ClassificationFlags = b[15] & 15
		p.ScannerChannel = (b[15] >> 4) & 3
		p.ScanDirection, p.EdgeOfFlightLine = b[15]&64 != 0, b[15]&128 != 0
		p.Classification = b[16]
		p.UserData = b[17]
		p.ScanAngle = float64(int16(le.Uint16(b[18:]))) * 0.006
		p.PointSourceID = le.Uint16(b[20:])
	} else {
		p.ReturnNumber, p.NumberOfReturns = b[14]&7, (b[14]>>3)&7
		p.ScanDirection, p.EdgeOfFlightLine = b[14]&64 != 0, b[14]&128 != 0
		p.Classification = b[15] & 31
		p.ClassificationFlags = b[15] >> 5
		p.ScannerChannel = 0
		p.ScanAngle = float64(int8(b[16]))
		p.UserData = b[17]
		p.PointSourceID = le.Uint16(b[18:])
	}
	p.HasGPSTime, p.HasRGB, p.HasNIR = lay.gps >= 0, lay.rgb >= 0, lay.nir >= 0
	p.GPSTime, p.Red, p.Green, p.Blue, p.NIR = 0, 0, 0, 0, 0
	if p.HasGPSTime {
		p.GPSTime = math.Float64frombits(le.Uint64(b[lay.gps:]))
	}
	if p.HasRGB {
		p.Red, p.Green, p.Blue = le.Uint16(b[lay.rgb:]), le.Uint16(b[lay.rgb+2:]), le.Uint16(b[lay.rgb+4:])
	}
	if p.HasNIR {
		p.NIR = le.Uint16(b[lay.nir:])
	}
	p.ExtraBytes = b[BaseRecordLen(r.Format):]
}
