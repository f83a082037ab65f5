package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/cdflow/cdflow/raster"
)

// checkProducts are the products both cdflow and the GDAL pipeline make.
var checkProducts = []string{"t0", "t1", "dsm_t0", "dsm_t1", "dh", "cd3d", "cd2d"}

// Check is the comparison of cdflow's products with the GDAL pipeline's.
type Check struct {
	Tiles     []string `json:"tiles"`
	Products  int      `json:"products"`  // files compared
	Identical int      `json:"identical"` // same size, georeferencing, nodata and every pixel
	// Differences describes every product that is not identical.
	Differences []string `json:"differences,omitempty"`
}

// checkTiles compares, for each tile, cdflow's products under cdflowOut
// (OUT/run/tiles/<id>/) with the GDAL pipeline's under gdalOut (<id>/).
func checkTiles(ctx context.Context, cdflowOut, gdalOut string, ids []string) (Check, error) {
	c := Check{Tiles: ids}
	for _, id := range ids {
		for _, p := range checkProducts {
			a := filepath.Join(cdflowOut, "run", "tiles", id, p+".tif")
			b := filepath.Join(gdalOut, id, p+".tif")
			diff, err := compareRasters(ctx, a, b)
			if err != nil {
				return c, err
			}
			c.Products++
			if diff == "" {
				c.Identical++
			} else {
				c.Differences = append(c.Differences, fmt.Sprintf("%s/%s: %s", id, p, diff))
			}
		}
	}
	return c, nil
}

// compareRasters returns "" when two rasters hold the same pixels on the
// same grid with the same nodata, else what differs. Pixels are read as
// float64, which holds every 8-bit and float32 value exactly.
func compareRasters(ctx context.Context, a, b string) (string, error) {
	x, err := raster.ReadFile[float64](ctx, a)
	if err != nil {
		return "", err
	}
	y, err := raster.ReadFile[float64](ctx, b)
	if err != nil {
		return "", err
	}
	switch {
	case x.Width != y.Width || x.Height != y.Height || len(x.Bands) != len(y.Bands):
		return fmt.Sprintf("size %dx%dx%d vs %dx%dx%d", x.Width, x.Height, len(x.Bands), y.Width, y.Height, len(y.Bands)), nil
	case x.HasNoData != y.HasNoData || (x.HasNoData && x.NoData != y.NoData):
		return fmt.Sprintf("nodata %v (%v) vs %v (%v)", x.NoData, x.HasNoData, y.NoData, y.HasNoData), nil
	case !x.CRS.Same(y.CRS):
		return fmt.Sprintf("CRS %s vs %s", x.CRS, y.CRS), nil
	}
	for i := range x.GeoTransform {
		if math.Abs(x.GeoTransform[i]-y.GeoTransform[i]) > 1e-9 {
			return fmt.Sprintf("geotransform %v vs %v", x.GeoTransform, y.GeoTransform), nil
		}
	}
	n, maxDiff := 0, 0.0
	for bd := range x.Bands {
		for i, v := range x.Bands[bd] {
			w := y.Bands[bd][i]
			if v == w || (math.IsNaN(v) && math.IsNaN(w)) {
				continue
			}
			n++
			maxDiff = math.Max(maxDiff, math.Abs(v-w))
		}
	}
	if n > 0 {
		return fmt.Sprintf("%d pixels differ, by up to %g", n, maxDiff), nil
	}
	return "", nil
}
