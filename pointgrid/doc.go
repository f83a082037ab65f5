// Package pointgrid turns scattered (x, y, z) points, such as the LiDAR
// returns of one tile plus its halo, into a north-up float32 grid (a DSM).
// It is the numerical core of cdflow's rasterize step and knows nothing of
// files.
//
// Methods:
//
//   - Bin: a per-cell statistic (Max, Min, Mean, Count) of the points falling
//     in each cell.
//   - IDW: inverse distance weighting at cell centres over the points within a
//     radius; agrees with gdal_grid -a invdist.
//   - TIN: linear interpolation at cell centres on the Delaunay triangulation
//     of the points, as LAStools las2dem and gdal_grid -a linear do, with an
//     optional maximum edge length that leaves voids empty.
//   - FillHoles: closes small nodata gaps left by the cell methods.
//
// The triangulation is this package's own sweep-hull algorithm with exact
// (adaptive) orientation and in-circle predicates, so coordinates on a 1 cm
// lattice, with their many collinear and cocircular points, triangulate
// correctly. Nothing panics on bad input: points with a non-finite
// coordinate are skipped, an invalid grid or mismatched slices are errors,
// and cells that receive no value hold the caller's nodata value. The long
// computations check their context periodically.
package pointgrid
