package pointcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
)

// lasChunkPoints is the number of records in one chunk of an
// uncompressed LAS file: such files have no chunks of their own, so we
// cut the point block into fixed record ranges that behave like LAZ
// chunks (decodable independently, indexable by bounds).
const lasChunkPoints = 1 << 16

// File is an open LAS, LAZ or COPC file. Its methods are safe for
// concurrent use.
type File struct {
	path   string
	r      io.ReaderAt
	closer io.Closer
	size   int64

	header Header
	vlrs   []VLR
	laz    *LASzipInfo
	codec  *laz.Codec // how the LAZ chunks are coded
	copc   *COPCInfo
	chunks []chunkSpan

	mu     sync.Mutex
	bounds []Box3 // per chunk, valid where known[i]
	known  []bool
	pages  map[int64][]copcEntry // COPC hierarchy pages read so far
}

// Open opens and validates the file at path: header, VLRs, EVLRs, and for
// LAZ the LASzip VLR and chunk table. No point data is decoded.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fileErr(path, "open", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fileErr(path, "stat", err)
	}
	f, err := OpenReader(fh, st.Size(), path)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

// OpenReader is Open over any random-access reader of size bytes; name
// is used in error messages.
func OpenReader(r io.ReaderAt, size int64, name string) (*File, error) {
	f := &File{path: name, r: r, size: size}
	n := min(size, header14Size)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fileErr(name, "read header", fmt.Errorf("%w: %v", ErrTruncated, err))
	}
	h, err := parseHeader(buf, size)
	if err != nil {
		return nil, fileErr(name, "read header", err)
	}
	f.header = h
	if f.vlrs, err = readVLRs(r, &h); err != nil {
		return nil, fileErr(name, "read VLRs", err)
	}
	evlrs, err := readEVLRs(r, &h, size)
	if err != nil {
		return nil, fileErr(name, "read EVLRs", err)
	}
	f.vlrs = append(f.vlrs, evlrs...)

	dataEnd := size
	if h.EVLROffset > uint64(h.PointDataOffset) && h.EVLROffset < uint64(size) {
		dataEnd = int64(h.EVLROffset)
	}
	if h.Compressed {
		if err := f.openLAZ(dataEnd); err != nil {
			return nil, err
		}
	} else if err := f.openLAS(dataEnd); err != nil {
		return nil, err
	}
	if v := f.findVLR("copc", 1); v != nil {
		if f.copc, err = parseCOPCInfo(v.Data); err != nil {
			return nil, fileErr(name, "read COPC info", err)
		}
	}
	f.bounds = make([]Box3, len(f.chunks))
	f.known = make([]bool, len(f.chunks))
	return f, nil
}

func (f *File) openLAZ(dataEnd int64) error {
	h := &f.header
	v := f.findVLR("laszip encoded", 22204)
	if v == nil {
		return fileErr(f.path, "read LASzip VLR", fmt.Errorf("%w: compressed point format but no LASzip VLR", ErrCorrupt))
	}
	z, err := parseLASzipVLR(v.Data)
	if err == nil {
		err = z.validate(h)
	}
	if err != nil {
		return fileErr(f.path, "read LASzip VLR", err)
	}
	f.laz = z
	f.codec = z.codec(int(h.PointRecordLength))
	if f.chunks, err = readChunkTable(f.r, h, z, f.size, dataEnd); err != nil {
		return fileErr(f.path, "read chunk table", err)
	}
	return nil
}

func (f *File) openLAS(dataEnd int64) error {
	h := &f.header
	rl := uint64(h.PointRecordLength)
	avail := uint64(dataEnd - int64(h.PointDataOffset))
	if h.PointCount > avail/rl {
		return fileErr(f.path, "check point block", fmt.Errorf("%w: header claims %d points of %d bytes, only %d bytes of point data", ErrTruncated, h.PointCount, rl, avail))
	}
	for first := uint64(0); first < h.PointCount; first += lasChunkPoints {
		n := min(lasChunkPoints, h.PointCount-first)
		f.chunks = append(f.chunks, chunkSpan{
			offset: int64(h.PointDataOffset) + int64(first*rl),
			size:   int64(n * rl),
			count:  n,
			first:  first,
		})
	}
	return nil
}

func (f *File) findVLR(user string, id uint16) *VLR {
	for i := range f.vlrs {
		if f.vlrs[i].UserID == user && f.vlrs[i].RecordID == id {
			return &f.vlrs[i]
		}
	}
	return nil
}

// Close releases the file opened by Open.
func (f *File) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// Path is the name the file was opened with.
func (f *File) Path() string { return f.path }

// Header returns the public header.
func (f *File) Header() Header { return f.header }

// VLRs returns the VLRs followed by the EVLRs (Extended set).
func (f *File) VLRs() []VLR { return f.vlrs }

// LASzip returns the LASzip VLR of a LAZ file, nil for plain LAS.
func (f *File) LASzip() *LASzipInfo { return f.laz }

// CRS returns the file's coordinate reference system. A file without one
// gives an error matching ErrNoCRS: the caller should tell the user to
// set the source's crs attribute.
func (f *File) CRS() (CRS, error) {
	c, err := crsFromVLRs(f.vlrs)
	if err != nil {
		return c, fileErr(f.path, "read CRS", err)
	}
	return c, nil
}

// ChunkInfo describes one chunk: a LAZ chunk, or a fixed range of
// records of a plain LAS file.
type ChunkInfo struct {
	Index      int
	FirstPoint uint64 // index of the chunk's first record in the file
	PointCount uint64
	Offset     int64 // file offset of the chunk's bytes
	ByteSize   int64
	// Bounds are the exact bounds of the chunk's points, valid when
	// BoundsKnown: after the chunk was decoded once (or by BuildIndex).
	Bounds      Box3
	BoundsKnown bool
}

// NumChunks is the number of chunks.
func (f *File) NumChunks() int { return len(f.chunks) }

// Chunk describes chunk i (0 <= i < NumChunks).
func (f *File) Chunk(i int) ChunkInfo {
	sp := f.chunks[i]
	f.mu.Lock()
	b, ok := f.bounds[i], f.known[i]
	f.mu.Unlock()
	return ChunkInfo{Index: i, FirstPoint: sp.first, PointCount: sp.count, Offset: sp.offset, ByteSize: sp.size, Bounds: b, BoundsKnown: ok}
}

// ReadChunk decodes chunk i into dst (reusing its buffer when not nil)
// and records the chunk's bounds.
func (f *File) ReadChunk(ctx context.Context, i int, dst *Records) (*Records, error) {
	if i < 0 || i >= len(f.chunks) {
		return nil, chunkErr(f.path, i, "read chunk", fmt.Errorf("chunk index out of range [0, %d)", len(f.chunks)))
	}
	sp := f.chunks[i]
	rec, err := f.readSpan(ctx, sp, dst)
	if err != nil {
		return rec, chunkErr(f.path, i, "decode chunk", err)
	}
	f.setBounds(i, rec.Bounds())
	return rec, nil
}

func (f *File) newRecords(dst *Records) *Records {
	if dst == nil {
		dst = &Records{}
	}
	h := &f.header
	dst.Format, dst.RecordLen = h.PointFormat, int(h.PointRecordLength)
	dst.Scale, dst.Offset = h.Scale, h.Offset
	dst.Data = dst.Data[:0]
	return dst
}

// readSpan reads the records of one span (a chunk or a COPC node).
func (f *File) readSpan(ctx context.Context, sp chunkSpan, dst *Records) (*Records, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dst = f.newRecords(dst)
	if sp.offset < 0 || sp.size < 0 || sp.offset > f.size || sp.size > f.size-sp.offset {
		return dst, fmt.Errorf("%w: %d bytes at offset %d lie past the end of the %d-byte file", ErrTruncated, sp.size, sp.offset, f.size)
	}
	if f.laz == nil {
		if cap(dst.Data) < int(sp.size) {
			dst.Data = make([]byte, sp.size)
		}
		dst.Data = dst.Data[:sp.size]
		if _, err := f.r.ReadAt(dst.Data, sp.offset); err != nil {
			dst.Data = dst.Data[:0]
			return dst, fmt.Errorf("%w: %v", ErrTruncated, err)
		}
		return dst, nil
	}
	if int64(cap(dst.compressed)) < sp.size {
		dst.compressed = make([]byte, sp.size)
	}
	data := dst.compressed[:sp.size]
	if _, err := f.r.ReadAt(data, sp.offset); err != nil && !(errors.Is(err, io.EOF) && sp.offset+sp.size == f.size) {
		return dst, fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	var err error
	dst.Data, err = dst.lazDec.Decode(ctx, f.codec, data, sp.count, dst.Data)
	return dst, err
}

func (f *File) setBounds(i int, b Box3) {
	f.mu.Lock()
	f.bounds[i], f.known[i] = b, true
	f.mu.Unlock()
}
