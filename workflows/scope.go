package workflows

import (
	"github.com/cdflow/cdflow/workflows/internal/hcldecode"
	"github.com/cdflow/cdflow/workflows/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// scope evaluates expressions: var. and local. values, and the functions.
// References that were already diagnosed evaluate to unknown values, and the
// evaluation errors they cause are dropped, so each mistake is reported
// once, where it is.
type scope struct {
	dir    string
	vars   map[string]cty.Value
	locals map[string]cty.Value
	poison []hcl.Range // ranges of references already diagnosed
	funcs  map[string]function.Function
}

func newScope(dir string) *scope {
	return &scope{dir: dir, vars: map[string]cty.Value{}, locals: map[string]cty.Value{}, funcs: lang.Functions(dir)}
}

func (s *scope) evalContext() *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   cty.ObjectVal(s.vars),
			"local": cty.ObjectVal(s.locals),
			// Diagnosed already where they are misused; unknown here.
			"source": cty.DynamicVal,
			"step":   cty.DynamicVal,
		},
		Functions: s.funcs,
	}
}

// poisoned reports whether r overlaps a reference already diagnosed.
func (s *scope) poisoned(r *hcl.Range) bool {
	if r == nil {
		return false
	}
	for _, p := range s.poison {
		if p.Filename == r.Filename && r.Overlaps(p) {
			return true
		}
	}
	return false
}

func (s *scope) filter(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if s.poisoned(d.Subject) || s.poisoned(d.Context) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// eval evaluates expr and converts it to ty. ok is false when the value is
// unusable: an error was reported, or it depends on a reference that was.
func (s *scope) eval(expr hcl.Expression, ty cty.Type, what string) (val cty.Value, ok bool, diags hcl.Diagnostics) {
	val, ds := expr.Value(s.evalContext())
	diags = s.filter(ds)
	if ds.HasErrors() {
		return cty.DynamicVal, false, diags
	}
	if !val.IsWhollyKnown() {
		return cty.DynamicVal, false, diags
	}
	conv, err := convert.Convert(val, ty)
	if err != nil {
		return cty.DynamicVal, false, append(diags, errorf(expr.Range(), "Invalid value",
			"%s must be %s: %s.", what, hcldecode.DescribeType(ty), err))
	}
	if conv.IsNull() {
		return conv, false, append(diags, errorf(expr.Range(), "Invalid value",
			"%s must be %s, not null.", what, hcldecode.DescribeType(ty)))
	}
	return conv, true, diags
}

// withoutEchoes drops a plugin's problems about attributes whose value was
// already reported: a value that failed to decode, or that depends on a
// reference diagnosed elsewhere, leaves the field at its default, and
// complaining about that default would only confuse.
func (s *scope) withoutEchoes(problems, decodeDiags hcl.Diagnostics) hcl.Diagnostics {
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

// decodeBody decodes a body into a struct with hcl tags.
func (s *scope) decodeBody(body hcl.Body, v any) hcl.Diagnostics {
	return s.filter(hcldecode.DecodeStruct(body, s.evalContext(), v))
}
