package external

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"time"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/plugins/external/steppb"
	"github.com/cdflow/cdflow/raster"
)

// step is one step block of an external plugin's kind.
type step struct {
	p   *process
	cfg reflect.Value // pointer to the configuration struct built from the description
}

var (
	_ plugins.Step      = (*step)(nil)
	_ plugins.HaloStep  = (*step)(nil)
	_ plugins.Counting  = (*step)(nil)
	_ plugins.Versioned = (*step)(nil)
)

// attrName is what a configuration attribute or input looks like.
var attrName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// attrTypes are the configuration types a plugin can declare, as Go types.
var attrTypes = map[string]reflect.Type{
	"string":       reflect.TypeFor[string](),
	"number":       reflect.TypeFor[float64](),
	"bool":         reflect.TypeFor[bool](),
	"list(string)": reflect.TypeFor[[]string](),
}

// checkDescription refuses a description cdflow could not use.
func checkDescription(d *steppb.Description) error {
	seen := map[string]bool{}
	for _, in := range d.Inputs {
		if !attrName.MatchString(in.Name) || seen[in.Name] {
			return fmt.Errorf("input %q: not an attribute name, or declared twice", in.Name)
		}
		seen[in.Name] = true
		if len(in.Kinds) == 0 {
			return fmt.Errorf("input %s accepts no kind", in.Name)
		}
		for _, k := range in.Kinds {
			if !slices.Contains(plugins.Kinds, plugins.Kind(k)) {
				return fmt.Errorf("input %s: unknown product kind %q", in.Name, k)
			}
		}
	}
	for _, a := range d.Attributes {
		if !attrName.MatchString(a.Name) || seen[a.Name] {
			return fmt.Errorf("attribute %q: not an attribute name, or declared twice (inputs included)", a.Name)
		}
		seen[a.Name] = true
		if attrTypes[a.Type] == nil {
			return fmt.Errorf("attribute %s: type %q; use string, number, bool or list(string)", a.Name, a.Type)
		}
	}
	return nil
}

func newStep(p *process) *step {
	fields := make([]reflect.StructField, len(p.desc.Attributes))
	for i, a := range p.desc.Attributes {
		tag := a.Name
		if !a.Required {
			tag += ",optional"
		}
		fields[i] = reflect.StructField{Name: fmt.Sprintf("A%d", i), Type: attrTypes[a.Type],
			Tag: reflect.StructTag(fmt.Sprintf(`hcl:%q json:%q`, tag, a.Name))}
	}
	cfg := reflect.New(reflect.StructOf(fields))
	for i, a := range p.desc.Attributes {
		if a.DefaultJson != "" {
			// A bad default leaves the zero value; Validate reports it.
			_ = json.Unmarshal([]byte(a.DefaultJson), cfg.Elem().Field(i).Addr().Interface())
		}
	}
	return &step{p: p, cfg: cfg}
}

func (s *step) Config() any { return s.cfg.Interface() }

func (s *step) Inputs() []plugins.Input {
	var out []plugins.Input
	for _, in := range s.p.desc.Inputs {
		i := plugins.Input{Name: in.Name, Required: in.Required, Doc: in.Doc}
		for _, k := range in.Kinds {
			i.Kinds = append(i.Kinds, plugins.Kind(k))
		}
		out = append(out, i)
	}
	return out
}

// Halo is the margin the plugin asked for, in pixels of its outputs.
func (s *step) Halo(res float64) float64 { return float64(s.p.desc.HaloPixels) * res }

func (s *step) Counters() []plugins.Counter {
	var out []plugins.Counter
	for _, c := range s.p.desc.Counters {
		out = append(out, plugins.Counter{Name: c.Name, Doc: c.Doc})
	}
	return out
}

// Version is the executable's checksum and the protocol: a rebuilt plugin
// redoes the tiles.
func (s *step) Version() string {
	return fmt.Sprintf("external %s sha256:%s protocol:%d", s.p.name, s.p.sum, ProtocolVersion)
}

func (s *step) configJSON() string {
	b, err := json.Marshal(s.cfg.Interface())
	if err != nil {
		return "{}"
	}
	return string(b)
}

// call runs an RPC with the plugin's timeout.
func (s *step) call(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.p.timeout)
	defer cancel()
	return f(ctx)
}

func (s *step) Validate() []plugins.Problem {
	var resp *steppb.ValidateResponse
	err := s.call(context.Background(), func(ctx context.Context) (err error) {
		resp, err = s.p.rpc.Validate(ctx, &steppb.ValidateRequest{ConfigJson: s.configJSON()})
		return err
	})
	if err != nil {
		return []plugins.Problem{plugins.Problemf("", "Plugin failed", "%v.", s.p.failure("validate", err))}
	}
	return problems(resp.Problems)
}

func (s *step) Outputs(in map[string]plugins.Product) ([]plugins.Product, []plugins.Problem) {
	req := &steppb.OutputsRequest{ConfigJson: s.configJSON(), Inputs: map[string]*steppb.Product{}}
	for name, p := range in {
		req.Inputs[name] = toPB(p)
	}
	var resp *steppb.OutputsResponse
	err := s.call(context.Background(), func(ctx context.Context) (err error) {
		resp, err = s.p.rpc.Outputs(ctx, req)
		return err
	})
	if err != nil {
		return nil, []plugins.Problem{plugins.Problemf("", "Plugin failed", "%v.", s.p.failure("outputs", err))}
	}
	var out []plugins.Product
	for i, p := range resp.Products {
		pr := fromPB(p)
		if i > 0 && !attrName.MatchString(pr.Name) {
			return nil, []plugins.Problem{plugins.Problemf("", "Plugin output without a name",
				"Plugin %s names its product %d %q; a product needs a file name of letters, digits and _.", s.p.name, i+1, pr.Name)}
		}
		if pr.DataType != "uint8" && pr.DataType != "float32" {
			return nil, []plugins.Problem{plugins.Problemf("", "Plugin output of an unknown type",
				"Plugin %s writes %q pixels; products are uint8 or float32.", s.p.name, pr.DataType)}
		}
		if !slices.Contains(plugins.Kinds, pr.Kind) || pr.Kind == plugins.Vector {
			return nil, []plugins.Problem{plugins.Problemf("", "Plugin output of an unknown kind",
				"Plugin %s writes products of kind %q; use raster unless it is one of cdflow's kinds.", s.p.name, pr.Kind)}
		}
		out = append(out, pr)
	}
	return out, problems(resp.Problems)
}

// RunTile hands the tile's inputs to the plugin as GeoTIFFs on the work
// grid and reads back its products, each on exactly the grid asked.
func (s *step) RunTile(ctx context.Context, t *plugins.Tile, in map[string]plugins.TileInput, out []plugins.Product) error {
	dir, err := os.MkdirTemp("", "cdflow-plugin-"+t.ID+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	req := &steppb.RunTileRequest{
		TileId: t.ID, ConfigJson: s.configJSON(),
		Extent: []float64{t.Extent.MinX, t.Extent.MinY, t.Extent.MaxX, t.Extent.MaxY},
		Work:   []float64{t.Work.MinX, t.Work.MinY, t.Work.MaxX, t.Work.MaxY},
		Inputs: map[string]*steppb.File{},
	}
	for name, ti := range in {
		f, err := writeInput(ctx, dir, name, ti)
		if err != nil {
			return fmt.Errorf("plugin %s: input %s: %w", s.p.name, name, err)
		}
		req.Inputs[name] = f
	}
	for _, o := range out {
		g := t.GridAt(o.Resolution)
		req.Outputs = append(req.Outputs, &steppb.File{Path: filepath.Join(dir, "out", o.Name+".tif"), Product: toPB(o), Grid: gridPB(g)})
	}
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		return err
	}
	var resp *steppb.RunTileResponse
	start := time.Now()
	err = s.call(ctx, func(ctx context.Context) (err error) {
		resp, err = s.p.rpc.RunTile(ctx, req)
		return err
	})
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err() // the run was stopped, not the plugin's fault
	case err != nil && errors.Is(err, context.DeadlineExceeded) || err != nil && time.Since(start) >= s.p.timeout:
		s.p.client.Kill() // a hung plugin must not outlive the run
		return fmt.Errorf("plugin %s (%s) took more than %s over tile %s and was stopped; raise timeout in its plugin block or fix the plugin", s.p.name, s.p.path, s.p.timeout, t.ID)
	case err != nil:
		return s.p.failure("tile "+t.ID, err)
	}
	for i, o := range out {
		if err := s.readOutput(ctx, t, o, req.Outputs[i]); err != nil {
			return err
		}
	}
	for name, n := range resp.Counts {
		t.Count(name, n)
	}
	return nil
}

// writeInput writes one input on the tile's work grid at its resolution.
func writeInput(ctx context.Context, dir, name string, ti plugins.TileInput) (*steppb.File, error) {
	p := ti.Product()
	path := filepath.Join(dir, name+".tif")
	f := &steppb.File{Path: path, Product: toPB(p)}
	if p.Kind == plugins.Orthophoto || p.Kind == plugins.ChangeMask || p.DataType == "uint8" {
		img, err := ti.Uint8(ctx, p.Resolution, "")
		if err != nil {
			return nil, err
		}
		f.Grid = gridPB(img.Grid)
		return f, raster.WriteGeoTIFF(ctx, path, img)
	}
	img, err := ti.Float32(ctx, p.Resolution, "")
	if err != nil {
		return nil, err
	}
	f.Grid = gridPB(img.Grid)
	return f, raster.WriteGeoTIFF(ctx, path, img)
}

// readOutput reads a product the plugin wrote and puts it in the tile.
func (s *step) readOutput(ctx context.Context, t *plugins.Tile, o plugins.Product, f *steppb.File) error {
	if _, err := os.Stat(f.Path); err != nil {
		return fmt.Errorf("plugin %s wrote no %s for tile %s (expected at %s)%s", s.p.name, o.Name, t.ID, f.Path, s.p.stderr.said())
	}
	want := t.GridAt(o.Resolution)
	tp := &plugins.TileProduct{Product: o}
	var got raster.Grid
	if o.DataType == "uint8" {
		img, err := raster.ReadFile[uint8](ctx, f.Path)
		if err != nil {
			return fmt.Errorf("plugin %s: tile %s: %s: %w", s.p.name, t.ID, o.Name, err)
		}
		tp.Uint8, got = img, img.Grid
	} else {
		img, err := raster.ReadFile[float32](ctx, f.Path)
		if err != nil {
			return fmt.Errorf("plugin %s: tile %s: %s: %w", s.p.name, t.ID, o.Name, err)
		}
		tp.Float32, got = img, img.Grid
	}
	if !sameGrid(got, want) {
		return fmt.Errorf("plugin %s wrote %s of tile %s on the wrong grid: %d × %d px, geotransform %v; want %d × %d px, geotransform %v",
			s.p.name, o.Name, t.ID, got.Width, got.Height, got.GeoTransform, want.Width, want.Height, want.GeoTransform)
	}
	// The tile's CRS is authoritative: the same grid, whatever WKT the plugin wrote.
	if tp.Float32 != nil {
		tp.Float32.CRS = want.CRS
	} else {
		tp.Uint8.CRS = want.CRS
	}
	return t.Put(ctx, tp)
}

func sameGrid(a, b raster.Grid) bool {
	if a.Width != b.Width || a.Height != b.Height {
		return false
	}
	for i := range a.GeoTransform {
		if math.Abs(a.GeoTransform[i]-b.GeoTransform[i]) > 1e-6 {
			return false
		}
	}
	return true
}

func gridPB(g raster.Grid) *steppb.Grid {
	gt := g.GeoTransform
	return &steppb.Grid{Geotransform: gt[:], Width: int32(g.Width), Height: int32(g.Height), CrsWkt: g.CRS.WKT}
}

func toPB(p plugins.Product) *steppb.Product {
	return &steppb.Product{Name: p.Name, Kind: string(p.Kind), Resolution: p.Resolution, DataType: p.DataType, Bands: int32(p.Bands), Epoch: p.Epoch.String()}
}

func fromPB(p *steppb.Product) plugins.Product {
	e, _ := plugins.ParseEpoch(p.Epoch)
	return plugins.Product{Name: p.Name, Kind: plugins.Kind(p.Kind), Resolution: p.Resolution, DataType: p.DataType, Bands: int(p.Bands), Epoch: e}
}

func problems(ps []*steppb.Problem) []plugins.Problem {
	var out []plugins.Problem
	for _, p := range ps {
		out = append(out, plugins.Problem{Attribute: p.Attribute, Summary: p.Summary, Detail: p.Detail, Warning: p.Warning})
	}
	return out
}
