// Package difference is the step computing ΔH = H_after − H_before from two
// DSMs on the tile grid (3DCD: 1 m).
//
//	step "difference" "dh" {
//	  before     = source.dsm.t0
//	  after      = source.dsm.t1
//	  resolution = 1          # optional; default the coarser of the two DSMs
//	  method     = "bilinear" # optional; default bilinear, average when coarsening
//	}
//
// Besides ΔH it writes the two DSM windows it read, named after their
// sources (dsm_t0, dsm_t1), as 3DCD distributes them.
package difference

import "github.com/cdflow/cdflow/plugins"

func init() {
	plugins.Register("difference", func() plugins.Step { return New() })
}

// Config is the difference block's schema.
type Config struct {
	// Resolution of ΔH; nil means the coarser of the two DSMs.
	Resolution *float64 `hcl:"resolution,optional"`
	// Method brings each DSM onto the grid; "" means bilinear, or average
	// when the DSM is finer than the product (as xDEM does).
	Method string `hcl:"method,optional"`
}

// Step differences two DSMs.
type Step struct{ Cfg Config }

var _ plugins.Step = (*Step)(nil)

// New returns a difference step with the defaults.
func New() *Step { return &Step{} }

// Inputs: the DSMs of the two epochs.
func (s *Step) Inputs() []plugins.Input {
	dsm := []plugins.Kind{plugins.DSM}
	return []plugins.Input{
		{Name: "before", Kinds: dsm, Required: true, Doc: "the earlier DSM (H_t0)"},
		{Name: "after", Kinds: dsm, Required: true, Doc: "the later DSM (H_t1)"},
	}
}

// Config returns the configuration to decode into.
func (s *Step) Config() any { return &s.Cfg }

// Validate checks the resolution and the method.
func (s *Step) Validate() []plugins.Problem {
	var p []plugins.Problem
	if s.Cfg.Resolution != nil {
		p = append(p, plugins.CheckResolution("resolution", *s.Cfg.Resolution)...)
	}
	if s.Cfg.Method != "" {
		p = append(p, plugins.CheckMethod("method", s.Cfg.Method)...)
	}
	return p
}

// Resolution returns ΔH's pixel size given the two DSMs' (0 if unknown).
func (s *Step) Resolution(before, after float64) float64 {
	if s.Cfg.Resolution != nil {
		return *s.Cfg.Resolution
	}
	return plugins.Coarser(before, after)
}

// Outputs: ΔH (float32), then the two DSM windows on the same grid.
func (s *Step) Outputs(in map[string]plugins.Product) ([]plugins.Product, []plugins.Problem) {
	b, a := in["before"], in["after"]
	var problems []plugins.Problem
	switch {
	case b.Name != "" && b.Name == a.Name:
		problems = append(problems, plugins.Problemf("after", "Same DSM before and after",
			"ΔH of %s with itself is zero everywhere; set after to the later epoch's DSM.", a.Name))
	case b.Epoch == plugins.T1 && a.Epoch == plugins.T0:
		problems = append(problems, plugins.Problemf("before", "Epochs reversed",
			"before is %s, of the later epoch, and after %s, of the earlier: ΔH = H_t1 − H_t0 would change sign; swap them.", b.Name, a.Name))
	case b.Epoch != plugins.NoEpoch && b.Epoch == a.Epoch:
		problems = append(problems, plugins.Problemf("after", "Both DSMs of one epoch",
			"before (%s) and after (%s) are both epoch %s; ΔH compares the two epochs: set after to the other epoch's DSM.", b.Name, a.Name, a.Epoch))
	}
	res := s.Resolution(b.Resolution, a.Resolution)
	out := []plugins.Product{{Kind: plugins.ElevationDifference, Resolution: res, DataType: "float32", Bands: 1}}
	for _, d := range []plugins.Product{b, a} {
		// Windows of sources are written; a step's product already is.
		if d.FromSource && d.Name != "" && (len(out) == 1 || out[1].Name != d.Name) {
			out = append(out, plugins.Product{Name: d.Name, Kind: plugins.DSM, Resolution: res, DataType: "float32", Bands: 1, Epoch: d.Epoch})
		}
	}
	return out, problems
}
