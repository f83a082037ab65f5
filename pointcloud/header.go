package pointcloud

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// Header is the LAS public header block (versions 1.0–1.4).
type Header struct {
	FileSourceID       uint16
	GlobalEncoding     uint16
	ProjectID          [16]byte // GUID bytes as stored
	VersionMajor       uint8
	VersionMinor       uint8
	SystemIdentifier   string
	GeneratingSoftware string
	CreationDay        uint16
	CreationYear       uint16
	HeaderSize         uint16
	PointDataOffset    uint32
	NumberOfVLRs       uint32
	// PointFormat is the point data record format (0–10) with the
	// compression bits (6 and 7) cleared; see Compressed.
	PointFormat uint8
	// Compressed reports whether the format byte had the LAZ bit set.
	Compressed           bool
	PointRecordLength    uint16
	LegacyPointCount     uint32
	LegacyPointsByReturn [5]uint32
	Scale                [3]float64
	Offset               [3]float64
	Min                  [3]float64
	Max                  [3]float64
	// WaveformDataOffset is set from LAS 1.3 on.
	WaveformDataOffset uint64
	// EVLROffset and NumberOfEVLRs are set from LAS 1.4 on.
	EVLROffset    uint64
	NumberOfEVLRs uint32
	// PointCount is the number of point records: the 64-bit count of a
	// LAS 1.4 header when non-zero, else the legacy 32-bit count.
	PointCount uint64
	// PointsByReturn holds the 1.4 counts, or the legacy ones widened.
	PointsByReturn [15]uint64
}

// ExtraBytes is the number of bytes each record carries beyond its
// format's standard size.
func (h *Header) ExtraBytes() int {
	return int(h.PointRecordLength) - BaseRecordLen(h.PointFormat)
}

const (
	minHeaderSize = 227
	header13Size  = 235
	header14Size  = 375
)

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(bytes.TrimRight(b, " "))
}

// parseHeader decodes the public header from b, which holds at least the
// first min(fileSize, 375) bytes of the file.
func parseHeader(b []byte, fileSize int64) (Header, error) {
	var h Header
	if len(b) < 4 || string(b[:4]) != "LASF" {
		return h, fmt.Errorf("%w: bad signature", ErrNotLAS)
	}
	if len(b) < minHeaderSize {
		return h, fmt.Errorf("%w: header needs %d bytes, file has %d", ErrTruncated, minHeaderSize, len(b))
	}
	le := binary.LittleEndian
	h.FileSourceID = le.Uint16(b[4:])
	h.GlobalEncoding = le.Uint16(b[6:])
	copy(h.ProjectID[:], b[8:24])
	h.VersionMajor, h.VersionMinor = b[24], b[25]
	if h.VersionMajor != 1 || h.VersionMinor > 4 {
		return h, fmt.Errorf("%w: LAS version %d.%d", ErrUnsupported, h.VersionMajor, h.VersionMinor)
	}
	h.SystemIdentifier = cstring(b[26:58])
	h.GeneratingSoftware = cstring(b[58:90])
	h.CreationDay = le.Uint16(b[90:])
	h.CreationYear = le.Uint16(b[92:])
	h.HeaderSize = le.Uint16(b[94:])
	h.PointDataOffset = le.Uint32(b[96:])
	h.NumberOfVLRs = le.Uint32(b[100:])
	format := b[104]
	h.Compressed = format&0x80 != 0
	h.PointFormat = format & 0x3f
	h.PointRecordLength = le.Uint16(b[105:])
	h.LegacyPointCount = le.Uint32(b[107:])
	for i := range h.LegacyPointsByReturn {
		h.LegacyPointsByReturn[i] = le.Uint32(b[111+4*i:])
		h.PointsByReturn[i] = uint64(h.LegacyPointsByReturn[i])
	}
	for i := 0; i < 3; i++ {
		h.Scale[i] = math.Float64frombits(le.Uint64(b[131+8*i:]))
		h.Offset[i] = math.Float64frombits(le.Uint64(b[155+8*i:]))
		h.Max[i] = math.Float64frombits(le.Uint64(b[179+16*i:]))
		h.Min[i] = math.Float64frombits(le.Uint64(b[187+16*i:]))
	}
	h.PointCount = uint64(h.LegacyPointCount)

	if int(h.HeaderSize) < minHeaderSize {
		return h, fmt.Errorf("%w: header size %d is below %d", ErrCorrupt, h.HeaderSize, minHeaderSize)
	}
	if int64(h.HeaderSize) > fileSize {
		return h, fmt.Errorf("%w: header size %d exceeds file size %d", ErrTruncated, h.HeaderSize, fileSize)
	}
	if h.VersionMinor >= 3 && h.HeaderSize >= header13Size {
		if len(b) < header13Size {
			return h, fmt.Errorf("%w: LAS 1.3 header", ErrTruncated)
		}
		h.WaveformDataOffset = le.Uint64(b[227:])
	}
	if h.VersionMinor >= 4 {
		if h.HeaderSize < header14Size || len(b) < header14Size {
			return h, fmt.Errorf("%w: LAS 1.4 header needs %d bytes, header size is %d", ErrTruncated, header14Size, h.HeaderSize)
		}
		h.EVLROffset = le.Uint64(b[235:])
		h.NumberOfEVLRs = le.Uint32(b[243:])
		if n := le.Uint64(b[247:]); n != 0 {
			h.PointCount = n
		}
		for i := range h.PointsByReturn {
			h.PointsByReturn[i] = le.Uint64(b[255+8*i:])
		}
	}
	if h.PointFormat > 10 {
		return h, fmt.Errorf("%w: point data format %d", ErrUnsupported, h.PointFormat)
	}
	if base := BaseRecordLen(h.PointFormat); int(h.PointRecordLength) < base {
		return h, fmt.Errorf("%w: record length %d is below %d for point format %d", ErrCorrupt, h.PointRecordLength, base, h.PointFormat)
	}
	if h.PointDataOffset < uint32(h.HeaderSize) {
		return h, fmt.Errorf("%w: point data offset %d lies inside the %d-byte header", ErrCorrupt, h.PointDataOffset, h.HeaderSize)
	}
	if int64(h.PointDataOffset) > fileSize {
		return h, fmt.Errorf("%w: point data offset %d is past the end of the %d-byte file", ErrTruncated, h.PointDataOffset, fileSize)
	}
	for i := 0; i < 3; i++ {
		if h.Scale[i] == 0 || math.IsNaN(h.Scale[i]) || math.IsInf(h.Scale[i], 0) {
			return h, fmt.Errorf("%w: %c scale factor is %v", ErrCorrupt, "xyz"[i], h.Scale[i])
		}
	}
	return h, nil
}
