// Package preview renders the PNG quicklooks of a tile that STAC browsers
// show: the later orthophoto, and ΔH in a diverging colour map.
package preview

import (
	"math"

	"github.com/cdflow/cdflow/plugins/raster"
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
