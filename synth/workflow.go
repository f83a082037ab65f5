package synth

import (
	"fmt"
	"strconv"
	"strings"
)

// workflowHCL is the workflow that turns the scene into a 3DCD-like release,
// in the language of DESIGN.md §3: from the DSMs, or with points from the
// point clouds (rasterized as the scene's DSMs were). Source globs are
// relative to the workflow file, so the scene directory can be moved as a whole.
func workflowHCL(sc *Scene, points bool) string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	extent := num(sc.ExtentKm[0]) + "x" + num(sc.ExtentKm[1])
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# The workflow for the synthetic scene made by\n")
	p("#   cdflow synth --extent-km %s --sheet-km %s --seed %d --defects %s\n", extent, num(sc.SheetKm), sc.Seed, sc.Defects.Requested)
	if points {
		p("# This variant starts from the point clouds, as the 3DCD authors did.\n")
	}
	p("# It follows the 3DCD recipe: 200 m tiles, orthophotos at 0.5 m, ΔH at 1 m\n")
	p("# with |ΔH| < 1 m dropped, a 2D change mask at 0.5 m, a 68/23/9 split.\n\n")
	p("dataset \"synth-seed%d\" {\n", sc.Seed)
	p("  title   = \"Synthetic two-epoch city, seed %d, %s km\"\n", sc.Seed, extent)
	p("  license = \"CC0-1.0\"\n")
	p("  version = \"1.0.0\"\n")
	p("}\n\n")
	for e, ep := range sc.Epochs {
		p("source \"orthophoto\" \"%s\" {\n", ep.Name)
		p("  files    = [\"%s/*.tif\"]\n", orthoDir(e))
		p("  datetime = \"%s\"\n", ep.Datetime)
		p("}\n\n")
	}
	dsm := func(e int) string { return "source.dsm.t" + strconv.Itoa(e) }
	for e, ep := range sc.Epochs {
		if points {
			p("source \"pointcloud\" \"%s\" {\n", ep.Name)
			p("  files    = [\"%s/*.laz\"]\n", pointsDir(e))
			p("  datetime = \"%s\"\n", ep.Datetime)
			p("  returns  = \"first\"\n")
			p("}\n\n")
			continue
		}
		p("source \"dsm\" \"%s\" {\n", ep.Name)
		p("  files    = [\"%s/*.tif\"]\n", dsmDir(e))
		p("  datetime = \"%s\"\n", ep.Datetime)
		p("}\n\n")
	}
	p("tiling {\n  size = 200\n}\n\n")
	if points {
		dsm = func(e int) string { return "step.rasterize.dsm_t" + strconv.Itoa(e) }
		for _, ep := range sc.Epochs {
			p("step \"rasterize\" \"dsm_%s\" {\n", ep.Name)
			p("  input      = source.pointcloud.%s\n", ep.Name)
			p("  resolution = 1\n")
			p("  method     = \"tin\"\n")
			p("  max_edge   = %s\n", num(dsmMaxEdge))
			// The points' classes and returns, for the threshold's point filter.
			p("  features   = true\n")
			p("}\n\n")
		}
	}
	for _, ep := range sc.Epochs {
		p("step \"resample\" \"%s\" {\n", ep.Name)
		p("  input      = source.orthophoto.%s\n", ep.Name)
		p("  resolution = 0.5\n")
		p("  method     = \"average\"\n")
		p("}\n\n")
	}
	p("step \"difference\" \"dh\" {\n  before = %s\n  after  = %s\n}\n\n", dsm(0), dsm(1))
	// Noise removal stands in for the paper's manual step: rings of change
	// the two surveys' sampling makes around walls, small regions, thin
	// objects (cars) and changes on vegetation seen in both epochs go.
	p("step \"threshold\" \"cd3d\" {\n  input           = step.difference.dh\n  min_abs         = 1.0\n  min_area        = 20\n  opening_radius  = 1\n  sampling_radius = 2\n  edge_fraction   = 0.5\n  slender_width   = 3\n  dsm_t0          = %s\n  dsm_t1          = %s\n  ortho_t0        = step.resample.t0\n  ortho_t1        = step.resample.t1\n  vegetation {\n    index = \"exg\"\n  }\n", dsm(0), dsm(1))
	if points {
		// Only buildings are labelled: the points say which changes are
		// not (vegetation, vehicles, cranes), in the epoch they stand in.
		p("  features_t0     = %s\n  features_t1     = %s\n  points {\n    min_building = 0.5\n    max_multi    = 0.5\n  }\n", dsm(0), dsm(1))
	}
	p("}\n\n")
	// The 2D map shows each changed building where the orthophotos do.
	p("step \"change_mask\" \"cd2d\" {\n  input         = step.threshold.cd3d\n  resolution    = 0.5\n  align         = \"orthophoto\"\n  refine_radius = 3\n  dsm_t0        = %s\n  dsm_t1        = %s\n  ortho_t0      = step.resample.t0\n  ortho_t1      = step.resample.t1\n}\n\n", dsm(0), dsm(1))
	// QA finds what --defects injects: stripes, voids and a missing sheet
	// leave their tiles out of the release, a bias or shift flags them, and
	// an unreadable file stops the run naming it (the clean scene has no flag).
	p("step \"qa\" \"check\" {\n  dsm_t0   = %s\n  dsm_t1   = %s\n  ortho_t0 = source.orthophoto.t0\n  ortho_t1 = source.orthophoto.t1\n  dh       = step.difference.dh\n\n", dsm(0), dsm(1))
	p("  # \"exclude\" would leave the tiles of an unreadable file out instead.\n  on_unreadable = \"fail\"\n}\n\n")
	p("split {\n")
	p("  ratios   = { train = 0.68, test = 0.23, val = 0.09 }\n")
	p("  stratify = \"change_fraction\"\n")
	p("  seed     = 42\n")
	p("}\n\n")
	p("publish \"stac\" \"catalog\" {\n  catalog = \"catalog\"\n}\n\n")
	p("publish \"parquet\" \"stats\" {}\n")
	return b.String()
}
