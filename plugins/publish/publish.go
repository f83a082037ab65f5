// Package publish registers the release outputs a workflow's publish blocks
// choose from: a STAC catalog, Parquet tables, an HTML report and plain
// folders of files. Paths are relative to the run's output directory.
//
//	publish "stac" "catalog" {
//	  catalog  = "catalog"                      # default "catalog"
//	  base_url = "https://data.example.org/cd"  # optional, for absolute links
//	  products = ["t0", "t1", "cd2d", "cd3d"]   # optional; default every product
//	}
//	publish "parquet" "stats" {
//	  tiles       = true    # tiles.parquet, per-tile statistics (GeoParquet)
//	  items       = true    # items.parquet, the items as stac-geoparquet
//	  compression = "zstd"  # zstd, snappy, gzip or none
//	}
//	publish "report" "html" { path = "report.html" }
//	publish "folders" "3dcd" {
//	  path     = "3dcd"   # <path>/<subset>/<product>/<tile>.<format>
//	  format   = "tif"    # tif or png
//	  products = ["t0", "t1", "cd2d", "cd3d"]
//	}
package publish

import (
	"fmt"
	"net/url"
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
	_ plugins.Publisher       = (*Parquet)(nil)
	_ plugins.Publisher       = (*Report)(nil)
)

// STAC publishes the release as a STAC catalog.
type STAC struct {
	Catalog     string   `hcl:"catalog,optional"`
	BaseURL     string   `hcl:"base_url,optional"`
	ProductList []string `hcl:"products,optional"`
}

func (p *STAC) Config() any        { return p }
func (p *STAC) Products() []string { return p.ProductList }
func (p *STAC) Outputs() []string  { return []string{dir(p.Catalog)} }
func (p *STAC) Validate() []plugins.Problem {
	probs := checkPath("catalog", p.Catalog)
	if p.BaseURL != "" {
		u, err := url.Parse(p.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			probs = append(probs, plugins.Problemf("base_url", "Invalid base URL",
				"%q is not an absolute http(s) URL; e.g. base_url = \"https://data.example.org/datasets\".", p.BaseURL))
		}
	}
	return probs
}

// Parquet publishes per-tile statistics and the items as Parquet tables.
type Parquet struct {
	Tiles       bool   `hcl:"tiles,optional"`
	Items       bool   `hcl:"items,optional"`
	Compression string `hcl:"compression,optional"`
}

var compressions = []string{"zstd", "snappy", "gzip", "none"}

func (p *Parquet) Config() any { return p }
func (p *Parquet) Outputs() []string {
	var out []string
	if p.Tiles {
		out = append(out, "tiles.parquet")
	}
	if p.Items {
		out = append(out, "items.parquet")
	}
	return out
}
func (p *Parquet) Validate() []plugins.Problem {
	var probs []plugins.Problem
	if !p.Tiles && !p.Items {
		probs = append(probs, plugins.Problemf("", "Nothing to publish",
			"Both tiles and items are false; set tiles = true or remove the block."))
	}
	if !contains(compressions, p.Compression) {
		probs = append(probs, oneOf("compression", "Unknown compression", p.Compression, compressions))
	}
	return probs
}

// Report publishes the release report (Table 2, ΔH histograms, QA).
type Report struct {
	Path  string `hcl:"path,optional"`
	Title string `hcl:"title,optional"`
}

func (p *Report) Config() any       { return p }
func (p *Report) Outputs() []string { return []string{path.Clean(filepath.ToSlash(p.Path))} }
func (p *Report) Validate() []plugins.Problem {
	probs := checkPath("path", p.Path)
	if len(probs) == 0 && !strings.HasSuffix(p.Path, ".html") {
		probs = append(probs, plugins.Problemf("path", "Report is not HTML",
			"The report is an HTML page; end the path with .html, e.g. path = \"report.html\"."))
	}
	return probs
}

// Folders publishes the products as plain files, one folder per subset and
// product, the way 3DCD was distributed.
type Folders struct {
	Path        string   `hcl:"path,optional"`
	Format      string   `hcl:"format,optional"`
	ProductList []string `hcl:"products,optional"`
}

var folderFormats = []string{"tif", "png"}

func (p *Folders) Config() any        { return p }
func (p *Folders) Products() []string { return p.ProductList }
func (p *Folders) Outputs() []string  { return []string{dir(p.Path)} }
func (p *Folders) Validate() []plugins.Problem {
	probs := checkPath("path", p.Path)
	if !contains(folderFormats, p.Format) {
		probs = append(probs, oneOf("format", "Unknown format", p.Format, folderFormats))
	}
	return probs
}

func dir(p string) string { return strings.TrimSuffix(path.Clean(filepath.ToSlash(p)), "/") + "/" }

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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func oneOf(attr, summary, got string, allowed []string) plugins.Problem {
	detail := fmt.Sprintf("%q is not allowed; use one of %s.", got, strings.Join(allowed, ", "))
	if s := plugins.Suggest(got, allowed); s != "" {
		detail = fmt.Sprintf("%q is not allowed; did you mean %q?", got, s)
	}
	return plugins.Problem{Attribute: attr, Summary: summary, Detail: detail}
}
