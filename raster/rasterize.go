package raster

import (
	"context"

	"github.com/airbusgeo/godal"
)

// Rasterize burns the polygons of a vector file (GeoJSON or any OGR format)
// onto a grid as 1 on 0, with GDAL's rasterizer (pixel centres inside a
// polygon are burnt, as gdal_rasterize does). where is an OGR SQL filter on
// the features ("action = 'keep'"); empty burns all.
func Rasterize(ctx context.Context, path string, g Grid, where string) (img *Image[uint8], err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer guard("rasterize", path, &err)
	var log gdalLog
	vds, err := godal.Open(path, godal.VectorOnly(), godal.ErrLogger(log.handler()))
	if err != nil {
		return nil, log.wrap("open vector", path, err)
	}
	defer vds.Close(godal.ErrLogger(log.handler()))
	e := g.Extent()
	rx, ry := g.Res()
	sw := []string{
		"-of", "MEM", "-ot", "Byte", "-burn", "1", "-init", "0",
		"-te", ff(e.MinX), ff(e.MinY), ff(e.MaxX), ff(e.MaxY),
		"-tr", ff(rx), ff(ry),
	}
	if g.CRS.WKT != "" {
		sw = append(sw, "-a_srs", g.CRS.WKT)
	}
	if where != "" {
		sw = append(sw, "-where", where)
	}
	out, err := vds.Rasterize("", sw, godal.ErrLogger(log.handler()))
	if err != nil {
		return nil, log.wrap("rasterize", path, err)
	}
	defer out.Close(godal.ErrLogger(log.handler()))
	img, err = readAll[uint8](out, path, "rasterize", &log)
	if err != nil {
		return nil, err
	}
	img.CRS = g.CRS
	return img, nil
}
