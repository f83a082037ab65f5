package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// Folders publishes the products as plain files, one folder per subset and
// product, the way 3DCD was distributed and its training code reads them:
// <path>/<subset>/<year of t0>/<tile>.tif for the earlier orthophoto, the
// later one under its year, the 2D change map under 2D and the 3D one under
// 3D; any other product listed goes under its own name.
type Folders struct {
	Path        string   `hcl:"path,optional"`
	Format      string   `hcl:"format,optional"`
	ProductList []string `hcl:"products,optional"`
}

var folderFormats = []string{"tif", "png"}

func (p *Folders) Config() any { return p }

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
	return probs
}

// folder names a product's folder: by its kind for the 3DCD quadruplet,
// else by its name. years are the epochs' years ("t0", "t1" when equal).
func folder(pr plugins.Product, all []plugins.Product, years [2]string) string {
	primary := func(q plugins.Product, ok bool) bool { return ok && q.Name == pr.Name }
	switch pr.Kind {
	case plugins.Orthophoto:
		if pr.Epoch == plugins.T0 && primary(plugins.Primary(all, plugins.Orthophoto, plugins.T0)) {
			return years[0]
		}
		if pr.Epoch == plugins.T1 && primary(plugins.Primary(all, plugins.Orthophoto, plugins.T1)) {
			return years[1]
		}
	case plugins.ChangeMask:
		if primary(plugins.PrimaryAny(all, plugins.ChangeMask)) {
			return "2D"
		}
	case plugins.ElevationChange:
		if primary(plugins.PrimaryAny(all, plugins.ElevationChange)) {
			return "3D"
		}
	}
	return pr.Name
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
	years := epochYears(r.Start, r.End)
	var out []string
	for _, name := range p.Products(r.Products) {
		for _, pr := range r.Products {
			if pr.Name == name {
				out = append(out, slash(p.Path)+"/{split}/"+folder(pr, r.Products, years)+"/{tile}"+p.ext(pr))
			}
		}
	}
	return out
}

// Publish copies (or converts to PNG) every product of every tile into the
// layout. A release's files are its own: never links to the run's cache.
func (p *Folders) Publish(ctx context.Context, r *plugins.Release) (string, error) {
	dir, err := under(r.Out, p.Path)
	if err != nil {
		return "", err
	}
	years := epochYears(r.Start, r.End)
	byName := map[string]plugins.Product{}
	for _, pr := range r.Products {
		byName[pr.Name] = pr
	}
	names := p.Products(r.Products)
	n := 0
	for _, t := range r.Tiles {
		for _, a := range t.Assets {
			pr, ok := byName[a.Name]
			if !ok || a.Preview || !slices.Contains(names, a.Name) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return "", err
			}
			d := filepath.Join(dir, t.Stats.Split, folder(pr, r.Products, years))
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
	return fmt.Sprintf("%d files in the 3DCD layout", n), nil
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

func (p *Folders) write(ctx context.Context, src, dst string) error {
	if filepath.Ext(dst) != ".png" {
		return atomicfile.Copy(src, dst)
	}
	img, err := raster.ReadFile[uint8](ctx, src)
	if err != nil {
		return err
	}
	return raster.WritePNG(ctx, dst, img)
}
