// Package raster implements the STAC raster extension, v1.x
// (https://github.com/stac-extensions/raster), for Assets.
//
// go-stac ships extensions/raster/v1, but it writes "units" and "stdev" where
// the v1 schemas say "unit" and "stddev" (and statistics allow no other
// member), so its statistics fail validation. This package writes the
// schema's names. Do not import both: they register the same URI pattern and
// decoding would pick one at random.
package raster

import (
	"regexp"

	"github.com/planetlabs/go-stac"
)

const (
	extensionUri     = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
	extensionPattern = `^https://stac-extensions\.github\.io/raster/v1\.\d+\.\d+/schema\.json$`
	prefix           = "raster"
)

func init() {
	stac.RegisterAssetExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Asset{}
		},
	)
}

// Asset holds the raster:bands of one asset.
type Asset struct {
	Bands []*Band `json:"raster:bands,omitempty"`
}

// Band describes one band of a raster asset.
type Band struct {
	// NoData is a number, or one of the strings "nan", "inf", "-inf".
	NoData            any         `json:"nodata,omitempty"`
	Sampling          string      `json:"sampling,omitempty"`
	DataType          string      `json:"data_type,omitempty"`
	BitsPerSample     *int        `json:"bits_per_sample,omitempty"`
	SpatialResolution *float64    `json:"spatial_resolution,omitempty"`
	Statistics        *Statistics `json:"statistics,omitempty"`
	Unit              string      `json:"unit,omitempty"`
	Scale             *float64    `json:"scale,omitempty"`
	Offset            *float64    `json:"offset,omitempty"`
	Histogram         *Histogram  `json:"histogram,omitempty"`
}

// Statistics of the valid pixels of a band.
type Statistics struct {
	Mean         *float64 `json:"mean,omitempty"`
	Minimum      *float64 `json:"minimum,omitempty"`
	Maximum      *float64 `json:"maximum,omitempty"`
	StdDev       *float64 `json:"stddev,omitempty"`
	ValidPercent *float64 `json:"valid_percent,omitempty"`
}

// Histogram of a band, as GDAL computes it.
type Histogram struct {
	Count   int       `json:"count"`
	Min     float64   `json:"min"`
	Max     float64   `json:"max"`
	Buckets []float64 `json:"buckets"`
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
