// Package synth generates a synthetic two-epoch city with known change: the
// stand-in for the 3DCD data (Valladolid, PNOA 2010 and 2017) that tests,
// the demo and the benchmarks run on, and the instrument the labels are
// measured with. It models what the real inputs look like, never what a
// filter can handle.
//
// # What it writes
//
// Generate writes into Options.Out, in EPSG:25830 with the lower-left corner
// at E 355000 N 4610000 (the layout is an interface: tests outside the
// project read it):
//
//	ortho_t0/ortho_t0_E<e>_N<n>.tif     RGB uint8, 0.25 m, one per sheet: a standard
//	ortho_t1/ortho_t1_E<e>_N<n>.tif     orthophoto from a simulated frame camera
//	points_t0/points_t0_E<e>_N<n>.laz   simulated airborne LiDAR, LAZ (LAS 1.4 point
//	points_t1/points_t1_E<e>_N<n>.laz   format 6), EPSG:25830+5782, one per sheet
//	dsm_t0/dsm_t0_E<e>_N<n>.tif         float32, 1 m, nodata -9999: rasterized from
//	dsm_t1/dsm_t1_E<e>_N<n>.tif         the points (first returns, TIN, max edge 20 m)
//	truth/change.tif                    0.5 m: 0 no change, 1 construction, 2 demolition
//	truth/other_change.tif              0.5 m: other changes, by kind
//	truth/dh.tif                        1 m: true ΔH of the surfaces, dsm_t1 − dsm_t0
//	truth/dsm_t0.tif, truth/dsm_t1.tif  1 m: the true surfaces, no sensor
//	scene.json                          parameters, flights, counts, realism figures,
//	                                    every change object, every defect
//	workflow.hcl                        the cdflow workflow from the DSMs
//	workflow-lidar.hcl                  the same from the point clouds
//	preview.png                         with Options.Preview: a contact sheet
//
// Sheets (E/N of their lower-left corner in the names) tile the extent in a
// grid; the last row and column are cut at the scene's edge.
//
// # The pipeline
//
// A seeded model of the whole city is built first (internal/world),
// independent of how the scene is cut. Then, block by block (at most 256 m,
// within a sheet), both epochs of the world are painted on a 0.25 m grid
// reaching beyond the block (internal/surface); the camera of each epoch
// (internal/camera) renders the block's orthophoto pixels from its photos,
// the LiDAR survey of each epoch (internal/als) fires the pulses the block
// owns and traces them through that grid, and the block's DSM cells are
// rasterized from the points — the block's and a 40 m ring's, first returns
// without noise classes, Delaunay TIN with linear interpolation, as cdflow's
// rasterize step does — so the DSM-input and point-cloud-input workflows see
// the same data. Every pixel, pulse and return depends only on where it is
// and on the seed, never on the block or sheet that makes it: the same
// options give the same bytes, and sheets of another size give the same
// pixels and points.
//
// # The truth
//
// The truth is what happened on the ground, untouched by defects:
//
//   - truth/change.tif: buildings and other built structures only, as 3DCD
//     labels them: 1 where the orthophoto of t1 shows (through tree crowns) a
//     construction (new building, storey addition, extension, shed, a
//     building's partial floors), 2 where the orthophoto of t0 shows a
//     building demolished (or storeys removed). A 0.5 m pixel takes a value
//     when two of its four 0.25 m pixels show it. So a label is delineated
//     as the building appears in the orthophoto of the epoch where it
//     stands, leaning away from that photo's nadir.
//   - truth/other_change.tif: 3 vegetation (planted, felled, grown or
//     pruned), 4 vehicle or container, 5 terrain (excavation, earthwork),
//     6 temporary structure (crane, scaffolding, site hut), 7 roof
//     renovation without height change; on the ground (not leaned), a pixel
//     taking the first of 6, 5, 4, 3, 7 that two of its eight 0.25 m pixels
//     (four per epoch) show.
//   - truth/dsm_t0.tif, truth/dsm_t1.tif: the highest point of each 1 m cell
//     of each epoch's surface (roofs, crowns, vehicles); truth/dh.tif their
//     difference.
//
// # Defects
//
// Defects are injected only on request and recorded in scene.json exactly
// (files, rows, sizes), so a QA step can be scored against them. Missing,
// corrupt and striped sheets are distinct sheets.
//
//   - stripes: in about 40 % of the remaining t1 DSMs, 2–4 bands of 1–3 rows
//     set to -9999 (nodata) or 0, full-width and partial;
//   - corrupt: one t1 DSM truncated to half its bytes after writing;
//   - missing: one sheet's t1 orthophoto, point cloud and DSM are not written;
//   - bias=M: M metres added to every t1 return (so to the t1 DSMs): a
//     vertical misregistration of the point clouds;
//   - shift=M: the whole t1 world moved M metres east (orthophoto, points,
//     DSM): a planimetric misregistration.
//
// # Memory
//
// The model is kept whole (a 4×5 km scene: tens of thousands of buildings
// and trees, about a hundred thousand vehicles). Everything else is made per
// block, and a sheet's files are written as its blocks finish, so working
// memory grows with the number of workers and the sheet size (one DSM and
// the open files per sheet in progress), not with the extent.
package synth
