// Package eval evaluates workflow expressions: var. and local. values and
// the functions, with references already diagnosed made unknown, so each
// mistake is reported once, where it is.
package eval

import (
	"context"

	"github.com/cdflow/cdflow/workflows/internal/diag"
	"github.com/cdflow/cdflow/workflows/internal/hcldecode"
	"github.com/cdflow/cdflow/workflows/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// Scope evaluates expressions: var. and local. values, and the functions.
// References that were already diagnosed evaluate to unknown values, and the
// evaluation errors they cause are dropped.
type Scope struct {
	Dir    string // relative paths in functions start here
	Vars   map[string]cty.Value
	Locals map[string]cty.Value
	Poison []hcl.Range // ranges of references already diagnosed
	// Ctx bounds what decoding reaches out to (object-storage listings);
	// nil is context.Background.
	Ctx   context.Context
	funcs map[string]function.Function
	// ctx is Context's result, built once: building the var and local
	// objects is linear in their number, so rebuilding it per expression
	// made a workflow of many locals quadratic. SetLocal drops it.
	ctx *hcl.EvalContext
}

// SetLocal sets a local value.
func (s *Scope) SetLocal(name string, v cty.Value) {
	s.Locals[name] = v
	s.ctx = nil
}

// ContextFor is the evaluation context of one expression: with only the
// variables and locals it refers to, so evaluating each of n locals costs
// what it reads, not n.
func (s *Scope) ContextFor(expr hcl.Expression) *hcl.EvalContext {
	vars, locals := map[string]cty.Value{}, map[string]cty.Value{}
	for _, t := range expr.Variables() {
		if len(t) < 2 {
			continue
		}
		a, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		switch t.RootName() {
		case "var":
			if v, ok := s.Vars[a.Name]; ok {
				vars[a.Name] = v
			}
		case "local":
			if v, ok := s.Locals[a.Name]; ok {
				locals[a.Name] = v
			}
		}
	}
	return s.context(vars, locals)
}

// NewScope returns an empty scope for a workflow in dir; file() and glob()
// reach into dir's tree and the allowed folders only.
func NewScope(dir string, allow ...string) *Scope {
	return &Scope{Dir: dir, Vars: map[string]cty.Value{}, Locals: map[string]cty.Value{}, funcs: lang.Functions(dir, allow...)}
}

// Context is the HCL evaluation context of the scope.
func (s *Scope) Context() *hcl.EvalContext {
	if s.ctx == nil {
		s.ctx = s.context(s.Vars, s.Locals)
	}
	return s.ctx
}

func (s *Scope) context(vars, locals map[string]cty.Value) *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   cty.ObjectVal(vars),
			"local": cty.ObjectVal(locals),
			// Diagnosed already where they are misused; unknown here.
			"source": cty.DynamicVal,
			"step":   cty.DynamicVal,
		},
		Functions: s.funcs,
	}
}

// poisoned reports whether r overlaps a reference already diagnosed.
func (s *Scope) poisoned(r *hcl.Range) bool {
	if r == nil {
		return false
	}
	for _, p := range s.Poison {
		if p.Filename == r.Filename && r.Overlaps(p) {
			return true
		}
	}
	return false
}

// Filter drops the diagnostics about references already diagnosed.
func (s *Scope) Filter(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if s.poisoned(d.Subject) || s.poisoned(d.Context) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// Eval evaluates expr and converts it to ty. ok is false when the value is
// unusable: an error was reported, or it depends on a reference that was.
func (s *Scope) Eval(expr hcl.Expression, ty cty.Type, what string) (val cty.Value, ok bool, diags hcl.Diagnostics) {
	val, ds := expr.Value(s.ContextFor(expr))
	diags = s.Filter(ds)
	if ds.HasErrors() {
		return cty.DynamicVal, false, diags
	}
	if !val.IsWhollyKnown() {
		return cty.DynamicVal, false, diags
	}
	conv, err := convert.Convert(val, ty)
	if err != nil {
		return cty.DynamicVal, false, append(diags, diag.Errorf(expr.Range(), "Invalid value",
			"%s must be %s: %s.", what, hcldecode.DescribeType(ty), err))
	}
	if conv.IsNull() {
		return conv, false, append(diags, diag.Errorf(expr.Range(), "Invalid value",
			"%s must be %s, not null.", what, hcldecode.DescribeType(ty)))
	}
	return conv, true, diags
}

// WithoutEchoes drops a plugin's problems about attributes whose value was
// already reported: a value that failed to decode, or that depends on a
// reference diagnosed elsewhere, leaves the field at its default, and
// complaining about that default would only confuse.
func (s *Scope) WithoutEchoes(problems, decodeDiags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, p := range problems {
		echo := s.poisoned(p.Subject)
		for _, d := range decodeDiags {
			if d.Severity == hcl.DiagError && d.Subject != nil && p.Subject != nil && d.Subject.Overlaps(*p.Subject) {
				echo = true
			}
		}
		if !echo {
			out = append(out, p)
		}
	}
	return out
}

// DecodeBody decodes a body into a struct with hcl tags.
func (s *Scope) DecodeBody(body hcl.Body, v any) hcl.Diagnostics {
	return s.Filter(hcldecode.DecodeStruct(body, s.Context(), v))
}
