// Package blocks decodes the workflow blocks that stand on their own: the
// dataset (what the release is called) and the split (how tiles are shared
// between subsets).
package blocks

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"

	"github.com/cdflow/cdflow/split"
	"github.com/cdflow/cdflow/workflows/internal/diag"
	"github.com/cdflow/cdflow/workflows/internal/eval"
	"github.com/cdflow/cdflow/workflows/internal/refs"
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

// reservedNames are the names beside the datasets in a catalog folder.
var reservedNames = map[string]bool{"catalog.json": true, ".lock": true, ".staging": true}

// SubsetNames are the subsets a split can make: those of STAC's ml-aoi
// extension (val is its "validate").
var SubsetNames = []string{"train", "test", "val"}

// DecodeDataset reads a dataset block.
func DecodeDataset(b *hcl.Block) (*Dataset, hcl.Diagnostics) {
	d := &Dataset{Name: b.Labels[0], DeclRange: b.DefRange, nameRange: b.LabelRanges[0]}
	content, diags := b.Body.Content(datasetSchema)
	d.attrs = content.Attributes
	switch {
	case !datasetName.MatchString(d.Name):
		diags = append(diags, diag.Errorf(d.nameRange, "Invalid dataset name",
			"%q names the release's folder; use lower-case letters, digits, '.', '_' and '-', e.g. \"valladolid-3dcd\".", d.Name))
	case reservedNames[d.Name] || strings.HasSuffix(d.Name, ".json"):
		diags = append(diags, diag.Errorf(d.nameRange, "Reserved dataset name",
			"%q is the name of a file the catalog folder holds beside the datasets; choose another name, e.g. \"valladolid-3dcd\".", d.Name))
	}
	if d.attrs["version"] == nil {
		diags = append(diags, diag.Errorf(d.DeclRange, "Missing dataset version",
			"A release needs a semantic version; add version = \"1.0.0\"."))
	}
	return d, diags
}

// Evaluate computes the block's values and checks them.
func (d *Dataset) Evaluate(sc *eval.Scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	str := func(name string, dst *string) {
		if a := d.attrs[name]; a != nil {
			v, ok, ds := sc.Eval(a.Expr, cty.String, name)
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
		diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid license",
			"%q is not an SPDX license identifier; e.g. license = \"CC-BY-4.0\".", d.License))
	}
	if d.License == "" {
		d.License = "proprietary"
	}
	if a := d.attrs["version"]; a != nil {
		if _, err := semver.StrictNewVersion(d.Version); err != nil || d.Version == "" {
			if err == nil || d.Version == "" {
				err = fmt.Errorf("it is empty")
			}
			diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid dataset version",
				"%q is not a semantic version (%v); write MAJOR.MINOR.PATCH, e.g. version = \"1.0.0\".", d.Version, err))
		}
	}
	if a := d.attrs["keywords"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.List(cty.String), "keywords")
		diags = append(diags, ds...)
		if ok {
			_ = gocty.FromCtyValue(v, &d.Keywords)
		}
	}
	if a := d.attrs["providers"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.List(providerType), "providers")
		diags = append(diags, ds...)
		if ok {
			for it := v.ElementIterator(); it.Next(); {
				_, pv := it.Element()
				var p Provider
				pv = nullsToZero(pv)
				if err := gocty.FromCtyValue(pv, &p); err != nil {
					diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid provider", "%v; e.g. providers = [{ name = \"IGN\", roles = [\"producer\"] }].", err))
					continue
				}
				for _, r := range p.Roles {
					if !slices.Contains(providerRoles, r) {
						diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid provider role",
							"%q is not a STAC provider role%s; use licensor, producer, processor or host.", r, diag.DidYouMean(r, providerRoles)))
					}
				}
				if p.Name == "" {
					diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid provider", "Every provider needs a name; e.g. { name = \"IGN\" }."))
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

// Split is the `split` block: how tiles are divided into subsets.
type Split struct {
	// Subsets in the order written, with their ratio (when ByCount is
	// false) or their count (when it is true).
	Subsets []Subset
	ByCount bool
	// Stratify is "change_fraction" (the default: every subset keeps the
	// dataset's share of changed pixels) or "none".
	Stratify string
	Seed     int64
	// Block is the side of the spatial blocks in metres (a multiple of the
	// tile size): tiles of one block go to one subset. 0 means no blocking.
	Block float64
	// CoverRange is the subset that must cover the dataset's ΔH range ("" for
	// none): hold changed pixels of every 1 m ΔH bin that has at least
	// CoverMinPixels changed pixels over the whole dataset. It defaults to
	// "train" when there is such a subset; cover_range = "none" turns it off.
	CoverRange string
	// CoverMinPixels is cover_min_pixels (default 50): bins with fewer
	// changed pixels in the whole dataset are spikes the rule ignores.
	CoverMinPixels int64
	DeclRange      hcl.Range

	attrs hcl.Attributes
}

// Subset is one part of the split.
type Subset struct {
	Name  string
	Ratio float64 // when the split is by ratios
	Count int     // when the split is by counts
}

var splitSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "ratios"}, {Name: "counts"}, {Name: "stratify"}, {Name: "seed"},
		{Name: "block"}, {Name: "cover_range"}, {Name: "cover_min_pixels"},
	},
}

var (
	stratifyValues = []string{"change_fraction", "none"}
)

// DecodeSplit reads a split block.
func DecodeSplit(b *hcl.Block) (*Split, hcl.Diagnostics) {
	s := &Split{DeclRange: b.DefRange, Stratify: "change_fraction", CoverMinPixels: split.DefaultCoverMinPixels}
	content, diags := b.Body.Content(splitSchema)
	s.attrs = content.Attributes
	ratios, counts := s.attrs["ratios"], s.attrs["counts"]
	switch {
	case ratios != nil && counts != nil:
		diags = append(diags, diag.Errorf(counts.NameRange, "Both ratios and counts",
			"A split is given by ratios or by counts, not both; remove one of them."))
	case ratios == nil && counts == nil:
		diags = append(diags, diag.Errorf(b.DefRange, "Missing split ratios",
			"Say how to divide the tiles; add e.g. ratios = { train = 0.68, test = 0.23, val = 0.09 }."))
	}
	return s, diags
}

// Evaluate computes the block's values and checks them.
func (s *Split) Evaluate(sc *eval.Scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if a := s.attrs["ratios"]; a != nil && s.attrs["counts"] == nil {
		diags = append(diags, s.evalSubsets(sc, a, false)...)
	} else if a := s.attrs["counts"]; a != nil && s.attrs["ratios"] == nil {
		s.ByCount = true
		diags = append(diags, s.evalSubsets(sc, a, true)...)
	}
	if a := s.attrs["stratify"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.String, "stratify")
		diags = append(diags, ds...)
		if ok {
			s.Stratify = v.AsString()
			if !slices.Contains(stratifyValues, s.Stratify) {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Unknown stratification",
					"%q is not a stratification%s; use \"change_fraction\" or \"none\".", s.Stratify, diag.DidYouMean(s.Stratify, stratifyValues)))
			}
		}
	}
	if a := s.attrs["seed"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.Number, "seed")
		diags = append(diags, ds...)
		if ok {
			bf := v.AsBigFloat()
			i, acc := bf.Int64()
			if acc != big.Exact || i < 0 {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid seed",
					"The seed is a whole number, 0 or more; e.g. seed = 42."))
			} else {
				s.Seed = i
			}
		}
	}
	if a := s.attrs["block"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.Number, "block")
		diags = append(diags, ds...)
		if ok {
			s.Block, _ = v.AsBigFloat().Float64()
			if !(s.Block > 0) || math.IsInf(s.Block, 0) {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid block size",
					"The spatial block is a positive number of metres, a multiple of the tile size; e.g. block = 1000."))
				s.Block = 0
			}
		}
	}
	names := make([]string, len(s.Subsets))
	for i, sub := range s.Subsets {
		names[i] = sub.Name
	}
	if a := s.attrs["cover_range"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.String, "cover_range")
		diags = append(diags, ds...)
		if ok {
			s.CoverRange = v.AsString()
			if s.CoverRange == "none" {
				s.CoverRange = ""
			} else if len(names) > 0 && !slices.Contains(names, s.CoverRange) {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Unknown subset",
					"%q is not one of the subsets %s%s; name the subset that must cover the whole ΔH range, or \"none\".", s.CoverRange, refs.JoinQuoted(names), diag.DidYouMean(s.CoverRange, names)))
			}
		}
	} else if slices.Contains(names, "train") {
		s.CoverRange = "train"
	}
	if a := s.attrs["cover_min_pixels"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.Number, "cover_min_pixels")
		diags = append(diags, ds...)
		if ok {
			i, acc := v.AsBigFloat().Int64()
			if acc != big.Exact || i < 1 {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid cover_min_pixels",
					"cover_min_pixels is a whole number of changed pixels, 1 or more: a 1 m ΔH bin with at least that many in the dataset must appear in the cover_range subset; e.g. cover_min_pixels = %d.", split.DefaultCoverMinPixels))
			} else {
				s.CoverMinPixels = i
			}
		}
	}
	return diags
}

// evalSubsets reads the ratios or counts map, keeping the order written.
func (s *Split) evalSubsets(sc *eval.Scope, a *hcl.Attribute, byCount bool) hcl.Diagnostics {
	v, ok, diags := sc.Eval(a.Expr, cty.Map(cty.Number), a.Name)
	if !ok {
		return diags
	}
	if v.LengthInt() == 0 {
		return append(diags, diag.Errorf(a.Expr.Range(), "No subsets",
			"Name at least one subset; e.g. %s = { train = 0.8, test = 0.2 }.", a.Name))
	}
	// The order and ranges of the keys as written, when written literally.
	order, ranges := objectKeys(a.Expr)
	m := v.AsValueMap()
	var names []string
	for _, k := range order {
		if _, ok := m[k]; ok && !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(names, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	names = append(names, rest...)
	valueRange := func(k string) hcl.Range {
		if r, ok := ranges[k]; ok {
			return r
		}
		return a.Expr.Range()
	}
	sum := 0.0
	for _, k := range names {
		f, _ := m[k].AsBigFloat().Float64()
		if !slices.Contains(SubsetNames, k) {
			diags = append(diags, diag.Errorf(valueRange(k), "Unknown subset",
				"%q is not a subset a release can hold: STAC's ml-aoi extension knows train, test and validation (cdflow's val); use train, test or val.", k))
		}
		sub := Subset{Name: k}
		if byCount {
			if f != math.Trunc(f) || f < 1 || f > math.MaxInt32 {
				diags = append(diags, diag.Errorf(valueRange(k), "Invalid subset count",
					"The count of %q must be a positive whole number of tiles, got %g; e.g. %s = 320.", k, f, k))
			}
			sub.Count = int(f)
		} else {
			if !(f > 0 && f < 1) {
				diags = append(diags, diag.Errorf(valueRange(k), "Split ratio out of range",
					"The ratio of %q must lie strictly between 0 and 1, got %g; e.g. %s = 0.68.", k, f, k))
			}
			sub.Ratio = f
			sum += f
		}
		s.Subsets = append(s.Subsets, sub)
	}
	if !byCount && !diags.HasErrors() && math.Abs(sum-1) > 1e-6 {
		diags = append(diags, diag.Errorf(a.Expr.Range(), "Split ratios do not sum to 1",
			"The ratios sum to %s; adjust them so they sum to 1, e.g. { train = 0.68, test = 0.23, val = 0.09 }.", TrimFloat(sum)))
	}
	return diags
}

// objectKeys returns the keys of a literal object expression in the order
// written, and the range of each key's value.
func objectKeys(expr hcl.Expression) ([]string, map[string]hcl.Range) {
	oc, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil, nil
	}
	var order []string
	ranges := map[string]hcl.Range{}
	for _, item := range oc.Items {
		kv, diags := item.KeyExpr.Value(nil)
		if diags.HasErrors() || !kv.IsKnown() || kv.IsNull() || kv.Type() != cty.String {
			continue
		}
		k := kv.AsString()
		order = append(order, k)
		ranges[k] = item.ValueExpr.Range()
	}
	return order, ranges
}

// TrimFloat formats a number for a message.
func TrimFloat(f float64) string { return fmt.Sprintf("%.6g", f) }

// SubsetCounts returns the number of tiles of each subset for n tiles: the
// counts when given, otherwise the ratios rounded by the largest-remainder
// method (ties go to the subset written first), so the sizes always sum to n.
func (s *Split) SubsetCounts(n int) []int {
	counts := make([]int, len(s.Subsets))
	if s.ByCount {
		for i, sub := range s.Subsets {
			counts[i] = sub.Count
		}
		return counts
	}
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	total := 0
	for i, sub := range s.Subsets {
		exact := sub.Ratio * float64(n)
		counts[i] = int(math.Floor(exact + 1e-9))
		total += counts[i]
		rems = append(rems, rem{i, exact - float64(counts[i])})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r+1e-12 })
	for k := 0; total < n && k < len(rems); k++ {
		counts[rems[k].i]++
		total++
	}
	return counts
}

// CountsRange is the counts attribute's value (the block without one).
func (s *Split) CountsRange() hcl.Range {
	if a := s.attrs["counts"]; a != nil {
		return a.Expr.Range()
	}
	return s.DeclRange
}

// Attrs are the dataset block's attributes, for reference checks.
func (d *Dataset) Attrs() hcl.Attributes { return d.attrs }

// Attrs are the split block's attributes, for reference checks.
func (s *Split) Attrs() hcl.Attributes { return s.attrs }

// BlockRange is the block attribute's value (the block without one).
func (s *Split) BlockRange() hcl.Range {
	if a := s.attrs["block"]; a != nil {
		return a.Expr.Range()
	}
	return s.DeclRange
}
