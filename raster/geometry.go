package raster

import (
	"fmt"

	"github.com/airbusgeo/godal"
)

// ExtentWKB returns the extent as a WKB polygon (counter-clockwise exterior
// ring, little-endian), encoded by GDAL/OGR, for GeoParquet geometry columns.
func ExtentWKB(e Extent) (wkb []byte, err error) {
	defer guard("encode WKB", e.String(), &err)
	wkt := fmt.Sprintf("POLYGON ((%s %s,%s %s,%s %s,%s %s,%s %s))",
		ff(e.MinX), ff(e.MinY), ff(e.MaxX), ff(e.MinY), ff(e.MaxX), ff(e.MaxY), ff(e.MinX), ff(e.MaxY), ff(e.MinX), ff(e.MinY))
	return PolygonWKB(wkt)
}

// PolygonWKB encodes a WKT geometry as WKB through GDAL/OGR.
func PolygonWKB(wkt string) (wkb []byte, err error) {
	defer guard("encode WKB", wkt, &err)
	var log gdalLog
	g, err := godal.NewGeometryFromWKT(wkt, nil, godal.ErrLogger(log.handler()))
	if err != nil {
		return nil, log.wrap("parse geometry", wkt, err)
	}
	defer g.Close()
	wkb, err = g.WKB(godal.ErrLogger(log.handler()))
	if err != nil {
		return nil, log.wrap("encode WKB", wkt, err)
	}
	return wkb, nil
}
