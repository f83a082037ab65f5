// Package file implements the STAC file info extension, v2.x
// (https://github.com/stac-extensions/file), for Assets.
package file

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"

	"github.com/planetlabs/go-stac"
)

const (
	extensionUri     = "https://stac-extensions.github.io/file/v2.1.0/schema.json"
	extensionPattern = `^https://stac-extensions\.github\.io/file/v2\.\d+\.\d+/schema\.json$`
	prefix           = "file"
)

func init() {
	stac.RegisterAssetExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Asset{}
		},
	)
}

// Byte orders allowed in file:byte_order.
const (
	BigEndian    = "big-endian"
	LittleEndian = "little-endian"
)

// Asset holds the file:* fields of one asset.
type Asset struct {
	// Checksum is a lower-case hex multihash, e.g. "1220" + hex(sha256).
	Checksum   string   `json:"file:checksum,omitempty"`
	Size       *int64   `json:"file:size,omitempty"`
	HeaderSize *int64   `json:"file:header_size,omitempty"`
	ByteOrder  string   `json:"file:byte_order,omitempty"`
	LocalPath  string   `json:"file:local_path,omitempty"`
	Values     []*Value `json:"file:values,omitempty"`
}

// Value gives a meaning to special pixel or cell values.
type Value struct {
	Values  []any  `json:"values"`
	Summary string `json:"summary"`
}

var _ stac.Extension = (*Asset)(nil)

func (*Asset) URI() string {
	return extensionUri
}

func (e *Asset) Encode(assetMap map[string]any) error {
	return stac.EncodeExtendedMap(e, assetMap)
}

func (e *Asset) Decode(assetMap map[string]any) error {
	return stac.DecodeExtendedMap(e, assetMap, prefix)
}

// SHA256Multihash returns the multihash of a SHA2-256 digest, as
// file:checksum wants it: the function code 0x12, the length 0x20, then the
// digest, all in lower-case hex.
func SHA256Multihash(digest [sha256.Size]byte) string {
	return "1220" + hex.EncodeToString(digest[:])
}
