package workflows

import (
	"regexp"

	"github.com/hashicorp/hcl/v2"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/internal/diag"
	"github.com/cdflow/cdflow/workflows/internal/refs"
)

// Publish is a `publish "<kind>" "<name>"` block, decoded by that
// publisher's schema into Impl.Config().
type Publish struct {
	Kind      string
	Name      string
	Impl      plugins.Publisher
	DeclRange hcl.Range

	body hcl.Body
}

// Config returns the publisher's decoded configuration.
func (p *Publish) Config() any { return p.Impl.Config() }

// Products returns the names of the per-tile products this block
// publishes among all: nil for none (statistics only).
func (p *Publish) Products(all []plugins.Product) []string {
	sel, ok := p.Impl.(plugins.ProductSelector)
	if !ok {
		return nil
	}
	return sel.Products(all)
}

// publishName is looser than blockName: publish blocks are never referenced.
var publishName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func decodePublishBlock(b *hcl.Block, reg *plugins.Registry) (*Publish, hcl.Diagnostics) {
	p := &Publish{Kind: b.Labels[0], Name: b.Labels[1], DeclRange: b.DefRange, body: b.Body}
	impl, err := reg.NewPublisher(p.Kind)
	if err != nil {
		detail := "No publisher \"" + p.Kind + "\" is registered; the known kinds are " + refs.JoinQuoted(reg.Publishers()) + "."
		if u, ok := err.(*plugins.UnknownError); ok && u.Suggestion != "" {
			detail = "No publisher \"" + p.Kind + "\" is registered; did you mean \"" + u.Suggestion + "\"?"
		}
		return nil, hcl.Diagnostics{diag.Errorf(b.LabelRanges[0], "Unknown publish kind", "%s", detail)}
	}
	p.Impl = impl
	var diags hcl.Diagnostics
	if !publishName.MatchString(p.Name) {
		diags = append(diags, diag.Errorf(b.LabelRanges[1], "Invalid publish name",
			"%q is not a valid name; use letters, digits, '_', '-' and '.', e.g. \"catalog\".", p.Name))
	}
	return p, diags
}
