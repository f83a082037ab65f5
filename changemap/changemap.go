// Package changemap holds the pixel kernels of the 3DCD method: elevation
// difference, threshold, and the automated noise removal that replaces the
// paper's manual control step (small regions, morphological opening,
// vegetation, review polygons), and the derivation of the 2D change map.
//
// Kernels are pure Go on row-major slices: no GDAL, no allocation beyond
// their outputs, so a tile's processing is a handful of passes over memory.
package changemap

import (
	"math"
)

// NoData is the nodata value of every elevation product cdflow writes.
const NoData float32 = -9999

// Difference computes dh = after − before in float32 (exactly as a float32
// subtraction of the two DSM rasters), with NoData where either input is
// nodata or not finite.
func Difference(dh, before, after []float32, ndBefore, ndAfter Nodata) {
	for i := range dh {
		b, a := before[i], after[i]
		if ndBefore.Is(b) || ndAfter.Is(a) {
			dh[i] = NoData
			continue
		}
		dh[i] = a - b
	}
}

// Nodata says which value of a raster means "no data".
type Nodata struct {
	Value float32
	Set   bool
}

// Is reports whether v is nodata (or NaN/Inf, which are never valid elevations).
func (n Nodata) Is(v float32) bool {
	if n.Set && v == n.Value {
		return true
	}
	// NaN and ±Inf are the float32s whose exponent bits are all set.
	return math.Float32bits(v)&0x7f800000 == 0x7f800000
}

// Threshold sets |dh| < minAbs to 0 (the 3DCD rule), keeping NoData.
func Threshold(out, dh []float32, minAbs float32) {
	for i, v := range dh {
		switch {
		case v == NoData:
			out[i] = NoData
		case v < minAbs && v > -minAbs:
			out[i] = 0
		default:
			out[i] = v
		}
	}
}

// IsChange says whether a 3D change map value is a change: neither 0 nor
// nodata.
func IsChange(v float32) bool { return v != 0 && v != NoData }

// Changed is the binary change mask of a thresholded ΔH: 1 where it is
// neither 0 nor NoData.
func Changed(mask []uint8, cd []float32) {
	for i, v := range cd {
		if IsChange(v) {
			mask[i] = 1
		} else {
			mask[i] = 0
		}
	}
}
