// Package filehash computes the SHA-256 of files. A release checks and
// checksums every product of every tile (millions of files at national
// scale), so the read buffers are shared rather than allocated per file.
package filehash

import (
	"crypto/sha256"
	"io"
	"os"
	"sync"
)

var buffers = sync.Pool{New: func() any { return new([64 << 10]byte) }}

// readerOnly hides os.File's WriteTo, which would copy through a buffer
// of its own.
type readerOnly struct{ io.Reader }

// SHA256 returns the SHA-256 digest of the file at path and its size.
func SHA256(path string) (sum [sha256.Size]byte, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return sum, 0, err
	}
	defer f.Close()
	buf := buffers.Get().(*[64 << 10]byte)
	defer buffers.Put(buf)
	h := sha256.New()
	size, err = io.CopyBuffer(h, readerOnly{f}, buf[:])
	if err != nil {
		return sum, 0, err
	}
	h.Sum(sum[:0])
	return sum, size, nil
}
