// Package vars decodes a workflow's variable blocks and sets their values
// from the defaults, the environment, -var-file files and -var options, in
// that order of precedence, then runs their validations.
package vars

import (
	"fmt"
	"strings"

	"github.com/cdflow/cdflow/workflows/internal/diag"
	"github.com/cdflow/cdflow/workflows/internal/hcldecode"
	"github.com/cdflow/cdflow/workflows/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Variable is a `variable "name"` block: an input of the workflow that the
// command line, a -var-file or the environment can set.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type  // cty.DynamicPseudoType when the block gives none
	Default     cty.Value // cty.NilVal when the variable is required
	Validations []*Validation
	// Value is the final value; ValueFrom says where it came from:
	// "default", "environment", "var-file" or "command line".
	Value     cty.Value
	ValueFrom string
	DeclRange hcl.Range

	defaultExpr hcl.Expression
	valueRange  *hcl.Range // the expression that set Value, when it is in a file
}

// Validation is a variable's `validation` block.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage string
	DeclRange    hcl.Range
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "condition", Required: true}, {Name: "error_message", Required: true}},
}

// DecodeBlock reads a variable block.
func DecodeBlock(b *hcl.Block) (*Variable, hcl.Diagnostics) {
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType, DeclRange: b.DefRange}
	var diags hcl.Diagnostics
	if !hclsyntax.ValidIdentifier(v.Name) {
		diags = append(diags, diag.BadName("variable", v.Name, b.LabelRanges[0]))
	}
	content, ds := b.Body.Content(variableSchema)
	diags = append(diags, ds...)
	if a := content.Attributes["description"]; a != nil {
		diags = append(diags, diag.StaticString(a, &v.Description)...)
	}
	if a := content.Attributes["type"]; a != nil {
		ty, ds := typeexpr.TypeConstraint(a.Expr)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			v.Type = ty
		}
	}
	if a := content.Attributes["default"]; a != nil {
		v.defaultExpr = a.Expr
		// A default that is reported as invalid still counts as given, so
		// the variable is not also reported as missing.
		v.Default = cty.UnknownVal(v.Type)
		if refs := a.Expr.Variables(); len(refs) > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reference in a variable default",
				Detail:   "A default must be a literal value; compute values from variables in a locals block instead.",
				Subject:  diag.RangeOf(refs[0].SourceRange()),
			})
		} else {
			val, ds := a.Expr.Value(nil)
			diags = append(diags, ds...)
			if !ds.HasErrors() {
				conv, err := convert.Convert(val, v.Type)
				if err != nil {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Invalid default value",
						Detail:   fmt.Sprintf("The default of variable %q is not a %s: %s; change the default or the type.", v.Name, typeexpr.TypeString(v.Type), err),
						Subject:  diag.RangeOf(a.Expr.Range()),
					})
				} else {
					v.Default = conv
				}
			}
		}
	}
	for _, vb := range content.Blocks {
		val := &Validation{DeclRange: vb.DefRange}
		vc, ds := vb.Body.Content(validationSchema)
		diags = append(diags, ds...)
		if a := vc.Attributes["condition"]; a != nil {
			val.Condition = a.Expr
			for _, t := range a.Expr.Variables() {
				if name, ok := Name(t); !ok || name != v.Name {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Invalid reference in a validation",
						Detail:   fmt.Sprintf("A validation condition can only refer to its own variable; use var.%s.", v.Name),
						Subject:  diag.RangeOf(t.SourceRange()),
					})
				}
			}
		}
		if a := vc.Attributes["error_message"]; a != nil {
			diags = append(diags, diag.StaticString(a, &val.ErrorMessage)...)
		}
		if val.Condition != nil {
			v.Validations = append(v.Validations, val)
		}
	}
	return v, diags
}

// Name returns X for a traversal var.X.
func Name(t hcl.Traversal) (string, bool) {
	if t.RootName() != "var" || len(t) < 2 {
		return "", false
	}
	a, ok := t[1].(hcl.TraverseAttr)
	return a.Name, ok
}

// InputValues are the variable values given from outside the workflow.
// Precedence, lowest first: default, environment, var-files, command line.
type InputValues struct {
	Vars     []string            // "name=value" from -var, in order (a later one wins)
	VarFiles []string            // -var-file paths, in order (a later one wins)
	Getenv   func(string) string // looks up CDFLOW_VAR_<name>; nil for none
}

// EnvPrefix prefixes the environment variables that set workflow variables.
const EnvPrefix = "CDFLOW_VAR_"

// Assign sets every variable's Value from its default and the input
// values, then runs the validations. parse reads a -var-file.
func Assign(vars []*Variable, in InputValues, parse func(path string) (*hcl.File, hcl.Diagnostics)) hcl.Diagnostics {
	var diags hcl.Diagnostics
	byName := map[string]*Variable{}
	var names []string
	for _, v := range vars {
		if prev := byName[v.Name]; prev != nil {
			diags = append(diags, diag.Duplicate("variable", "var."+v.Name, v.DeclRange, prev.DeclRange))
			continue
		}
		byName[v.Name] = v
		names = append(names, v.Name)
		if v.Default != cty.NilVal {
			v.Value, v.ValueFrom = v.Default, "default"
			v.valueRange = diag.RangeOf(v.defaultExpr.Range())
		}
	}
	if in.Getenv != nil {
		for _, v := range vars {
			raw := in.Getenv(EnvPrefix + v.Name)
			if raw == "" {
				continue
			}
			val, ds := parseRawValue(v, raw, EnvPrefix+v.Name)
			diags = append(diags, ds...)
			if !ds.HasErrors() {
				v.Value, v.ValueFrom, v.valueRange = val, "environment", nil
			}
		}
	}
	for _, path := range in.VarFiles {
		diags = append(diags, readVarFile(parse, path, byName, names)...)
	}
	for _, arg := range in.Vars {
		name, raw, ok := strings.Cut(arg, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid -var option",
				Detail:   fmt.Sprintf("-var %q is not of the form name=value; e.g. -var data=/mnt/data.", arg),
			})
			continue
		}
		v := byName[name]
		if v == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("-var sets %q but the workflow declares no such variable%s; declare it with a variable %q block.", name, diag.DidYouMean(name, names), name),
			})
			continue
		}
		val, ds := parseRawValue(v, raw, "-var "+name)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			v.Value, v.ValueFrom, v.valueRange = val, "command line", nil
		}
	}
	for _, v := range vars {
		if byName[v.Name] != v {
			continue
		}
		if v.Value == cty.NilVal {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail:   fmt.Sprintf("Variable %q has no default; set it with -var %s=VALUE, in a -var-file, or with %s%s.", v.Name, v.Name, EnvPrefix, v.Name),
				Subject:  diag.RangeOf(v.DeclRange),
			})
			v.Value = cty.UnknownVal(v.Type)
			continue
		}
		diags = append(diags, v.validate()...)
	}
	return diags
}

// parseRawValue turns a string from the command line or the environment
// into a value of the variable's type: strings are taken as they are, other
// types are parsed as HCL expressions, as Terraform does.
func parseRawValue(v *Variable, raw, from string) (cty.Value, hcl.Diagnostics) {
	if v.Type == cty.String || v.Type == cty.DynamicPseudoType {
		return cty.StringVal(raw), nil
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), from, hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("%s: %q is not a valid %s; e.g. %s.", from, raw, typeexpr.TypeString(v.Type), hcldecode.Example(v.Type)),
		}}
	}
	val, diags := expr.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("%s: %q is not a valid %s; e.g. %s.", from, raw, typeexpr.TypeString(v.Type), hcldecode.Example(v.Type)),
		}}
	}
	conv, err := convert.Convert(val, v.Type)
	if err != nil {
		return cty.NilVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("%s: %q is not a valid %s (%s); e.g. %s.", from, raw, typeexpr.TypeString(v.Type), err, hcldecode.Example(v.Type)),
		}}
	}
	return conv, nil
}

// readVarFile reads a -var-file: attributes named after variables.
func readVarFile(parse func(string) (*hcl.File, hcl.Diagnostics), path string, byName map[string]*Variable, names []string) hcl.Diagnostics {
	f, diags := parse(path)
	if diags.HasErrors() {
		return diags
	}
	attrs, ds := f.Body.JustAttributes()
	diags = append(diags, ds...)
	for _, a := range diag.SortedAttributes(attrs) {
		v := byName[a.Name]
		if v == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("The workflow declares no variable %q%s; remove it from the file or declare it.", a.Name, diag.DidYouMean(a.Name, names)),
				Subject:  diag.RangeOf(a.NameRange),
			})
			continue
		}
		val, ds := a.Expr.Value(nil)
		diags = append(diags, ds...)
		if ds.HasErrors() {
			continue
		}
		conv, err := convert.Convert(val, v.Type)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("Variable %q must be a %s: %s; e.g. %s = %s.", v.Name, typeexpr.TypeString(v.Type), err, v.Name, hcldecode.Example(v.Type)),
				Subject:  diag.RangeOf(a.Expr.Range()),
			})
			continue
		}
		v.Value, v.ValueFrom, v.valueRange = conv, "var-file", diag.RangeOf(a.Expr.Range())
	}
	return diags
}

// validate runs the variable's validation blocks on its value.
func (v *Variable) validate() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !v.Value.IsWhollyKnown() {
		return nil
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{v.Name: v.Value})},
		Functions: lang.Functions(""),
	}
	for _, val := range v.Validations {
		res, ds := val.Condition.Value(ctx)
		if ds.HasErrors() {
			diags = append(diags, ds...)
			continue
		}
		res, err := convert.Convert(res, cty.Bool)
		if err != nil || res.IsNull() || !res.IsKnown() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid validation condition",
				Detail:   "The condition must be true or false; e.g. condition = var." + v.Name + " > 0.",
				Subject:  diag.RangeOf(val.Condition.Range()),
			})
			continue
		}
		if res.True() {
			continue
		}
		subject := v.valueRange
		if subject == nil {
			subject = diag.RangeOf(v.DeclRange)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("%s (var.%s, set from the %s).", strings.TrimSuffix(val.ErrorMessage, "."), v.Name, v.ValueFrom),
			Subject:  subject,
		})
	}
	return diags
}
