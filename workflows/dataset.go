package workflows

import (
	"regexp"

	"github.com/Masterminds/semver/v3"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// Dataset is the `dataset "name"` block: what the release is called and
// the metadata its STAC collection carries.
type Dataset struct {
	Name        string // used in catalog paths: lower case, digits, '.', '_', '-'
	Title       string // defaults to Name
	Description string
	License     string // SPDX identifier or expression; defaults to "proprietary"
	Version     string // semantic version, e.g. "1.0.0"
	Keywords    []string
	Providers   []Provider
	DeclRange   hcl.Range

	nameRange hcl.Range
	attrs     hcl.Attributes
}

// Provider is an organisation that licensed, produced, processed or hosts the data.
type Provider struct {
	Name        string   `cty:"name"`
	Description string   `cty:"description"`
	Roles       []string `cty:"roles"`
	URL         string   `cty:"url"`
}

var datasetSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title"}, {Name: "description"}, {Name: "license"}, {Name: "version"},
		{Name: "keywords"}, {Name: "providers"},
	},
}

var (
	datasetName  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	licenseRegex = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+() -]*$`)
)

var providerType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"name": cty.String, "description": cty.String, "roles": cty.List(cty.String), "url": cty.String,
}, []string{"description", "roles", "url"})

var providerRoles = []string{"licensor", "producer", "processor", "host"}

func decodeDatasetBlock(b *hcl.Block) (*Dataset, hcl.Diagnostics) {
	d := &Dataset{Name: b.Labels[0], DeclRange: b.DefRange, nameRange: b.LabelRanges[0]}
	content, diags := b.Body.Content(datasetSchema)
	d.attrs = content.Attributes
	if !datasetName.MatchString(d.Name) {
		diags = append(diags, errorf(d.nameRange, "Invalid dataset name",
			"%q names the release's folder; use lower-case letters, digits, '.', '_' and '-', e.g. \"valladolid-3dcd\".", d.Name))
	}
	if d.attrs["version"] == nil {
		diags = append(diags, errorf(d.DeclRange, "Missing dataset version",
			"A release needs a semantic version; add version = \"1.0.0\"."))
	}
	return d, diags
}

func (d *Dataset) evaluate(sc *scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	str := func(name string, dst *string) {
		if a := d.attrs[name]; a != nil {
			v, ok, ds := sc.eval(a.Expr, cty.String, name)
			diags = append(diags, ds...)
			if ok {
				*dst = v.AsString()
			}
		}
	}
	str("title", &d.Title)
	str("description", &d.Description)
	str("license", &d.License)
	str("version", &d.Version)
	if d.Title == "" {
		d.Title = d.Name
	}
	if a := d.attrs["license"]; a != nil && d.License != "" && !licenseRegex.MatchString(d.License) {
		diags = append(diags, errorf(a.Expr.Range(), "Invalid license",
			"%q is not an SPDX license identifier; e.g. license = \"CC-BY-4.0\".", d.License))
	}
	if d.License == "" {
		d.License = "proprietary"
	}
	if a := d.attrs["version"]; a != nil && d.Version != "" {
		if _, err := semver.StrictNewVersion(d.Version); err != nil {
			diags = append(diags, errorf(a.Expr.Range(), "Invalid dataset version",
				"%q is not a semantic version (%v); write MAJOR.MINOR.PATCH, e.g. version = \"1.0.0\".", d.Version, err))
		}
	}
	if a := d.attrs["keywords"]; a != nil {
		v, ok, ds := sc.eval(a.Expr, cty.List(cty.String), "keywords")
		diags = append(diags, ds...)
		if ok {
			_ = gocty.FromCtyValue(v, &d.Keywords)
		}
	}
	if a := d.attrs["providers"]; a != nil {
		v, ok, ds := sc.eval(a.Expr, cty.List(providerType), "providers")
		diags = append(diags, ds...)
		if ok {
			for it := v.ElementIterator(); it.Next(); {
				_, pv := it.Element()
				var p Provider
				pv = nullsToZero(pv)
				if err := gocty.FromCtyValue(pv, &p); err != nil {
					diags = append(diags, errorf(a.Expr.Range(), "Invalid provider", "%v; e.g. providers = [{ name = \"IGN\", roles = [\"producer\"] }].", err))
					continue
				}
				for _, r := range p.Roles {
					if !contains(providerRoles, r) {
						diags = append(diags, errorf(a.Expr.Range(), "Invalid provider role",
							"%q is not a STAC provider role%s; use licensor, producer, processor or host.", r, didYouMean(r, providerRoles)))
					}
				}
				if p.Name == "" {
					diags = append(diags, errorf(a.Expr.Range(), "Invalid provider", "Every provider needs a name; e.g. { name = \"IGN\" }."))
				}
				d.Providers = append(d.Providers, p)
			}
		}
	}
	return diags
}

// nullsToZero replaces null attributes of an object with zero values, so
// optional attributes decode into Go zero values.
func nullsToZero(v cty.Value) cty.Value {
	if !v.Type().IsObjectType() {
		return v
	}
	m := map[string]cty.Value{}
	for name, ty := range v.Type().AttributeTypes() {
		av := v.GetAttr(name)
		if av.IsNull() {
			switch {
			case ty == cty.String:
				av = cty.StringVal("")
			case ty.IsListType():
				av = cty.ListValEmpty(ty.ElementType())
			}
		}
		m[name] = av
	}
	return cty.ObjectVal(m)
}
