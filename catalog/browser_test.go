package catalog_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/catalog"
)

// TestBrowser lists the CRSs of a catalog's assets with GDAL's own PROJ.4
// strings (gdalsrsinfo's), skipping those STAC Browser knows and counting
// the assets without a code.
func TestBrowser(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"catalog.json": `{"type": "Catalog", "id": "c", "links": []}`,
		"d/1.0.0/items/a/a.json": `{"type": "Feature", "properties": {}, "assets": {
			"dsm": {"href": "dsm.tif", "proj:code": "EPSG:25830"},
			"ortho": {"href": "t1.tif", "proj:code": "EPSG:32630"},
			"thumb": {"href": "t.png"}}}`,
		"d/1.0.0/items/b/b.json": `{"type": "Feature", "properties": {}, "assets": {
			"dsm": {"href": "dsm.tif", "proj:code": "EPSG:4326"},
			"odd": {"href": "o.tif", "proj:projjson": {"type": "ProjectedCRS"}}}}`,
		"d/1.0.0/report.html": `<html></html>`,
	}
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := catalog.Browser(context.Background(), filepath.Join(root, "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.CRS) != 2 {
		t.Fatalf("crs %v, want EPSG:25830 and EPSG:32630 only", cfg.CRS)
	}
	for code, got := range cfg.CRS {
		out, err := exec.Command("gdalsrsinfo", "-o", "proj4", code).CombinedOutput()
		if err != nil {
			t.Fatalf("gdalsrsinfo %s: %v\n%s", code, err, out)
		}
		if want := strings.Trim(strings.TrimSpace(string(out)), "'"); got != want {
			t.Errorf("%s: %q, gdalsrsinfo says %q", code, got, want)
		}
	}
	if cfg.Uncoded != 1 {
		t.Errorf("%d assets without a code, want 1", cfg.Uncoded)
	}
	if _, err := catalog.Browser(context.Background(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "no catalog.json") {
		t.Errorf("a folder without catalog.json: %v", err)
	}
}
