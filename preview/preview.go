// Package preview renders the PNG quicklooks of a tile that STAC browsers
// show: the later orthophoto (or, without orthophotos, the later DSM in
// grey), and ΔH in a diverging colour map.
package preview

import (
	"math"

	"github.com/cdflow/cdflow/raster"
)

// DeltaHLimit is where the ΔH colour map saturates, in metres.
const DeltaHLimit = 20.0

// The diverging ramp of the ΔH preview, from −DeltaHLimit (loss, dark blue)
// through 0 (white) to +DeltaHLimit (gain, dark red): ColorBrewer's RdBu
// anchors, evenly spaced.
var ramp = [5][3]float64{
	{5, 113, 176},   // −20 m and below
	{146, 197, 222}, // −10 m
	{247, 247, 247}, // 0
	{244, 165, 130}, // +10 m
	{202, 0, 32},    // +20 m and above
}

// DeltaHColor returns the preview colour of a ΔH value.
func DeltaHColor(v float32) (r, g, b uint8) {
	t := (float64(v)/DeltaHLimit + 1) / 2 * float64(len(ramp)-1)
	t = math.Max(0, math.Min(float64(len(ramp)-1), t))
	i := min(int(t), len(ramp)-2)
	f := t - float64(i)
	c := func(k int) uint8 { return uint8(math.Round(ramp[i][k] + f*(ramp[i+1][k]-ramp[i][k]))) }
	return c(0), c(1), c(2)
}

// DeltaH renders ΔH as RGBA: the diverging ramp, nodata transparent.
func DeltaH(img *raster.Image[float32]) *raster.Image[uint8] {
	out := raster.NewImage[uint8](raster.Grid{Width: img.Width, Height: img.Height}, 4)
	nd := img.HasNoData
	for i, v := range img.Bands[0] {
		if (nd && float64(v) == img.NoData) || v != v {
			continue // transparent
		}
		out.Bands[0][i], out.Bands[1][i], out.Bands[2][i] = DeltaHColor(v)
		out.Bands[3][i] = 255
	}
	return out
}

// Thumbnail returns an RGB quicklook no wider than maxSide pixels, by
// averaging whole blocks of pixels.
func Thumbnail(img *raster.Image[uint8], maxSide int) *raster.Image[uint8] {
	f := 1
	for img.Width/f > maxSide || img.Height/f > maxSide {
		f++
	}
	w, h := img.Width/f, img.Height/f
	bands := min(len(img.Bands), 3)
	out := raster.NewImage[uint8](raster.Grid{Width: w, Height: h}, bands)
	for b := 0; b < bands; b++ {
		src, dst := img.Bands[b], out.Bands[b]
		if f == 2 {
			// A tile's 400-pixel orthophoto: blocks of 2 × 2 summed from
			// two rows, and the rounding division by 4 a shift (s ≥ 0).
			for y := 0; y < h; y++ {
				r0 := src[2*y*img.Width:][:2*w]
				r1 := src[(2*y+1)*img.Width:][:2*w]
				d := dst[y*w:][:w]
				for x := range d {
					s := int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1])
					d[x] = uint8((s + 2) >> 2)
				}
			}
			continue
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				s := 0
				for dy := 0; dy < f; dy++ {
					row := (y*f + dy) * img.Width
					for dx := 0; dx < f; dx++ {
						s += int(src[row+x*f+dx])
					}
				}
				dst[y*w+x] = uint8((s + f*f/2) / (f * f))
			}
		}
	}
	return out
}

// Elevation renders a DSM as an RGBA grey quicklook no wider than maxSide
// pixels: blocks of valid pixels averaged, then stretched from the lowest
// (black) to the highest (white) elevation of the image; nodata and blocks
// without a valid pixel are transparent. It stands in for the orthophoto
// thumbnail of DSM-only datasets, without hillshading, so the grey reads
// as height.
func Elevation(img *raster.Image[float32], maxSide int) *raster.Image[uint8] {
	f := 1
	for img.Width/f > maxSide || img.Height/f > maxSide {
		f++
	}
	w, h := img.Width/f, img.Height/f
	mean := make([]float64, w*h)
	valid := make([]bool, w*h)
	lo, hi := math.Inf(1), math.Inf(-1)
	src := img.Bands[0]
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float64
			n := 0
			for dy := 0; dy < f; dy++ {
				row := (y*f + dy) * img.Width
				for dx := 0; dx < f; dx++ {
					v := float64(src[row+x*f+dx])
					if (img.HasNoData && v == img.NoData) || math.IsNaN(v) || math.IsInf(v, 0) {
						continue
					}
					s += v
					n++
				}
			}
			if n == 0 {
				continue
			}
			i := y*w + x
			mean[i], valid[i] = s/float64(n), true
			lo, hi = math.Min(lo, mean[i]), math.Max(hi, mean[i])
		}
	}
	out := raster.NewImage[uint8](raster.Grid{Width: w, Height: h}, 4)
	for i, ok := range valid {
		if !ok {
			continue // transparent
		}
		g := uint8(128) // a flat tile: mid grey rather than a division by zero
		if hi > lo {
			g = uint8(math.Round(255 * (mean[i] - lo) / (hi - lo)))
		}
		out.Bands[0][i], out.Bands[1][i], out.Bands[2][i], out.Bands[3][i] = g, g, g, 255
	}
	return out
}
