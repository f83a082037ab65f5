// Package rasterize is the step that makes a DSM from a point cloud on the
// tile grid — the first step of the 3DCD method, which rasterized the LAS
// files into 1 m DSMs. Each tile is computed from its points and those of
// its halo, so tiles join without seams.
//
//	step "rasterize" "dsm_t0" {
//	  input      = source.pointcloud.t0
//	  resolution = 1
//	  method     = "tin"   # tin (default), max, min, mean or idw
//	  max_edge   = 10      # tin: triangles with a longer edge leave nodata
//	  features   = true    # also write <name>_points (default false)
//	}
//
// With features = true the step also writes <name>_points on the DSM's
// grid, a float32 product of kind point_features with two bands: the share
// of each cell's points classified building (ASPRS 6), and the share of
// its pulses that gave more than one return (vegetation lets the laser
// through; roofs do not), nodata where the cell holds no point. The
// threshold step's point filter reads it (features_t0, features_t1 =
// step.rasterize.<name>). They are computed from the points the source
// keeps (its classes and returns filters): with returns = "first" each
// pulse counts once, and its number of returns still says whether it split.
//
// Methods:
//   - max, min, mean: the statistic of the heights of the points falling in
//     each cell (max gives a DSM); fill_holes closes gaps of up to that many
//     cells from their neighbours.
//   - idw: inverse distance weighting of the points within radius of each
//     cell centre (power, min_points, max_points), as gdal_grid -a invdist.
//   - tin: linear interpolation on the Delaunay triangulation of the points
//     at each cell centre, as gdal_grid -a linear and LAStools' las2dem.
package rasterize

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/plugins"
)

func init() {
	plugins.Register("rasterize", func() plugins.Step { return New() })
}

// Methods are the rasterization methods.
var Methods = []string{"tin", "max", "min", "mean", "idw"}

// Config is the rasterize block's schema. Attributes of one method only
// are pointers, so that setting one for another method is reported.
type Config struct {
	Resolution float64  `hcl:"resolution"`
	Method     string   `hcl:"method,optional"`
	MaxEdge    *float64 `hcl:"max_edge,optional"`
	Power      *float64 `hcl:"power,optional"`
	Radius     *float64 `hcl:"radius,optional"`
	MinPoints  *int     `hcl:"min_points,optional"`
	MaxPoints  *int     `hcl:"max_points,optional"`
	FillHoles  *int     `hcl:"fill_holes,optional"`
	// Halo is how far beyond the tile points are read; by default what the
	// method needs (see Step.Halo).
	Halo *float64 `hcl:"halo,optional"`
	// Features adds the point features product (<name>_points).
	Features bool `hcl:"features,optional"`
}

// Step rasterizes one point cloud.
type Step struct {
	Cfg  Config
	name string // the block's, for the names of the other products
}

var (
	_ plugins.Step           = (*Step)(nil)
	_ plugins.HaloStep       = (*Step)(nil)
	_ plugins.Namer          = (*Step)(nil)
	_ plugins.AssetDescriber = (*Step)(nil)
)

// SetName takes the block's name, which the features product is named after.
func (s *Step) SetName(name string) { s.name = name }

// New returns a rasterize step with the defaults.
func New() *Step { return &Step{Cfg: Config{Method: "tin"}} }

// NoData marks cells without a height.
const NoData = -9999

// Inputs: one point cloud.
func (s *Step) Inputs() []plugins.Input {
	return []plugins.Input{{Name: "input", Kinds: []plugins.Kind{plugins.PointCloud}, Required: true,
		Doc: "the point cloud to rasterize"}}
}

// Config returns the configuration to decode into.
func (s *Step) Config() any { return &s.Cfg }

// Validate checks the method and the attributes it takes.
func (s *Step) Validate() []plugins.Problem {
	c := s.Cfg
	p := plugins.CheckResolution("resolution", c.Resolution)
	if !slices.Contains(Methods, c.Method) {
		detail := fmt.Sprintf("%q is not a rasterization method; use one of %s.", c.Method, strings.Join(Methods, ", "))
		if sg := plugins.Suggest(c.Method, Methods); sg != "" {
			detail = fmt.Sprintf("%q is not a rasterization method; did you mean %q?", c.Method, sg)
		}
		return append(p, plugins.Problem{Attribute: "method", Summary: "Unknown method", Detail: detail})
	}
	only := func(attr string, set bool, methods ...string) {
		if set && !slices.Contains(methods, c.Method) {
			p = append(p, plugins.Problemf(attr, "Attribute of another method",
				"%s applies to method %s, not %q; remove it or change the method.", attr, strings.Join(methods, " or "), c.Method))
		}
	}
	only("max_edge", c.MaxEdge != nil, "tin")
	only("power", c.Power != nil, "idw")
	only("radius", c.Radius != nil, "idw")
	only("min_points", c.MinPoints != nil, "idw")
	only("max_points", c.MaxPoints != nil, "idw")
	only("fill_holes", c.FillHoles != nil, "max", "min", "mean", "idw")
	positive := func(attr string, v *float64) {
		if v != nil && !(*v > 0) {
			p = append(p, plugins.Problemf(attr, "Invalid "+strings.ReplaceAll(attr, "_", " "),
				"%s must be a positive length in the CRS's unit, got %g.", attr, *v))
		}
	}
	positive("max_edge", c.MaxEdge)
	positive("power", c.Power)
	positive("radius", c.Radius)
	if c.Method == "idw" && c.Radius == nil {
		p = append(p, plugins.Problemf("", "Missing radius",
			"Method idw averages the points within a radius of each cell centre; set it, e.g. radius = %g.", 2*max(c.Resolution, 0.5)))
	}
	nonNegative := func(attr string, v *int) {
		if v != nil && *v < 0 {
			p = append(p, plugins.Problemf(attr, "Invalid "+strings.ReplaceAll(attr, "_", " "), "%s cannot be negative, got %d.", attr, *v))
		}
	}
	nonNegative("min_points", c.MinPoints)
	nonNegative("max_points", c.MaxPoints)
	nonNegative("fill_holes", c.FillHoles)
	if c.Halo != nil && *c.Halo < 0 {
		p = append(p, plugins.Problemf("halo", "Invalid halo", "halo cannot be negative, got %g.", *c.Halo))
	}
	return p
}

// Outputs: a float32 DSM at the configured resolution, of the input's
// epoch, then with features the point features on the same grid.
func (s *Step) Outputs(in map[string]plugins.Product) ([]plugins.Product, []plugins.Problem) {
	out := []plugins.Product{{Kind: plugins.DSM, Resolution: s.Cfg.Resolution, DataType: "float32", Bands: 1}}
	if s.Cfg.Features {
		out = append(out, plugins.Product{Name: s.featuresName(), Kind: plugins.PointFeatures,
			Resolution: s.Cfg.Resolution, DataType: "float32", Bands: featureBands})
	}
	return out, nil
}

// featuresName is the features product's name: after the block, or after
// the kind for a step made in Go without a name.
func (s *Step) featuresName() string {
	if s.name == "" {
		return "dsm" + FeaturesSuffix
	}
	return s.name + FeaturesSuffix
}

// DescribeProduct titles the DSM as any, and says what the features' bands hold.
func (s *Step) DescribeProduct(p plugins.Product) (string, []string) {
	if p.Kind != plugins.PointFeatures {
		return plugins.DescribeProduct(p)
	}
	title := fmt.Sprintf("LiDAR point features of %s at %g m: band 1 the share of each cell's points classified building (ASPRS 6), "+
		"band 2 the share of its pulses with more than one return (vegetation); 0 to 1, nodata where the cell holds no point", s.nameOr(), p.Resolution)
	return title, []string{plugins.RoleData}
}

func (s *Step) nameOr() string {
	if s.name == "" {
		return "the DSM"
	}
	return s.name
}

// Halo is how far beyond the tile the points that can change its cells
// lie: for tin, far enough that the triangles over the tile are those of
// the whole cloud (twice max_edge; without max_edge, 50 cells, as a
// triangle across a wider void can still differ from one made of all the
// points: set max_edge for tiles that are exact everywhere); for idw, the
// radius; for the cell statistics, the cells fill_holes reaches.
func (s *Step) Halo(res float64) float64 {
	c := s.Cfg
	if c.Halo != nil {
		return *c.Halo
	}
	var h float64
	switch c.Method {
	case "tin":
		h = 50 * res
		if c.MaxEdge != nil && *c.MaxEdge > 0 {
			h = 2 * *c.MaxEdge
		}
	case "idw":
		if c.Radius != nil {
			h = *c.Radius
		}
	}
	if c.FillHoles != nil {
		h += float64(*c.FillHoles) * res
	}
	return h
}
