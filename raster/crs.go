package raster

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/airbusgeo/godal"
)

// CRS is a coordinate reference system as GDAL knows it.
type CRS struct {
	WKT  string // WKT2 as GDAL exports it; empty when the raster has no CRS
	EPSG int    // 0 when no EPSG code could be identified
}

// IsZero reports whether no CRS is set.
func (c CRS) IsZero() bool { return c.WKT == "" }

// String names the CRS the way users write it.
func (c CRS) String() string {
	switch {
	case c.EPSG != 0:
		return "EPSG:" + strconv.Itoa(c.EPSG)
	case c.WKT == "":
		return "(no CRS)"
	default:
		// The WKT's own name, e.g. a LAS file's "NAD_1983_HARN_Lambert_Conformal_Conic".
		if _, rest, ok := strings.Cut(c.WKT, "[\""); ok {
			if name, _, ok := strings.Cut(rest, "\""); ok && name != "" {
				return "custom CRS \"" + name + "\""
			}
		}
		return "(custom CRS)"
	}
}

// Same reports whether two CRSs are the same system, as GDAL's OSRIsSame decides.
func (c CRS) Same(o CRS) bool {
	if c.IsZero() || o.IsZero() {
		return c.IsZero() && o.IsZero()
	}
	if c.EPSG != 0 && o.EPSG != 0 {
		return c.EPSG == o.EPSG
	}
	if c.WKT == o.WKT {
		return true
	}
	var log gdalLog
	a, err := godal.NewSpatialRefFromWKT(c.WKT, godal.ErrLogger(log.handler()))
	if err != nil {
		return false
	}
	defer a.Close()
	b, err := godal.NewSpatialRefFromWKT(o.WKT, godal.ErrLogger(log.handler()))
	if err != nil {
		return false
	}
	defer b.Close()
	return a.IsSame(b)
}

// CRSFromEPSG returns the CRS of an EPSG code, from PROJ's database.
func CRSFromEPSG(code int) (crs CRS, err error) {
	defer guard("look up CRS", "EPSG:"+strconv.Itoa(code), &err)
	var log gdalLog
	sr, err := godal.NewSpatialRefFromEPSG(code, godal.ErrLogger(log.handler()))
	if err != nil {
		return CRS{}, log.wrap("look up CRS", "EPSG:"+strconv.Itoa(code), err)
	}
	defer sr.Close()
	wkt, err := sr.WKT(godal.ErrLogger(log.handler()))
	if err != nil {
		return CRS{}, log.wrap("export CRS", "EPSG:"+strconv.Itoa(code), err)
	}
	return CRS{WKT: wkt, EPSG: code}, nil
}

// CRSFromUser reads a CRS as users write it: "EPSG:25830", a WKT string,
// a PROJ string, or "EPSG:25830+5782" for a compound of horizontal and
// vertical systems (what GDAL's -a_srs takes).
func CRSFromUser(s string) (crs CRS, err error) {
	defer guard("read CRS", s, &err)
	var log gdalLog
	sr, err := godal.NewSpatialRef(s, godal.ErrLogger(log.handler()))
	if err != nil {
		return CRS{}, log.wrap("read CRS", s, err)
	}
	defer sr.Close()
	wkt, err := sr.WKT(godal.ErrLogger(log.handler()))
	if err != nil {
		return CRS{}, log.wrap("export CRS", s, err)
	}
	return CRS{WKT: wkt, EPSG: epsgOf(wkt)}, nil
}

// crsOf reads a dataset's CRS and identifies its EPSG code when it has one.
func crsOf(ds *godal.Dataset) CRS {
	wkt := ds.Projection()
	if wkt == "" {
		return CRS{}
	}
	return CRS{WKT: wkt, EPSG: epsgOf(wkt)}
}

func epsgOf(wkt string) int {
	var log gdalLog
	sr, err := godal.NewSpatialRefFromWKT(wkt, godal.ErrLogger(log.handler()))
	if err != nil {
		return 0
	}
	defer sr.Close()
	if name := sr.AuthorityName(""); name != "EPSG" {
		// Files written without an authority (e.g. from ESRI WKT) may still match one.
		if err := sr.AutoIdentifyEPSG(); err != nil {
			return 0
		}
	}
	if sr.AuthorityName("") != "EPSG" {
		return 0
	}
	code, err := strconv.Atoi(sr.AuthorityCode(""))
	if err != nil {
		return 0
	}
	return code
}

// TransformBounds reprojects an extent into the target CRS by densifying its
// edges (21 points a side), so curved edges in the target are enclosed.
func TransformBounds(e Extent, from, to CRS) (out Extent, err error) {
	defer guard("reproject bounds", from.String(), &err)
	var log gdalLog
	src, err := godal.NewSpatialRefFromWKT(from.WKT, godal.ErrLogger(log.handler()))
	if err != nil {
		return Extent{}, log.wrap("reproject bounds", from.String(), err)
	}
	defer src.Close()
	dst, err := godal.NewSpatialRefFromWKT(to.WKT, godal.ErrLogger(log.handler()))
	if err != nil {
		return Extent{}, log.wrap("reproject bounds", to.String(), err)
	}
	defer dst.Close()
	tr, err := godal.NewTransform(src, dst, godal.ErrLogger(log.handler()))
	if err != nil {
		return Extent{}, log.wrap("reproject bounds", from.String()+" to "+to.String(), err)
	}
	defer tr.Close()
	xs, ys := densify(e, 21)
	ok := make([]bool, len(xs))
	if err := tr.TransformEx(xs, ys, nil, ok); err != nil {
		return Extent{}, log.wrap("reproject bounds", from.String()+" to "+to.String(), err)
	}
	out = emptyExtent()
	for i := range xs {
		if ok[i] {
			out = out.expand(xs[i], ys[i])
		}
	}
	if out.Empty() {
		return Extent{}, fmt.Errorf("reproject bounds %v from %s to %s: no point could be transformed", e, from, to)
	}
	return out, nil
}

// TransformPoints reprojects points in place (x, y slices of equal length).
func TransformPoints(xs, ys []float64, from, to CRS) (err error) {
	defer guard("reproject points", from.String(), &err)
	var log gdalLog
	src, err := godal.NewSpatialRefFromWKT(from.WKT, godal.ErrLogger(log.handler()))
	if err != nil {
		return log.wrap("reproject points", from.String(), err)
	}
	defer src.Close()
	dst, err := godal.NewSpatialRefFromWKT(to.WKT, godal.ErrLogger(log.handler()))
	if err != nil {
		return log.wrap("reproject points", to.String(), err)
	}
	defer dst.Close()
	tr, err := godal.NewTransform(src, dst, godal.ErrLogger(log.handler()))
	if err != nil {
		return log.wrap("reproject points", from.String()+" to "+to.String(), err)
	}
	defer tr.Close()
	ok := make([]bool, len(xs))
	if err := tr.TransformEx(xs, ys, nil, ok); err != nil {
		return log.wrap("reproject points", from.String()+" to "+to.String(), err)
	}
	for i, good := range ok {
		if !good {
			return fmt.Errorf("reproject point (%g, %g) from %s to %s failed", xs[i], ys[i], from, to)
		}
	}
	return nil
}

func densify(e Extent, n int) (xs, ys []float64) {
	for i := 0; i < n; i++ {
		f := float64(i) / float64(n-1)
		x := e.MinX + f*(e.MaxX-e.MinX)
		y := e.MinY + f*(e.MaxY-e.MinY)
		xs = append(xs, x, x, e.MinX, e.MaxX)
		ys = append(ys, e.MinY, e.MaxY, y, y)
	}
	return xs, ys
}
