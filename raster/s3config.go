package raster

/*
#cgo pkg-config: gdal
#include <stdlib.h>
#include "cpl_conv.h"
*/
import "C"

import (
	"sort"
	"unsafe"
)

// ConfigureS3 sets GDAL configuration options for /vsis3/ (AWS_S3_ENDPOINT,
// AWS_HTTPS, …) process-wide; GDAL reads the same names from the
// environment, so this is only needed for what GDAL does not read itself
// (an endpoint given as AWS_ENDPOINT_URL). An empty value unsets the
// option: GDAL then reads the environment again.
func ConfigureS3(opts map[string]string) {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ck := C.CString(k)
		var cv *C.char
		if opts[k] != "" {
			cv = C.CString(opts[k])
		}
		C.CPLSetConfigOption(ck, cv)
		C.free(unsafe.Pointer(ck))
		if cv != nil {
			C.free(unsafe.Pointer(cv))
		}
	}
}
