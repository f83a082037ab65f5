// Package table implements the STAC table extension, v1.x
// (https://github.com/stac-extensions/table), for Assets.
package table

import (
	"regexp"

	"github.com/planetlabs/go-stac"
)

const (
	extensionUri     = "https://stac-extensions.github.io/table/v1.2.0/schema.json"
	extensionPattern = `^https://stac-extensions\.github\.io/table/v1\.\d+\.\d+/schema\.json$`
	prefix           = "table"
)

func init() {
	stac.RegisterAssetExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Asset{}
		},
	)
}

// Asset holds the table:* fields of a tabular asset such as a Parquet file.
type Asset struct {
	Columns         []*Column `json:"table:columns,omitempty"`
	PrimaryGeometry string    `json:"table:primary_geometry,omitempty"`
	RowCount        *int64    `json:"table:row_count,omitempty"`
}

// Column describes one column of a table.
type Column struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Type is the column's data type in the file's own type system (for
	// Parquet, Arrow type names such as "float64").
	Type string `json:"type,omitempty"`
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
