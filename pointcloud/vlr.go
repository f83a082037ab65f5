package pointcloud

import (
	"encoding/binary"
	"fmt"
	"io"
)

// VLR is a variable length record or, when Extended, an extended VLR
// (LAS 1.4) found after the point data.
type VLR struct {
	UserID      string
	RecordID    uint16
	Description string
	Data        []byte
	Extended    bool
	// Offset is the file offset of the record's data.
	Offset int64
}

const (
	vlrHeaderLen  = 54
	evlrHeaderLen = 60
	// maxVLRData bounds what is loaded into memory for one (E)VLR so a
	// hostile length cannot make us allocate gigabytes. Large EVLRs
	// (e.g. COPC hierarchy) are read lazily through their offset instead.
	maxVLRData = 64 << 20
)

// readVLRs reads the VLRs that follow the header; they must end by the
// point data offset.
func readVLRs(r io.ReaderAt, h *Header) ([]VLR, error) {
	var out []VLR
	pos := int64(h.HeaderSize)
	end := int64(h.PointDataOffset)
	var hdr [vlrHeaderLen]byte
	for i := uint32(0); i < h.NumberOfVLRs; i++ {
		if pos+vlrHeaderLen > end {
			return out, fmt.Errorf("%w: VLR %d header runs past the point data offset %d", ErrTruncated, i, end)
		}
		if _, err := r.ReadAt(hdr[:], pos); err != nil {
			return out, fmt.Errorf("%w: VLR %d header: %v", ErrTruncated, i, err)
		}
		n := int64(binary.LittleEndian.Uint16(hdr[20:]))
		v := VLR{
			UserID:      cstring(hdr[2:18]),
			RecordID:    binary.LittleEndian.Uint16(hdr[18:]),
			Description: cstring(hdr[22:54]),
			Offset:      pos + vlrHeaderLen,
		}
		if v.Offset+n > end {
			return out, fmt.Errorf("%w: VLR %d (%s/%d) data of %d bytes runs past the point data offset %d", ErrTruncated, i, v.UserID, v.RecordID, n, end)
		}
		v.Data = make([]byte, n)
		if _, err := r.ReadAt(v.Data, v.Offset); err != nil {
			return out, fmt.Errorf("%w: VLR %d data: %v", ErrTruncated, i, err)
		}
		out = append(out, v)
		pos = v.Offset + n
	}
	return out, nil
}

// readEVLRs reads the LAS 1.4 extended VLRs.
func readEVLRs(r io.ReaderAt, h *Header, fileSize int64) ([]VLR, error) {
	if h.NumberOfEVLRs == 0 || h.EVLROffset == 0 {
		return nil, nil
	}
	if h.EVLROffset > uint64(fileSize) {
		return nil, fmt.Errorf("%w: EVLR offset %d is past the end of the %d-byte file", ErrTruncated, h.EVLROffset, fileSize)
	}
	var out []VLR
	pos := int64(h.EVLROffset)
	var hdr [evlrHeaderLen]byte
	for i := uint32(0); i < h.NumberOfEVLRs; i++ {
		if pos+evlrHeaderLen > fileSize {
			return out, fmt.Errorf("%w: EVLR %d header", ErrTruncated, i)
		}
		if _, err := r.ReadAt(hdr[:], pos); err != nil {
			return out, fmt.Errorf("%w: EVLR %d header: %v", ErrTruncated, i, err)
		}
		n := binary.LittleEndian.Uint64(hdr[20:])
		v := VLR{
			UserID:      cstring(hdr[2:18]),
			RecordID:    binary.LittleEndian.Uint16(hdr[18:]),
			Description: cstring(hdr[28:60]),
			Extended:    true,
			Offset:      pos + evlrHeaderLen,
		}
		if n > uint64(fileSize-v.Offset) {
			return out, fmt.Errorf("%w: EVLR %d (%s/%d) claims %d bytes, only %d remain", ErrTruncated, i, v.UserID, v.RecordID, n, fileSize-v.Offset)
		}
		if n <= maxVLRData {
			v.Data = make([]byte, n)
			if _, err := r.ReadAt(v.Data, v.Offset); err != nil {
				return out, fmt.Errorf("%w: EVLR %d data: %v", ErrTruncated, i, err)
			}
		}
		out = append(out, v)
		pos = v.Offset + int64(n)
	}
	return out, nil
}
