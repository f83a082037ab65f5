// Package processing implements the STAC processing extension, v1.x
// (https://github.com/stac-extensions/processing), for Items.
package processing

import (
	"regexp"

	"github.com/planetlabs/go-stac"
)

const (
	extensionUri     = "https://stac-extensions.github.io/processing/v1.2.0/schema.json"
	extensionPattern = `^https://stac-extensions\.github\.io/processing/v1\.\d+\.\d+/schema\.json$`
)

func init() {
	stac.RegisterItemExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Item{}
		},
	)
}

// Item holds the processing:* fields of an Item's properties.
type Item struct {
	Expression *Expression `json:"processing:expression,omitempty"`
	Lineage    string      `json:"processing:lineage,omitempty"`
	Level      string      `json:"processing:level,omitempty"`
	Facility   string      `json:"processing:facility,omitempty"`
	Version    string      `json:"processing:version,omitempty"`
	// Datetime is RFC 3339 in UTC ("Z" or "+00:00"); leave it empty for
	// reproducible outputs.
	Datetime string `json:"processing:datetime,omitempty"`
	// Software maps each program to its version.
	Software map[string]string `json:"processing:software,omitempty"`
}

// Expression is the formula or program that produced the data.
type Expression struct {
	Format     string `json:"format"`
	Expression any    `json:"expression"`
}

var _ stac.Extension = (*Item)(nil)

func (*Item) URI() string {
	return extensionUri
}

func (e *Item) Encode(itemMap map[string]any) error {
	return stac.EncodeExtendedItemProperties(e, itemMap)
}

func (e *Item) Decode(itemMap map[string]any) error {
	return stac.DecodeExtendedItemProperties(e, itemMap)
}
