package raster

/*
#cgo pkg-config: gdal
#include <stdlib.h>
#include <string.h>
#include "gdal.h"
#include "ogr_srs_api.h"
#include "cpl_conv.h"

static void cdflowFree(void *p) { CPLFree(p); }

// cdflowHeightUnits gives how many metres one height unit of a CRS given
// as WKT is: the vertical CRS's unit when it has one, else the horizontal
// linear unit (LAS files in a feet CRS store heights in feet too). vertical
// says which; the unit's name goes to buf. It returns -1 when the WKT does
// not parse, 1 for a CRS without linear units (geographic).
static int cdflowHeightUnits(const char *wkt, double *metres, int *vertical, char *buf, int n) {
	OGRSpatialReferenceH sr = OSRNewSpatialReference(NULL);
	if (OSRSetFromUserInput(sr, wkt) != OGRERR_NONE) {
		OSRDestroySpatialReference(sr);
		return -1;
	}
	char *name = NULL;
	*vertical = 0;
	buf[0] = 0;
	int rc = 0;
	if (OSRIsVertical(sr) || OSRIsCompound(sr)) {
		*metres = OSRGetTargetLinearUnits(sr, "VERT_CS", &name);
		*vertical = 1;
	} else if (OSRIsProjected(sr)) {
		*metres = OSRGetLinearUnits(sr, &name);
	} else {
		rc = 1;
	}
	if (name != NULL) {
		strncpy(buf, name, n - 1);
		buf[n - 1] = 0;
	}
	OSRDestroySpatialReference(sr);
	return rc;
}

// cdflowUnitType copies band 1's unit type of a raster file into buf
// (empty when it has none); it returns 0, or -1 when the file does not open.
static int cdflowUnitType(const char *path, char *buf, int n) {
	GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
	if (ds == NULL) return -1;
	buf[0] = 0;
	if (GDALGetRasterCount(ds) > 0) {
		const char *u = GDALGetRasterUnitType(GDALGetRasterBand(ds, 1));
		if (u != NULL) {
			strncpy(buf, u, n - 1);
			buf[n - 1] = 0;
		}
	}
	GDALClose(ds);
	return 0;
}

// cdflowHorizontal exports the horizontal part of a CRS (itself when it is
// not compound) as WKT into *out, to be freed with CPLFree; -1 on failure.
static int cdflowHorizontal(const char *wkt, char **out) {
	OGRSpatialReferenceH sr = OSRNewSpatialReference(NULL);
	*out = NULL;
	if (OSRSetFromUserInput(sr, wkt) != OGRERR_NONE || OSRStripVertical(sr) != OGRERR_NONE ||
		OSRExportToWkt(sr, out) != OGRERR_NONE) {
		OSRDestroySpatialReference(sr);
		return -1;
	}
	OSRDestroySpatialReference(sr);
	return 0;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// BandUnit returns the unit of band 1's values ("m", "cm", "ft", … or ""
// when the file says none), which godal does not expose.
func BandUnit(path string) (string, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	buf := (*C.char)(C.malloc(256))
	defer C.free(unsafe.Pointer(buf))
	if C.cdflowUnitType(cpath, buf, 256) != 0 {
		return "", fmt.Errorf("read the unit of %s: GDAL cannot open it", path)
	}
	return C.GoString(buf), nil
}

// HeightUnits says how many metres one height unit of a CRS is: its
// vertical CRS's unit when it has one (vertical is then true), else its
// horizontal linear unit, as LAS files in a feet CRS store heights in feet.
// A CRS without linear units (geographic) is an error.
func HeightUnits(c CRS) (metres float64, unit string, vertical bool, err error) {
	cwkt := C.CString(c.WKT)
	defer C.free(unsafe.Pointer(cwkt))
	buf := (*C.char)(C.malloc(256))
	defer C.free(unsafe.Pointer(buf))
	var m C.double
	var v C.int
	switch C.cdflowHeightUnits(cwkt, &m, &v, buf, 256) {
	case -1:
		return 0, "", false, fmt.Errorf("GDAL cannot read the CRS %s", c)
	case 1:
		return 0, "", false, fmt.Errorf("the CRS %s has no linear unit (is it geographic?)", c)
	}
	if m <= 0 {
		return 0, "", false, fmt.Errorf("the CRS %s gives a unit of %g m", c, float64(m))
	}
	return float64(m), C.GoString(buf), v != 0, nil
}

// HorizontalCRS is the horizontal part of a compound CRS (a projected CRS
// with heights in a vertical datum), or the CRS itself: tiles and rasters
// are laid out in it.
func HorizontalCRS(c CRS) (CRS, error) {
	cwkt := C.CString(c.WKT)
	defer C.free(unsafe.Pointer(cwkt))
	var out *C.char
	if C.cdflowHorizontal(cwkt, &out) != 0 {
		return CRS{}, fmt.Errorf("GDAL cannot read the CRS %s", c)
	}
	defer C.cdflowFree(unsafe.Pointer(out))
	wkt := C.GoString(out)
	return CRS{WKT: wkt, EPSG: epsgOf(wkt)}, nil
}

// MetreFactor is how many metres one unit is, for the units GDAL files
// name; ok is false for a unit it does not know. An empty unit is taken as
// metres, as most DSMs say none.
func MetreFactor(unit string) (factor float64, ok bool) {
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "", "m", "metre", "metres", "meter", "meters":
		return 1, true
	case "dm", "decimetre", "decimetres", "decimeter", "decimeters":
		return 0.1, true
	case "cm", "centimetre", "centimetres", "centimeter", "centimeters":
		return 0.01, true
	case "mm", "millimetre", "millimetres", "millimeter", "millimeters":
		return 0.001, true
	case "ft", "foot", "feet", "international foot":
		return 0.3048, true
	case "us-ft", "us survey foot", "us survey feet", "ftus":
		return 1200.0 / 3937, true
	}
	return 0, false
}
