// Package resample is the step that brings an orthophoto or a DSM onto the
// tile grid at a chosen pixel size with a GDAL resampling method (3DCD:
// orthophotos from 0.25 m to 0.5 m with "average").
//
//	step "resample" "t0" {
//	  input      = source.orthophoto.t0
//	  resolution = 0.5       # metres per pixel
//	  method     = "average" # any gdalwarp -r name; default "average"
//	}
package resample

import "github.com/cdflow/cdflow/plugins"

func init() {
	plugins.Register("resample", func() plugins.Step { return New() })
}

// Config is the resample block's schema.
type Config struct {
	Resolution float64 `hcl:"resolution"`
	Method     string  `hcl:"method,optional"`
}

// Step resamples one product.
type Step struct{ Cfg Config }

var _ plugins.Step = (*Step)(nil)

// New returns a resample step with the defaults.
func New() *Step { return &Step{Cfg: Config{Method: "average"}} }

// Inputs: one orthophoto or DSM.
func (s *Step) Inputs() []plugins.Input {
	return []plugins.Input{{Name: "input", Kinds: []plugins.Kind{plugins.Orthophoto, plugins.DSM}, Required: true,
		Doc: "the orthophoto or DSM to resample"}}
}

// Config returns the configuration to decode into.
func (s *Step) Config() any { return &s.Cfg }

// Validate checks the resolution and the method.
func (s *Step) Validate() []plugins.Problem {
	p := plugins.CheckResolution("resolution", s.Cfg.Resolution)
	return append(p, plugins.CheckMethod("method", s.Cfg.Method)...)
}

// Outputs: the input's kind, data type and bands at the configured resolution.
func (s *Step) Outputs(in map[string]plugins.Product) ([]plugins.Product, []plugins.Problem) {
	src := in["input"]
	return []plugins.Product{{Kind: src.Kind, Resolution: s.Cfg.Resolution, DataType: src.DataType, Bands: src.Bands}}, nil
}
