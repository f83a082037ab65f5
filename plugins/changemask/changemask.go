// Package changemask is the step deriving the 2D change map from the 3D one:
// 0 no change, 1 change, or with signed = true 1 construction (ΔH > 0) and
// 2 demolition (ΔH < 0), at the orthophotos' resolution (3DCD: 0.5 m).
//
//	step "change_mask" "cd2d" {
//	  input      = step.threshold.cd3d
//	  resolution = 0.5   # optional; default the input's
//	  signed     = false # optional
//
//	  # Draw each changed building where the orthophotos show it (optional):
//	  # roofs lean away from each photo's nadir by their height times a
//	  # lean estimated per tile and epoch from the DSMs and orthophotos.
//	  align    = "orthophoto" # default "dsm": on the DSM's footprint
//	  dsm_t0   = source.dsm.t0
//	  dsm_t1   = source.dsm.t1
//	  ortho_t0 = step.resample.t0
//	  ortho_t1 = step.resample.t1
//	  # and move the map's edges onto the orthophoto's: each pixel on an
//	  # edge takes the side whose colour within refine_radius pixels its
//	  # own is closer to (0: off)
//	  refine_radius = 3
//	}
package changemask

import (
	"fmt"
	"math"
	"strings"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/plugins"
)

func init() {
	plugins.Register("change_mask", func() plugins.Step { return New() })
}

// Config is the change_mask block's schema.
type Config struct {
	Resolution   *float64 `hcl:"resolution,optional"`
	Signed       bool     `hcl:"signed,optional"`
	Align        string   `hcl:"align,optional"`
	RefineRadius int      `hcl:"refine_radius,optional"`
}

// Alignments of the 2D map.
const (
	AlignDSM        = "dsm"
	AlignOrthophoto = "orthophoto"
)

// aligned says whether the map follows the orthophotos' lean.
func (s *Step) aligned() bool { return s.Cfg.Align == AlignOrthophoto }

// Step makes a change mask.
type Step struct{ Cfg Config }

var _ plugins.Step = (*Step)(nil)

// New returns a change_mask step with the defaults.
func New() *Step { return &Step{} }

// Inputs: one elevation change map.
func (s *Step) Inputs() []plugins.Input {
	dsm, ortho := []plugins.Kind{plugins.DSM}, []plugins.Kind{plugins.Orthophoto}
	return []plugins.Input{
		{Name: "input", Kinds: []plugins.Kind{plugins.ElevationChange}, Required: true, Doc: "the 3D change map from a threshold step"},
		{Name: "dsm_t0", Kinds: dsm, Doc: "the earlier DSM, for align = \"orthophoto\""},
		{Name: "dsm_t1", Kinds: dsm, Doc: "the later DSM, for align = \"orthophoto\""},
		{Name: "ortho_t0", Kinds: ortho, Doc: "the earlier orthophoto, for align = \"orthophoto\""},
		{Name: "ortho_t1", Kinds: ortho, Doc: "the later orthophoto, for align = \"orthophoto\""},
	}
}

// Config returns the configuration to decode into.
func (s *Step) Config() any { return &s.Cfg }

// Validate checks the resolution and the alignment.
func (s *Step) Validate() []plugins.Problem {
	var p []plugins.Problem
	if s.Cfg.Resolution != nil {
		p = append(p, plugins.CheckResolution("resolution", *s.Cfg.Resolution)...)
	}
	if s.Cfg.RefineRadius < 0 {
		p = append(p, plugins.Problemf("refine_radius", "Negative radius",
			"refine_radius is a radius in pixels, 0 (off) or more, got %d; e.g. refine_radius = 3.", s.Cfg.RefineRadius))
	}
	if s.Cfg.RefineRadius > 0 && !s.aligned() {
		p = append(p, plugins.Problemf("refine_radius", "Refinement without alignment",
			"refine_radius moves the edges of a map aligned with the orthophotos; set align = \"orthophoto\" with its inputs, or remove refine_radius."))
	}
	switch s.Cfg.Align {
	case "", AlignDSM, AlignOrthophoto:
	default:
		detail := fmt.Sprintf("%q is not an alignment; use \"dsm\" (the DSM's footprint) or \"orthophoto\" (where the orthophotos show each building).", s.Cfg.Align)
		if sug := plugins.Suggest(s.Cfg.Align, []string{AlignDSM, AlignOrthophoto}); sug != "" {
			detail = fmt.Sprintf("%q is not an alignment; did you mean %q?", s.Cfg.Align, sug)
		}
		p = append(p, plugins.Problem{Attribute: "align", Summary: "Unknown alignment", Detail: detail})
	}
	return p
}

// Halo is how far a roof may lean into the tile from a neighbour's: the
// largest lean times a 45 m building.
func (s *Step) Halo(res float64) float64 {
	if !s.aligned() {
		return 0
	}
	return math.Ceil(changemap.MaxLean * maxLeanHeight)
}

// maxLeanHeight is the tallest building whose lean the halo covers whole.
const maxLeanHeight = 45

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
	var p []plugins.Problem
	var missing []string
	for _, name := range []string{"dsm_t0", "dsm_t1", "ortho_t0", "ortho_t1"} {
		if _, ok := in[name]; !ok {
			missing = append(missing, name)
		} else if !s.aligned() {
			p = append(p, plugins.Problem{Attribute: name, Summary: "Input not used", Warning: true,
				Detail: "Only align = \"orthophoto\" reads the DSMs and orthophotos; set it or remove " + name + "."})
		}
	}
	if s.aligned() && len(missing) > 0 {
		p = append(p, plugins.Problemf("align", "Alignment without its inputs",
			"align = \"orthophoto\" estimates each epoch's lean from its DSM and orthophoto; set %s (e.g. dsm_t0 = source.dsm.t0, ortho_t0 = step.resample.t0).", strings.Join(missing, ", ")))
	}
	return []plugins.Product{{Kind: plugins.ChangeMask, Resolution: res, DataType: "uint8", Bands: 1}}, p
}
