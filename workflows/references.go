package workflows

import (
	"fmt"
	"sort"

	"github.com/cdflow/cdflow/plugins"
	"github.com/hashicorp/hcl/v2"
)

// reference is one use of an address in an expression.
type reference struct {
	Addr  Address
	Range hcl.Range // the traversal, as written
}

// resolver checks references against what the workflow declares and says
// what was meant when it can.
type resolver struct {
	vars    map[string]*Variable
	locals  map[string]*Local
	sources map[string]*Source // by address
	steps   map[string]*Step   // by address
	plugins []string           // registered step kinds
	poison  *[]hcl.Range
}

var referenceRoots = []string{"var", "local", "source", "step"}

var sourceKinds = []string{string(plugins.Orthophoto), string(plugins.DSM), string(plugins.Vector)}

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

// resolve checks one traversal and returns the address it names, with the
// number of traversal steps the address used.
func (r *resolver) resolve(t hcl.Traversal) (Address, int, *hcl.Diagnostic) {
	root, rootRange, _ := attrName(t, 0)
	whole := t.SourceRange()
	switch root {
	case "var", "local":
		name, _, ok := attrName(t, 1)
		if !ok {
			return Address{}, 0, errorf(whole, "Invalid reference",
				"%s must be followed by a name, e.g. %s.data.", root, root)
		}
		r2 := hcl.RangeBetween(rootRange, t[1].SourceRange())
		if root == "var" && r.vars[name] == nil {
			return Address{}, 0, errorf(r2, "Reference to undeclared variable",
				"No variable %q is declared%s; declare it with a variable %q block or fix the name.", name, didYouMean(name, keys(r.vars)), name)
		}
		if root == "local" && r.locals[name] == nil {
			return Address{}, 0, errorf(r2, "Reference to undeclared local value",
				"No local value %q is defined%s; define it in a locals block or fix the name.", name, didYouMean(name, keys(r.locals)))
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
			return Address{}, 0, errorf(whole, "Invalid reference",
				"A %s is named by its kind and name, e.g. %s.", root, example)
		}
		addr := Address{Root: root, Type: typ, Name: name}
		r3 := hcl.RangeBetween(rootRange, t[2].SourceRange())
		if root == "source" {
			if !contains(sourceKinds, typ) {
				return Address{}, 0, errorf(typRange, "Unknown source kind",
					"%q is not a source kind%s; use orthophoto, dsm or vector.", typ, didYouMean(typ, sourceKinds))
			}
			if r.sources[addr.String()] == nil {
				return Address{}, 0, errorf(r3, "Reference to undeclared source",
					"No source %q %q is declared%s; declare it or fix the name.", typ, name, didYouMean(name, r.namesOf("source", typ)))
			}
			return addr, 3, nil
		}
		if !contains(r.plugins, typ) {
			return Address{}, 0, errorf(typRange, "Unknown step kind",
				"No step kind %q is registered%s; the known kinds are %s.", typ, didYouMean(typ, r.plugins), joinQuoted(r.plugins))
		}
		if r.steps[addr.String()] == nil {
			for _, s := range r.steps {
				if s.Name == name {
					return Address{}, 0, errorf(r3, "Reference to undeclared step",
						"Step %q is a %s step; refer to it as step.%s.%s.", name, s.Plugin, s.Plugin, name)
				}
			}
			return Address{}, 0, errorf(r3, "Reference to undeclared step",
				"No %s step %q is declared%s; declare it or fix the name.", typ, name, didYouMean(name, r.namesOf("step", typ)))
		}
		return addr, 3, nil
	}
	return Address{}, 0, errorf(rootRange, "Unknown reference",
		"A workflow cannot refer to %q%s; references start with var., local., source. or step.", root, didYouMean(root, referenceRoots))
}

func (r *resolver) namesOf(root, typ string) []string {
	var out []string
	m := r.sources
	if root == "step" {
		m = map[string]*Source{}
		for _, s := range r.steps {
			if s.Plugin == typ {
				out = append(out, s.Name)
			}
		}
	}
	for _, s := range m {
		if string(s.Kind) == typ {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}

// valueRefs checks the references of an expression evaluated as a value:
// only var. and local. are allowed there.
func (r *resolver) valueRefs(expr hcl.Expression) ([]reference, hcl.Diagnostics) {
	var refs []reference
	var diags hcl.Diagnostics
	for _, t := range expr.Variables() {
		addr, _, d := r.resolve(t)
		if d != nil {
			diags = append(diags, d)
			*r.poison = append(*r.poison, t.SourceRange())
			continue
		}
		if addr.Root == "source" || addr.Root == "step" {
			diags = append(diags, errorf(t.SourceRange(), "Invalid use of a product reference",
				"%s is a raster product, not a value: it can only be a step input (or tiling's aoi); refer to values with var. or local.", addr))
			*r.poison = append(*r.poison, t.SourceRange())
			continue
		}
		refs = append(refs, reference{Addr: addr, Range: t.SourceRange()})
	}
	return refs, diags
}

// productRef resolves an attribute that must name a source or a step.
func (r *resolver) productRef(a *hcl.Attribute) (reference, bool, hcl.Diagnostics) {
	t, ds := hcl.AbsTraversalForExpr(a.Expr)
	if ds.HasErrors() {
		// Still check the references inside, to report a misspelling first.
		_, diags := r.valueRefs(a.Expr)
		if len(diags) > 0 {
			return reference{}, false, diags
		}
		return reference{}, false, hcl.Diagnostics{errorf(a.Expr.Range(), "Invalid input reference",
			"%s must name a source or a step directly, e.g. %s = source.dsm.t0.", a.Name, a.Name)}
	}
	addr, n, d := r.resolve(t)
	if d != nil {
		*r.poison = append(*r.poison, t.SourceRange())
		return reference{}, false, hcl.Diagnostics{d}
	}
	if addr.Root != "source" && addr.Root != "step" {
		return reference{}, false, hcl.Diagnostics{errorf(t.SourceRange(), "Invalid input reference",
			"%s must name a source or a step directly, not %s; e.g. %s = source.dsm.t0.", a.Name, addr, a.Name)}
	}
	if n < len(t) {
		return reference{}, false, hcl.Diagnostics{errorf(hcl.RangeBetween(t[n].SourceRange(), t[len(t)-1].SourceRange()), "Invalid input reference",
			"An input names a whole block; write %s = %s.", a.Name, addr)}
	}
	return reference{Addr: addr, Range: t.SourceRange()}, true, nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func joinQuoted(list []string) string {
	s := ""
	for i, v := range list {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", v)
	}
	return s
}
