// Package projection implements the STAC projection extension, v2.x
// (https://github.com/stac-extensions/projection), for Items and Assets.
//
// Version 2 identifies the CRS with proj:code ("EPSG:25830"); the v1 field
// proj:epsg is rejected by the v2 schema, so this package has no EPSG field.
package projection

import (
	"regexp"

	"github.com/planetlabs/go-stac"
)

const (
	extensionUri     = "https://stac-extensions.github.io/projection/v2.0.0/schema.json"
	extensionPattern = `^https://stac-extensions\.github\.io/projection/v2\.\d+\.\d+/schema\.json$`
	prefix           = "proj"
)

func init() {
	stac.RegisterItemExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Item{}
		},
	)
	stac.RegisterAssetExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Asset{}
		},
	)
}

// Fields are the proj:* fields; an Item holds them in its properties, an Asset
// at its top level.
type Fields struct {
	// Code is an authority:code identifier such as "EPSG:25830".
	Code     string    `json:"proj:code,omitempty"`
	WKT2     string    `json:"proj:wkt2,omitempty"`
	PROJJSON any       `json:"proj:projjson,omitempty"`
	Geometry any       `json:"proj:geometry,omitempty"`
	BBox     []float64 `json:"proj:bbox,omitempty"`
	Centroid *Centroid `json:"proj:centroid,omitempty"`
	// Shape is [rows, columns]: Y before X, as the extension specifies.
	Shape []int `json:"proj:shape,omitempty"`
	// Transform is the affine transform [a, b, c, d, e, f] (or 9 values with
	// the last row [0, 0, 1]); from a GDAL geotransform gt it is
	// [gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]].
	Transform []float64 `json:"proj:transform,omitempty"`
}

// Centroid is the WGS84 centre of the asset or item.
type Centroid struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Item holds the proj:* fields of an Item's properties.
type Item Fields

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

// Asset holds the proj:* fields of one asset.
type Asset Fields

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
