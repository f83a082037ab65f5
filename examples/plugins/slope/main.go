// Command cdflow-slope is an external cdflow step: the slope of a DSM in
// degrees (or percent), computed as gdaldem slope does (Horn's 3 × 3
// kernel), per tile. Build it and declare it in a workflow:
//
//	go build -o bin/cdflow-slope ./examples/plugins/slope
//
//	plugin "slope" { source = "../bin/cdflow-slope" }
//	step "slope" "slope_t1" {
//	  input       = source.dsm.t1
//	  units       = "degrees" # or "percent"
//	  steep_above = 60        # degrees: such pixels are counted per tile
//	}
//
// Slope maps show walls and roof pitches: a check of the DSMs' sharpness
// and a feature for building detection. The step asks cdflow for a one-pixel
// halo, so tiles join without seams. It uses cdflow's GDAL layer to read
// and write GeoTIFFs; a plugin in another language would use GDAL too.
package main

import (
	"context"
	"fmt"
	"math"

	"github.com/cdflow/cdflow/plugins/external/sdk"
	"github.com/cdflow/cdflow/raster"
)

func main() { sdk.Serve(slope{}) }

type slope struct{}

// nodata marks pixels without a slope: at the grid's edge or next to a DSM void.
const nodata = -9999

func (slope) Describe() sdk.Description {
	return sdk.Description{
		Doc:        "Slope of a DSM by Horn's method, as gdaldem slope computes it.",
		HaloPixels: 1,
		Inputs:     []sdk.Input{{Name: "input", Kinds: []string{"dsm"}, Required: true, Doc: "the DSM"}},
		Attributes: []sdk.Attribute{
			{Name: "units", Type: "string", Default: "degrees", Doc: `"degrees" or "percent" (100 × rise / run)`},
			{Name: "scale", Type: "number", Default: 1.0, Doc: "horizontal units per vertical unit (gdaldem's -s)"},
			{Name: "steep_above", Type: "number", Default: 60.0, Doc: "slope in degrees above which a pixel counts as steep"},
		},
		Counters: []sdk.Counter{{Name: "steep_pixels", Doc: "Pixels of the tile steeper than steep_above (walls, cliffs)."}},
	}
}

func (slope) Validate(cfg map[string]any) []sdk.Problem {
	var p []sdk.Problem
	if u, _ := cfg["units"].(string); u != "degrees" && u != "percent" {
		p = append(p, sdk.Problem{Attribute: "units", Summary: "Unknown units", Detail: fmt.Sprintf("%q is not a unit of slope; use \"degrees\" or \"percent\".", u)})
	}
	if s, _ := cfg["scale"].(float64); !(s > 0) {
		p = append(p, sdk.Problem{Attribute: "scale", Summary: "Invalid scale", Detail: "scale must be a positive number, e.g. scale = 1."})
	}
	return p
}

func (slope) Outputs(_ map[string]any, in map[string]sdk.Product) ([]sdk.Product, []sdk.Problem) {
	dsm := in["input"]
	return []sdk.Product{{Kind: "raster", Resolution: dsm.Resolution, DataType: "float32", Bands: 1, Epoch: dsm.Epoch}}, nil
}

func (slope) RunTile(ctx context.Context, t *sdk.Tile) (map[string]int64, error) {
	dsm, err := raster.ReadFile[float32](ctx, t.Inputs["input"].Path)
	if err != nil {
		return nil, err
	}
	out := t.Outputs[0]
	if dsm.Width != out.Width || dsm.Height != out.Height || dsm.GeoTransform != out.GeoTransform {
		return nil, fmt.Errorf("the DSM's grid (%d × %d) is not the output's (%d × %d)", dsm.Width, dsm.Height, out.Width, out.Height)
	}
	units, _ := t.Config["units"].(string)
	scale, _ := t.Config["scale"].(float64)
	steep, _ := t.Config["steep_above"].(float64)
	img := raster.NewImage[float32](dsm.Grid, 1)
	img.NoData, img.HasNoData = nodata, true
	horn(img.Bands[0], dsm, units == "percent", scale)

	// Count steep pixels of the tile itself, not of its halo.
	var n int64
	gt := dsm.GeoTransform
	x0 := int(math.Round((t.Extent[0] - gt[0]) / gt[1]))
	y0 := int(math.Round((gt[3] - t.Extent[3]) / -gt[5]))
	w := int(math.Round((t.Extent[2] - t.Extent[0]) / gt[1]))
	h := int(math.Round((t.Extent[3] - t.Extent[1]) / -gt[5]))
	limit := steep
	if units == "percent" {
		limit = 100 * math.Tan(steep*math.Pi/180)
	}
	for y := max(0, y0); y < min(dsm.Height, y0+h); y++ {
		for x := max(0, x0); x < min(dsm.Width, x0+w); x++ {
			if v := img.Bands[0][y*dsm.Width+x]; v != nodata && float64(v) > limit {
				n++
			}
		}
	}
	if err := raster.WriteGeoTIFF(ctx, out.Path, img); err != nil {
		return nil, err
	}
	return map[string]int64{"steep_pixels": n}, nil
}

// horn writes the slope of every pixel with eight valid neighbours: Horn's
// weighted differences, dz/dx = ((c + 2f + i) − (a + 2d + g)) / (8 ewres) and
// dz/dy = ((g + 2h + i) − (a + 2b + c)) / (8 nsres) over the window
// a b c / d e f / g h i. The window is summed in float32, in gdaldem's order,
// as gdaldem does: the same pixels give the same slope, to the last bit.
func horn(dst []float32, dsm *raster.Image[float32], percent bool, scale float64) {
	w, h := dsm.Width, dsm.Height
	src := dsm.Bands[0]
	ewres, nsres := dsm.GeoTransform[1], -dsm.GeoTransform[5]
	valid := func(v float32) bool {
		return !math.IsNaN(float64(v)) && !(dsm.HasNoData && float64(v) == dsm.NoData)
	}
	for i := range dst {
		dst[i] = nodata
	}
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			var win [9]float32
			ok := true
			for k := range 9 {
				v := src[(y+k/3-1)*w+x+k%3-1]
				if !valid(v) {
					ok = false
					break
				}
				win[k] = v
			}
			if !ok {
				continue
			}
			dx := float64((win[0]+win[3]+win[3]+win[6])-(win[2]+win[5]+win[5]+win[8])) / ewres
			dy := float64((win[6]+win[7]+win[7]+win[8])-(win[0]+win[1]+win[1]+win[2])) / nsres
			rise := math.Sqrt(dx*dx+dy*dy) / (8 * scale)
			if percent {
				dst[y*w+x] = float32(100 * rise)
			} else {
				dst[y*w+x] = float32(math.Atan(rise) * 180 / math.Pi)
			}
		}
	}
}
