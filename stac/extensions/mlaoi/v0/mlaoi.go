// Package mlaoi implements the STAC ML AOI extension, v0.2.x
// (https://github.com/stac-extensions/ml-aoi), for Items, Assets and
// Collections.
//
// The extension is pre-1.0, where a minor release may break, so only v0.2.x
// URIs are recognized (v0.1.0's published schema cannot be satisfied anyway).
package mlaoi

import (
	"fmt"
	"maps"
	"regexp"

	"github.com/planetlabs/go-stac"
)

const (
	extensionUri     = "https://stac-extensions.github.io/ml-aoi/v0.2.0/schema.json"
	extensionPattern = `^https://stac-extensions\.github\.io/ml-aoi/v0\.2\.\d+/schema\.json$`
	prefix           = "ml-aoi"
	splitKey         = "ml-aoi:split"
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
	stac.RegisterCollectionExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Collection{}
		},
	)
}

// Values of ml-aoi:split.
const (
	SplitTrain    = "train"
	SplitTest     = "test"
	SplitValidate = "validate"
)

// Values of ml-aoi:role.
const (
	RoleLabel   = "label"
	RoleFeature = "feature"
)

// Item holds the ml-aoi:* fields of an Item's properties.
type Item struct {
	Split string `json:"ml-aoi:split,omitempty"`
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

// Asset holds the ml-aoi:* fields of one asset.
type Asset struct {
	Role             string `json:"ml-aoi:role,omitempty"`
	ReferenceGrid    *bool  `json:"ml-aoi:reference-grid,omitempty"`
	ResamplingMethod string `json:"ml-aoi:resampling-method,omitempty"`
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

// Collection holds the ml-aoi:split summary of a Collection: the split values
// its items take.
type Collection struct {
	Split []string
}

var _ stac.Extension = (*Collection)(nil)

func (*Collection) URI() string {
	return extensionUri
}

func (e *Collection) Encode(collectionMap map[string]any) error {
	if len(e.Split) == 0 {
		return stac.ErrExtensionDoesNotApply
	}
	// Copy: the map the collection was encoded into shares its Summaries map.
	summaries := map[string]any{}
	if existing, ok := collectionMap["summaries"].(map[string]any); ok {
		maps.Copy(summaries, existing)
	}
	summaries[splitKey] = e.Split
	collectionMap["summaries"] = summaries
	return nil
}

func (e *Collection) Decode(collectionMap map[string]any) error {
	summaries, _ := collectionMap["summaries"].(map[string]any)
	value, ok := summaries[splitKey]
	if !ok {
		return stac.ErrExtensionDoesNotApply
	}
	values, ok := value.([]any)
	if !ok {
		return fmt.Errorf("expected an array for summary %s, got %T", splitKey, value)
	}
	e.Split = make([]string, len(values))
	for i, v := range values {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("expected strings in summary %s, got %T", splitKey, v)
		}
		e.Split[i] = s
	}
	return nil
}
