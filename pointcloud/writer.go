package pointcloud

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
	"github.com/cdflow/cdflow/pointcloud/internal/laz/lazenc"
)

// ErrOutOfRange means a point's value does not fit the field the point
// format stores it in (a coordinate beyond int32 after scale and offset,
// a return number above 7 in formats 0–3, …). The point is not written;
// the Writer stays usable.
var ErrOutOfRange = errors.New("value out of range for the point format")

// LAZChunkPoints is the number of points per chunk of the LAZ files
// Writer makes (LASzip's default).
const LAZChunkPoints = 50000

// lasBatchPoints is how many records a plain LAS Writer buffers between
// writes.
const lasBatchPoints = 4096

// WriterOptions says what file to write. The zero value (but for Format
// and Scale defaults) writes an uncompressed LAS 1.2 file of format 0.
type WriterOptions struct {
	// Format is the point data record format: 0–3 (written as LAS 1.2)
	// or 6–8 (LAS 1.4). The wave packet formats 4, 5, 9 and 10 are
	// refused: Point carries no wave packet fields.
	Format uint8
	// Compress writes LAZ (LASzip, chunks of LAZChunkPoints points):
	// point-wise chunked compressor with version 2 items for formats 0–3,
	// layered chunked ("LAS 1.4 native") with version 3 items for 6–8.
	Compress bool
	// Scale is the scale factor of X, Y and Z; a zero component means
	// 0.01. Components must be positive and finite.
	Scale [3]float64
	// Offset is added to the scaled integer coordinates.
	Offset [3]float64
	// WKT is the CRS as OGC WKT, written as a LASF_Projection record 2112
	// (NUL-terminated). Empty writes no CRS record.
	WKT string
	// SystemID and Software fill the header's system identifier and
	// generating software (at most 32 bytes each).
	SystemID, Software string
	// FileCreationDay (day of year) and FileCreationYear go to the header
	// as given, so that output is deterministic.
	FileCreationDay, FileCreationYear uint16
	// StandardGPSTime sets global encoding bit 0: GPSTime is adjusted
	// standard GPS time (GPS seconds − 1e9) rather than GPS week seconds.
	StandardGPSTime bool
}

// Writer writes a LAS or LAZ file point by point. Header fields that
// depend on the points (counts, counts by return, bounds) are written by
// Close. A Writer is not safe for concurrent use.
//
// Until Close succeeds the output does not look like a LAS file: the
// signature is written last (and Create writes to a temporary file renamed
// into place), so an interrupted write never leaves a file that claims to
// be complete.
type Writer struct {
	name string // file name for errors
	ws   io.WriteSeeker
	base int64 // offset of the file's first byte in ws
	pos  int64 // bytes written so far, relative to base

	// Create only: the temporary file and where it goes.
	file      *os.File
	tmp, path string

	opts     WriterOptions // with defaults applied
	header   []byte        // the header as written (counts patched by Close)
	minor    uint8         // LAS 1.minor
	recLen   int
	lay      layout
	dataOff  int64 // point data offset
	buf      []byte
	bufCount int // records in buf

	// LAZ
	items      []laz.Item
	chunkSizes []int

	count    uint64
	byReturn [15]uint64
	lo, hi   [3]int32

	err    error // sticky: an I/O failure
	closed bool
}

// Create writes a new LAS/LAZ file at path. The points go to a temporary
// file in the same folder, which Close syncs and renames to path (with
// the mode a new file gets: 0666 less the umask); Abort, or a failed
// Close, removes it.
func Create(path string, o WriterOptions) (*Writer, error) {
	if _, err := normalize(o); err != nil {
		return nil, fileErr(path, "create", err)
	}
	f, tmp, err := createTemp(path)
	if err != nil {
		return nil, fileErr(path, "create", err)
	}
	w, err := newWriter(f, o, path)
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	w.file, w.tmp, w.path = f, tmp, path
	return w, nil
}

var tempSeq atomic.Uint64

// createTemp creates ".<name>.<pid>-<n>.partial" next to path. O_EXCL
// with mode 0666 lets the kernel apply the umask, as for any new file.
func createTemp(path string) (*os.File, string, error) {
	dir, base := filepath.Split(path)
	for range 1000 {
		tmp := filepath.Join(dir, fmt.Sprintf(".%s.%d-%d.partial", base, os.Getpid(), tempSeq.Add(1)))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		return f, tmp, nil
	}
	return nil, "", fmt.Errorf("no free temporary file name next to %s", path)
}

// NewWriter writes a LAS/LAZ file to w, starting at w's current
// position. Close patches the header by seeking back.
func NewWriter(w io.WriteSeeker, o WriterOptions) (*Writer, error) {
	return newWriter(w, o, "writer")
}

// normalize applies the defaults and checks the options.
func normalize(o WriterOptions) (WriterOptions, error) {
	switch o.Format {
	case 0, 1, 2, 3, 6, 7, 8:
	case 4, 5, 9, 10:
		return o, fmt.Errorf("%w: writing point format %d (wave packets)", ErrUnsupported, o.Format)
	default:
		return o, fmt.Errorf("%w: point format %d", ErrUnsupported, o.Format)
	}
	for i := range o.Scale {
		if o.Scale[i] == 0 {
			o.Scale[i] = 0.01
		}
		if !(o.Scale[i] > 0) || math.IsInf(o.Scale[i], 0) {
			return o, fmt.Errorf("%c scale %v: must be positive and finite", "xyz"[i], o.Scale[i])
		}
		if math.IsNaN(o.Offset[i]) || math.IsInf(o.Offset[i], 0) {
			return o, fmt.Errorf("%c offset %v: must be finite", "xyz"[i], o.Offset[i])
		}
	}
	if len(o.SystemID) > 32 {
		return o, fmt.Errorf("system identifier %q is longer than 32 bytes", o.SystemID)
	}
	if len(o.Software) > 32 {
		return o, fmt.Errorf("generating software %q is longer than 32 bytes", o.Software)
	}
	if len(o.WKT)+1 > math.MaxUint16 {
		return o, fmt.Errorf("WKT of %d bytes does not fit a VLR (at most %d)", len(o.WKT), math.MaxUint16-1)
	}
	for i := 0; i < len(o.WKT); i++ {
		if o.WKT[i] == 0 {
			return o, fmt.Errorf("WKT holds a NUL byte at %d", i)
		}
	}
	return o, nil
}

func newWriter(ws io.WriteSeeker, o WriterOptions, name string) (*Writer, error) {
	o, err := normalize(o)
	if err != nil {
		return nil, fileErr(name, "create", err)
	}
	base, err := ws.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fileErr(name, "create", fmt.Errorf("find the start position: %w", err))
	}
	w := &Writer{name: name, ws: ws, base: base, opts: o, recLen: BaseRecordLen(o.Format), lay: layoutOf(o.Format), minor: 2}
	if w.lay.extended {
		w.minor = 4
	}
	for i := range w.lo {
		w.lo[i], w.hi[i] = math.MaxInt32, math.MinInt32
	}
	if o.Compress {
		w.items = lazItemsFor(o.Format)
	}
	w.header = w.headerBytes()
	vlrs := w.vlrBytes()
	w.dataOff = int64(len(w.header) + len(vlrs))
	if w.dataOff > math.MaxUint32 {
		return nil, fileErr(name, "create", fmt.Errorf("header and VLRs take %d bytes", w.dataOff))
	}
	binary.LittleEndian.PutUint32(w.header[96:], uint32(w.dataOff))
	// The signature stays zero until Close: an unfinished file is not LAS.
	head := append(append([]byte{0, 0, 0, 0}, w.header[4:]...), vlrs...)
	if o.Compress {
		// Chunk table offset, patched by Close.
		head = binary.LittleEndian.AppendUint64(head, 0)
	}
	if err := w.write(head); err != nil {
		return nil, fileErr(name, "write header", err)
	}
	batch := lasBatchPoints
	if o.Compress {
		batch = LAZChunkPoints
	}
	w.buf = make([]byte, 0, batch*w.recLen)
	return w, nil
}

// lazItemsFor lists the LASzip items LASzip writes for a point format.
func lazItemsFor(f uint8) []laz.Item {
	switch f {
	case 0:
		return []laz.Item{{Type: ItemPoint10, Size: 20, Version: 2}}
	case 1:
		return []laz.Item{{Type: ItemPoint10, Size: 20, Version: 2}, {Type: ItemGPSTime11, Size: 8, Version: 2}}
	case 2:
		return []laz.Item{{Type: ItemPoint10, Size: 20, Version: 2}, {Type: ItemRGB12, Size: 6, Version: 2}}
	case 3:
		return []laz.Item{{Type: ItemPoint10, Size: 20, Version: 2}, {Type: ItemGPSTime11, Size: 8, Version: 2}, {Type: ItemRGB12, Size: 6, Version: 2}}
	case 6:
		return []laz.Item{{Type: ItemPoint14, Size: 30, Version: 3}}
	case 7:
		return []laz.Item{{Type: ItemPoint14, Size: 30, Version: 3}, {Type: ItemRGB14, Size: 6, Version: 3}}
	default: // 8
		return []laz.Item{{Type: ItemPoint14, Size: 30, Version: 3}, {Type: ItemRGBNIR14, Size: 8, Version: 3}}
	}
}

func putString(dst []byte, s string) { copy(dst, s) } // dst is zeroed: NUL-padded

// headerBytes lays out the public header; counts and bounds are zero
// until Close.
func (w *Writer) headerBytes() []byte {
	o := &w.opts
	size := minHeaderSize
	if w.minor == 4 {
		size = header14Size
	}
	h := make([]byte, size)
	le := binary.LittleEndian
	copy(h, "LASF")
	var ge uint16
	if o.StandardGPSTime {
		ge |= 1
	}
	if w.minor == 4 {
		ge |= 1 << 4 // WKT: required for formats 6–10
	}
	le.PutUint16(h[6:], ge)
	h[24], h[25] = 1, w.minor
	putString(h[26:58], o.SystemID)
	putString(h[58:90], o.Software)
	le.PutUint16(h[90:], o.FileCreationDay)
	le.PutUint16(h[92:], o.FileCreationYear)
	le.PutUint16(h[94:], uint16(size))
	le.PutUint32(h[100:], uint32(w.numVLRs()))
	h[104] = o.Format
	if o.Compress {
		h[104] |= 0x80
	}
	le.PutUint16(h[105:], uint16(w.recLen))
	for i := 0; i < 3; i++ {
		le.PutUint64(h[131+8*i:], math.Float64bits(o.Scale[i]))
		le.PutUint64(h[155+8*i:], math.Float64bits(o.Offset[i]))
	}
	return h
}

func (w *Writer) numVLRs() int {
	n := 0
	if w.opts.WKT != "" {
		n++
	}
	if w.opts.Compress {
		n++
	}
	return n
}

func appendVLR(b []byte, user string, id uint16, desc string, data []byte) []byte {
	le := binary.LittleEndian
	var hdr [vlrHeaderLen]byte
	putString(hdr[2:18], user)
	le.PutUint16(hdr[18:], id)
	le.PutUint16(hdr[20:], uint16(len(data)))
	putString(hdr[22:54], desc)
	return append(append(b, hdr[:]...), data...)
}

func (w *Writer) vlrBytes() []byte {
	var b []byte
	if w.opts.WKT != "" {
		b = appendVLR(b, "LASF_Projection", 2112, "OGC Coordinate System WKT", append([]byte(w.opts.WKT), 0))
	}
	if w.opts.Compress {
		le := binary.LittleEndian
		compressor := uint16(CompressorPointwiseChunked)
		if w.lay.extended {
			compressor = CompressorLayeredChunked
		}
		var z []byte
		z = le.AppendUint16(z, compressor)
		z = le.AppendUint16(z, 0) // arithmetic coder
		z = append(z, 3, 4)       // LASzip 3.4
		z = le.AppendUint16(z, 3) // revision
		z = le.AppendUint32(z, 0) // options
		z = le.AppendUint32(z, LAZChunkPoints)
		z = le.AppendUint64(z, math.MaxUint64) // no special EVLRs
		z = le.AppendUint64(z, math.MaxUint64)
		z = le.AppendUint16(z, uint16(len(w.items)))
		for _, it := range w.items {
			z = le.AppendUint16(z, it.Type)
			z = le.AppendUint16(z, it.Size)
			z = le.AppendUint16(z, it.Version)
		}
		b = appendVLR(b, "laszip encoded", 22204, "cdflow pointcloud", z)
	}
	return b
}

// write writes b at the current position.
func (w *Writer) write(b []byte) error {
	n, err := w.ws.Write(b)
	w.pos += int64(n)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	return err
}

// writeAt writes b at file offset off and returns to the end.
func (w *Writer) writeAt(b []byte, off int64) error {
	if _, err := w.ws.Seek(w.base+off, io.SeekStart); err != nil {
		return err
	}
	if n, err := w.ws.Write(b); err != nil || n != len(b) {
		if err == nil {
			err = io.ErrShortWrite
		}
		return err
	}
	_, err := w.ws.Seek(w.base+w.pos, io.SeekStart)
	return err
}

// Count is the number of points written so far.
func (w *Writer) Count() uint64 { return w.count }

// Write appends one point. It stores X, Y and Z (as round((X−offset) /
// scale)), Intensity, ReturnNumber, NumberOfReturns, Classification,
// ClassificationFlags, ScanDirection, EdgeOfFlightLine, ScanAngle,
// UserData and PointSourceID, and ScannerChannel, GPSTime, Red, Green,
// Blue and NIR where the format has them (other fields are ignored, as
// are the Has* flags and ExtraBytes). A value that does not fit its
// field gives an error matching ErrOutOfRange naming the point; that
// point is skipped and the Writer stays usable. After an I/O error every
// call fails.
func (w *Writer) Write(p *Point) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fileErr(w.name, "write point", errors.New("writer is closed"))
	}
	if (w.lay.extended && w.count == math.MaxUint64) || (!w.lay.extended && w.count == math.MaxUint32) {
		return fileErr(w.name, fmt.Sprintf("write point %d", w.count), fmt.Errorf("%w: LAS 1.%d holds at most %d points", ErrOutOfRange, w.minor, w.count))
	}
	n := len(w.buf)
	w.buf = w.buf[:n+w.recLen]
	raw, err := w.encode(w.buf[n:], p)
	if err != nil {
		w.buf = w.buf[:n]
		return fileErr(w.name, fmt.Sprintf("write point %d (x=%v y=%v z=%v)", w.count, p.X, p.Y, p.Z), err)
	}
	for i := range raw {
		w.lo[i] = min(w.lo[i], raw[i])
		w.hi[i] = max(w.hi[i], raw[i])
	}
	if r := p.ReturnNumber; r >= 1 && r <= 15 {
		w.byReturn[r-1]++
	}
	w.count++
	w.bufCount++
	if len(w.buf) == cap(w.buf) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	return nil
}

// encode fills rec (zeroed or reused, every byte is set) from p.
func (w *Writer) encode(rec []byte, p *Point) ([3]int32, error) {
	var raw [3]int32
	o := &w.opts
	for i, v := range [3]float64{p.X, p.Y, p.Z} {
		s := math.Round((v - o.Offset[i]) / o.Scale[i])
		if !(s >= math.MinInt32 && s <= math.MaxInt32) {
			return raw, fmt.Errorf("%w: %c = %v is outside what scale %v and offset %v can store in 32 bits", ErrOutOfRange, "xyz"[i], v, o.Scale[i], o.Offset[i])
		}
		raw[i] = int32(s)
	}
	le := binary.LittleEndian
	le.PutUint32(rec, uint32(raw[0]))
	le.PutUint32(rec[4:], uint32(raw[1]))
	le.PutUint32(rec[8:], uint32(raw[2]))
	le.PutUint16(rec[12:], p.Intensity)
	var dirEdge byte
	if p.ScanDirection {
		dirEdge |= 1 << 6
	}
	if p.EdgeOfFlightLine {
		dirEdge |= 1 << 7
	}
	if w.lay.extended {
		switch {
		case p.ReturnNumber > 15:
			return raw, fmt.Errorf("%w: return number %d (at most 15)", ErrOutOfRange, p.ReturnNumber)
		case p.NumberOfReturns > 15:
			return raw, fmt.Errorf("%w: number of returns %d (at most 15)", ErrOutOfRange, p.NumberOfReturns)
		case p.ClassificationFlags > 15:
			return raw, fmt.Errorf("%w: classification flags %#x (4 bits)", ErrOutOfRange, p.ClassificationFlags)
		case p.ScannerChannel > 3:
			return raw, fmt.Errorf("%w: scanner channel %d (at most 3)", ErrOutOfRange, p.ScannerChannel)
		}
		a := math.Round(p.ScanAngle / 0.006)
		if !(a >= math.MinInt16 && a <= math.MaxInt16) {
			return raw, fmt.Errorf("%w: scan angle %v° (LAS 1.4 stores −196.6°…196.6° in 0.006° steps)", ErrOutOfRange, p.ScanAngle)
		}
		rec[14] = p.ReturnNumber | p.NumberOfReturns<<4
		rec[15] = p.ClassificationFlags | p.ScannerChannel<<4 | dirEdge
		rec[16] = p.Classification
		rec[17] = p.UserData
		le.PutUint16(rec[18:], uint16(int16(a)))
		le.PutUint16(rec[20:], p.PointSourceID)
	} else {
		switch {
		case p.ReturnNumber > 7:
			return raw, fmt.Errorf("%w: return number %d (at most 7 in format %d)", ErrOutOfRange, p.ReturnNumber, o.Format)
		case p.NumberOfReturns > 7:
			return raw, fmt.Errorf("%w: number of returns %d (at most 7 in format %d)", ErrOutOfRange, p.NumberOfReturns, o.Format)
		case p.Classification > 31:
			return raw, fmt.Errorf("%w: classification %d (at most 31 in format %d)", ErrOutOfRange, p.Classification, o.Format)
		case p.ClassificationFlags > 7:
			return raw, fmt.Errorf("%w: classification flags %#x (synthetic, key-point and withheld only in format %d; overlap needs format 6–8)", ErrOutOfRange, p.ClassificationFlags, o.Format)
		}
		a := math.Round(p.ScanAngle)
		if !(a >= math.MinInt8 && a <= math.MaxInt8) {
			return raw, fmt.Errorf("%w: scan angle %v° (format %d stores whole degrees −128…127)", ErrOutOfRange, p.ScanAngle, o.Format)
		}
		rec[14] = p.ReturnNumber | p.NumberOfReturns<<3 | dirEdge
		rec[15] = p.Classification | p.ClassificationFlags<<5
		rec[16] = byte(int8(a))
		rec[17] = p.UserData
		le.PutUint16(rec[18:], p.PointSourceID)
	}
	if w.lay.gps >= 0 {
		le.PutUint64(rec[w.lay.gps:], math.Float64bits(p.GPSTime))
	}
	if w.lay.rgb >= 0 {
		le.PutUint16(rec[w.lay.rgb:], p.Red)
		le.PutUint16(rec[w.lay.rgb+2:], p.Green)
		le.PutUint16(rec[w.lay.rgb+4:], p.Blue)
	}
	if w.lay.nir >= 0 {
		le.PutUint16(rec[w.lay.nir:], p.NIR)
	}
	return raw, nil
}

// flush writes the buffered records: as they are, or as one LAZ chunk.
func (w *Writer) flush() error {
	if w.bufCount == 0 {
		return nil
	}
	out := w.buf
	op := "write points"
	if w.opts.Compress {
		op = fmt.Sprintf("write LAZ chunk %d", len(w.chunkSizes))
		if w.lay.extended {
			out = lazenc.LayeredChunk(w.items, w.recLen, w.buf)
		} else {
			out = lazenc.PointwiseChunk(w.items, w.recLen, w.buf)
		}
		w.chunkSizes = append(w.chunkSizes, len(out))
	}
	if err := w.write(out); err != nil {
		w.err = fileErr(w.name, op, err)
		return w.err
	}
	w.buf, w.bufCount = w.buf[:0], 0
	return nil
}

// Close writes the buffered points, the LAZ chunk table and the header's
// counts and bounds; for Create it then syncs the file and renames it
// into place. After a failure the file made by Create is removed.
func (w *Writer) Close() error {
	if w.closed {
		if w.err != nil {
			return w.err
		}
		return fileErr(w.name, "close", errors.New("writer already closed"))
	}
	w.closed = true
	err := w.finish()
	if w.file != nil {
		if err == nil {
			if serr := w.file.Sync(); serr != nil {
				err = fileErr(w.name, "sync", serr)
			}
		}
		if cerr := w.file.Close(); cerr != nil && err == nil {
			err = fileErr(w.name, "close", cerr)
		}
		if err == nil {
			if rerr := os.Rename(w.tmp, w.path); rerr != nil {
				err = fileErr(w.name, "rename into place", rerr)
			}
		}
		if err != nil {
			os.Remove(w.tmp)
		}
	}
	w.buf = nil
	if err != nil && w.err == nil {
		w.err = err
	}
	return err
}

func (w *Writer) finish() error {
	if w.err != nil {
		return w.err
	}
	if err := w.flush(); err != nil {
		return err
	}
	le := binary.LittleEndian
	if w.opts.Compress {
		tableOff := w.pos
		if err := w.write(lazenc.ChunkTable(w.chunkSizes, nil)); err != nil {
			return fileErr(w.name, "write LAZ chunk table", err)
		}
		if err := w.writeAt(le.AppendUint64(nil, uint64(tableOff)), w.dataOff); err != nil {
			return fileErr(w.name, "write LAZ chunk table offset", err)
		}
	}
	h := w.header
	if !w.lay.extended {
		le.PutUint32(h[107:], uint32(w.count))
		for i := 0; i < 5; i++ {
			le.PutUint32(h[111+4*i:], uint32(w.byReturn[i]))
		}
	}
	// Formats 6–10 keep the legacy counts zero, as LAS 1.4 asks.
	if w.minor == 4 {
		le.PutUint64(h[247:], w.count)
		for i := 0; i < 15; i++ {
			le.PutUint64(h[255+8*i:], w.byReturn[i])
		}
	}
	if w.count > 0 {
		o := &w.opts
		for i := 0; i < 3; i++ {
			lo := float64(w.lo[i])*o.Scale[i] + o.Offset[i]
			hi := float64(w.hi[i])*o.Scale[i] + o.Offset[i]
			le.PutUint64(h[179+16*i:], math.Float64bits(hi))
			le.PutUint64(h[187+16*i:], math.Float64bits(lo))
		}
	}
	if err := w.writeAt(h, 0); err != nil {
		return fileErr(w.name, "write header", err)
	}
	return nil
}

// Abort stops writing: the file made by Create is removed. It does
// nothing after Close, so it can be deferred. A Writer from NewWriter
// leaves what it wrote in place, without the LAS signature.
func (w *Writer) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.buf = nil
	if w.err == nil {
		w.err = fileErr(w.name, "write", errors.New("writer aborted"))
	}
	if w.file != nil {
		w.file.Close()
		os.Remove(w.tmp)
	}
}
