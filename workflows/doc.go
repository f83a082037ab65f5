// Package workflows is cdflow's workflow language: HCL files that declare a
// change-detection dataset build, turned into a checked Workflow and then
// into a Plan, before any pixel is read.
//
// The stages, as in Terraform's configuration loader:
//
//  1. Parse: one .hcl file, or every .hcl file of a directory as one
//     workflow (Parser.Load). Syntax errors stop here.
//  2. Decode the structure: each block kind has its own file with its
//     hcl.BodySchema beside its decode function (variable.go, locals.go,
//     dataset.go, source.go, tiling.go, step.go, split.go, publish.go).
//     Models keep their expressions and DeclRange; nothing is evaluated.
//  3. Variables get their values: default < CDFLOW_VAR_<name> <
//     -var-file < -var (InputValues), then their validation blocks run.
//  4. References (var.X, local.X, source.KIND.NAME, step.PLUGIN.NAME) are
//     checked, with "did you mean" for misspellings, and become the edges
//     of a DAG (package internal/dag): order in the files never matters; a
//     cycle is one diagnostic naming every block on it.
//  5. Evaluation, in dependency order, with go-cty's standard library and
//     glob(pattern) and file(path) (package lang). Each step and publish
//     body is decoded by its plugin's own schema (package plugins) and
//     validated by the plugin.
//  6. Checks across blocks: input kinds (a threshold reads an elevation
//     difference), product names, tile size against every pixel size,
//     products chosen by publish blocks, step outputs nobody uses
//     (warnings).
//  7. Plan (NewPlan): the sources' metadata through raster; epochs
//     must share a CRS and overlap; the tile grid; pixel sizes that depend
//     on the sources; the split's target sizes. Package plandoc renders a
//     plan as a stable JSON document.
//
// Every problem is an hcl.Diagnostic with the narrowest range known and a
// one-line fix in its Detail; all problems are reported, not only the
// first, and problems caused by an earlier one are not repeated.
//
// The tile grid: square tiles of tiling.size metres, aligned to
// origin + k × size in the sources' CRS (origin defaults to 0, 0), over the
// intersection of every raster source's extent (and of the AOI's bounding
// box when tiling has an aoi). Only whole tiles count: a tile belongs to
// the grid when it lies entirely inside that intersection, so no tile is
// partly outside a source. Tile ids default to E<minx>_N<miny>, stable
// across runs and releases; Col and Row are global indices from the origin.
package workflows
