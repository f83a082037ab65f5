package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/raster"
)

// BrowserConfig is what STAC Browser must be told to show a catalog: it
// knows only EPSG:4326 and EPSG:3857 and otherwise asks a web service for a
// CRS's definition, so offline (or behind a firewall) every item map fails
// with "No transform available" until its crs option lists the assets'.
type BrowserConfig struct {
	// CRS maps each authority code the assets use to its PROJ.4 string.
	CRS map[string]string `json:"crs"`
	// Uncoded counts the assets whose CRS has no code (proj:projjson or
	// proj:wkt2 only): STAC Browser cannot place them on a map.
	Uncoded int `json:"-"`
}

// Browser reads every JSON object under a catalog folder and returns the
// STAC Browser options its assets need, the CRS definitions from GDAL.
func Browser(ctx context.Context, root string) (*BrowserConfig, error) {
	if st, err := os.Stat(root); err == nil && !st.IsDir() {
		root = filepath.Dir(root)
	}
	if _, err := os.Stat(filepath.Join(root, "catalog.json")); err != nil {
		return nil, fmt.Errorf("%s holds no catalog.json: give a catalog folder or its catalog.json", root)
	}
	codes := map[string]bool{}
	cfg := &BrowserConfig{CRS: map[string]string{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var obj struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Assets     map[string]map[string]json.RawMessage
		}
		if json.Unmarshal(b, &obj) != nil {
			return nil // not a STAC object: nothing to map
		}
		for _, a := range obj.Assets {
			var code string
			if raw, ok := a["proj:code"]; ok && json.Unmarshal(raw, &code) == nil && code != "" {
				codes[code] = true
			} else if _, ok := a["proj:projjson"]; ok {
				cfg.Uncoded++
			} else if _, ok := a["proj:wkt2"]; ok {
				cfg.Uncoded++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read catalog %s: %w", root, err)
	}
	for _, code := range slices.Sorted(maps.Keys(codes)) {
		if code == "EPSG:4326" || code == "EPSG:3857" {
			continue // STAC Browser's own
		}
		crs, err := raster.CRSFromUser(code)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: CRS %s: %w", root, code, err)
		}
		p4, err := crs.Proj4()
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", root, err)
		}
		cfg.CRS[code] = p4
	}
	return cfg, nil
}
