package execute_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/plugins/publish"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/workflows/release"
)

// published is one run of the scene's 3DCD workflow, assembled as the
// release every publisher is handed.
func published(t *testing.T) (*plugins.Release, string) {
	t.Helper()
	ctx := context.Background()
	pl := plan(t, sceneDir(t), denoised)
	out, res := run(t, pl, 2)
	sum, err := release.Finish(ctx, pl, res)
	if err != nil {
		t.Fatal(err)
	}
	return mustAssemble(t, pl, res, sum, out), out
}

// Every publisher option does what it says: compression switches the
// codec of every column (and DuckDB reads each file), items and tiles turn
// their tables on and off.
func TestParquetOptions(t *testing.T) {
	ctx := context.Background()
	rel, out := published(t)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		cfg  publish.Parquet
		want []string
	}{
		{publish.Parquet{Tiles: true, Items: true, Compression: "zstd"}, []string{"tiles.parquet", "splits.parquet", "items.parquet"}},
		{publish.Parquet{Tiles: true, Items: false, Compression: "snappy"}, []string{"tiles.parquet", "splits.parquet"}},
		{publish.Parquet{Tiles: false, Items: true, Compression: "gzip"}, []string{"items.parquet"}},
		{publish.Parquet{Tiles: true, Items: true, Compression: "none"}, []string{"tiles.parquet", "splits.parquet", "items.parquet"}},
	}
	for _, tt := range tests {
		t.Run(tt.cfg.Compression, func(t *testing.T) {
			for _, f := range []string{"tiles.parquet", "splits.parquet", "items.parquet"} {
				os.Remove(filepath.Join(out, f))
			}
			p := tt.cfg
			if _, err := p.Publish(ctx, rel); err != nil {
				t.Fatal(err)
			}
			if got := p.Outputs(nil); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Outputs %v, want %v", got, tt.want)
			}
			for _, f := range []string{"tiles.parquet", "splits.parquet", "items.parquet"} {
				path := filepath.Join(out, f)
				_, err := os.Stat(path)
				if want := slices.Contains(tt.want, f); (err == nil) != want {
					t.Errorf("%s exists: %v, want %v", f, err == nil, want)
					continue
				}
				if err != nil {
					continue
				}
				codec := map[string]string{"zstd": "ZSTD", "snappy": "SNAPPY", "gzip": "GZIP", "none": "UNCOMPRESSED"}[p.Compression]
				var codecs []string
				rows, err := db.QueryContext(ctx, "SELECT DISTINCT compression FROM parquet_metadata('"+path+"')")
				if err != nil {
					t.Fatalf("DuckDB on %s: %v", f, err)
				}
				for rows.Next() {
					var c string
					if err := rows.Scan(&c); err != nil {
						t.Fatal(err)
					}
					codecs = append(codecs, c)
				}
				rows.Close()
				if len(codecs) != 1 || codecs[0] != codec {
					t.Errorf("%s: DuckDB sees codecs %v, want %s", f, codecs, codec)
				}
				var n int
				if err := db.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet('"+path+"')").Scan(&n); err != nil {
					t.Fatalf("DuckDB reads %s: %v", f, err)
				}
				want := len(rel.Tiles)
				if f == "splits.parquet" {
					want = len(rel.Splits)
				}
				if n != want {
					t.Errorf("DuckDB counts %d rows in %s, want %d", n, f, want)
				}
			}
			if !slices.Contains(tt.want, "items.parquet") {
				return
			}
			// Items lead to the run's files, as hrefs relative to the table.
			var href, sum string
			if err := db.QueryRowContext(ctx, "SELECT assets.cd3d.href, assets.cd3d.\"file:checksum\" FROM read_parquet('"+filepath.Join(out, "items.parquet")+"') ORDER BY id LIMIT 1").Scan(&href, &sum); err != nil {
				t.Fatal(err)
			}
			got, _, err := stac.ChecksumFile(filepath.Join(out, filepath.FromSlash(href)))
			if err != nil || got != sum {
				t.Errorf("items.parquet href %s: checksum %s, file %s (%v)", href, sum, got, err)
			}
		})
	}
}

// base_url makes every href of the catalog an absolute URL under it, with
// a self link on every object, and the catalog still validates (walked on
// disk through the base URL).
func TestSTACBaseURL(t *testing.T) {
	ctx := context.Background()
	rel, out := published(t)
	const base = "https://data.example.org/releases"
	p := publish.STAC{Catalog: "abs", BaseURL: base}
	if _, err := p.Publish(ctx, rel); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(out, "abs")
	hrefs := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		r, _ := filepath.Rel(root, path)
		var doc struct {
			Links  []struct{ Rel, Href string }
			Assets map[string]struct{ Href string }
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return err
		}
		self := false
		check := func(what, h string) {
			hrefs++
			u, err := url.Parse(h)
			if err != nil || !u.IsAbs() || !strings.HasPrefix(h, base+"/") {
				t.Errorf("%s: %s href %q is not absolute under %s", r, what, h, base)
			}
		}
		for _, l := range doc.Links {
			check("link "+l.Rel, l.Href)
			if l.Rel == "self" {
				self = true
				if l.Href != base+"/"+filepath.ToSlash(r) {
					t.Errorf("%s: self link %s", r, l.Href)
				}
			}
		}
		for k, a := range doc.Assets {
			check("asset "+k, a.Href)
			// The file it names is where the URL says under the root.
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(a.Href, base+"/")))); err != nil {
				t.Errorf("%s: asset %s: %v", r, k, err)
			}
		}
		if !self {
			t.Errorf("%s has no self link", r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	items, err := schema.ReadItems(ctx, filepath.Join(root, rel.Dataset.Name, rel.Dataset.Version, "items.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range items[0].Assets {
		if !strings.HasPrefix(a.Href, base+"/"+rel.Dataset.Name+"/"+rel.Dataset.Version+"/items/") {
			t.Errorf("items.parquet href %s not under the base URL", a.Href)
		}
	}
	report, err := validator(t).Validate(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Invalid) > 0 || report.Objects < len(rel.Tiles)+4 {
		t.Errorf("%d objects, invalid: %v", report.Objects, report.Invalid)
	}
	t.Logf("%d hrefs absolute, %d objects valid", hrefs, report.Objects)
}

// format = "png" writes 8-bit products as PNG with the GeoTIFF's very
// pixels and keeps elevations as GeoTIFF; "tif" re-encodes the products
// with their very values (for plain readers: TestFoldersReadWithPlainPython),
// never linking the release to the run's cache.
func TestFoldersFormat(t *testing.T) {
	ctx := context.Background()
	rel, out := published(t)
	for _, format := range []string{"tif", "png"} {
		t.Run(format, func(t *testing.T) {
			p := publish.Folders{Path: "f-" + format, Format: format}
			if _, err := p.Publish(ctx, rel); err != nil {
				t.Fatal(err)
			}
			tile := rel.Tiles[0]
			for _, c := range []struct{ product, folder, ext string }{
				{"t0", "2010", ".png"}, {"t1", "2017", ".png"}, {"cd2d", "2D", ".png"}, {"cd3d", "3D", ".tif"},
			} {
				ext := c.ext
				if format == "tif" {
					ext = ".tif"
				}
				got := filepath.Join(out, "f-"+format, tile.Stats.Split, c.folder, tile.ID+ext)
				src := rel.Path(tile.Stats.Assets[c.product])
				if ext == ".tif" {
					a, b := inode(t, got), inode(t, src)
					if a == b {
						t.Errorf("%s is a link to the run's %s", got, src)
					}
					if !sameValues(t, got, src) {
						t.Errorf("%s differs from %s", got, src)
					}
					continue
				}
				png, err := raster.ReadFile[uint8](ctx, got)
				if err != nil {
					t.Fatal(err)
				}
				tif, err := raster.ReadFile[uint8](ctx, src)
				if err != nil {
					t.Fatal(err)
				}
				if len(png.Bands) != len(tif.Bands) || png.Width != tif.Width {
					t.Fatalf("%s: %d bands %d px, the GeoTIFF %d bands %d px", got, len(png.Bands), png.Width, len(tif.Bands), tif.Width)
				}
				for b := range png.Bands {
					for i := range png.Bands[b] {
						if png.Bands[b][i] != tif.Bands[b][i] {
							t.Fatalf("%s: band %d pixel %d is %d, the GeoTIFF's %d", got, b+1, i, png.Bands[b][i], tif.Bands[b][i])
						}
					}
				}
			}
		})
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

func validator(t *testing.T) *stac.Validator {
	t.Helper()
	dir, _ := stac.DefaultSchemaDir(os.Getenv)
	if missing := stac.MissingSchemas(dir); len(missing) > 0 {
		t.Fatalf("offline STAC schemas missing in %q (set %s): %v", dir, stac.SchemaDirEnv, missing[:min(3, len(missing))])
	}
	v, err := stac.NewValidator(dir)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
