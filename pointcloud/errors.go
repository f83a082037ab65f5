package pointcloud

import (
	"errors"
	"fmt"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
)

// Sentinel errors: test a returned error with errors.Is. Three are the
// LAZ decoder's own, so that its errors match them.
var (
	// ErrNotLAS means the file does not start with the "LASF" signature.
	ErrNotLAS = errors.New("not a LAS/LAZ file")
	// ErrTruncated means the file ends before a structure it declares.
	ErrTruncated = laz.ErrTruncated
	// ErrUnsupported means a valid but unsupported feature (compressor,
	// item type or version, point format).
	ErrUnsupported = errors.New("unsupported")
	// ErrCountMismatch means a point count disagrees with the data
	// (header vs chunk table, chunk table vs chunk, stream ends early).
	ErrCountMismatch = laz.ErrCountMismatch
	// ErrCorrupt means a structure is internally inconsistent.
	ErrCorrupt = laz.ErrCorrupt
	// ErrNoCRS means the file carries no usable CRS: the caller should ask
	// the user to set the source's crs attribute.
	ErrNoCRS = errors.New("no coordinate reference system in file")
)

// Error is the error type returned by this package. It names the file
// and, when decoding a LAZ chunk, the chunk index.
type Error struct {
	Path  string // file path or name given to Open/OpenReader
	Chunk int    // chunk index, or -1 when not about one chunk
	Op    string // what was being done, e.g. "read header"
	Err   error  // underlying error, usually wrapping a sentinel above
}

func (e *Error) Error() string {
	if e.Chunk >= 0 {
		return fmt.Sprintf("pointcloud: %s: chunk %d: %s: %v", e.Path, e.Chunk, e.Op, e.Err)
	}
	return fmt.Sprintf("pointcloud: %s: %s: %v", e.Path, e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

func fileErr(path, op string, err error) error {
	return &Error{Path: path, Chunk: -1, Op: op, Err: err}
}

func chunkErr(path string, chunk int, op string, err error) error {
	return &Error{Path: path, Chunk: chunk, Op: op, Err: err}
}
