package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// Folders publishes the products as plain files, one folder per subset and
// product, the way 3DCD was distributed and its training code reads them.
// Layout "3dcd": <path>/<subset>/<year of t0>/<tile>.tif for the earlier
// orthophoto, the later one under its year, the 2D change map under 2D and
// the 3D one under 3D. Layout "custom", the 3DCD README's layout for a
// custom dataset: t1 (the earlier orthophoto, cdflow's t0), t2, 2dcd and
// 3dcd. Any other product listed goes under its own name.
//
// The GeoTIFFs are re-encoded so that the training code's plain readers
// (tifffile without imagecodecs, imageio, Pillow) decode them: see
// raster.CopyPlainGeoTIFF.
type Folders struct {
	Path        string   `hcl:"path,optional"`
	Format      string   `hcl:"format,optional"`
	Layout      string   `hcl:"layout,optional"`
	ProductList []string `hcl:"products,optional"`
}

var (
	folderFormats = []string{"tif", "png"}
	folderLayouts = []string{"3dcd", "custom"}
)

// customFolders are the folders of the 3DCD quadruplet in the custom layout:
// the earlier orthophoto, the later one, the 2D and the 3D change maps.
var customFolders = [4]string{"t1", "t2", "2dcd", "3dcd"}

// Config holds the defaults; the layout's is "3dcd" (its zero value means
// the same, for a Folders made in Go).
func (p *Folders) Config() any {
	if p.Layout == "" {
		p.Layout = "3dcd"
	}
	return p
}

// Products are the listed ones, or the 3DCD quadruplet: both orthophotos,
// the 2D and the 3D change maps.
func (p *Folders) Products(all []plugins.Product) []string {
	if p.ProductList != nil {
		return p.ProductList
	}
	var out []string
	for _, pick := range []func() (plugins.Product, bool){
		func() (plugins.Product, bool) { return plugins.Primary(all, plugins.Orthophoto, plugins.T0) },
		func() (plugins.Product, bool) { return plugins.Primary(all, plugins.Orthophoto, plugins.T1) },
		func() (plugins.Product, bool) { return plugins.PrimaryAny(all, plugins.ChangeMask) },
		func() (plugins.Product, bool) { return plugins.PrimaryAny(all, plugins.ElevationChange) },
	} {
		if pr, ok := pick(); ok {
			out = append(out, pr.Name)
		}
	}
	return out
}

func (p *Folders) Validate() []plugins.Problem {
	probs := checkPath("path", p.Path)
	if !slices.Contains(folderFormats, p.Format) {
		probs = append(probs, oneOf("format", "Unknown format", p.Format, folderFormats))
	}
	if p.Layout != "" && !slices.Contains(folderLayouts, p.Layout) {
		pr := oneOf("layout", "Unknown layout", p.Layout, folderLayouts)
		pr.Detail += ` "3dcd" (the default) names the folders as 3DCD was distributed: <year of t0>, <year of t1>, 2D, 3D; "custom" as the 3DCD README's custom dataset: t1, t2, 2dcd, 3dcd.`
		probs = append(probs, pr)
	}
	return probs
}

// names are the folders of the 3DCD quadruplet in the configured layout;
// years are the epochs' years ("t0", "t1" when equal).
func (p *Folders) names(years [2]string) [4]string {
	if p.Layout == "custom" {
		return customFolders
	}
	return [4]string{years[0], years[1], "2D", "3D"}
}

// folder names a product's folder: by its kind for the 3DCD quadruplet
// (names: the earlier orthophoto's, the later one's, the 2D and the 3D
// change maps' folders), else by its name.
func folder(pr plugins.Product, all []plugins.Product, names [4]string) string {
	primary := func(q plugins.Product, ok bool) bool { return ok && q.Name == pr.Name }
	switch pr.Kind {
	case plugins.Orthophoto:
		if pr.Epoch == plugins.T0 && primary(plugins.Primary(all, plugins.Orthophoto, plugins.T0)) {
			return names[0]
		}
		if pr.Epoch == plugins.T1 && primary(plugins.Primary(all, plugins.Orthophoto, plugins.T1)) {
			return names[1]
		}
	case plugins.ChangeMask:
		if primary(plugins.PrimaryAny(all, plugins.ChangeMask)) {
			return names[2]
		}
	case plugins.ElevationChange:
		if primary(plugins.PrimaryAny(all, plugins.ElevationChange)) {
			return names[3]
		}
	}
	return pr.Name
}

// clash names two listed products that would write the same file, a
// product named as another's folder (e.g. "t2" in the custom layout).
func (p *Folders) clash(all []plugins.Product, names [4]string) error {
	seen := map[string]string{}
	for _, name := range p.Products(all) {
		for _, pr := range all {
			if pr.Name != name {
				continue
			}
			f := folder(pr, all, names) + "/{tile}" + p.ext(pr)
			if other, ok := seen[f]; ok && other != name {
				return fmt.Errorf("products %q and %q would both write %s; list only one of them in products, or rename one", other, name, f)
			}
			seen[f] = name
		}
	}
	return nil
}

// ext is the file extension of a product in this layout: PNG holds 8-bit
// products (orthophotos, masks); elevations stay GeoTIFF.
func (p *Folders) ext(pr plugins.Product) string {
	if p.Format == "png" && (pr.DataType == "uint8" || pr.DataType == "") && pr.Kind != plugins.DSM && pr.Kind != plugins.ElevationDifference && pr.Kind != plugins.ElevationChange {
		return ".png"
	}
	return ".tif"
}

func (p *Folders) Outputs(r *plugins.ReleasePlan) []string {
	names := p.names(epochYears(r.Start, r.End))
	var out []string
	for _, name := range p.Products(r.Products) {
		for _, pr := range r.Products {
			if pr.Name == name {
				out = append(out, slash(p.Path)+"/{split}/"+folder(pr, r.Products, names)+"/{tile}"+p.ext(pr))
			}
		}
	}
	return out
}

// Publish writes every product of every tile into the layout, as a plain
// GeoTIFF or a PNG. A release's files are its own: never links to the
// run's cache.
func (p *Folders) Publish(ctx context.Context, r *plugins.Release) (string, error) {
	dir, err := under(r.Out, p.Path)
	if err != nil {
		return "", err
	}
	folders := p.names(epochYears(r.Start, r.End))
	if err := p.clash(r.Products, folders); err != nil {
		return "", err
	}
	byName := map[string]plugins.Product{}
	for _, pr := range r.Products {
		byName[pr.Name] = pr
	}
	names := p.Products(r.Products)
	n := 0
	for i := range r.Tiles {
		t, err := r.Tiles[i].Full()
		if err != nil {
			return "", fmt.Errorf("tile %s: %w", r.Tiles[i].ID, err)
		}
		for _, a := range t.Assets {
			pr, ok := byName[a.Name]
			if !ok || a.Preview || !slices.Contains(names, a.Name) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return "", err
			}
			d := filepath.Join(dir, t.Stats.Split, folder(pr, r.Products, folders))
			if !filepath.IsAbs(p.Path) {
				if err := staysIn(r.Out, d); err != nil {
					return "", err
				}
			}
			if err := os.MkdirAll(d, 0o755); err != nil {
				return "", err
			}
			dst := filepath.Join(d, t.ID+p.ext(pr))
			if err := p.write(ctx, r.Path(a.Path), dst); err != nil {
				return "", fmt.Errorf("tile %s: %s: %w", t.ID, a.Name, err)
			}
			n++
		}
	}
	layout := "3DCD"
	if p.Layout == "custom" {
		layout = "custom 3DCD"
	}
	return fmt.Sprintf("%d files in the %s layout", n, layout), nil
}

// epochYears names the orthophotos' folders by their epochs' years, as
// 3DCD did (2010, 2017), or t0 and t1 when the years are the same.
func epochYears(start, end time.Time) [2]string {
	years := [2]string{strconv.Itoa(start.Year()), strconv.Itoa(end.Year())}
	if years[0] == years[1] {
		years = [2]string{"t0", "t1"}
	}
	return years
}

// write re-encodes a product as a GeoTIFF any TIFF reader decodes, or as
// a PNG.
func (p *Folders) write(ctx context.Context, src, dst string) error {
	if filepath.Ext(dst) != ".png" {
		return raster.CopyPlainGeoTIFF(ctx, src, dst)
	}
	img, err := raster.ReadFile[uint8](ctx, src)
	if err != nil {
		return err
	}
	return raster.WritePNG(ctx, dst, img)
}
