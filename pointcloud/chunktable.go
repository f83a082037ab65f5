package pointcloud

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
)

// chunkSpan locates one LAZ chunk: its bytes and how many points it holds.
type chunkSpan struct {
	offset int64
	size   int64
	count  uint64
	first  uint64 // index of its first point in the file
}

// readChunkTable returns the chunks of a chunked LAZ file.
// dataEnd is where point data must end (EVLR start or file size).
func readChunkTable(r io.ReaderAt, h *Header, z *LASzipInfo, fileSize, dataEnd int64) ([]chunkSpan, error) {
	le := binary.LittleEndian
	start := int64(h.PointDataOffset)
	if z.Compressor == CompressorPointwise {
		// One stream, no chunk table.
		sp := chunkSpan{offset: start, size: dataEnd - start, count: h.PointCount}
		if err := checkDensity(sp, 0); err != nil {
			return nil, err
		}
		return []chunkSpan{sp}, nil
	}
	var b8 [8]byte
	if start+8 > fileSize {
		return nil, fmt.Errorf("%w: no room for the chunk table offset at %d", ErrTruncated, start)
	}
	if _, err := r.ReadAt(b8[:], start); err != nil {
		return nil, fmt.Errorf("%w: chunk table offset: %v", ErrTruncated, err)
	}
	tableOff := int64(le.Uint64(b8[:]))
	chunksStart := start + 8
	if tableOff == -1 {
		// Written by a streaming compressor: the offset is at the end.
		if _, err := r.ReadAt(b8[:], fileSize-8); err != nil {
			return nil, fmt.Errorf("%w: trailing chunk table offset: %v", ErrTruncated, err)
		}
		tableOff = int64(le.Uint64(b8[:]))
	}
	if tableOff == start {
		return nil, fmt.Errorf("%w: the chunk table was never written (compressor interrupted)", ErrCorrupt)
	}
	if tableOff > fileSize-8 {
		return nil, fmt.Errorf("%w: the %d-byte file ends before the chunk table at %d", ErrTruncated, fileSize, tableOff)
	}
	if tableOff < chunksStart {
		return nil, fmt.Errorf("%w: chunk table offset %d lies before the chunks at %d", ErrCorrupt, tableOff, chunksStart)
	}
	var hdr [8]byte
	if _, err := r.ReadAt(hdr[:], tableOff); err != nil {
		return nil, fmt.Errorf("%w: chunk table header: %v", ErrTruncated, err)
	}
	if v := le.Uint32(hdr[:]); v != 0 {
		return nil, fmt.Errorf("%w: chunk table version %d", ErrCorrupt, v)
	}
	n := int64(le.Uint32(hdr[4:]))
	// Every chunk holds at least one byte, so n is bounded by the data.
	if n > tableOff-chunksStart {
		return nil, fmt.Errorf("%w: chunk table lists %d chunks in %d bytes of point data", ErrCorrupt, n, tableOff-chunksStart)
	}
	// An entry never needs more than ~12 bytes; read no more than that.
	avail := fileSize - (tableOff + 8)
	want := n*24 + 64
	if want > avail {
		want = avail
	}
	buf := make([]byte, want)
	if _, err := r.ReadAt(buf, tableOff+8); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%w: chunk table: %v", ErrTruncated, err)
	}
	var dec arith.Decoder
	dec.Init(buf)
	ic := arith.NewIntDecoder(32, 2)
	variable := z.VariableChunks()
	// Grow as entries decode: a garbled count must not reserve memory
	// for entries the table does not hold.
	spans := make([]chunkSpan, 0, min(n, 1<<12))
	var prevCount, prevSize int32
	for i := int64(0); i < n && !dec.Failed(); i++ {
		var sp chunkSpan
		if variable {
			prevCount = ic.Decode(&dec, prevCount, 0)
			sp.count = uint64(uint32(prevCount))
		}
		prevSize = ic.Decode(&dec, prevSize, 1)
		sp.size = int64(uint32(prevSize))
		spans = append(spans, sp)
	}
	if dec.Failed() {
		return nil, fmt.Errorf("%w: chunk table of %d entries is truncated or garbled", ErrCorrupt, n)
	}
	pos, total := chunksStart, uint64(0)
	for i := range spans {
		sp := &spans[i]
		sp.offset = pos
		if !variable {
			sp.count = uint64(z.ChunkSize)
			if rest := h.PointCount - min(total, h.PointCount); rest < sp.count {
				sp.count = rest
			}
		}
		sp.first = total
		if sp.size <= 0 || pos+sp.size > tableOff {
			return nil, fmt.Errorf("%w: chunk %d (%d bytes at %d) runs past the chunk table at %d", ErrCorrupt, i, sp.size, pos, tableOff)
		}
		if err := checkDensity(*sp, i); err != nil {
			return nil, err
		}
		pos += sp.size
		total += sp.count
	}
	if total != h.PointCount {
		return nil, fmt.Errorf("%w: chunk table holds %d points, header says %d", ErrCountMismatch, total, h.PointCount)
	}
	if !variable && n > 0 && spans[n-1].count == 0 {
		return nil, fmt.Errorf("%w: chunk table has %d chunks of %d points, header says %d points", ErrCountMismatch, n, z.ChunkSize, h.PointCount)
	}
	return spans, nil
}

func checkDensity(sp chunkSpan, i int) error {
	if sp.size < 0 || (sp.count > 0 && sp.count/laz.MaxPointsPerByte > uint64(sp.size)) {
		return fmt.Errorf("%w: chunk %d claims %d points in %d bytes", ErrCountMismatch, i, sp.count, sp.size)
	}
	return nil
}
