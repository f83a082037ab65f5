package plugins

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// Kind is what a product holds. The workflow layer checks every step input
// against the kinds the step accepts, so a threshold cannot be fed an
// orthophoto by mistake.
type Kind string

// The kinds of product cdflow knows.
const (
	Orthophoto          Kind = "orthophoto"           // RGB(A) image, usually uint8
	DSM                 Kind = "dsm"                  // elevation in metres, float
	ElevationDifference Kind = "elevation_difference" // ΔH = H_t1 − H_t0 in metres
	ElevationChange     Kind = "elevation_change"     // ΔH after threshold and noise removal (3D change map)
	ChangeMask          Kind = "change_mask"          // classes: 0 no change, 1 change (or 1 construction, 2 demolition)
	Vector              Kind = "vector"               // polygons (GeoJSON), not a raster
	PointCloud          Kind = "pointcloud"           // LiDAR points (LAS, LAZ, COPC), not a raster
	Raster              Kind = "raster"               // any other raster a step derives (a slope map, a model's scores)
	// PointFeatures are per-cell shares of a point cloud's points (classified
	// building, of multi-return pulses) on a DSM's grid, written beside it by
	// a rasterize step with features = true: what the threshold step's point
	// filter judges changes by.
	PointFeatures Kind = "point_features"
)

// Kinds are the product kinds, as written in workflows and plugin descriptions.
var Kinds = []Kind{Orthophoto, DSM, ElevationDifference, ElevationChange, ChangeMask, Vector, PointCloud, Raster, PointFeatures}

// Describe names the kind in messages, with an article.
func (k Kind) Describe() string {
	switch k {
	case Orthophoto:
		return "an orthophoto"
	case DSM:
		return "a DSM"
	case ElevationDifference:
		return "an elevation difference"
	case ElevationChange:
		return "an elevation change map"
	case ChangeMask:
		return "a change mask"
	case Vector:
		return "a vector source"
	case PointCloud:
		return "a point cloud"
	case Raster:
		return "a raster"
	case PointFeatures:
		return "point features (a rasterize step with features = true)"
	}
	return "a " + string(k)
}

// IsRaster reports whether products of this kind are rasters on the tile grid.
func (k Kind) IsRaster() bool { return k != Vector && k != PointCloud }

// IsPoints reports whether the kind is a point cloud.
func (k Kind) IsPoints() bool { return k == PointCloud }

// HasEpoch reports whether data of this kind shows one epoch: rasters and
// point clouds do; vector sources (review polygons, an AOI) do not.
func (k Kind) HasEpoch() bool { return k != Vector }

// Product is one per-tile raster a source provides or a step writes.
// Zero fields are not known yet: before plan, a source's resolution, data
// type and band count are unknown, and so are those of products derived
// from it.
type Product struct {
	// Name is the product's file name in a tile, without extension
	// ("t0", "dh", "dsm_t0"). The workflow layer sets it for a step's main
	// product (the step's name); a step names its other products itself.
	Name       string
	Kind       Kind
	Resolution float64 // pixel size in CRS units (metres)
	DataType   string  // "uint8", "float32", ...
	Bands      int
	// FromSource is set on a source's product (named <kind>_<name>, e.g.
	// "dsm_t0"): it is read from the source files, not written by a step,
	// unless a step chooses to write its window.
	FromSource bool
	// Epoch is the state of the world the product shows: the earlier (T0)
	// or later (T1) epoch, or none for what compares them (ΔH, change
	// maps). Sources carry theirs; a step's product takes the epoch all its
	// inputs share unless the step sets one.
	Epoch Epoch
}

// Epoch is one of the two dates a change-detection dataset compares.
type Epoch uint8

// The epochs.
const (
	NoEpoch Epoch = iota // compares both, or unknown
	T0                   // the earlier epoch
	T1                   // the later epoch
)

// Epochs are the epoch names a workflow can write.
var Epochs = []string{"t0", "t1"}

func (e Epoch) String() string {
	switch e {
	case T0:
		return "t0"
	case T1:
		return "t1"
	}
	return ""
}

// ParseEpoch reads "t0" or "t1".
func ParseEpoch(s string) (Epoch, bool) {
	switch s {
	case "t0":
		return T0, true
	case "t1":
		return T1, true
	}
	return NoEpoch, false
}

// Input is an attribute of a step block that references another block's
// product, such as `input = step.difference.dh`. A reference to a step
// binds the first of its products, in the order of its Outputs, of a kind
// the input accepts: its main product, or one it writes beside it (the
// point features of a rasterize step).
type Input struct {
	Name     string // the attribute
	Kinds    []Kind // accepted kinds
	Required bool
	Doc      string
}

// Accepts reports whether the input accepts a product kind.
func (in Input) Accepts(k Kind) bool {
	for _, a := range in.Kinds {
		if a == k {
			return true
		}
	}
	return false
}

// Describe lists the accepted kinds for messages: "a DSM or an orthophoto".
func (in Input) Describe() string {
	var s []string
	for _, k := range in.Kinds {
		s = append(s, k.Describe())
	}
	switch len(s) {
	case 0:
		return "nothing"
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Problem is something wrong with a decoded configuration. The workflow
// layer reports it as a diagnostic on the named attribute.
type Problem struct {
	// Attribute is the path of the attribute in the block body: "min_abs",
	// or "vegetation.index" inside a nested block. Empty means the block.
	Attribute string
	Summary   string // short, capitalised, no final period: "Negative threshold"
	Detail    string // what is wrong and the one-line fix
	Warning   bool
}

// Problemf builds an error Problem.
func Problemf(attr, summary, detailFormat string, a ...any) Problem {
	return Problem{Attribute: attr, Summary: summary, Detail: fmt.Sprintf(detailFormat, a...)}
}

// Step is a kind of processing step, such as "threshold". A Factory makes a
// fresh Step for every step block; the workflow layer decodes the block's
// body into Config, then asks Validate and Outputs, and the executor calls
// RunTile for every tile of the grid. Optional interfaces add to that:
// HaloStep, Preparer, Labeler, AssetDescriber, Counters.
type Step interface {
	// Inputs declares the attributes that reference other products.
	Inputs() []Input
	// Config returns a pointer to the step's configuration: a struct whose
	// fields carry hcl tags (`hcl:"min_abs,optional"`), holding the defaults.
	// The input attributes must not be part of it.
	Config() any
	// Validate checks the decoded configuration on its own.
	Validate() []Problem
	// Outputs returns the products the step writes, given its inputs'
	// products keyed by input name (absent optional inputs are missing).
	// The first product is the step's main product; its Name is set by the
	// caller. Unknown input fields propagate as unknown output fields.
	Outputs(in map[string]Product) ([]Product, []Problem)
	// RunTile makes the step's products on one tile. Steps run in
	// dependency order within a tile; tiles run in parallel, each on its own
	// Tile, so RunTile needs no locking of its own. in holds the bound
	// inputs by attribute name; out are the products the plan resolved from
	// Outputs (names and resolutions final), which RunTile makes and Puts in
	// the tile. A step writing nothing (a check) flags the tile instead.
	RunTile(ctx context.Context, t *Tile, in map[string]TileInput, out []Product) error
}

// Factory makes a new, unconfigured Step.
type Factory func() Step

// MultipleOf reports whether size is a whole multiple of res (within a
// tolerance far below any real pixel size), as a tile must be of every
// product's pixel size.
func MultipleOf(size, res float64) bool {
	if !(res > 0) || !(size > 0) {
		return false
	}
	n := size / res
	return math.Abs(n-math.Round(n)) < 1e-6*math.Max(1, n) && math.Round(n) >= 1
}

// Coarser returns the larger of two resolutions, treating 0 as unknown.
func Coarser(a, b float64) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	return math.Max(a, b)
}

// ResamplingMethods are the GDAL resampling names steps accept (gdalwarp's -r).
var ResamplingMethods = []string{
	"nearest", "bilinear", "cubic", "cubicspline", "lanczos", "average",
	"rms", "mode", "max", "min", "med", "q1", "q3", "sum",
}

// CheckMethod returns a Problem when method is not a GDAL resampling name.
func CheckMethod(attr, method string) []Problem {
	for _, m := range ResamplingMethods {
		if m == method {
			return nil
		}
	}
	detail := fmt.Sprintf("%q is not a GDAL resampling method; use one of %s.", method, strings.Join(ResamplingMethods, ", "))
	if s := Suggest(method, ResamplingMethods); s != "" {
		detail = fmt.Sprintf("%q is not a GDAL resampling method; did you mean %q?", method, s)
	}
	return []Problem{{Attribute: attr, Summary: "Unknown resampling method", Detail: detail}}
}

// CheckResolution returns a Problem when a configured pixel size is not positive.
func CheckResolution(attr string, res float64) []Problem {
	if res > 0 && !math.IsInf(res, 0) {
		return nil
	}
	return []Problem{Problemf(attr, "Invalid resolution", "The pixel size must be a positive number of metres, got %g; e.g. %s = 0.5.", res, attr)}
}
