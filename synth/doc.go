// Package synth generates a synthetic two-epoch city with known change: the
// stand-in for the 3DCD data (Valladolid, PNOA 2010 and 2017) that tests,
// the demo and the benchmarks run on.
//
// # What it writes
//
// Generate writes into Options.Out, in EPSG:25830 with the lower-left corner
// at E 355000 N 4610000:
//
//	ortho_t0/ortho_t0_E<e>_N<n>.tif   RGB uint8, 0.25 m, no nodata, one per sheet
//	ortho_t1/ortho_t1_E<e>_N<n>.tif
//	dsm_t0/dsm_t0_E<e>_N<n>.tif       float32, 1 m, nodata -9999
//	dsm_t1/dsm_t1_E<e>_N<n>.tif
//	lidar_t0/lidar_t0_E<e>_N<n>.laz   with Options.Lidar: simulated airborne LiDAR,
//	lidar_t1/lidar_t1_E<e>_N<n>.laz   LAZ (LAS 1.2 format 1; LAS 1.4 format 6), EPSG:25830+5782
//	truth/dh.tif                      building height change, float32, 1 m, scene-wide
//	truth/change.tif                  2D change mask 0/1, uint8, 0.5 m, scene-wide
//	truth/changes.geojson             one polygon per changed building: kind, dh
//	scene.json                        parameters, counts, file lists, defects
//	workflow.hcl                      the cdflow workflow for this scene
//
// Sheets (E/N of their lower-left corner in the names) tile the extent in a
// grid; the last row and column are cut at the scene's edge. All GeoTIFFs
// are tiled and DEFLATE-compressed and written through raster.
//
// # The scene
//
// A seeded model of the whole scene is built first and is independent of
// the sheet size: gently sloping terrain near 690 m, a grid of streets (kerbs,
// markings, street trees), blocks cut into lots holding buildings (8–60 m
// footprints, 3–35 m, flat and gable roofs; about a quarter of the area),
// gardens, vacant plots and car parks, and parks with trees. Between the
// epochs, tree crowns grow or are pruned by up to ±2 m and every car is
// elsewhere; neither is in the truth. Constructions (on vacant plots),
// demolitions and extensions (added storeys, new roofing) cover about 5 % of
// the pixels, with ΔH from −25 m to +35 m (both extremes always occur when
// the scene has room for them). Changed lots hold no trees and no cars, so on
// them DSM_t1 − DSM_t0 equals truth/dh up to the DSM noise (σ 0.15 m, plus
// rare outliers and rougher tree crowns). The orthophotos texture roofs,
// streets, grass, soil and trees, shade gable roofs and crowns and cast
// building shadows from each flight's sun, and apply each flight's colour
// balance; vegetation has a clearly positive excess green (2G−R−B), roofs and
// streets do not.
//
// The model and its rasterization live in internal/city, without GDAL; this
// package cuts the scene into sheets and strips, injects the defects and
// writes every file. Every pixel is computed from its own centre and from
// hashes of its global pixel index, so a pixel's value never depends on
// which sheet or strip holds it. Layout decisions draw from PCG streams
// seeded by Options.Seed, one per concern, so requesting a defect never
// moves a building. Same options, same bytes: there is no timestamp, no
// map-order output and no other randomness.
//
// # Memory
//
// The model is kept whole (a 4×5 km scene: some 10 000 buildings, 50 000
// trees and 200 000 cars in about 15 MB). Rasters are made per sheet (DSMs)
// or in strips of 256 rows (orthophotos, and the scene-wide truth rasters,
// which are streamed into one file each), so working memory grows with the
// sheet size and the number of workers, not with the extent. GDAL's block
// cache comes on top (see GDAL_CACHEMAX).
//
// # LiDAR
//
// With Options.Lidar, each sheet is also scanned as PNOA-LiDAR delivers it
// (internal/city's Scan): one pulse per cell of a jittered lattice at the
// epoch's density (0.5 and 2 pulses/m² by default, the first and a later
// PNOA coverage), a vertical error of 0.15 m (PNOA specifies RMSEz ≤
// 0.20 m), tree crowns letting 45 % of their pulses reach the ground as a
// second return, an automatic
// classification (ground 2, vegetation 3–5, building 6, vehicles left as 1)
// and gross errors (birds and wires above, multipath below) of which 80 % are
// classified noise (18, 7). Pulses sit on a lattice in scene coordinates,
// so a pulse never depends on the sheet or strip that scans it. This is a
// first model: no scan lines, no occlusion, no overlap of flight strips
// (real surveys sample less evenly than this lattice).
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
//   - missing: one sheet's t1 orthophoto and DSM are not written;
//   - bias=M: M metres added to every t1 DSM value;
//   - shift=M: the whole t1 world (DSM and orthophoto) moved M metres east.
//
// The truth is the true change in the t0 frame and is never affected by a
// defect.
package synth
