package workflows

import (
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/internal/blocks"
	"github.com/cdflow/cdflow/workflows/internal/refs"
	"github.com/cdflow/cdflow/workflows/internal/vars"
)

// Workflow is a decoded and validated workflow: every block with its
// expressions evaluated, the steps in execution order. Blocks keep their
// DeclRange so later stages can point diagnostics at them.
type Workflow struct {
	// Path is the file or directory the workflow was loaded from.
	Path string
	// Dir is the directory relative file paths resolve against.
	Dir string

	Variables []*Variable // in declaration order
	Locals    []*Local    // in evaluation order
	Dataset   *Dataset
	Sources   []*Source // in declaration order
	Tiling    *Tiling
	Steps     []*Step // in execution order: every step after the steps it reads
	Split     *Split  // nil when the workflow has no split block
	Publish   []*Publish
	Plugins   []*Plugin // the external plugins it declares

	sources map[string]*Source // by address
	steps   map[string]*Step   // by address
}

// Source returns the source with the given address ("source.dsm.t0"), or nil.
func (w *Workflow) Source(addr string) *Source { return w.sources[addr] }

// Step returns the step with the given address ("step.threshold.cd3d"), or nil.
func (w *Workflow) Step(addr string) *Step { return w.steps[addr] }

// RasterSources returns the orthophoto and DSM sources, in declaration order.
func (w *Workflow) RasterSources() []*Source {
	var out []*Source
	for _, s := range w.Sources {
		if s.Kind.IsRaster() {
			out = append(out, s)
		}
	}
	return out
}

// DataSources returns the sources that lay the tile grid (orthophotos,
// DSMs, point clouds), in declaration order.
func (w *Workflow) DataSources() []*Source {
	var out []*Source
	for _, s := range w.Sources {
		if s.Kind.HasEpoch() {
			out = append(out, s)
		}
	}
	return out
}

// EpochDatetimes returns the datetimes of epochs t0 and t1: each the
// datetime of the first source (in declaration order) of that epoch that
// gives one; zero when none does.
func (w *Workflow) EpochDatetimes() (t0, t1 time.Time) {
	for _, s := range w.Sources {
		switch {
		case s.Datetime.IsZero():
		case s.Epoch == plugins.T0 && t0.IsZero():
			t0 = s.Datetime
		case s.Epoch == plugins.T1 && t1.IsZero():
			t1 = s.Datetime
		}
	}
	return t0, t1
}

// Products returns every per-tile product the steps write, in execution order.
func (w *Workflow) Products() []ProductRef {
	var out []ProductRef
	for _, s := range w.Steps {
		for _, p := range s.Outputs {
			out = append(out, ProductRef{Product: p, Step: s})
		}
	}
	return out
}

// ProductRef is a product and the step that writes it.
type ProductRef struct {
	Product plugins.Product
	Step    *Step
}

// VariableValues returns the final value of every variable, by name.
func (w *Workflow) VariableValues() map[string]cty.Value {
	out := map[string]cty.Value{}
	for _, v := range w.Variables {
		out[v.Name] = v.Value
	}
	return out
}

// Address names a block that expressions can reference: "var.data",
// "local.dir", "source.dsm.t0", "step.threshold.cd3d".
type Address = refs.Address

// ParseAddress parses "source.dsm.t0" and the like.
func ParseAddress(s string) (Address, error) { return refs.ParseAddress(s) }

// Variables are the workflow's inputs; see package workflows/internal/vars.
type (
	Variable           = vars.Variable
	VariableValidation = vars.Validation
	InputValues        = vars.InputValues
)

// EnvPrefix prefixes the environment variables that set workflow variables.
const EnvPrefix = vars.EnvPrefix

// The blocks decoded in package workflows/internal/blocks.
type (
	Dataset  = blocks.Dataset
	Provider = blocks.Provider
	Split    = blocks.Split
	Subset   = blocks.Subset
)
