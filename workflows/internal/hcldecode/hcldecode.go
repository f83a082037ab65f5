// Package hcldecode decodes HCL bodies into Go structs whose fields carry
// hcl tags, the way cdflow's plugins declare their configuration, and turns
// such structs back into maps for display.
package hcldecode

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// DecodeStruct decodes a body into a struct whose fields carry hcl tags, the
// way plugins declare their schema:
//
//	MinAbs     float64     `hcl:"min_abs,optional"` // attribute; required without ",optional"
//	Vegetation *Vegetation `hcl:"vegetation,block"` // nested block: *T, T, []T or []*T
//
// Absent optional attributes leave the field as it was, so a plugin's
// defaults survive. (gohcl does the same, but pulls in hclwrite and its
// dependencies for encoding we don't need.)
func DecodeStruct(body hcl.Body, ctx *hcl.EvalContext, v any) hcl.Diagnostics {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("hcldecode: plugin configuration must be a pointer to a struct, got %T", v))
	}
	return decodeStructValue(body, ctx, rv.Elem())
}

type structField struct {
	index    int
	name     string
	optional bool
	block    bool
}

func structFields(t reflect.Type) []structField {
	var out []structField
	for i := 0; i < t.NumField(); i++ {
		tag, ok := t.Field(i).Tag.Lookup("hcl")
		if !ok {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		f := structField{index: i, name: name}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "optional":
				f.optional = true
			case "block":
				f.block = true
			}
		}
		out = append(out, f)
	}
	return out
}

func decodeStructValue(body hcl.Body, ctx *hcl.EvalContext, val reflect.Value) hcl.Diagnostics {
	fields := structFields(val.Type())
	schema := &hcl.BodySchema{}
	for _, f := range fields {
		if f.block {
			schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: f.name})
		} else {
			schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: f.name, Required: !f.optional})
		}
	}
	content, diags := body.Content(schema)
	blocks := content.Blocks.ByType()
	for _, f := range fields {
		fv := val.Field(f.index)
		if !f.block {
			a := content.Attributes[f.name]
			if a == nil {
				continue
			}
			diags = append(diags, decodeAttribute(a, ctx, fv)...)
			continue
		}
		bs := blocks[f.name]
		t := fv.Type()
		switch {
		case t.Kind() == reflect.Slice:
			if len(bs) == 0 {
				continue
			}
			elem := t.Elem()
			sl := reflect.MakeSlice(t, 0, len(bs))
			for _, b := range bs {
				if elem.Kind() == reflect.Pointer {
					nv := reflect.New(elem.Elem())
					diags = append(diags, decodeStructValue(b.Body, ctx, nv.Elem())...)
					sl = reflect.Append(sl, nv)
				} else {
					nv := reflect.New(elem).Elem()
					diags = append(diags, decodeStructValue(b.Body, ctx, nv)...)
					sl = reflect.Append(sl, nv)
				}
			}
			fv.Set(sl)
		default:
			if len(bs) > 1 {
				diags = append(diags, errorf(bs[1].DefRange, "Duplicate "+f.name+" block",
					"Only one %s block is allowed here; the first is at %s. Merge them.", f.name, bs[0].DefRange))
			}
			if len(bs) == 0 {
				continue
			}
			if t.Kind() == reflect.Pointer {
				if fv.IsNil() {
					fv.Set(reflect.New(t.Elem()))
				}
				fv = fv.Elem()
			}
			diags = append(diags, decodeStructValue(bs[0].Body, ctx, fv)...)
		}
	}
	return diags
}

var expressionType = reflect.TypeOf((*hcl.Expression)(nil)).Elem()

// decodeAttribute evaluates an attribute into a Go field through its cty type.
func decodeAttribute(a *hcl.Attribute, ctx *hcl.EvalContext, fv reflect.Value) hcl.Diagnostics {
	if fv.Type() == expressionType {
		fv.Set(reflect.ValueOf(a.Expr))
		return nil
	}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		// Unknown values come from references diagnosed elsewhere.
		return diags
	}
	ty, err := gocty.ImpliedType(fv.Addr().Interface())
	if err != nil {
		panic(fmt.Sprintf("hcldecode: plugin configuration field %s: %v", a.Name, err))
	}
	conv, err := convert.Convert(v, ty)
	if err != nil {
		return append(diags, errorf(a.Expr.Range(), "Invalid value",
			"%s must be %s: %s; e.g. %s = %s.", a.Name, DescribeType(ty), err, a.Name, Example(ty)))
	}
	if conv.IsNull() {
		if fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Slice {
			fv.Set(reflect.Zero(fv.Type()))
			return diags
		}
		return append(diags, errorf(a.Expr.Range(), "Invalid value",
			"%s must be %s, not null; remove it to use the default.", a.Name, DescribeType(ty)))
	}
	if err := gocty.FromCtyValue(conv, fv.Addr().Interface()); err != nil {
		return append(diags, errorf(a.Expr.Range(), "Invalid value",
			"%s must be %s: %s; e.g. %s = %s.", a.Name, DescribeType(ty), err, a.Name, Example(ty)))
	}
	return diags
}

func errorf(subject hcl.Range, summary, format string, a ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, a...), Subject: &subject}
}

// DescribeType names a type in messages: "a number", "a list of strings".
func DescribeType(ty cty.Type) string {
	switch {
	case ty == cty.String:
		return "a string"
	case ty == cty.Number:
		return "a number"
	case ty == cty.Bool:
		return "true or false"
	case ty.IsListType():
		return "a list of " + DescribeType(ty.ElementType())[2:] + "s"
	case ty.IsMapType():
		return "a map of " + DescribeType(ty.ElementType())[2:] + "s"
	}
	return "a " + ty.FriendlyName()
}

// Example is a value of the type as HCL, for one-line fixes.
func Example(ty cty.Type) string {
	switch {
	case ty == cty.Number:
		return "1.5"
	case ty == cty.Bool:
		return "true"
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		return `["a", "b"]`
	case ty.IsMapType() || ty.IsObjectType():
		return `{ key = "value" }`
	}
	return `"text"`
}

// ConfigMap returns a plugin configuration (a pointer to a struct with hcl
// tags) as a map keyed by attribute and block names, for display and JSON.
func ConfigMap(cfg any) map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(cfg)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return out
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return out
	}
	for _, f := range structFields(v.Type()) {
		out[f.name] = configValue(v.Field(f.index))
	}
	return out
}

func configValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return configValue(v.Elem())
	case reflect.Struct:
		return ConfigMap(v.Addr().Interface())
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = configValue(v.Index(i))
		}
		return out
	}
	if v.CanInterface() {
		return v.Interface()
	}
	return nil
}
