package raster

/*
#cgo pkg-config: gdal
#define _LARGEFILE64_SOURCE 1
#include <stdlib.h>
#include <sys/stat.h>
#include "cpl_vsi.h"

static int cdflowVSIStat(const char *path, long long *size, long long *mtime) {
	VSIStatBufL st;
	if (VSIStatExL(path, &st, VSI_STAT_EXISTS_FLAG | VSI_STAT_NATURE_FLAG | VSI_STAT_SIZE_FLAG) != 0) {
		return 1;
	}
	*size = (long long)st.st_size;
	*mtime = (long long)st.st_mtime;
	return 0;
}
*/
import "C"

import (
	"fmt"
	"os"
	"strings"
	"time"
	"unsafe"
)

// Stat gives a file's size and modification time, for local paths and for
// GDAL's virtual file systems (/vsicurl/ asks the server: Content-Length
// and Last-Modified), so a source over HTTP can key the run's cache.
func Stat(path string) (size int64, mtime time.Time, err error) {
	if !strings.HasPrefix(path, "/vsi") {
		st, err := os.Stat(path)
		if err != nil {
			return 0, time.Time{}, err
		}
		return st.Size(), st.ModTime(), nil
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var sz, mt C.longlong
	if C.cdflowVSIStat(cpath, &sz, &mt) != 0 {
		return 0, time.Time{}, fmt.Errorf("%s: GDAL cannot reach it (%w)", path, os.ErrNotExist)
	}
	return int64(sz), time.Unix(int64(mt), 0), nil
}
