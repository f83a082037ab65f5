package raster

/*
#cgo pkg-config: gdal
#include <stdlib.h>
#include <string.h>
#include "gdal.h"

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
