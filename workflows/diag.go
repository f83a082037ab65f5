package workflows

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cdflow/cdflow/plugins"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func errorf(subject hcl.Range, summary, format string, a ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, a...), Subject: rangeOf(subject)}
}

func warningf(subject hcl.Range, summary, format string, a ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, a...), Subject: rangeOf(subject)}
}

// didYouMean returns `; did you mean "x"?`-style text, or "".
func didYouMean(given string, candidates []string) string {
	if s := plugins.Suggest(given, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

func duplicate(what, addr string, r, first hcl.Range) *hcl.Diagnostic {
	return errorf(r, "Duplicate "+what,
		"%s is already defined at %s; rename or remove one of them.", addr, first)
}

func badName(what, name string, r hcl.Range) *hcl.Diagnostic {
	return errorf(r, "Invalid "+what+" name",
		"%q is not a valid name; use letters, digits, underscores and dashes, starting with a letter.", name)
}

// staticString evaluates an attribute without variables into s.
func staticString(a *hcl.Attribute, s *string) hcl.Diagnostics {
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return diags
	}
	if v.IsNull() || !v.Type().Equals(cty.String) {
		return hcl.Diagnostics{errorf(a.Expr.Range(), "Invalid value", "%s must be a string; e.g. %s = \"...\".", a.Name, a.Name)}
	}
	*s = v.AsString()
	return nil
}

func sortedAttributes(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Range.Start.Byte < out[j].Range.Start.Byte })
	return out
}

// problemDiagnostics turns a plugin's Problems into diagnostics on the
// attributes they name inside body (the block's DefRange when not found).
func problemDiagnostics(problems []plugins.Problem, body hcl.Body, block hcl.Range, owner string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range problems {
		d := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  p.Summary,
			Detail:   p.Detail,
			Subject:  rangeOf(attributeRange(body, p.Attribute, block)),
		}
		if p.Warning {
			d.Severity = hcl.DiagWarning
		}
		if owner != "" && !strings.Contains(d.Detail, owner) {
			d.Detail = owner + ": " + d.Detail
		}
		diags = append(diags, d)
	}
	return diags
}

// attributeRange finds the value range of the attribute at path
// ("min_abs", "vegetation.index", "review[1].action") in a native-syntax
// body; for a path naming a block it returns the block's type range.
func attributeRange(body hcl.Body, path string, fallback hcl.Range) hcl.Range {
	b, ok := body.(*hclsyntax.Body)
	if !ok || path == "" {
		return fallback
	}
	parts := strings.Split(path, ".")
	for i, part := range parts {
		name, index := part, 0
		if open := strings.IndexByte(part, '['); open > 0 && strings.HasSuffix(part, "]") {
			n, err := strconv.Atoi(part[open+1 : len(part)-1])
			if err == nil {
				name, index = part[:open], n
			}
		}
		last := i == len(parts)-1
		if a, ok := b.Attributes[name]; ok && last {
			return a.Expr.Range()
		}
		var found *hclsyntax.Block
		seen := 0
		for _, nb := range b.Blocks {
			if nb.Type == name {
				if seen == index {
					found = nb
					break
				}
				seen++
			}
		}
		if found == nil {
			return fallback
		}
		if last {
			return found.TypeRange
		}
		fallback = found.TypeRange
		b = found.Body
	}
	return fallback
}

// oneLine is an error's message on one line, for a diagnostic's detail.
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}
