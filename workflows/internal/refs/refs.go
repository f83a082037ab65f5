// Package refs checks the references of a workflow's expressions against
// the blocks it declares, saying what was meant when it can.
package refs

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/internal/diag"
)

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

// Reference is one use of an address in an expression.
type Reference struct {
	Addr  Address
	Range hcl.Range // the traversal, as written
}

// Declared is what a workflow declares, by name (sets, so that checking a
// reference costs the same however many blocks there are).
type Declared struct {
	Vars, Locals map[string]bool
	Sources      map[string]map[string]bool // source kind → names
	Steps        map[string]map[string]bool // step kind → names
	StepKinds    []string                   // registered step kinds
}

// Add records a name of a source or step kind.
func Add(m map[string]map[string]bool, kind, name string) {
	if m[kind] == nil {
		m[kind] = map[string]bool{}
	}
	m[kind][name] = true
}

// Resolver checks references against what the workflow declares and says
// what was meant when it can. References it diagnoses go to Poison, so the
// evaluation errors they cause are not reported again.
type Resolver struct {
	d      Declared
	Poison *[]hcl.Range
}

// NewResolver returns a resolver of d's names.
func NewResolver(d Declared, poison *[]hcl.Range) *Resolver { return &Resolver{d: d, Poison: poison} }

var referenceRoots = []string{"var", "local", "source", "step"}

// SourceKinds are the kinds a source block can have.
var SourceKinds = []string{string(plugins.Orthophoto), string(plugins.DSM), string(plugins.PointCloud), string(plugins.Vector)}

func attrName(t hcl.Traversal, i int) (string, hcl.Range, bool) {
	if len(t) <= i {
		return "", hcl.Range{}, false
	}
	switch s := t[i].(type) {
	case hcl.TraverseAttr:
		return s.Name, s.SrcRange, true
	case hcl.TraverseRoot:
		return s.Name, s.SrcRange, true
	}
	return "", t[i].SourceRange(), false
}

// Resolve checks one traversal and returns the address it names, with the
// number of traversal steps the address used.
func (r *Resolver) Resolve(t hcl.Traversal) (Address, int, *hcl.Diagnostic) {
	root, rootRange, _ := attrName(t, 0)
	whole := t.SourceRange()
	switch root {
	case "var", "local":
		name, _, ok := attrName(t, 1)
		if !ok {
			return Address{}, 0, diag.Errorf(whole, "Invalid reference",
				"%s must be followed by a name, e.g. %s.data.", root, root)
		}
		r2 := hcl.RangeBetween(rootRange, t[1].SourceRange())
		if root == "var" && !r.d.Vars[name] {
			return Address{}, 0, diag.Errorf(r2, "Reference to undeclared variable",
				"No variable %q is declared%s; declare it with a variable %q block or fix the name.", name, diag.DidYouMean(name, slices.Sorted(maps.Keys(r.d.Vars))), name)
		}
		if root == "local" && !r.d.Locals[name] {
			return Address{}, 0, diag.Errorf(r2, "Reference to undeclared local value",
				"No local value %q is defined%s; define it in a locals block or fix the name.", name, diag.DidYouMean(name, slices.Sorted(maps.Keys(r.d.Locals))))
		}
		return Address{Root: root, Name: name}, 2, nil
	case "source", "step":
		typ, typRange, ok1 := attrName(t, 1)
		name, _, ok2 := attrName(t, 2)
		if !ok1 || !ok2 {
			example := "source.dsm.t0"
			if root == "step" {
				example = "step.difference.dh"
			}
			return Address{}, 0, diag.Errorf(whole, "Invalid reference",
				"A %s is named by its kind and name, e.g. %s.", root, example)
		}
		addr := Address{Root: root, Type: typ, Name: name}
		r3 := hcl.RangeBetween(rootRange, t[2].SourceRange())
		if root == "source" {
			if !slices.Contains(SourceKinds, typ) {
				return Address{}, 0, diag.Errorf(typRange, "Unknown source kind",
					"%q is not a source kind%s; use orthophoto, dsm, pointcloud or vector.", typ, diag.DidYouMean(typ, SourceKinds))
			}
			if !r.d.Sources[typ][name] {
				return Address{}, 0, diag.Errorf(r3, "Reference to undeclared source",
					"No source %q %q is declared%s; declare it or fix the name.", typ, name, diag.DidYouMean(name, slices.Sorted(maps.Keys(r.d.Sources[typ]))))
			}
			return addr, 3, nil
		}
		if !slices.Contains(r.d.StepKinds, typ) {
			return Address{}, 0, diag.Errorf(typRange, "Unknown step kind",
				"No step kind %q is registered%s; the known kinds are %s.", typ, diag.DidYouMean(typ, r.d.StepKinds), JoinQuoted(r.d.StepKinds))
		}
		if !r.d.Steps[typ][name] {
			for _, plugin := range slices.Sorted(maps.Keys(r.d.Steps)) {
				if r.d.Steps[plugin][name] {
					return Address{}, 0, diag.Errorf(r3, "Reference to undeclared step",
						"Step %q is a %s step; refer to it as step.%s.%s.", name, plugin, plugin, name)
				}
			}
			return Address{}, 0, diag.Errorf(r3, "Reference to undeclared step",
				"No %s step %q is declared%s; declare it or fix the name.", typ, name, diag.DidYouMean(name, slices.Sorted(maps.Keys(r.d.Steps[typ]))))
		}
		return addr, 3, nil
	}
	return Address{}, 0, diag.Errorf(rootRange, "Unknown reference",
		"A workflow cannot refer to %q%s; references start with var., local., source. or step.", root, diag.DidYouMean(root, referenceRoots))
}

// ValueRefs checks the references of an expression evaluated as a value:
// only var. and local. are allowed there.
func (r *Resolver) ValueRefs(expr hcl.Expression) ([]Reference, hcl.Diagnostics) {
	var refs []Reference
	var diags hcl.Diagnostics
	for _, t := range expr.Variables() {
		addr, _, d := r.Resolve(t)
		if d != nil {
			diags = append(diags, d)
			*r.Poison = append(*r.Poison, t.SourceRange())
			continue
		}
		if addr.Root == "source" || addr.Root == "step" {
			diags = append(diags, diag.Errorf(t.SourceRange(), "Invalid use of a product reference",
				"%s is a raster product, not a value: it can only be a step input (or tiling's aoi); refer to values with var. or local.", addr))
			*r.Poison = append(*r.Poison, t.SourceRange())
			continue
		}
		refs = append(refs, Reference{Addr: addr, Range: t.SourceRange()})
	}
	return refs, diags
}

// ProductRef resolves an attribute that must name a source or a step.
func (r *Resolver) ProductRef(a *hcl.Attribute) (Reference, bool, hcl.Diagnostics) {
	t, ds := hcl.AbsTraversalForExpr(a.Expr)
	if ds.HasErrors() {
		// Still check the references inside, to report a misspelling first.
		_, diags := r.ValueRefs(a.Expr)
		if len(diags) > 0 {
			return Reference{}, false, diags
		}
		return Reference{}, false, hcl.Diagnostics{diag.Errorf(a.Expr.Range(), "Invalid input reference",
			"%s must name a source or a step directly, e.g. %s = source.dsm.t0.", a.Name, a.Name)}
	}
	addr, n, d := r.Resolve(t)
	if d != nil {
		*r.Poison = append(*r.Poison, t.SourceRange())
		return Reference{}, false, hcl.Diagnostics{d}
	}
	if addr.Root != "source" && addr.Root != "step" {
		return Reference{}, false, hcl.Diagnostics{diag.Errorf(t.SourceRange(), "Invalid input reference",
			"%s must name a source or a step directly, not %s; e.g. %s = source.dsm.t0.", a.Name, addr, a.Name)}
	}
	if n < len(t) {
		return Reference{}, false, hcl.Diagnostics{diag.Errorf(hcl.RangeBetween(t[n].SourceRange(), t[len(t)-1].SourceRange()), "Invalid input reference",
			"An input names a whole block; write %s = %s.", a.Name, addr)}
	}
	return Reference{Addr: addr, Range: t.SourceRange()}, true, nil
}

// JoinQuoted quotes and joins names: "a", "b".
func JoinQuoted(list []string) string {
	s := ""
	for i, v := range list {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", v)
	}
	return s
}
