package raster

import (
	"fmt"

	"github.com/airbusgeo/godal"
)

// Pixel is a Go type GDAL reads and writes directly.
type Pixel interface {
	~uint8 | ~int16 | ~uint16 | ~int32 | ~float32 | ~float64
}

// Image is a georeferenced raster in memory: one row-major slice per band.
type Image[T Pixel] struct {
	Grid
	Bands     [][]T
	NoData    float64
	HasNoData bool
}

// NewImage allocates a zeroed image on a grid.
func NewImage[T Pixel](g Grid, bands int) *Image[T] {
	img := &Image[T]{Grid: g, Bands: make([][]T, bands)}
	for i := range img.Bands {
		img.Bands[i] = make([]T, g.Width*g.Height)
	}
	return img
}

// At returns band b's value at column x, row y.
func (img *Image[T]) At(b, x, y int) T { return img.Bands[b][y*img.Width+x] }

// IsNoData reports whether v is the image's nodata value.
func (img *Image[T]) IsNoData(v T) bool {
	return img.HasNoData && float64(v) == img.NoData
}

// dataTypeOf maps a Go pixel type to GDAL's.
func dataTypeOf[T Pixel]() godal.DataType {
	var z T
	switch any(z).(type) {
	case uint8:
		return godal.Byte
	case int16:
		return godal.Int16
	case uint16:
		return godal.UInt16
	case int32:
		return godal.Int32
	case float32:
		return godal.Float32
	case float64:
		return godal.Float64
	}
	// Named types (~uint8 etc.) fall back to their size class.
	panic(fmt.Sprintf("raster: unsupported pixel type %T", z))
}

// DataTypeName is the name of T as Info.DataType spells it.
func DataTypeName[T Pixel]() string {
	var z T
	switch any(z).(type) {
	case uint8:
		return "uint8"
	case int16:
		return "int16"
	case uint16:
		return "uint16"
	case int32:
		return "int32"
	case float32:
		return "float32"
	case float64:
		return "float64"
	}
	return fmt.Sprintf("%T", z)
}
