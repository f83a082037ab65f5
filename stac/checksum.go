package stac

import (
	"fmt"
	"regexp"

	"github.com/cdflow/cdflow/internal/filehash"
	"github.com/cdflow/cdflow/stac/extensions/file/v2"
)

// ChecksumFile returns the file:checksum (SHA2-256 multihash, hex) and the
// file:size of the file at path.
func ChecksumFile(path string) (checksum string, size int64, err error) {
	digest, size, err := filehash.SHA256(path)
	if err != nil {
		return "", 0, fmt.Errorf("stac: checksum: %w", err)
	}
	return file.SHA256Multihash(digest), size, nil
}

// sha256Multihash matches the only checksums cdflow writes.
var sha256Multihash = regexp.MustCompile(`^1220[0-9a-f]{64}$`)
