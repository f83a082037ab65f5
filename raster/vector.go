package raster

import (
	"fmt"

	"github.com/airbusgeo/godal"
)

// VectorInfo is what planning needs of a vector file.
type VectorInfo struct {
	Extent   Extent // of every feature of every layer
	CRS      CRS    // the first layer's with a CRS
	Features int
}

// InspectVector reads a vector file (GeoJSON, GeoPackage, …) through OGR:
// the bounding box of its features, their CRS and how many there are. A
// GeoJSON file without a "crs" member is WGS 84 longitude/latitude, as RFC
// 7946 says and OGR reads it.
func InspectVector(path string) (info VectorInfo, err error) {
	defer guard("read vector", path, &err)
	var log gdalLog
	ds, err := godal.Open(path, godal.VectorOnly(), godal.ErrLogger(log.handler()))
	if err != nil {
		return VectorInfo{}, log.wrap("open vector", path, err)
	}
	defer ds.Close()
	first := true
	for _, l := range ds.Layers() {
		n, err := l.FeatureCount(godal.ErrLogger(log.handler()))
		if err != nil {
			return VectorInfo{}, log.wrap("count features", path, err)
		}
		if n == 0 {
			continue
		}
		b, err := l.Bounds(godal.ErrLogger(log.handler()))
		if err != nil {
			return VectorInfo{}, log.wrap("bounds", path, err)
		}
		e := Extent{MinX: b[0], MinY: b[1], MaxX: b[2], MaxY: b[3]}
		if first {
			info.Extent, first = e, false
		} else {
			info.Extent = Extent{MinX: min(info.Extent.MinX, e.MinX), MinY: min(info.Extent.MinY, e.MinY),
				MaxX: max(info.Extent.MaxX, e.MaxX), MaxY: max(info.Extent.MaxY, e.MaxY)}
		}
		info.Features += n
		if sr := l.SpatialRef(); sr != nil && info.CRS.IsZero() {
			if wkt, err := sr.WKT(godal.ErrLogger(log.handler())); err == nil && wkt != "" {
				info.CRS = CRS{WKT: wkt, EPSG: epsgOf(wkt)}
			}
		}
	}
	if info.Features == 0 {
		return VectorInfo{}, fmt.Errorf("read vector %s: no feature", path)
	}
	return info, nil
}
