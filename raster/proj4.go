package raster

/*
#cgo pkg-config: gdal
#include <stdlib.h>
#include "ogr_srs_api.h"
#include "cpl_conv.h"

// cdflowProj4 exports a CRS given as WKT to a PROJ.4 string in *out (to be
// freed with CPLFree); it returns 0 on success.
static int cdflowProj4(const char *wkt, char **out) {
	OGRSpatialReferenceH sr = OSRNewSpatialReference(NULL);
	*out = NULL;
	if (OSRSetFromUserInput(sr, wkt) != OGRERR_NONE) {
		OSRDestroySpatialReference(sr);
		return 1;
	}
	int rc = OSRExportToProj4(sr, out) != OGRERR_NONE;
	OSRDestroySpatialReference(sr);
	return rc;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// Proj4 is the CRS as a PROJ.4 string, as web maps (proj4js) take it. The
// string can lose what PROJ.4 cannot say (axis order, some datum shifts).
func (c CRS) Proj4() (string, error) {
	cwkt := C.CString(c.WKT)
	defer C.free(unsafe.Pointer(cwkt))
	var out *C.char
	rc := C.cdflowProj4(cwkt, &out)
	if out != nil {
		defer C.CPLFree(unsafe.Pointer(out))
	}
	if rc != 0 || out == nil {
		return "", fmt.Errorf("GDAL cannot express the CRS %s as a PROJ.4 string", c)
	}
	return strings.TrimSpace(C.GoString(out)), nil
}
