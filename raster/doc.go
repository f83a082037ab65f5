// Package raster is cdflow's only door to GDAL (through github.com/airbusgeo/godal).
//
// Every step reads and writes pixels through it: a mosaic of one or many files
// is opened as an in-memory VRT, windows are read in georeferenced coordinates
// at a requested resolution and resampling method (GDAL's own algorithms, so a
// read equals what gdal_translate or gdalwarp would produce), and products are
// written as Cloud-Optimized GeoTIFFs or PNGs, atomically.
//
// GDAL messages never reach stderr: failures become Go errors naming the file
// and the operation, and warnings are kept with the error when one occurs.
package raster
