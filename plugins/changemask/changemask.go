// Package changemask is the step deriving the 2D change map from the 3D one:
// 0 no change, 1 change, or with signed = true 1 construction (ΔH > 0) and
// 2 demolition (ΔH < 0), at the orthophotos' resolution (3DCD: 0.5 m).
//
//	step "change_mask" "cd2d" {
//	  input      = step.threshold.cd3d
//	  resolution = 0.5   # optional; default the input's
//	  signed     = false # optional
//	}
package changemask

import "github.com/cdflow/cdflow/plugins"

func init() {
	plugins.Register("change_mask", func() plugins.Step { return New() })
}

// Config is the change_mask block's schema.
type Config struct {
	Resolution *float64 `hcl:"resolution,optional"`
	Signed     bool     `hcl:"signed,optional"`
}

// Step makes a change mask.
type Step struct{ Cfg Config }

var _ plugins.Step = (*Step)(nil)

// New returns a change_mask step with the defaults.
func New() *Step { return &Step{} }

// Inputs: one elevation change map.
func (s *Step) Inputs() []plugins.Input {
	return []plugins.Input{{Name: "input", Kinds: []plugins.Kind{plugins.ElevationChange}, Required: true,
		Doc: "the 3D change map from a threshold step"}}
}

// Config returns the configuration to decode into.
func (s *Step) Config() any { return &s.Cfg }

// Validate checks the resolution.
func (s *Step) Validate() []plugins.Problem {
	if s.Cfg.Resolution != nil {
		return plugins.CheckResolution("resolution", *s.Cfg.Resolution)
	}
	return nil
}

var _ plugins.Labeler = (*Step)(nil)

// Classes returns the class values and their names.
func (s *Step) Classes() []plugins.Class {
	if s.Cfg.Signed {
		return []plugins.Class{{Value: 0, Name: "no change"}, {Value: 1, Name: "construction"}, {Value: 2, Name: "demolition"}}
	}
	return []plugins.Class{{Value: 0, Name: "no change"}, {Value: 1, Name: "change"}}
}

// Outputs: a uint8 class raster.
func (s *Step) Outputs(in map[string]plugins.Product) ([]plugins.Product, []plugins.Problem) {
	res := in["input"].Resolution
	if s.Cfg.Resolution != nil {
		res = *s.Cfg.Resolution
	}
	return []plugins.Product{{Kind: plugins.ChangeMask, Resolution: res, DataType: "uint8", Bands: 1}}, nil
}
