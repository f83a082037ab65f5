package workflows

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/internal/diag"
	"github.com/cdflow/cdflow/workflows/internal/refs"
)

// Step is a `step "<plugin>" "<name>"` block. Its body is decoded by the
// plugin's own schema into Impl.Config(); the attributes the plugin declares
// as inputs are references to other blocks' products.
type Step struct {
	Plugin string
	Name   string
	// Impl is the plugin's step, holding the decoded configuration.
	Impl plugins.Step
	// Inputs are the input attributes given, in the plugin's declared order.
	Inputs []*StepInput
	// Outputs are the products the step writes; the first is its main
	// product, named after the step. Before plan, resolutions that depend
	// on the sources are 0; Plan resolves them.
	Outputs   []plugins.Product
	DeclRange hcl.Range
	TypeRange hcl.Range // the plugin label
	NameRange hcl.Range // the name label

	body       hcl.Body // the body without the input attributes
	fullBody   hcl.Body
	inputAttrs map[string]*hcl.Attribute
}

// StepInput is one input attribute and the product it names.
type StepInput struct {
	Name  string  // the attribute
	From  Address // a source or a step
	Range hcl.Range
	// Output is which of a step's Outputs the input reads: the first of a
	// kind it accepts (0, the main product, unless the step writes others).
	Output int
}

// Address returns step.<plugin>.<name>.
func (s *Step) Address() Address { return Address{Root: "step", Type: s.Plugin, Name: s.Name} }

// Config returns the plugin's decoded configuration (a pointer to its struct).
func (s *Step) Config() any { return s.Impl.Config() }

// Input returns the input with the given attribute name, or nil.
func (s *Step) Input(name string) *StepInput {
	for _, in := range s.Inputs {
		if in.Name == name {
			return in
		}
	}
	return nil
}

func decodeStepBlock(b *hcl.Block, reg *plugins.Registry) (*Step, hcl.Diagnostics) {
	s := &Step{Plugin: b.Labels[0], Name: b.Labels[1], DeclRange: b.DefRange,
		TypeRange: b.LabelRanges[0], NameRange: b.LabelRanges[1], fullBody: b.Body}
	var diags hcl.Diagnostics
	impl, err := reg.NewStep(s.Plugin)
	if err != nil {
		detail := "No step kind \"" + s.Plugin + "\" is registered; the known kinds are " + refs.JoinQuoted(reg.Steps()) + "."
		if u, ok := err.(*plugins.UnknownError); ok && u.Suggestion != "" {
			detail = "No step kind \"" + s.Plugin + "\" is registered; did you mean \"" + u.Suggestion + "\"?"
		}
		return nil, append(diags, diag.Errorf(b.LabelRanges[0], "Unknown step kind", "%s", detail))
	}
	s.Impl = impl
	if n, ok := impl.(plugins.Namer); ok {
		n.SetName(s.Name)
	}
	if !blockName.MatchString(s.Name) {
		diags = append(diags, diag.Errorf(b.LabelRanges[1], "Invalid step name",
			"%q cannot be referenced or used as a file name; use letters, digits and underscores, starting with a letter, e.g. \"cd3d\".", s.Name))
	}
	schema := &hcl.BodySchema{}
	for _, in := range impl.Inputs() {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: in.Name})
	}
	content, remain, ds := b.Body.PartialContent(schema)
	diags = append(diags, ds...)
	s.body = remain
	s.inputAttrs = content.Attributes
	for _, in := range impl.Inputs() {
		if in.Required && content.Attributes[in.Name] == nil {
			diags = append(diags, diag.Errorf(b.DefRange, "Missing input",
				"A %s step needs %s: %s; add e.g. %s = %s.", s.Plugin, in.Name, in.Doc, in.Name, exampleRef(in.Kinds)))
		}
	}
	return s, diags
}

// exampleRef is a plausible reference to a product of the first kind.
func exampleRef(kinds []plugins.Kind) string {
	if len(kinds) == 0 {
		return "source.dsm.t0"
	}
	switch kinds[0] {
	case plugins.Orthophoto:
		return "source.orthophoto.t0"
	case plugins.ElevationDifference:
		return "step.difference.dh"
	case plugins.ElevationChange:
		return "step.threshold.cd3d"
	case plugins.ChangeMask:
		return "step.change_mask.cd2d"
	case plugins.Vector:
		return "source.vector.review"
	case plugins.PointFeatures:
		return "step.rasterize.dsm_t0"
	}
	return "source.dsm.t0"
}

// valueExpressions returns every expression of the step body outside its
// input attributes, nested blocks included, for reference checking.
func (s *Step) valueExpressions() []hcl.Expression {
	sb, ok := s.fullBody.(*hclsyntax.Body)
	if !ok {
		attrs, _ := s.body.JustAttributes()
		var out []hcl.Expression
		for _, a := range diag.SortedAttributes(attrs) {
			out = append(out, a.Expr)
		}
		return out
	}
	var out []hcl.Expression
	var walk func(b *hclsyntax.Body, top bool)
	walk = func(b *hclsyntax.Body, top bool) {
		for _, a := range sortedSyntaxAttributes(b.Attributes) {
			if top && s.inputAttrs[a.Name] != nil {
				continue
			}
			out = append(out, a.Expr)
		}
		for _, nb := range b.Blocks {
			walk(nb.Body, false)
		}
	}
	walk(sb, true)
	return out
}

func sortedSyntaxAttributes(attrs hclsyntax.Attributes) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].SrcRange.Start.Byte < out[j-1].SrcRange.Start.Byte; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
