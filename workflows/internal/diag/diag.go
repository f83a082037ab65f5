// Package diag builds the workflow layer's diagnostics: every problem an
// hcl.Diagnostic with the narrowest source range and a one-line fix.
package diag

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/cdflow/cdflow/plugins"
)

// Errorf is an error on subject.
func Errorf(subject hcl.Range, summary, format string, a ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, a...), Subject: RangeOf(subject)}
}

// Warningf is a warning on subject.
func Warningf(subject hcl.Range, summary, format string, a ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, a...), Subject: RangeOf(subject)}
}

// DidYouMean returns ` (did you mean "x"?)`, or "" when nothing is close.
func DidYouMean(given string, candidates []string) string {
	if s := plugins.Suggest(given, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// Duplicate is the error on a second definition of addr.
func Duplicate(what, addr string, r, first hcl.Range) *hcl.Diagnostic {
	return Errorf(r, "Duplicate "+what,
		"%s is already defined at %s; rename or remove one of them.", addr, first)
}

// BadName is the error on a name that cannot be used.
func BadName(what, name string, r hcl.Range) *hcl.Diagnostic {
	return Errorf(r, "Invalid "+what+" name",
		"%q is not a valid name; use letters, digits, underscores and dashes, starting with a letter.", name)
}

// StaticString evaluates an attribute without variables into s.
func StaticString(a *hcl.Attribute, s *string) hcl.Diagnostics {
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return diags
	}
	if v.IsNull() || !v.Type().Equals(cty.String) {
		return hcl.Diagnostics{Errorf(a.Expr.Range(), "Invalid value", "%s must be a string; e.g. %s = \"...\".", a.Name, a.Name)}
	}
	*s = v.AsString()
	return nil
}

// SortedAttributes returns attributes in source order.
func SortedAttributes(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Range.Start.Byte < out[j].Range.Start.Byte })
	return out
}

// RangeOf returns a pointer to a copy of r, for Diagnostic.Subject.
func RangeOf(r hcl.Range) *hcl.Range { return &r }

// OneLine is an error's message on one line, for a diagnostic's detail.
func OneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}
