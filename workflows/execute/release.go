package execute

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/internal/buildinfo"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/plugins/changemask"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/report"
	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/workflows"
)

// DefaultProducts are what a release holds when the stac block lists none:
// the 3DCD quadruplet, both DSM windows, and the previews (which a release
// holds whatever its list).
var DefaultProducts = []string{"t0", "t1", "dsm_t0", "dsm_t1", "cd2d", "cd3d", PreviewThumbnail, PreviewDeltaH}

// NewRelease gathers what publishing a run needs: the dataset's metadata,
// every tile's files and statistics, and the report's input.
func NewRelease(plan *workflows.Plan, res *Result, sum *Summary, out string, products []string) (*catalog.Release, error) {
	w := plan.Workflow
	d := w.Dataset
	rel := &catalog.Release{
		Dataset: d.Name, Title: d.Title, Description: d.Description, License: d.License,
		Keywords: d.Keywords, Version: d.Version, EPSG: plan.Grid.CRS.EPSG,
		Splits:   sum.Splits,
		Software: map[string]string{"cdflow": buildinfo.Version(), "GDAL": raster.GDALVersion()},
	}
	if rel.Description == "" {
		rel.Description = fmt.Sprintf("Change-detection dataset %s, built by cdflow from two epochs of aerial data.", d.Name)
	}
	for _, p := range d.Providers {
		rel.Providers = append(rel.Providers, stac.Provider{Name: p.Name, Description: p.Description, Roles: p.Roles, URL: p.URL})
	}
	ep := findEpochs(plan)
	rel.Start, rel.End = ep.datetimes()
	if rel.Start.IsZero() || rel.End.IsZero() {
		return nil, fmt.Errorf("publish: the sources need a datetime for each epoch (e.g. datetime = \"2010-07-01T00:00:00Z\"), which the catalog records")
	}
	projjson, err := plan.Grid.CRS.PROJJSON()
	if err != nil {
		return nil, err
	}
	rel.PROJJSON = projjson
	rel.Classes = []float64{0, 1}
	var lineage []string
	for _, s := range w.Steps {
		if cm, ok := s.Impl.(*changemask.Step); ok {
			rel.Classes = nil
			var keys []int
			for k := range cm.Classes() {
				keys = append(keys, int(k))
			}
			sort.Ints(keys)
			for _, k := range keys {
				rel.Classes = append(rel.Classes, float64(k))
			}
		}
		var ins []string
		for _, in := range s.Inputs {
			ins = append(ins, in.Name+" = "+in.From.String())
		}
		lineage = append(lineage, fmt.Sprintf("%s (%s)", s.Address(), strings.Join(ins, ", ")))
	}
	rel.Lineage = "Built by cdflow " + buildinfo.Version() + " on GDAL " + raster.GDALVersion() + " from the workflow of dataset " + d.Name + ": " + strings.Join(lineage, "; ") + "."
	if len(res.Lineage) > 0 {
		rel.Lineage += " Before the tiles ran, " + strings.Join(res.Lineage, "; ") + "."
	}
	want := map[string]bool{}
	if len(products) == 0 {
		products = DefaultProducts
	}
	for _, p := range products {
		want[p] = true
	}
	byID := map[string]int{}
	for i, st := range sum.Tiles {
		byID[st.TileID] = i
	}
	excludedByQA := map[string]bool{}
	for _, id := range sum.Excluded {
		excludedByQA[id] = true
	}
	for _, tr := range res.Tiles {
		i, ok := byID[tr.Tile.ID]
		if !ok && excludedByQA[tr.Tile.ID] {
			continue // left out by a QA policy; the report lists it
		}
		if !ok {
			return nil, fmt.Errorf("publish: tile %s has no statistics", tr.Tile.ID)
		}
		t := catalog.Tile{Stats: sum.Tiles[i], Footprint: tr.FootprintWGS84, BBox: tr.BBoxWGS84}
		t.FootprintWKB, err = raster.PolygonWKB(ringWKT(tr.FootprintWGS84))
		if err != nil {
			return nil, err
		}
		for _, a := range tr.Assets {
			// Previews are not products a list can name (validate would
			// refuse them), so a release keeps its quicklooks whatever it lists.
			if !want[a.Name] && a.Name != PreviewThumbnail && a.Name != PreviewDeltaH {
				continue
			}
			t.Assets = append(t.Assets, catalogAsset(a, filepath.Join(out, a.Path), ep))
		}
		rel.Tiles = append(rel.Tiles, t)
	}
	src := workflowText(w.Path)
	rel.Report = report.Input{Violations: sum.Violations, QA: sum.QA, Workflow: src, Software: rel.Software, CRS: plan.Grid.CRS.String()}
	return rel, nil
}

func ringWKT(ring [][2]float64) string {
	var pts []string
	for _, p := range ring {
		pts = append(pts, fmt.Sprintf("%.9f %.9f", p[0], p[1]))
	}
	return "POLYGON ((" + strings.Join(pts, ",") + "))"
}

// catalogAsset describes a file for the catalog: roles, title, bands.
func catalogAsset(a Asset, file string, ep epochs) catalog.Asset {
	ca := catalog.Asset{Key: a.Name, File: file, MediaType: a.MediaType}
	switch {
	case a.Name == PreviewThumbnail:
		ca.Roles, ca.Title = []string{stac.RoleThumbnail}, "Quicklook of the later orthophoto"
		if a.Kind == plugins.DSM {
			ca.Title = "Quicklook of the later DSM: grey from the tile's lowest (black) to highest (white) elevation; nodata transparent"
		}
		return ca
	case a.Name == PreviewDeltaH:
		ca.Roles, ca.Title = []string{stac.RoleOverview}, "ΔH preview: −20 m dark blue, 0 white, +20 m dark red; nodata transparent"
		return ca
	}
	res, _ := a.Grid.Res()
	switch a.Kind {
	case plugins.Orthophoto:
		ca.Roles, ca.Title = []string{stac.RoleData}, fmt.Sprintf("Orthophoto %s at %g m", a.Name, res)
	case plugins.DSM:
		ca.Roles, ca.Title = []string{stac.RoleData}, fmt.Sprintf("DSM %s at %g m", a.Name, res)
	case plugins.ElevationDifference:
		ca.Roles, ca.Title = []string{stac.RoleData}, fmt.Sprintf("ΔH = H_t1 − H_t0 at %g m", res)
	case plugins.ElevationChange:
		ca.Roles, ca.Title = []string{stac.RoleLabels}, fmt.Sprintf("3D change map: ΔH after threshold and noise removal, at %g m", res)
	case plugins.ChangeMask:
		ca.Roles, ca.Title = []string{stac.RoleLabels}, fmt.Sprintf("2D change map at %g m", res)
	}
	ca.Shape = [2]int{a.Grid.Height, a.Grid.Width}
	ca.Transform = a.Grid.GeoTransform
	elevation := a.Kind == plugins.DSM || a.Kind == plugins.ElevationDifference || a.Kind == plugins.ElevationChange
	for _, b := range a.Bands {
		sb := stac.Band{DataType: a.DataType, NoData: b.NoData}
		if elevation {
			sb.Unit = "m"
		}
		if b.ValidPercent > 0 {
			sb.Stats = &stac.BandStats{Min: b.Min, Max: b.Max, Mean: b.Mean, StdDev: b.StdDev, ValidPercent: b.ValidPercent}
		}
		ca.Bands = append(ca.Bands, sb)
	}
	return ca
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
		sort.Strings(files)
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
