package workflows

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/cdflow/cdflow/workflows/internal/diag"
)

// Local is one named value of a `locals` block, computed from variables and
// other locals, in dependency order.
type Local struct {
	Name      string
	Expr      hcl.Expression
	Value     cty.Value // cty.DynamicVal until evaluated, or when it could not be
	DeclRange hcl.Range
}

func decodeLocalsBlock(b *hcl.Block) ([]*Local, hcl.Diagnostics) {
	attrs, diags := b.Body.JustAttributes()
	var out []*Local
	for _, a := range diag.SortedAttributes(attrs) {
		out = append(out, &Local{Name: a.Name, Expr: a.Expr, Value: cty.DynamicVal, DeclRange: a.Range})
	}
	return out, diags
}
