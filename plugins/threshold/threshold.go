// Package threshold is the step that turns ΔH into the 3D change map: values
// with |ΔH| < min_abs become 0, then noise is removed automatically where
// 3DCD's authors removed it by hand.
//
//	step "threshold" "cd3d" {
//	  input          = step.difference.dh
//	  min_abs        = 1.0  # metres; |ΔH| below is no change (default 1)
//	  min_area       = 20   # m²; smaller 8-connected changed regions are dropped (default 0: off)
//	  opening_radius = 1    # pixels; morphological opening (default 0: off)
//
//	  # Drop rings of change that are only the two surveys sampling walls
//	  # and roof edges differently (optional): a change must stand min_abs
//	  # clear of the other epoch's surface within sampling_radius pixels.
//	  dsm_t0          = source.dsm.t0
//	  dsm_t1          = source.dsm.t1
//	  sampling_radius = 2
//
//	  # Drop the cells on a changed region's edge whose |ΔH| is less than
//	  # edge_fraction of their changed neighbours' largest: a DSM slopes
//	  # across the cells along a wall (optional; 0 turns it off).
//	  edge_fraction = 0.5
//
//	  # Drop tall, slender changes (cranes' jibs, masts, wires): regions no
//	  # wider than slender_width metres anywhere whose median |ΔH| is at
//	  # least slender_height (optional; 0 turns it off).
//	  slender_width  = 3
//	  slender_height = 6
//
//	  # Drop changes on vegetation seen in both orthophotos (optional).
//	  ortho_t0 = step.resample.t0
//	  ortho_t1 = step.resample.t1
//	  vegetation {
//	    index = "exg" # "exg" (excess green) or "vari"
//	    max   = 0.1   # index above which a pixel is vegetation
//	  }
//
//	  # Drop changes whose LiDAR points say they are not buildings
//	  # (optional): each changed cell, with the changed cells around it
//	  # (3×3), is read in the epoch where the object stands (t1 where ΔH
//	  # rises, t0 where it falls) in the point features of rasterize steps
//	  # with features = true; cells without points stay.
//	  features_t0 = step.rasterize.dsm_t0
//	  features_t1 = step.rasterize.dsm_t1
//	  points {
//	    min_building = 0.5 # mean share of building points (ASPRS 6) below which a cell goes
//	    max_multi    = 0.5 # mean share of multi-return pulses above which a cell goes
//	  }
//
//	  # A steward's review as data: polygons whose review_field says
//	  # "keep" or "drop" (optional).
//	  review       = source.vector.review
//	  review_field = "action"
//	}
package threshold

import (
	"fmt"
	"math"

	"github.com/cdflow/cdflow/plugins"
)

func init() {
	plugins.Register("threshold", func() plugins.Step { return New() })
}

// Vegetation indices the filter knows, with their default thresholds.
var vegetationIndices = map[string]float64{"exg": 0.1, "vari": 0.1}

// Config is the threshold block's schema.
type Config struct {
	MinAbs         float64     `hcl:"min_abs,optional"`
	MinArea        float64     `hcl:"min_area,optional"`
	OpeningRadius  int         `hcl:"opening_radius,optional"`
	SamplingRadius int         `hcl:"sampling_radius,optional"`
	EdgeFraction   float64     `hcl:"edge_fraction,optional"`
	SlenderWidth   float64     `hcl:"slender_width,optional"`
	SlenderHeight  float64     `hcl:"slender_height,optional"`
	Vegetation     *Vegetation `hcl:"vegetation,block"`
	Points         *Points     `hcl:"points,block"`
	ReviewField    string      `hcl:"review_field,optional"`
}

// Points configures the point filter: what share of the points around a
// changed cell must be building points, and may be of multi-return pulses.
type Points struct {
	MinBuilding *float64 `hcl:"min_building,optional"`
	MaxMulti    *float64 `hcl:"max_multi,optional"`
}

// Defaults of the point filter, for a classified cloud of an ASPRS
// production (ground, vegetation 3–5, building 6, the rest 1):
//   - DefaultMinBuilding: a building's roof is its points' majority class
//     even with the classifiers' usual errors (a few per cent of roof
//     points, more at edges and on roof equipment) and the ground points
//     of the cells a wall crosses; vegetation, vehicles, containers,
//     cranes, scaffolding and earthworks hold almost none.
//   - DefaultMaxMulti: a roof returns one echo per pulse except along its
//     edges; a crown splits a large share of pulses (the gaps between
//     leaves). Most of a region's pulses splitting is vegetation, however
//     it was classified.
const (
	DefaultMinBuilding = 0.5
	DefaultMaxMulti    = 0.5
)

// Building returns min_building or its default.
func (p *Points) Building() float64 {
	if p.MinBuilding != nil {
		return *p.MinBuilding
	}
	return DefaultMinBuilding
}

// Multi returns max_multi or its default.
func (p *Points) Multi() float64 {
	if p.MaxMulti != nil {
		return *p.MaxMulti
	}
	return DefaultMaxMulti
}

// Vegetation configures the vegetation filter.
type Vegetation struct {
	Index string   `hcl:"index,optional"`
	Max   *float64 `hcl:"max,optional"`
}

// IndexName returns the index, defaulting to excess green.
func (v *Vegetation) IndexName() string {
	if v.Index == "" {
		return "exg"
	}
	return v.Index
}

// Threshold returns the index value above which a pixel is vegetation.
func (v *Vegetation) Threshold() float64 {
	if v.Max != nil {
		return *v.Max
	}
	return vegetationIndices[v.IndexName()]
}

// Step thresholds ΔH and removes noise.
type Step struct{ Cfg Config }

var _ plugins.Step = (*Step)(nil)

// New returns a threshold step with the 3DCD defaults.
func New() *Step {
	return &Step{Cfg: Config{MinAbs: 1.0, ReviewField: "action", SlenderHeight: 6}}
}

// Inputs: ΔH, and optionally two orthophotos and review polygons.
func (s *Step) Inputs() []plugins.Input {
	ortho := []plugins.Kind{plugins.Orthophoto}
	dsm := []plugins.Kind{plugins.DSM}
	return []plugins.Input{
		{Name: "input", Kinds: []plugins.Kind{plugins.ElevationDifference}, Required: true, Doc: "ΔH from a difference step"},
		{Name: "dsm_t0", Kinds: dsm, Doc: "the earlier DSM, for the sampling filter"},
		{Name: "dsm_t1", Kinds: dsm, Doc: "the later DSM, for the sampling filter"},
		{Name: "ortho_t0", Kinds: ortho, Doc: "the earlier orthophoto, for the vegetation filter"},
		{Name: "ortho_t1", Kinds: ortho, Doc: "the later orthophoto, for the vegetation filter"},
		{Name: "review", Kinds: []plugins.Kind{plugins.Vector}, Doc: "keep/drop review polygons"},
		{Name: "features_t0", Kinds: []plugins.Kind{plugins.PointFeatures}, Doc: "the earlier point features (a rasterize step with features = true), for the point filter"},
		{Name: "features_t1", Kinds: []plugins.Kind{plugins.PointFeatures}, Doc: "the later point features (a rasterize step with features = true), for the point filter"},
	}
}

// Config returns the configuration to decode into.
func (s *Step) Config() any { return &s.Cfg }

// Validate checks that thresholds are non-negative and the filter is known.
func (s *Step) Validate() []plugins.Problem {
	var p []plugins.Problem
	nonNegative := func(attr string, v float64, unit string) {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			p = append(p, plugins.Problemf(attr, "Negative threshold",
				"%s must be 0 or more %s, got %g; e.g. %s = 0 turns it off.", attr, unit, v, attr))
		}
	}
	nonNegative("min_abs", s.Cfg.MinAbs, "metres")
	nonNegative("min_area", s.Cfg.MinArea, "square metres")
	nonNegative("slender_width", s.Cfg.SlenderWidth, "metres")
	if f := s.Cfg.EdgeFraction; !(f >= 0 && f < 1) {
		p = append(p, plugins.Problemf("edge_fraction", "Edge fraction out of range",
			"edge_fraction is a share of the neighbours' ΔH, from 0 (off) to below 1, got %g; e.g. edge_fraction = 0.5.", f))
	}
	nonNegative("slender_height", s.Cfg.SlenderHeight, "metres")
	if s.Cfg.OpeningRadius < 0 {
		p = append(p, plugins.Problemf("opening_radius", "Negative threshold",
			"opening_radius is a radius in pixels, 0 or more, got %d; e.g. opening_radius = 1.", s.Cfg.OpeningRadius))
	}
	if s.Cfg.SamplingRadius < 0 {
		p = append(p, plugins.Problemf("sampling_radius", "Negative threshold",
			"sampling_radius is a radius in pixels, 0 or more, got %d; e.g. sampling_radius = 1.", s.Cfg.SamplingRadius))
	}
	if s.Cfg.ReviewField == "" {
		p = append(p, plugins.Problemf("review_field", "Empty review field",
			"Name the polygon property holding \"keep\" or \"drop\", e.g. review_field = \"action\"."))
	}
	if v := s.Cfg.Vegetation; v != nil {
		if _, ok := vegetationIndices[v.IndexName()]; !ok {
			detail := fmt.Sprintf("%q is not a vegetation index; use \"exg\" (excess green) or \"vari\".", v.Index)
			if sug := plugins.Suggest(v.Index, []string{"exg", "vari"}); sug != "" {
				detail = fmt.Sprintf("%q is not a vegetation index; did you mean %q?", v.Index, sug)
			}
			p = append(p, plugins.Problem{Attribute: "vegetation.index", Summary: "Unknown vegetation index", Detail: detail})
		}
		if v.Max != nil && (math.IsNaN(*v.Max) || *v.Max < -1 || *v.Max > 2) {
			p = append(p, plugins.Problemf("vegetation.max", "Vegetation threshold out of range",
				"Vegetation indices lie between -1 and 2, got %g; e.g. max = 0.1.", *v.Max))
		}
	}
	if pt := s.Cfg.Points; pt != nil {
		share := func(attr string, v *float64, off string) {
			if v != nil && !(*v >= 0 && *v <= 1) {
				p = append(p, plugins.Problemf("points."+attr, "Share out of range",
					"%s is a share of points from 0 to 1 (%s turns it off), got %g; e.g. %s = 0.5.", attr, off, *v, attr))
			}
		}
		share("min_building", pt.MinBuilding, "0")
		share("max_multi", pt.MaxMulti, "1")
		if pt.Building() == 0 && pt.Multi() >= 1 {
			p = append(p, plugins.Problem{Attribute: "points", Summary: "Point filter does nothing", Warning: true,
				Detail: "min_building = 0 and max_multi = 1 turn both tests off; remove the points block, or set e.g. min_building = 0.5."})
		}
	}
	return p
}

// Outputs: the 3D change map, float32 on ΔH's grid.
func (s *Step) Outputs(in map[string]plugins.Product) ([]plugins.Product, []plugins.Problem) {
	var p []plugins.Problem
	_, has0 := in["ortho_t0"]
	_, has1 := in["ortho_t1"]
	switch {
	case s.Cfg.Vegetation != nil && !(has0 && has1):
		p = append(p, plugins.Problemf("vegetation", "Vegetation filter without orthophotos",
			"The filter needs both epochs' orthophotos; set ortho_t0 = step.resample.t0 and ortho_t1 = step.resample.t1, or remove the vegetation block."))
	case s.Cfg.Vegetation == nil && (has0 || has1):
		attr := "ortho_t0"
		if !has0 {
			attr = "ortho_t1"
		}
		p = append(p, plugins.Problem{Attribute: attr, Summary: "Orthophoto not used", Warning: true,
			Detail: "Only the vegetation filter reads orthophotos; add a vegetation block or remove ortho_t0 and ortho_t1."})
	}
	_, hasD0 := in["dsm_t0"]
	_, hasD1 := in["dsm_t1"]
	switch {
	case s.Cfg.SamplingRadius > 0 && !(hasD0 && hasD1):
		p = append(p, plugins.Problemf("sampling_radius", "Sampling filter without DSMs",
			"The filter compares each change with the other epoch's surface around it; set dsm_t0 = source.dsm.t0 and dsm_t1 = source.dsm.t1 (the DSMs the difference step reads), or remove sampling_radius."))
	case s.Cfg.SamplingRadius == 0 && (hasD0 || hasD1):
		attr := "dsm_t0"
		if !hasD0 {
			attr = "dsm_t1"
		}
		p = append(p, plugins.Problem{Attribute: attr, Summary: "DSM not used", Warning: true,
			Detail: "Only the sampling filter reads the DSMs; set sampling_radius = 1 or remove dsm_t0 and dsm_t1."})
	}
	dh := in["input"]
	p = append(p, s.checkFeatures(in, dh)...)
	return []plugins.Product{{Kind: plugins.ElevationChange, Resolution: dh.Resolution, DataType: "float32", Bands: 1}}, p
}

// checkFeatures checks the point filter's inputs as the other filters':
// both epochs' features when the filter is on, a warning when they are
// given for nothing; and each of the epoch it is bound to, on ΔH's grid.
func (s *Step) checkFeatures(in map[string]plugins.Product, dh plugins.Product) []plugins.Problem {
	var p []plugins.Problem
	f0, has0 := in["features_t0"]
	f1, has1 := in["features_t1"]
	switch {
	case s.Cfg.Points != nil && !(has0 && has1):
		p = append(p, plugins.Problemf("points", "Point filter without point features",
			"The filter reads both epochs' point features; set features = true in the rasterize steps and features_t0 = step.rasterize.dsm_t0 and features_t1 = step.rasterize.dsm_t1, or remove the points block."))
	case s.Cfg.Points == nil && (has0 || has1):
		attr := "features_t0"
		if !has0 {
			attr = "features_t1"
		}
		p = append(p, plugins.Problem{Attribute: attr, Summary: "Point features not used", Warning: true,
			Detail: "Only the point filter reads point features; add a points block or remove features_t0 and features_t1."})
	}
	for _, c := range []struct {
		attr  string
		f     plugins.Product
		has   bool
		epoch plugins.Epoch
	}{{"features_t0", f0, has0, plugins.T0}, {"features_t1", f1, has1, plugins.T1}} {
		if !c.has {
			continue
		}
		if c.f.Epoch != plugins.NoEpoch && c.f.Epoch != c.epoch {
			p = append(p, plugins.Problemf(c.attr, "Point features of the other epoch",
				"%s is of epoch %s; a gain is judged in t1 and a loss in t0: bind %s to the %s point cloud's rasterize step.", c.f.Name, c.f.Epoch, c.attr, c.epoch))
		}
		if c.f.Resolution > 0 && dh.Resolution > 0 && math.Abs(c.f.Resolution-dh.Resolution) > 1e-9*dh.Resolution {
			p = append(p, plugins.Problemf(c.attr, "Point features on another grid",
				"%s is at %g m but ΔH at %g m; shares of points cannot be resampled: rasterize at ΔH's resolution.", c.f.Name, c.f.Resolution, dh.Resolution))
		}
	}
	return p
}
