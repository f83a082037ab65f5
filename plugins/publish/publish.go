// Package publish registers the release outputs a workflow's publish blocks
// choose from: a STAC catalog, Parquet tables, an HTML report and plain
// folders of files. Paths are relative to the run's output directory.
//
//	publish "stac" "catalog" {
//	  catalog  = "catalog"                      # default "catalog"
//	  base_url = "https://data.example.org/cd"  # optional: absolute hrefs under it
//	  products = ["t0", "t1", "cd2d", "cd3d"]   # optional; default every product but ΔH
//	}
//	publish "parquet" "stats" {
//	  tiles       = true    # tiles.parquet and splits.parquet
//	  items       = true    # items.parquet, the items as stac-geoparquet
//	  compression = "zstd"  # zstd, snappy, gzip or none
//	}
//	publish "report" "html" { path = "report.html" }
//	publish "folders" "3dcd" {
//	  path     = "3dcd"   # <path>/<subset>/<folder>/<tile>.<ext>
//	  format   = "tif"    # tif, or png for 8-bit products (orthophotos, masks)
//	  layout   = "3dcd"   # <year t0>/<year t1>/2D/3D, or "custom": t1/t2/2dcd/3dcd
//	  products = ["t0", "t1", "cd2d", "cd3d"]
//	}
package publish

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cdflow/cdflow/plugins"
)

func init() {
	plugins.RegisterPublisher("stac", func() plugins.Publisher { return &STAC{Catalog: "catalog"} })
	plugins.RegisterPublisher("parquet", func() plugins.Publisher {
		return &Parquet{Tiles: true, Items: true, Compression: "zstd"}
	})
	plugins.RegisterPublisher("report", func() plugins.Publisher { return &Report{Path: "report.html"} })
	plugins.RegisterPublisher("folders", func() plugins.Publisher { return &Folders{Path: "folders", Format: "tif"} })
}

var (
	_ plugins.ProductSelector = (*STAC)(nil)
	_ plugins.ProductSelector = (*Folders)(nil)
	_ plugins.Publisher       = (*STAC)(nil)
	_ plugins.Publisher       = (*Folders)(nil)
	_ plugins.Publisher       = (*Parquet)(nil)
	_ plugins.Publisher       = (*Report)(nil)
)

// slash cleans a configured path for the Outputs list.
func slash(p string) string { return path.Clean(filepath.ToSlash(p)) }

// under resolves a configured path against the run's output directory,
// refusing a relative path that climbs out of it, by ".." or through a
// symbolic link already there.
func under(out, p string) (string, error) {
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	clean := filepath.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("path %q leaves the output directory %s; use a path inside it (or an absolute path)", p, out)
	}
	full := filepath.Join(out, clean)
	if err := staysIn(out, full); err != nil {
		return "", err
	}
	return full, nil
}

// staysIn refuses a path whose existing part resolves, through symbolic
// links, outside root.
func staysIn(root, path string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil // nothing there yet: nothing to follow
	}
	existing := path
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return nil
		}
		existing = parent
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return fmt.Errorf("%s: %w", existing, err)
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("%s leads through a symbolic link to %s, outside the output directory %s; remove the link or publish to an absolute path", existing, real, root)
	}
	return nil
}

// checkPath rejects an empty path; relative paths resolve under the run's
// output directory (cdflow run --out), absolute ones are taken as they are.
func checkPath(attr, p string) []plugins.Problem {
	if strings.TrimSpace(p) == "" {
		return []plugins.Problem{plugins.Problemf(attr, "Empty path", "Give a path, relative to the output directory, e.g. %s = \"catalog\".", attr)}
	}
	// A relative path that climbs out of the output directory would write
	// where the run does not own the files.
	if !filepath.IsAbs(p) {
		for _, part := range strings.Split(filepath.ToSlash(p), "/") {
			if part == ".." {
				return []plugins.Problem{plugins.Problemf(attr, "Path leaves the output directory",
					"%q climbs out of the output directory with \"..\"; use a path inside it, e.g. %s = \"catalog\", or an absolute path.", p, attr)}
			}
		}
	}
	return nil
}

func oneOf(attr, summary, got string, allowed []string) plugins.Problem {
	detail := fmt.Sprintf("%q is not allowed; use one of %s.", got, strings.Join(allowed, ", "))
	if s := plugins.Suggest(got, allowed); s != "" {
		detail = fmt.Sprintf("%q is not allowed; did you mean %q?", got, s)
	}
	return plugins.Problem{Attribute: attr, Summary: summary, Detail: detail}
}
