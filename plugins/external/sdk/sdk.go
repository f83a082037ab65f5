// Package sdk serves a cdflow step from a Go program: implement Step and
// call Serve from main. cdflow starts the program for a workflow's plugin
// block, asks it to Describe itself, checks each step block with Validate
// and Outputs, and calls RunTile for every tile with the paths of its
// inputs (GeoTIFFs on the tile's work grid) and of the outputs to write.
// See docs/plugins.md and examples/plugins/slope.
//
// A program in another language speaks the same gRPC service
// (plugins/external/steppb/step.proto) after go-plugin's handshake.
package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/go-plugin"

	"github.com/cdflow/cdflow/internal/cgoheap"
	"github.com/cdflow/cdflow/plugins/external/steppb"
)

// Step is a step implemented outside cdflow.
type Step interface {
	// Describe says what the step takes: its inputs, configuration
	// attributes and counters.
	Describe() Description
	// Validate checks a step block's configuration (attribute → value:
	// string, float64, bool or []any of strings).
	Validate(config map[string]any) []Problem
	// Outputs returns the products a block writes given its inputs'
	// products: the first is its main product, named after the block by
	// cdflow; others need a Name.
	Outputs(config map[string]any, inputs map[string]Product) ([]Product, []Problem)
	// RunTile writes every output file of t on exactly its grid and
	// returns the tile's counts of the declared counters.
	RunTile(ctx context.Context, t *Tile) (counts map[string]int64, err error)
}

// Description is what Describe returns.
type Description struct {
	Doc        string
	Inputs     []Input
	Attributes []Attribute
	Counters   []Counter
	// HaloPixels is how far beyond the tile, in output pixels, the step
	// must see to compute the tile's pixels (1 for a 3 × 3 kernel).
	HaloPixels int
}

// Input is an attribute referencing another block's product.
type Input struct {
	Name     string
	Kinds    []string // orthophoto, dsm, elevation_difference, elevation_change, change_mask, raster
	Required bool
	Doc      string
}

// Attribute is a configuration attribute.
type Attribute struct {
	Name     string
	Type     string // "string", "number", "bool" or "list(string)"
	Required bool
	Default  any // nil for the type's zero value
	Doc      string
}

// Counter is a per-tile count: a column of tiles.parquet. "group.field"
// nests it in a struct column.
type Counter struct{ Name, Doc string }

// Problem is something wrong with a configuration, on an attribute.
type Problem struct {
	Attribute, Summary, Detail string
	Warning                    bool
}

// Product describes a per-tile raster.
type Product struct {
	Name       string
	Kind       string
	Resolution float64 // metres
	DataType   string  // "uint8" or "float32"
	Bands      int
	Epoch      string // "t0", "t1" or ""
}

// File is a raster of one tile: where it is, what it holds, its grid.
type File struct {
	Path         string
	Product      Product
	GeoTransform [6]float64 // GDAL's
	Width        int
	Height       int
	CRSWKT       string
}

// Tile is one RunTile call.
type Tile struct {
	ID string
	// Extent is the tile, Work the area the files cover (the tile and its
	// halo): minx, miny, maxx, maxy.
	Extent, Work [4]float64
	Config       map[string]any
	Inputs       map[string]File
	Outputs      []File
}

// Serve runs the step as a cdflow plugin until cdflow is done with it. Run
// by hand, the program says what it is and exits.
func Serve(s Step) {
	if os.Getenv(steppb.Handshake.MagicCookieKey) != steppb.Handshake.MagicCookieValue {
		fmt.Fprintln(os.Stderr, "This program is a cdflow plugin: declare it in a workflow's plugin block, e.g.\n  plugin \"name\" { source = \""+os.Args[0]+"\" }\nand run the workflow with cdflow.")
		os.Exit(1)
	}
	// A plugin that links godal as published starts again with
	// GODEBUG=invalidptr=0, as cdflow does (see internal/cgoheap).
	cgoheap.Reexec()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: steppb.Handshake,
		Plugins:         map[string]plugin.Plugin{steppb.PluginName: &steppb.GRPCPlugin{Impl: &server{s: s}}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}

// server adapts a Step to the gRPC service.
type server struct {
	steppb.UnimplementedStepServer
	s Step
}

func (v *server) Describe(context.Context, *steppb.DescribeRequest) (*steppb.Description, error) {
	d := v.s.Describe()
	out := &steppb.Description{ProtocolVersion: steppb.ProtocolVersion, Doc: d.Doc, HaloPixels: uint32(max(0, d.HaloPixels))}
	for _, in := range d.Inputs {
		out.Inputs = append(out.Inputs, &steppb.Input{Name: in.Name, Kinds: in.Kinds, Required: in.Required, Doc: in.Doc})
	}
	for _, a := range d.Attributes {
		def := ""
		if a.Default != nil {
			b, err := json.Marshal(a.Default)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: default: %w", a.Name, err)
			}
			def = string(b)
		}
		out.Attributes = append(out.Attributes, &steppb.Attribute{Name: a.Name, Type: a.Type, Required: a.Required, DefaultJson: def, Doc: a.Doc})
	}
	for _, c := range d.Counters {
		out.Counters = append(out.Counters, &steppb.Counter{Name: c.Name, Doc: c.Doc})
	}
	return out, nil
}

func config(js string) (map[string]any, error) {
	m := map[string]any{}
	if js == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return m, nil
}

func (v *server) Validate(_ context.Context, req *steppb.ValidateRequest) (*steppb.ValidateResponse, error) {
	cfg, err := config(req.ConfigJson)
	if err != nil {
		return nil, err
	}
	return &steppb.ValidateResponse{Problems: problemsPB(v.s.Validate(cfg))}, nil
}

func (v *server) Outputs(_ context.Context, req *steppb.OutputsRequest) (*steppb.OutputsResponse, error) {
	cfg, err := config(req.ConfigJson)
	if err != nil {
		return nil, err
	}
	in := map[string]Product{}
	for k, p := range req.Inputs {
		in[k] = product(p)
	}
	outs, probs := v.s.Outputs(cfg, in)
	resp := &steppb.OutputsResponse{Problems: problemsPB(probs)}
	for _, p := range outs {
		resp.Products = append(resp.Products, &steppb.Product{Name: p.Name, Kind: p.Kind, Resolution: p.Resolution, DataType: p.DataType, Bands: int32(p.Bands), Epoch: p.Epoch})
	}
	return resp, nil
}

func (v *server) RunTile(ctx context.Context, req *steppb.RunTileRequest) (*steppb.RunTileResponse, error) {
	cfg, err := config(req.ConfigJson)
	if err != nil {
		return nil, err
	}
	t := &Tile{ID: req.TileId, Config: cfg, Inputs: map[string]File{}}
	copy(t.Extent[:], req.Extent)
	copy(t.Work[:], req.Work)
	for k, f := range req.Inputs {
		t.Inputs[k] = file(f)
	}
	for _, f := range req.Outputs {
		t.Outputs = append(t.Outputs, file(f))
	}
	counts, err := v.s.RunTile(ctx, t)
	if err != nil {
		return nil, err
	}
	return &steppb.RunTileResponse{Counts: counts}, nil
}

func product(p *steppb.Product) Product {
	if p == nil {
		return Product{}
	}
	return Product{Name: p.Name, Kind: p.Kind, Resolution: p.Resolution, DataType: p.DataType, Bands: int(p.Bands), Epoch: p.Epoch}
}

func file(f *steppb.File) File {
	out := File{Path: f.Path, Product: product(f.Product)}
	if g := f.Grid; g != nil {
		copy(out.GeoTransform[:], g.Geotransform)
		out.Width, out.Height, out.CRSWKT = int(g.Width), int(g.Height), g.CrsWkt
	}
	return out
}

func problemsPB(ps []Problem) []*steppb.Problem {
	var out []*steppb.Problem
	for _, p := range ps {
		out = append(out, &steppb.Problem{Attribute: p.Attribute, Summary: p.Summary, Detail: p.Detail, Warning: p.Warning})
	}
	return out
}
