package stac

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	gostac "github.com/planetlabs/go-stac"
)

// Marshal returns the normalized JSON of v: object keys sorted, two-space
// indent, no HTML escaping, a trailing newline. The same value always gives
// the same bytes, and reading a file Marshal wrote into the go-stac types and
// marshalling it again gives the file back byte for byte, so releases can be
// compared by checksum.
func Marshal(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(2 * len(raw)) // the indent about doubles an item
	if err := normalize(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadCatalog reads a STAC catalog file.
func ReadCatalog(path string) (*gostac.Catalog, error) {
	c := &gostac.Catalog{}
	if err := readJSON(path, c); err != nil {
		return nil, err
	}
	return c, nil
}

// ReadCollection reads a STAC collection file.
func ReadCollection(path string) (*gostac.Collection, error) {
	c := &gostac.Collection{}
	if err := readJSON(path, c); err != nil {
		return nil, err
	}
	return c, nil
}

// ReadItem reads a STAC item file.
func ReadItem(path string) (*gostac.Item, error) {
	item := &gostac.Item{}
	if err := readJSON(path, item); err != nil {
		return nil, err
	}
	return item, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("stac: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("stac: decode %s: %w", path, err)
	}
	return nil
}
