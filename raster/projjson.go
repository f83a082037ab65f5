package raster

/*
#cgo pkg-config: gdal
#include <stdlib.h>
#include "ogr_srs_api.h"
#include "cpl_conv.h"

// cdflowPROJJSON exports a WKT CRS as PROJJSON; the caller frees the result with CPLFree.
static char *cdflowPROJJSON(const char *wkt) {
	OGRSpatialReferenceH sr = OSRNewSpatialReference(NULL);
	if (sr == NULL) return NULL;
	char *out = NULL;
	if (OSRSetFromUserInput(sr, wkt) == OGRERR_NONE) {
		const char *opts[] = {"MULTILINE=NO", NULL};
		if (OSRExportToPROJJSON(sr, &out, opts) != OGRERR_NONE) out = NULL;
	}
	OSRDestroySpatialReference(sr);
	return out;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// PROJJSON returns the CRS as PROJJSON (what GeoParquet's "crs" and STAC's
// proj:projjson hold), exported by GDAL/PROJ. godal has no binding for it.
func (c CRS) PROJJSON() (string, error) {
	if c.IsZero() {
		return "", fmt.Errorf("export PROJJSON: no CRS")
	}
	cwkt := C.CString(c.WKT)
	defer C.free(unsafe.Pointer(cwkt))
	out := C.cdflowPROJJSON(cwkt)
	if out == nil {
		return "", fmt.Errorf("export PROJJSON of %s: GDAL could not export it", c)
	}
	defer C.CPLFree(unsafe.Pointer(out))
	return C.GoString(out), nil
}
