package plugins

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/cdflow/cdflow/raster"
)

// Policy says what a QA finding does to its tile.
type Policy string

// The policies a workflow can choose per kind of finding.
const (
	// PolicyExclude leaves the tile out of the split and the release; the
	// report lists it with its findings.
	PolicyExclude Policy = "exclude"
	// PolicyFlag keeps the tile, with the finding in qa_flags and cdflow:qa.
	PolicyFlag Policy = "flag"
	// PolicyFail stops the run with an error naming the tile and the finding.
	PolicyFail Policy = "fail"
)

// Policies lists the policy names.
var Policies = []string{string(PolicyExclude), string(PolicyFail), string(PolicyFlag)}

// Finding is one QA finding on a tile (or, from a Preparer, on the scene).
type Finding struct {
	Check string  // what was found: "stripes", "voids", "unreadable", "missing", "bias", "shift", "implausible"
	Input string  // the step input it concerns: "dsm_t1", "ortho_t0", "dh"
	Value float64 // a fraction of the tile's pixels, or a measure in Unit
	// Unit is the unit of Value ("m"); empty when Value is a fraction of
	// the tile's pixels.
	Unit   string
	Detail string // one line for people: how much, which file, which values
	Policy Policy
	// Systemic, when set, is the likely cause if most tiles have this
	// finding: then it is no local defect but a mistake in the inputs, and
	// the run stops with it instead of publishing a release of flagged tiles.
	Systemic string
}

// Flag is the finding as qa_flags and cdflow:qa spell it:
// "<check>:<input>:<value>", e.g. "stripes:dsm_t1:0.0035" or
// "bias:dsm_t1:0.304". Fractions have at most 6 decimals and are never
// rounded to 0; measures (metres) have 3.
func (f Finding) Flag() string {
	return f.Check + ":" + f.Input + ":" + f.FormatValue()
}

// FormatValue formats the finding's value the way Flag does.
func (f Finding) FormatValue() string {
	v := f.Value
	if f.Unit != "" {
		return strconv.FormatFloat(math.Round(v*1000)/1000+0, 'f', -1, 64) // +0: no "-0"
	}
	r := math.Round(v*1e6) / 1e6
	if r == 0 && v > 0 {
		r = 1e-6 // a defect of one pixel in millions is still a defect
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// String is the flag and its detail, for messages.
func (f Finding) String() string {
	if f.Detail == "" {
		return f.Flag()
	}
	return fmt.Sprintf("%s (%s)", f.Flag(), f.Detail)
}

// Preparer is a Step that looks at the whole scene once before any
// tile runs. The executor first opens every file of the sources bound to
// the step's inputs and reads each block once, keeping the errors; from
// then on, a tile touching a file that could not be read reads that source
// without it (nodata in its place) instead of failing the run, so the step
// can flag the tile. Prepare then sees the files and may sample windows.
type Preparer interface {
	Prepare(ctx context.Context, s *Scene) (*Preparation, error)
}

// Scene is what a Preparer sees.
type Scene struct {
	CRS   raster.CRS
	Tiles []SceneTile // every tile of the grid, sorted by ID
	// Inputs are the step's inputs bound to sources, by attribute name.
	Inputs map[string]SceneInput
}

// SceneTile is one tile of the grid.
type SceneTile struct {
	ID     string
	Extent raster.Extent // the tile
	Work   raster.Extent // the tile grown by the run's halo
}

// SceneInput is a source bound to a step input, before the tiles run.
type SceneInput interface {
	Product() Product
	// Files are the source's files as the pre-pass found them, sorted by path.
	Files() []SourceFile
	// At reads the source on a tile's work extent, as the tile will.
	At(tile SceneTile) TileInput
}

// SourceFile is one file of a source.
type SourceFile struct {
	Path   string
	Extent raster.Extent
	// Err says why not every block of the file could be read; nil when all were.
	Err error
}

// Preparation is what a Preparer asks of the run.
type Preparation struct {
	// Offsets are subtracted from a source input's values wherever any step
	// reads it in any tile (nodata stays nodata), keyed by input attribute:
	// e.g. a scene-wide vertical bias of the later DSM.
	Offsets map[string]float64
	// Shifts are a source input's planimetric displacement, metres (east,
	// north), keyed by input attribute: wherever any step reads it in any
	// tile, the source is resampled bilinearly at the shifted positions,
	// value(x, y) = source(x + east, y + north), so its content lands where
	// the other inputs have it (nodata stays nodata). An input both shifted
	// and offset is shifted first. E.g. a later DSM's misregistration.
	Shifts map[string][2]float64
	// Lineage says in prose what the preparation changed, for the release's
	// processing lineage.
	Lineage []string
	// Findings are about the whole scene; the report lists them.
	Findings []Finding
}
