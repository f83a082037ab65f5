package workflows

import (
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/internal/diag"
)

// problemDiagnostics turns a plugin's Problems into diagnostics on the
// attributes they name inside body (the block's DefRange when not found).
func problemDiagnostics(problems []plugins.Problem, body hcl.Body, block hcl.Range, owner string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range problems {
		d := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  p.Summary,
			Detail:   p.Detail,
			Subject:  diag.RangeOf(attributeRange(body, p.Attribute, block)),
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
