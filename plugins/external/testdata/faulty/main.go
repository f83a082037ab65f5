// Command faulty is a cdflow step plugin that misbehaves on purpose, for
// the tests: mode "ok" copies its input, "crash" panics, "hang" never
// answers, "nothing" writes no file, "wrong_grid" writes one pixel short;
// on_tile limits the misbehaviour to one tile.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cdflow/cdflow/plugins/external/sdk"
	"github.com/cdflow/cdflow/raster"
)

func main() { sdk.Serve(faulty{}) }

type faulty struct{}

func (faulty) Describe() sdk.Description {
	d := sdk.Description{
		Inputs: []sdk.Input{{Name: "input", Kinds: []string{"dsm"}, Required: true}},
		Attributes: []sdk.Attribute{
			{Name: "mode", Type: "string", Default: "ok"},
			{Name: "on_tile", Type: "string"},
		},
	}
	if os.Getenv("FAULTY_DESCRIBE") == "bad_type" {
		d.Attributes = append(d.Attributes, sdk.Attribute{Name: "weights", Type: "map(number)"})
	}
	return d
}

func (faulty) Validate(map[string]any) []sdk.Problem { return nil }

func (faulty) Outputs(_ map[string]any, in map[string]sdk.Product) ([]sdk.Product, []sdk.Problem) {
	return []sdk.Product{{Kind: "raster", Resolution: in["input"].Resolution, DataType: "float32", Bands: 1}}, nil
}

func (faulty) RunTile(ctx context.Context, t *sdk.Tile) (map[string]int64, error) {
	mode, _ := t.Config["mode"].(string)
	if on, _ := t.Config["on_tile"].(string); on != "" && on != t.ID {
		mode = "ok"
	}
	switch mode {
	case "crash":
		fmt.Fprintf(os.Stderr, "faulty: giving up on tile %s\n", t.ID)
		panic("faulty plugin crashes on purpose")
	case "hang":
		time.Sleep(time.Hour)
	case "nothing":
		return nil, nil
	}
	img, err := raster.ReadFile[float32](ctx, t.Inputs["input"].Path)
	if err != nil {
		return nil, err
	}
	if mode == "wrong_grid" {
		g := img.Grid
		g.Width--
		short := raster.NewImage[float32](g, 1)
		for y := range g.Height {
			copy(short.Bands[0][y*g.Width:(y+1)*g.Width], img.Bands[0][y*img.Width:])
		}
		img = short
	}
	return nil, raster.WriteGeoTIFF(ctx, t.Outputs[0].Path, img)
}
