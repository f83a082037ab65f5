package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/cdflow/cdflow/plugins"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
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
type Address struct {
	Root string // "var", "local", "source" or "step"
	Type string // the source kind or step plugin; empty for var and local
	Name string
}

func (a Address) String() string {
	if a.Type == "" {
		return a.Root + "." + a.Name
	}
	return a.Root + "." + a.Type + "." + a.Name
}

// ParseAddress parses "source.dsm.t0" and the like.
func ParseAddress(s string) (Address, error) {
	parts := strings.Split(s, ".")
	switch {
	case len(parts) == 2 && (parts[0] == "var" || parts[0] == "local"):
		return Address{Root: parts[0], Name: parts[1]}, nil
	case len(parts) == 3 && (parts[0] == "source" || parts[0] == "step"):
		return Address{Root: parts[0], Type: parts[1], Name: parts[2]}, nil
	}
	return Address{}, fmt.Errorf("parse address %q: want var.NAME, local.NAME, source.KIND.NAME or step.PLUGIN.NAME", s)
}

// rangeOf returns a pointer to a copy of r, for Diagnostic.Subject.
func rangeOf(r hcl.Range) *hcl.Range { return &r }
