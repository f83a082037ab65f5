// Package qa is the step that finds the defects real releases shipped with
// (3DCD: 88 DSMs with black stripes, one unreadable file, one missing pair)
// before a release goes out, per tile and per input:
//
//	step "qa" "check" {
//	  dsm_t0   = source.dsm.t0
//	  dsm_t1   = source.dsm.t1
//	  ortho_t0 = source.orthophoto.t0 # optional, both or neither: stripes and
//	  ortho_t1 = source.orthophoto.t1 # voids in the images, vegetation off stable ground
//	  dh       = step.difference.dh   # optional: check the ΔH the release holds
//
//	  max_abs_dh        = 60   # m; |ΔH| beyond is implausible
//	  max_bias          = 0.2  # m; |median ΔH of stable ground| beyond is a bias
//	  max_shift         = 0.25 # m; horizontal misregistration beyond is a shift
//	  max_void_fraction = 0    # share of a tile's pixels that may be voids unflagged
//	  stripe_min_length = 16   # pixels; shorter runs of one value are not stripes
//	  stripe_max_width  = 8    # pixels; thicker bands are voids, not stripes
//	  correct_bias      = false # subtract the scene's bias from the later DSM
//	  correct_shift     = false # move the later DSM onto the earlier (coregistration)
//
//	  # What each finding does to its tile: "exclude", "flag" or "fail".
//	  on_stripes     = "exclude"
//	  on_voids       = "exclude"
//	  on_unreadable  = "exclude"
//	  on_missing     = "exclude"
//	  on_bias        = "flag"
//	  on_shift       = "flag"
//	  on_implausible = "flag"
//	}
//
// The checks:
//
//   - stripes: pixels in runs of at least stripe_min_length pixels of one
//     value (nodata, 0 or any constant) along a row or a column, in a band at
//     most stripe_max_width pixels thick; measured on the tile's work window
//     (the step asks for a halo of stripe_min_length pixels) so a stripe cut
//     by the tile's edge is still seen;
//   - voids: nodata (or NaN) pixels that are not in a stripe, not outside
//     every file and not in an unreadable file;
//   - unreadable: the part of the tile whose only file could not be read
//     whole (before the tiles run each file is opened and, for a GeoTIFF,
//     every block located within it, else every block read once; the tile
//     then reads nodata there instead of failing). Compressed data corrupt
//     inside a whole GeoTIFF is found by the tile read that decodes it,
//     which stops the run naming the file and the tile;
//   - missing: the part of the tile one epoch's files cover and the other's
//     do not (a sheet present in one epoch only), from the files' extents;
//   - bias: the median ΔH of stable ground — |ΔH| < 1 m around the median,
//     not vegetated in either orthophoto — per tile, and over a sample of up
//     to 8 tiles for the scene before the run;
//   - shift: the horizontal displacement of the later DSM; per tile, from
//     the minimum of the mean absolute DSM difference over whole-pixel
//     offsets (±4 pixels) refined to sub-pixel by fitting a V to its
//     neighbours (the cost of point-sampled edges grows linearly with the
//     offset); for the scene, by Nuth & Kääb (2011) coregistration of the
//     sampled tiles together (package coreg), falling back to the median of
//     the tiles' estimates when they have too little relief;
//   - implausible: valid ΔH pixels with |ΔH| > max_abs_dh.
//
// Each finding is a flag "<check>:<input>:<value>" (plugins.Finding.Flag):
// the value is the affected fraction of the tile's pixels, or metres for
// bias (signed, later minus earlier) and shift (magnitude).
package qa

import (
	"fmt"
	"math"
	"sync"

	"github.com/cdflow/cdflow/plugins"
)

func init() {
	plugins.Register("qa", func() plugins.Step { return New() })
}

// The checks, as flags name them.
const (
	CheckStripes     = "stripes"
	CheckVoids       = "voids"
	CheckUnreadable  = "unreadable"
	CheckMissing     = "missing"
	CheckBias        = "bias"
	CheckShift       = "shift"
	CheckImplausible = "implausible"
)

// Config is the qa block's schema.
type Config struct {
	MaxAbsDH        float64 `hcl:"max_abs_dh,optional"`
	MaxBias         float64 `hcl:"max_bias,optional"`
	MaxShift        float64 `hcl:"max_shift,optional"`
	MaxVoidFraction float64 `hcl:"max_void_fraction,optional"`
	StripeMinLength int     `hcl:"stripe_min_length,optional"`
	StripeMaxWidth  int     `hcl:"stripe_max_width,optional"`
	CorrectBias     bool    `hcl:"correct_bias,optional"`
	CorrectShift    bool    `hcl:"correct_shift,optional"`

	OnStripes     string `hcl:"on_stripes,optional"`
	OnVoids       string `hcl:"on_voids,optional"`
	OnUnreadable  string `hcl:"on_unreadable,optional"`
	OnMissing     string `hcl:"on_missing,optional"`
	OnBias        string `hcl:"on_bias,optional"`
	OnShift       string `hcl:"on_shift,optional"`
	OnImplausible string `hcl:"on_implausible,optional"`
}

// Step checks a tile's inputs.
type Step struct {
	Cfg Config

	// Set by Prepare, read-only while the tiles run.
	mu    sync.Mutex
	files map[string][]plugins.SourceFile
}

var (
	_ plugins.Step     = (*Step)(nil)
	_ plugins.Step     = (*Step)(nil)
	_ plugins.HaloStep = (*Step)(nil)
	_ plugins.Preparer = (*Step)(nil)
)

// New returns a qa step with defaults that never release a defective tile
// silently: defects of the data exclude the tile, measurements that may be
// the scene's own (bias, shift, extreme ΔH) flag it.
func New() *Step {
	return &Step{Cfg: Config{
		MaxAbsDH: 60, MaxBias: 0.2, MaxShift: 0.25,
		StripeMinLength: 16, StripeMaxWidth: 8,
		OnStripes: "exclude", OnVoids: "exclude", OnUnreadable: "exclude", OnMissing: "exclude",
		OnBias: "flag", OnShift: "flag", OnImplausible: "flag",
	}}
}

// Inputs: both DSMs; optionally both orthophotos and ΔH.
func (s *Step) Inputs() []plugins.Input {
	dsm := []plugins.Kind{plugins.DSM}
	ortho := []plugins.Kind{plugins.Orthophoto}
	return []plugins.Input{
		{Name: "dsm_t0", Kinds: dsm, Required: true, Doc: "the earlier DSM"},
		{Name: "dsm_t1", Kinds: dsm, Required: true, Doc: "the later DSM"},
		{Name: "ortho_t0", Kinds: ortho, Doc: "the earlier orthophoto"},
		{Name: "ortho_t1", Kinds: ortho, Doc: "the later orthophoto"},
		{Name: "dh", Kinds: []plugins.Kind{plugins.ElevationDifference}, Doc: "ΔH from a difference step"},
	}
}

// Config returns the configuration to decode into.
func (s *Step) Config() any { return &s.Cfg }

// policies maps each check to its attribute and configured policy.
func (s *Step) policies() []struct {
	check, attr string
	value       *string
} {
	c := &s.Cfg
	return []struct {
		check, attr string
		value       *string
	}{
		{CheckStripes, "on_stripes", &c.OnStripes},
		{CheckVoids, "on_voids", &c.OnVoids},
		{CheckUnreadable, "on_unreadable", &c.OnUnreadable},
		{CheckMissing, "on_missing", &c.OnMissing},
		{CheckBias, "on_bias", &c.OnBias},
		{CheckShift, "on_shift", &c.OnShift},
		{CheckImplausible, "on_implausible", &c.OnImplausible},
	}
}

// Policy returns what a finding of check does to its tile.
func (s *Step) Policy(check string) plugins.Policy {
	for _, p := range s.policies() {
		if p.check == check {
			return plugins.Policy(*p.value)
		}
	}
	return plugins.PolicyFlag
}

// attr names the policy attribute of a check, for messages.
func (s *Step) attr(check string) string { return "on_" + check }

// Validate checks the thresholds and the policies.
func (s *Step) Validate() []plugins.Problem {
	var p []plugins.Problem
	c := &s.Cfg
	positive := func(attr string, v float64, example string) {
		if !(v > 0) || math.IsInf(v, 0) {
			p = append(p, plugins.Problemf(attr, "Invalid threshold", "%s must be a positive number of metres, got %g; e.g. %s = %s.", attr, v, attr, example))
		}
	}
	positive("max_abs_dh", c.MaxAbsDH, "60")
	positive("max_bias", c.MaxBias, "0.2")
	positive("max_shift", c.MaxShift, "0.25")
	if !(c.MaxVoidFraction >= 0 && c.MaxVoidFraction < 1) {
		p = append(p, plugins.Problemf("max_void_fraction", "Invalid fraction",
			"max_void_fraction is the share of a tile's pixels that may be voids without a flag, from 0 up to (not including) 1, got %g; e.g. max_void_fraction = 0.01.", c.MaxVoidFraction))
	}
	if c.StripeMinLength < 2 {
		p = append(p, plugins.Problemf("stripe_min_length", "Invalid stripe length",
			"stripe_min_length is the shortest run of one value that makes a stripe, at least 2 pixels, got %d; e.g. stripe_min_length = 16.", c.StripeMinLength))
	}
	if c.StripeMaxWidth < 1 {
		p = append(p, plugins.Problemf("stripe_max_width", "Invalid stripe width",
			"stripe_max_width is the thickest band of one value that is still a stripe, at least 1 pixel, got %d; e.g. stripe_max_width = 8.", c.StripeMaxWidth))
	}
	for _, pol := range s.policies() {
		switch plugins.Policy(*pol.value) {
		case plugins.PolicyExclude, plugins.PolicyFlag, plugins.PolicyFail:
			continue
		}
		detail := fmt.Sprintf("%q is not a policy; use \"exclude\" (leave the tile out), \"flag\" (keep it, flagged) or \"fail\" (stop the run).", *pol.value)
		if sug := plugins.Suggest(*pol.value, plugins.Policies); sug != "" {
			detail = fmt.Sprintf("%q is not a policy; did you mean %q?", *pol.value, sug)
		}
		p = append(p, plugins.Problem{Attribute: pol.attr, Summary: "Unknown QA policy", Detail: detail})
	}
	return p
}

// Outputs: none; the step's findings go to the tile's qa_flags. Both
// orthophotos or neither.
func (s *Step) Outputs(in map[string]plugins.Product) ([]plugins.Product, []plugins.Problem) {
	_, has0 := in["ortho_t0"]
	_, has1 := in["ortho_t1"]
	if has0 != has1 {
		attr, other := "ortho_t0", "ortho_t1"
		if has1 {
			attr, other = "ortho_t1", "ortho_t0"
		}
		return nil, []plugins.Problem{plugins.Problemf(attr, "One orthophoto without the other",
			"The checks compare the epochs; set %s too (e.g. %s = source.orthophoto.%s), or remove %s.", other, other, other[len(other)-2:], attr)}
	}
	return nil, nil
}

// Halo lets stripes cut by the tile's edge be measured whole: a run of
// stripe_min_length pixels at the coarsest input's resolution.
func (s *Step) Halo(res float64) float64 {
	return float64(s.Cfg.StripeMinLength) * res
}
