// Package label implements the STAC label extension, v1.x
// (https://github.com/stac-extensions/label), for Items.
package label

import (
	"regexp"

	"github.com/planetlabs/go-stac"
)

const (
	extensionUri     = "https://stac-extensions.github.io/label/v1.0.1/schema.json"
	extensionPattern = `^https://stac-extensions\.github\.io/label/v1\.\d+\.\d+/schema\.json$`
)

func init() {
	stac.RegisterItemExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Item{}
		},
	)
}

// Label types allowed in label:type.
const (
	TypeRaster = "raster"
	TypeVector = "vector"
)

// Item holds the label:* fields of an Item's properties.
//
// label:properties is required by the schema and is null for raster labels,
// so Properties has no omitempty: a nil slice is written as null.
type Item struct {
	Properties  []string    `json:"label:properties"`
	Classes     []*Classes  `json:"label:classes,omitempty"`
	Description string      `json:"label:description,omitempty"`
	Type        string      `json:"label:type,omitempty"`
	Tasks       []string    `json:"label:tasks,omitempty"`
	Methods     []string    `json:"label:methods,omitempty"`
	Overviews   []*Overview `json:"label:overviews,omitempty"`
}

// Classes lists the values one label property takes. For raster labels the
// schema requires Name to be null (nil) and Classes to hold the pixel values.
type Classes struct {
	Name    *string `json:"name"`
	Classes []any   `json:"classes"`
}

// Overview summarizes the labels of one property.
type Overview struct {
	PropertyKey string       `json:"property_key,omitempty"`
	Counts      []*Count     `json:"counts,omitempty"`
	Statistics  []*Statistic `json:"statistics,omitempty"`
}

// Count is the number of labels of one class.
type Count struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Statistic is one named summary value of a regression label.
type Statistic struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

var _ stac.Extension = (*Item)(nil)

func (*Item) URI() string {
	return extensionUri
}

func (e *Item) Encode(itemMap map[string]any) error {
	return stac.EncodeExtendedItemProperties(e, itemMap)
}

func (e *Item) Decode(itemMap map[string]any) error {
	properties, _ := itemMap["properties"].(map[string]any)
	if _, ok := properties["label:type"]; !ok {
		// Properties is always encoded, so look for a field that is required
		// instead of asking the generic decoder whether anything matched.
		return stac.ErrExtensionDoesNotApply
	}
	return stac.DecodeExtendedItemProperties(e, itemMap)
}
