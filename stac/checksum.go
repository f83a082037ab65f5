package stac

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/cdflow/cdflow/stac/extensions/file/v2"
)

// ChecksumFile returns the file:checksum (SHA2-256 multihash, hex) and the
// file:size of the file at path.
func ChecksumFile(path string) (checksum string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("stac: checksum: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	size, err = io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("stac: checksum %s: %w", path, err)
	}
	var digest [sha256.Size]byte
	copy(digest[:], h.Sum(nil))
	return file.SHA256Multihash(digest), size, nil
}

// sha256Multihash matches the only checksums cdflow writes.
var sha256Multihash = regexp.MustCompile(`^1220[0-9a-f]{64}$`)
