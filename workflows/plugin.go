package workflows

import (
	"context"
	"path/filepath"
	"regexp"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/internal/diag"
)

// Plugin is a `plugin "<name>"` block: a step kind served by a program
// outside cdflow (see package plugins/external). Step blocks of kind name
// then use it like a built-in step.
type Plugin struct {
	Spec      plugins.ExternalSpec
	DeclRange hcl.Range
}

var pluginSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "source", Required: true}, {Name: "sha256"}, {Name: "timeout"}},
}

// validStepKind is what a step kind looks like (plugins.Register's rule).
var validStepKind = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// decodePluginBlock reads a plugin block. Its attributes are literal: the
// plugin must be known before the steps that use it are decoded, which is
// before any variable is evaluated.
func decodePluginBlock(b *hcl.Block, dir string) (*Plugin, hcl.Diagnostics) {
	p := &Plugin{Spec: plugins.ExternalSpec{Name: b.Labels[0]}, DeclRange: b.DefRange}
	content, diags := b.Body.Content(pluginSchema)
	if !validStepKind.MatchString(p.Spec.Name) {
		diags = append(diags, diag.Errorf(b.LabelRanges[0], "Invalid plugin name",
			"%q cannot be a step kind; use lower-case letters, digits and underscores, starting with a letter, e.g. \"slope\".", p.Spec.Name))
	}
	literal := func(name string) (string, *hcl.Attribute, bool) {
		a := content.Attributes[name]
		if a == nil {
			return "", nil, false
		}
		if len(a.Expr.Variables()) > 0 {
			diags = append(diags, diag.Errorf(a.Expr.Range(), "Plugin attribute is not literal",
				"A plugin block is read before variables; write %s as a literal string.", name))
			return "", a, false
		}
		v, ds := a.Expr.Value(nil)
		diags = append(diags, ds...)
		if ds.HasErrors() || v.IsNull() || !v.Type().Equals(cty.String) {
			if !ds.HasErrors() {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Plugin attribute is not a string", "%s must be a string.", name))
			}
			return "", a, false
		}
		return v.AsString(), a, true
	}
	if src, _, ok := literal("source"); ok {
		if !filepath.IsAbs(src) {
			src = filepath.Join(dir, src)
		}
		p.Spec.Path = src
	}
	if sum, _, ok := literal("sha256"); ok {
		p.Spec.SHA256 = sum
	}
	if t, a, ok := literal("timeout"); ok {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid timeout",
				"%q is not a positive duration; write e.g. timeout = \"2m\" (units ns, us, ms, s, m, h).", t))
		} else {
			p.Spec.Timeout = d
		}
	}
	return p, diags
}

// load starts the plugin and returns reg with its step kind added.
func (p *Plugin) load(ctx context.Context, reg *plugins.Registry, nameRange hcl.Range) (*plugins.Registry, hcl.Diagnostics) {
	if p.Spec.Path == "" {
		return reg, nil // reported while decoding
	}
	if _, err := reg.NewStep(p.Spec.Name); err == nil {
		return reg, hcl.Diagnostics{diag.Errorf(nameRange, "Plugin shadows a step kind",
			"A step kind %q exists already; give the plugin another name.", p.Spec.Name)}
	}
	f, err := plugins.LoadExternal(ctx, p.Spec)
	if err != nil {
		return reg, hcl.Diagnostics{diag.Errorf(p.DeclRange, "Cannot start plugin", "%s.", diag.OneLine(err))}
	}
	next, err := reg.With(p.Spec.Name, f)
	if err != nil {
		return reg, hcl.Diagnostics{diag.Errorf(p.DeclRange, "Plugin cannot run", "%s; fix the plugin's description of itself.", diag.OneLine(err))}
	}
	return next, nil
}
