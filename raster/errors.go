package raster

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/airbusgeo/godal"
)

// ErrNotRaster is returned (wrapped) when a path exists but GDAL cannot read it as a raster.
var ErrNotRaster = errors.New("not a readable raster")

// ErrNotNorthUp is returned for a raster whose pixels are not north-up
// squares on the CRS axes (a rotated or sheared geotransform).
var ErrNotNorthUp = errors.New("not a north-up raster")

// gdalLog collects GDAL's messages for one operation. GDAL failures become the
// operation's error; warnings are kept and only shown when the operation fails,
// so a harmless warning never aborts a read.
type gdalLog struct {
	mu       sync.Mutex
	warnings []string
}

func (l *gdalLog) handler() godal.ErrorHandler {
	return func(ec godal.ErrorCategory, code int, msg string) error {
		msg = strings.TrimSpace(msg)
		if ec >= godal.CE_Failure {
			return errors.New(msg)
		}
		if ec == godal.CE_Warning {
			l.mu.Lock()
			l.warnings = append(l.warnings, msg)
			l.mu.Unlock()
		}
		return nil
	}
}

// wrap turns a GDAL error into one naming the operation and the file.
func (l *gdalLog) wrap(op, path string, err error) error {
	if err == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	msg := err.Error()
	if len(l.warnings) > 0 {
		msg += " (GDAL warnings: " + strings.Join(l.warnings, "; ") + ")"
	}
	return &OpError{Op: op, Path: path, Err: errors.New(msg)}
}

// OpError is a GDAL failure with the operation and file it concerns.
type OpError struct {
	Op   string // e.g. "open", "read window", "write COG"
	Path string
	Err  error
}

func (e *OpError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Op, e.Path, e.Err)
}

func (e *OpError) Unwrap() error { return e.Err }

// guard turns a panic inside a GDAL call into an error so nothing panics across cgo.
func guard(op, path string, err *error) {
	if r := recover(); r != nil {
		*err = &OpError{Op: op, Path: path, Err: fmt.Errorf("internal error: %v", r)}
	}
}
