// Package release turns a finished run into a release: the split and the
// statistics tables (Finish), the plugins.Release every publisher is handed
// (Assemble), and the publish blocks run one after the other (Publish). It
// knows no step and no publisher: what it gathers comes from the product
// kinds, the plan and the steps' optional interfaces.
package release

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/internal/buildinfo"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/split"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
)

// Assemble gathers what publishing a run needs: the dataset's metadata,
// every kept tile's files and statistics, and the report's input. out is
// the run's output directory; created the release's creation time ("" for
// none).
//
// The release's tiles share their assets with res's, whose titles and
// roles it sets.
func Assemble(plan *plans.Plan, res *execute.Result, sum *Summary, out, created string) (*plugins.Release, error) {
	w := plan.Workflow
	d := w.Dataset
	rel := &plugins.Release{
		Out: out, CRS: plan.Grid.CRS,
		Start: plan.Release.Start, End: plan.Release.End,
		Products: plan.Release.Products, Previews: plan.Release.Previews,
		Splits: sum.Splits, Violations: sum.Violations, Excluded: sum.Excluded, QA: sum.QA,
		Software: map[string]string{"cdflow": buildinfo.Version(), "GDAL": raster.GDALVersion()},
		Workflow: workflowText(w.Path), Created: created, Jobs: res.Jobs,
		Counters: sum.Counters,
	}
	if s := w.Split; s != nil && s.CoverRange != "" {
		rel.CoverRange, rel.CoverMinPixels = s.CoverRange, s.CoverMinPixels
		if rel.CoverMinPixels <= 0 { // as the split reads it
			rel.CoverMinPixels = split.DefaultCoverMinPixels
		}
	}
	if d != nil {
		rel.Dataset = plugins.Dataset{Name: d.Name, Title: d.Title, Description: d.Description, License: d.License,
			Version: d.Version, Keywords: d.Keywords}
		for _, p := range d.Providers {
			rel.Dataset.Providers = append(rel.Dataset.Providers, plugins.Provider{Name: p.Name, Description: p.Description, Roles: p.Roles, URL: p.URL})
		}
	}
	if rel.Dataset.Description == "" {
		rel.Dataset.Description = fmt.Sprintf("Change-detection dataset %s, built by cdflow from two epochs of aerial data.", rel.Dataset.Name)
	}
	projjson, err := plan.Grid.CRS.PROJJSON()
	if err != nil {
		return nil, err
	}
	rel.PROJJSON = projjson
	rel.Classes = classes(w)
	var lineage []string
	for _, s := range w.Steps {
		var ins []string
		for _, in := range s.Inputs {
			ins = append(ins, in.Name+" = "+in.From.String())
		}
		lineage = append(lineage, fmt.Sprintf("%s (%s)", s.Address(), strings.Join(ins, ", ")))
	}
	rel.Lineage = "Built by cdflow " + buildinfo.Version() + " on GDAL " + raster.GDALVersion() + " from the workflow of dataset " + rel.Dataset.Name + ": " + strings.Join(lineage, "; ") + "."
	for _, s := range plan.Sources {
		if s.Points == nil {
			continue
		}
		f, err := s.PointFilter()
		if err != nil {
			return nil, err
		}
		var names []string
		for _, file := range s.Points.Files {
			names = append(names, filepath.Base(file.Path))
		}
		files := strings.Join(names, ", ")
		if len(names) > 4 {
			// A national delivery is thousands of sheets: name the range.
			files = fmt.Sprintf("%d files (%s … %s)", len(names), names[0], names[len(names)-1])
		}
		rel.Lineage += fmt.Sprintf(" %s read %d points from %s, keeping %s.", s.Address(), s.Points.Points, files, f)
	}
	if len(res.Lineage) > 0 {
		rel.Lineage += " Before the tiles ran, " + strings.Join(res.Lineage, "; ") + "."
	}

	describe := describers(w)
	previews := map[string]plugins.Preview{}
	for _, pv := range plan.Release.Previews {
		previews[pv.Name] = pv
	}
	describeAll := func(assets []plugins.Asset) {
		for i := range assets {
			a := &assets[i]
			if a.Preview {
				pv := previews[a.Name]
				a.Title, a.Roles = pv.Title, pv.Roles
			} else {
				a.Title, a.Roles = describe(*a)
			}
		}
	}
	rel.Tiles = make([]plugins.ReleaseTile, 0, len(sum.Tiles))
	for i := range res.Tiles {
		tr := &res.Tiles[i]
		if excluded(tr) {
			continue // left out by a QA policy; the report lists it
		}
		t := plugins.ReleaseTile{ID: tr.Tile.ID, Extent: tr.Tile.Extent, Stats: tr.Stats,
			Footprint: tr.FootprintWGS84, BBox: tr.BBoxWGS84, Findings: tr.Findings}
		if tr.Load != nil {
			// Held on disk (a merge): the assets are described and the
			// outline made a polygon as they are read.
			load := tr.Load
			t.Load = func(assets bool) (plugins.Held, error) {
				h, err := load(assets)
				if err != nil || !assets {
					return h, err
				}
				describeAll(h.Assets)
				h.FootprintWKB, err = raster.PolygonWKB(ringWKT(h.Footprint))
				return h, err
			}
		} else {
			t.FootprintWKB, err = raster.PolygonWKB(ringWKT(tr.FootprintWGS84))
			if err != nil {
				return nil, err
			}
			// The run's assets are described in place, not copied: at
			// national scale they are the largest part of the heap.
			describeAll(tr.Assets)
			t.Assets = tr.Assets
		}
		rel.Tiles = append(rel.Tiles, t)
	}
	return rel, nil
}

// describers returns how each product is described: by the step that
// makes it when it is an AssetDescriber, else by its kind.
func describers(w *workflows.Workflow) func(plugins.Asset) (string, []string) {
	by := map[string]plugins.AssetDescriber{}
	products := map[string]plugins.Product{}
	var all []plugins.Product
	for _, s := range w.Steps {
		all = append(all, s.Outputs...)
		d, _ := s.Impl.(plugins.AssetDescriber)
		for _, o := range s.Outputs {
			products[o.Name] = o
			if d != nil {
				by[o.Name] = d
			}
		}
	}
	return func(a plugins.Asset) (string, []string) {
		p, ok := products[a.Name]
		if !ok {
			res, _ := a.Grid.Res()
			p = plugins.Product{Name: a.Name, Kind: a.Kind, Epoch: a.Epoch, Resolution: res}
		}
		title, roles := plugins.DescribeProduct(p)
		if d := by[a.Name]; d != nil {
			title, roles = d.DescribeProduct(p)
		}
		if plugins.IsVisual(p, all) && !slices.Contains(roles, plugins.RoleVisual) {
			roles = append(slices.Clip(roles), plugins.RoleVisual)
		}
		return title, roles
	}
}

// classes are the label classes of the release's change mask: those of the
// Labeler that makes it, else no change and change.
func classes(w *workflows.Workflow) []plugins.Class {
	var all []plugins.Product
	for _, pr := range w.Products() {
		all = append(all, pr.Product)
	}
	if mask, ok := plugins.PrimaryAny(all, plugins.ChangeMask); ok {
		for _, pr := range w.Products() {
			if pr.Product.Name != mask.Name {
				continue
			}
			if l, ok := pr.Step.Impl.(plugins.Labeler); ok {
				return l.Classes()
			}
		}
	}
	return []plugins.Class{{Value: 0, Name: "no change"}, {Value: 1, Name: "change"}}
}

func ringWKT(ring [][2]float64) string {
	var pts []string
	for _, p := range ring {
		pts = append(pts, fmt.Sprintf("%.9f %.9f", p[0], p[1]))
	}
	return "POLYGON ((" + strings.Join(pts, ",") + "))"
}

// workflowText is the workflow's source, for the report's lineage.
func workflowText(p string) string {
	st, err := os.Stat(p)
	if err != nil {
		return ""
	}
	files := []string{p}
	if st.IsDir() {
		files, _ = filepath.Glob(filepath.Join(p, "*.hcl"))
		slices.Sort(files)
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if len(files) > 1 {
			fmt.Fprintf(&b, "# %s\n", filepath.Base(f))
		}
		b.Write(data)
	}
	return b.String()
}
