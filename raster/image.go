package raster

import (
	"fmt"
	"math"

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

// Crop returns the part of a north-up image inside e, which must fall on
// its pixel edges. It copies only when e is smaller than the image.
func Crop[T Pixel](img *Image[T], e Extent) (*Image[T], error) {
	gt := img.GeoTransform
	if img.Rotated() {
		return nil, fmt.Errorf("crop: rotated grid")
	}
	fx := (e.MinX - gt[0]) / gt[1]
	fy := (e.MaxY - gt[3]) / gt[5]
	fw := e.Width() / gt[1]
	fh := e.Height() / -gt[5]
	x0, y0, w, h := int(math.Round(fx)), int(math.Round(fy)), int(math.Round(fw)), int(math.Round(fh))
	if math.Abs(fx-float64(x0)) > 1e-6 || math.Abs(fy-float64(y0)) > 1e-6 || math.Abs(fw-float64(w)) > 1e-6 || math.Abs(fh-float64(h)) > 1e-6 {
		return nil, fmt.Errorf("crop: %v is not on the pixel edges of the %gm grid at (%g, %g)", e, gt[1], gt[0], gt[3])
	}
	if x0 < 0 || y0 < 0 || x0+w > img.Width || y0+h > img.Height || w <= 0 || h <= 0 {
		return nil, fmt.Errorf("crop: %v is outside the image %v", e, img.Extent())
	}
	if x0 == 0 && y0 == 0 && w == img.Width && h == img.Height {
		return img, nil
	}
	out := &Image[T]{
		Grid:      Grid{CRS: img.CRS, GeoTransform: [6]float64{gt[0] + float64(x0)*gt[1], gt[1], 0, gt[3] + float64(y0)*gt[5], 0, gt[5]}, Width: w, Height: h},
		Bands:     make([][]T, len(img.Bands)),
		NoData:    img.NoData,
		HasNoData: img.HasNoData,
	}
	for b, src := range img.Bands {
		dst := make([]T, w*h)
		for y := 0; y < h; y++ {
			copy(dst[y*w:(y+1)*w], src[(y0+y)*img.Width+x0:(y0+y)*img.Width+x0+w])
		}
		out.Bands[b] = dst
	}
	return out, nil
}
