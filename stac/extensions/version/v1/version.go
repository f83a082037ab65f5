// Package version implements the STAC versioning indicators extension, v1.x
// (https://github.com/stac-extensions/version), for Collections and Items.
//
// The version links (latest-version, predecessor-version, successor-version)
// are ordinary links; only the fields live here.
package version

import (
	"regexp"

	"github.com/planetlabs/go-stac"
)

const (
	extensionUri     = "https://stac-extensions.github.io/version/v1.2.0/schema.json"
	extensionPattern = `^https://stac-extensions\.github\.io/version/v1\.\d+\.\d+/schema\.json$`
)

func init() {
	stac.RegisterCollectionExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Collection{}
		},
	)
	stac.RegisterItemExtension(
		regexp.MustCompile(extensionPattern),
		func() stac.Extension {
			return &Item{}
		},
	)
}

// Link relations of the extension.
const (
	RelLatest      = "latest-version"
	RelPredecessor = "predecessor-version"
	RelSuccessor   = "successor-version"
	RelHistory     = "version-history"
)

// Fields are the version fields; they have no prefix.
type Fields struct {
	Version      string `json:"version,omitempty"`
	Deprecated   bool   `json:"deprecated,omitempty"`
	Experimental bool   `json:"experimental,omitempty"`
}

// Collection holds the version fields at the top level of a Collection.
type Collection Fields

var _ stac.Extension = (*Collection)(nil)

func (*Collection) URI() string {
	return extensionUri
}

func (e *Collection) Encode(collectionMap map[string]any) error {
	return stac.EncodeExtendedMap(e, collectionMap)
}

func (e *Collection) Decode(collectionMap map[string]any) error {
	if _, ok := collectionMap["version"]; !ok {
		// The fields have no prefix to look for; version is the one that
		// identifies a versioned resource.
		return stac.ErrExtensionDoesNotApply
	}
	return stac.DecodeExtendedMap(e, collectionMap, "")
}

// Item holds the version fields of an Item's properties.
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
