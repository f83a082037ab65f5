package workflows

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows/internal/diag"
	"github.com/cdflow/cdflow/workflows/internal/eval"
	"github.com/cdflow/cdflow/workflows/internal/refs"
	"github.com/cdflow/cdflow/workflows/internal/vars"
)

// Source is a `source "<kind>" "<name>"` block: the files of one epoch of
// orthophotos or DSMs (mosaicked when there are many), or one GeoJSON file
// of polygons.
type Source struct {
	Kind plugins.Kind
	Name string
	// Patterns are the files entries as written, joined to the workflow's
	// directory when relative; Files are the files they match, sorted.
	Patterns []string
	Files    []string
	Datetime time.Time // zero when the block gives none
	NoData   *float64  // overrides the files' nodata when set
	// Epoch is the state of the world the files show: set by the block's
	// epoch attribute, else by the datetimes of the sources of the same kind
	// (the earlier is t0), else by their order in the files.
	Epoch     plugins.Epoch
	DeclRange hcl.Range
	KindRange hcl.Range

	// Point-cloud sources only: the CRS to assume instead of the files'
	// ("" keeps theirs), the ASPRS classes kept (all when empty) and
	// dropped (noise, 7 and 18, unless the block says otherwise), and the
	// returns kept ("all", "first" or "last").
	CRS            string
	Classes        []int
	ExcludeClasses []int
	Returns        string

	attrs    hcl.Attributes
	epochSet bool // the block's epoch attribute set Epoch
}

// Address returns source.<kind>.<name>.
func (s *Source) Address() Address {
	return Address{Root: "source", Type: string(s.Kind), Name: s.Name}
}

// ProductName is the name of the source's per-tile window: <kind>_<name>.
func (s *Source) ProductName() string { return string(s.Kind) + "_" + s.Name }

// Product is what the source provides to steps; before plan only its kind
// is known.
func (s *Source) Product() plugins.Product {
	return plugins.Product{Name: s.ProductName(), Kind: s.Kind, FromSource: true, Epoch: s.Epoch}
}

var sourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "files", Required: true}, {Name: "datetime"}, {Name: "nodata"}, {Name: "epoch"},
		{Name: "crs"}, {Name: "classes"}, {Name: "exclude_classes"}, {Name: "returns"}},
}

// pointAttributes are the attributes only point-cloud sources take.
var pointAttributes = []string{"crs", "classes", "exclude_classes", "returns"}

// defaultExcludeClasses are the ASPRS noise classes (low noise 7, high
// noise 18) a point-cloud source drops unless its block says otherwise.
var defaultExcludeClasses = []int{7, 18}

// ReturnChoices are the values of a point-cloud source's returns.
var ReturnChoices = []string{"all", "first", "last"}

// blockName is what source and step names look like: they appear in
// references, where a dash would read as a minus.
var blockName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func decodeSourceBlock(b *hcl.Block) (*Source, hcl.Diagnostics) {
	s := &Source{Kind: plugins.Kind(b.Labels[0]), Name: b.Labels[1], DeclRange: b.DefRange, KindRange: b.LabelRanges[0]}
	content, diags := b.Body.Content(sourceSchema)
	s.attrs = content.Attributes
	if !slices.Contains(refs.SourceKinds, b.Labels[0]) {
		diags = append(diags, diag.Errorf(b.LabelRanges[0], "Unknown source kind",
			"%q is not a source kind%s; use orthophoto, dsm, pointcloud or vector.", b.Labels[0], diag.DidYouMean(b.Labels[0], refs.SourceKinds)))
		return nil, diags
	}
	if !blockName.MatchString(s.Name) {
		diags = append(diags, diag.Errorf(b.LabelRanges[1], "Invalid source name",
			"%q cannot be referenced; use letters, digits and underscores, starting with a letter, e.g. \"t0\".", s.Name))
	}
	if a := s.attrs["nodata"]; a != nil && !s.Kind.IsRaster() {
		diags = append(diags, diag.Errorf(a.NameRange, "Nodata on a "+string(s.Kind)+" source",
			"Only raster sources have nodata; remove nodata from this block."))
	}
	for _, name := range pointAttributes {
		if a := s.attrs[name]; a != nil && !s.Kind.IsPoints() {
			diags = append(diags, diag.Errorf(a.NameRange, "Point-cloud attribute on a "+string(s.Kind)+" source",
				"%s applies to source \"pointcloud\" blocks only; remove it from this block.", name))
		}
	}
	if a := s.attrs["epoch"]; a != nil && s.Kind == plugins.Vector {
		diags = append(diags, diag.Errorf(a.NameRange, "Epoch on a vector source",
			"Vector sources (review polygons, an AOI) belong to no epoch; remove epoch from this block."))
	}
	return s, diags
}

// evaluate computes files, datetime and nodata, and expands the files.
func (s *Source) evaluate(sc *eval.Scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if a := s.attrs["files"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.List(cty.String), "files")
		diags = append(diags, ds...)
		if ok {
			diags = append(diags, s.expandFiles(sc, a, v)...)
		}
	}
	if a := s.attrs["datetime"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.String, "datetime")
		diags = append(diags, ds...)
		if ok {
			t, err := parseDatetime(v.AsString())
			if err != nil {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid datetime",
					"%q is not an RFC 3339 date-time; write e.g. datetime = \"2010-07-01T00:00:00Z\".", v.AsString()))
			} else {
				s.Datetime = t
			}
		}
	}
	if a := s.attrs["epoch"]; a != nil && s.Kind != plugins.Vector {
		v, ok, ds := sc.Eval(a.Expr, cty.String, "epoch")
		diags = append(diags, ds...)
		if ok {
			e, valid := plugins.ParseEpoch(v.AsString())
			if !valid {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid epoch",
					"%q is not an epoch; write epoch = \"t0\" for the earlier data or epoch = \"t1\" for the later.", v.AsString()))
			} else {
				s.Epoch, s.epochSet = e, true
			}
		}
	}
	if s.Kind.IsPoints() {
		diags = append(diags, s.evaluatePoints(sc)...)
	}
	if a := s.attrs["nodata"]; a != nil && s.Kind.IsRaster() {
		v, ok, ds := sc.Eval(a.Expr, cty.Number, "nodata")
		diags = append(diags, ds...)
		if ok {
			f, _ := v.AsBigFloat().Float64()
			if math.IsInf(f, 0) {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid nodata", "nodata must be a finite number, e.g. nodata = -9999."))
			} else {
				s.NoData = &f
			}
		}
	}
	return diags
}

// evaluatePoints computes a point-cloud source's crs, classes and returns.
func (s *Source) evaluatePoints(sc *eval.Scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	s.ExcludeClasses, s.Returns = slices.Clone(defaultExcludeClasses), "all"
	if a := s.attrs["crs"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.String, "crs")
		diags = append(diags, ds...)
		if ok {
			s.CRS = strings.TrimSpace(v.AsString())
			if s.CRS == "" {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Empty crs",
					"Write the CRS the files are in, e.g. crs = \"EPSG:25830\" (or \"EPSG:25830+5782\" with a vertical datum), or remove crs to use the files' own."))
			}
		}
	}
	classes := func(name string) ([]int, bool) {
		a := s.attrs[name]
		if a == nil {
			return nil, false
		}
		v, ok, ds := sc.Eval(a.Expr, cty.List(cty.Number), name)
		diags = append(diags, ds...)
		if !ok {
			return nil, false
		}
		var out []int
		for _, e := range v.AsValueSlice() {
			f, _ := e.AsBigFloat().Float64()
			if f != math.Trunc(f) || f < 0 || f > 255 {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid class",
					"%g is not an ASPRS class code; codes are whole numbers from 0 to 255 (2 ground, 6 building, 7 low noise, 18 high noise).", f))
				return nil, false
			}
			out = append(out, int(f))
		}
		return out, true
	}
	if c, ok := classes("classes"); ok {
		s.Classes = c
		if len(c) == 0 {
			diags = append(diags, diag.Errorf(s.attrs["classes"].Expr.Range(), "No class kept",
				"classes = [] keeps no point; list the classes to keep, e.g. classes = [2, 6], or remove it to keep all."))
		}
	}
	if c, ok := classes("exclude_classes"); ok {
		s.ExcludeClasses = c
	}
	if a := s.attrs["returns"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.String, "returns")
		diags = append(diags, ds...)
		if ok {
			if !slices.Contains(ReturnChoices, v.AsString()) {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid returns",
					"%q is not a return selection; use \"all\", \"first\" (tops of roofs and canopy) or \"last\"%s.", v.AsString(), diag.DidYouMean(v.AsString(), ReturnChoices)))
			} else {
				s.Returns = v.AsString()
			}
		}
	}
	return diags
}

// parseDatetime accepts RFC 3339 date-times and plain dates (midnight UTC).
func parseDatetime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse datetime %q: %w", s, err)
	}
	return t, nil
}

// expandFiles resolves the patterns against dir and checks that each
// matches something: a glob that matches nothing is a mistake the user
// should hear about before anything runs.
func (s *Source) expandFiles(sc *eval.Scope, a *hcl.Attribute, v cty.Value) hcl.Diagnostics {
	dir := sc.Dir
	var diags hcl.Diagnostics
	elems := v.AsValueSlice()
	if len(elems) == 0 {
		return hcl.Diagnostics{diag.Errorf(a.Expr.Range(), "No files",
			"A source needs at least one file; e.g. files = [\"${var.data}/dsm_2010/*.tif\"].")}
	}
	// Point at the list element when the list is written out literally.
	elemRange := func(i int) hcl.Range {
		if t, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok && len(t.Exprs) == len(elems) {
			return t.Exprs[i].Range()
		}
		return a.Expr.Range()
	}
	seen := map[string]bool{}
	for i, ev := range elems {
		p := ev.AsString()
		full := p
		if !strings.HasPrefix(p, "/vsi") && !objstore.IsURL(p) && !filepath.IsAbs(p) {
			full = filepath.Join(dir, p)
		}
		s.Patterns = append(s.Patterns, full)
		var matches []string
		switch {
		case objstore.IsURL(p):
			m, err := expandRemote(sc.Ctx, p)
			if err != nil {
				diags = append(diags, diag.Errorf(elemRange(i), "Cannot read object storage", "%s.", strings.TrimSuffix(err.Error(), ".")))
				continue
			}
			matches = m
		case strings.HasPrefix(p, "/vsi"):
			// GDAL virtual file systems are only reachable through GDAL.
			matches = []string{p}
		case strings.ContainsAny(p, "*?["):
			m, err := filepath.Glob(full)
			if err != nil {
				diags = append(diags, diag.Errorf(elemRange(i), "Invalid glob pattern",
					"%q is not a valid pattern (%v); check its brackets.", p, err))
				continue
			}
			if len(m) == 0 {
				diags = append(diags, diag.Errorf(elemRange(i), "Glob matches no file",
					"Nothing matches %s; check the directory and the pattern (relative paths start at %s)%s.", full, dirName(dir), varHint(sc, a.Expr)))
				continue
			}
			matches = m
		default:
			st, err := os.Stat(full)
			if err != nil {
				diags = append(diags, diag.Errorf(elemRange(i), "File not found",
					"%s does not exist; check the path (relative paths start at %s)%s.", full, dirName(dir), varHint(sc, a.Expr)))
				continue
			}
			if st.IsDir() {
				diags = append(diags, diag.Errorf(elemRange(i), "Directory instead of files",
					"%s is a directory; match its files with a glob, e.g. \"%s/*.tif\".", full, strings.TrimSuffix(p, "/")))
				continue
			}
			matches = []string{full}
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				s.Files = append(s.Files, m)
			}
		}
	}
	slices.Sort(s.Files)
	if s.Kind.IsRaster() {
		// ECW and MrSID (most PNOA orthophoto downloads) are said now, by
		// name and first bytes, not after plan opens every file.
		for _, f := range s.Files {
			if err := raster.UnsupportedFormat(f); err != nil {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Source in a format this GDAL cannot read", "%s", oneLineErr(err)))
				break
			}
		}
	}
	if s.Kind == plugins.Vector && !diags.HasErrors() {
		switch {
		case len(s.Files) != 1:
			diags = append(diags, diag.Errorf(a.Expr.Range(), "Vector source with many files",
				"A vector source is one GeoJSON file, but %d match; name a single file.", len(s.Files)))
		case !isGeoJSONName(s.Files[0]):
			diags = append(diags, diag.Errorf(elemRange(0), "Vector source is not GeoJSON",
				"%s is not a .geojson or .json file; convert it with ogr2ogr -f GeoJSON.", s.Files[0]))
		}
	}
	return diags
}

// varHint names the variables a path was built from, with their values,
// since a wrong path is most often a variable left at its default.
func varHint(sc *eval.Scope, expr hcl.Expression) string {
	var parts []string
	seen := map[string]bool{}
	for _, t := range expr.Variables() {
		name, ok := vars.Name(t)
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		if v, ok := sc.Vars[name]; ok && v.IsKnown() && v.Type() == cty.String {
			parts = append(parts, fmt.Sprintf("var.%s is %q: set it with -var %s=PATH", name, v.AsString(), name))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

func isGeoJSONName(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".geojson" || ext == ".json"
}

func dirName(dir string) string {
	if dir == "" || dir == "." {
		return "the current directory"
	}
	return dir
}

// assignEpochs gives every raster source without an epoch attribute its
// epoch among the sources of its kind: by datetime, the earliest t0 and the
// latest t1, or, without datetimes, by declaration order. A kind with one
// source left gives it the epoch its kind's other sources do not have.
//
// Then the epochs must agree with the datetimes and the names: t0 dated
// after t1, or a source named t1 that comes out the earlier epoch, is a
// mistake in the dates that would reverse every ΔH.
func assignEpochs(sources []*Source) hcl.Diagnostics {
	byKind := map[plugins.Kind][]*Source{}
	var kinds []plugins.Kind
	for _, s := range sources {
		if !s.Kind.HasEpoch() {
			continue
		}
		if byKind[s.Kind] == nil {
			kinds = append(kinds, s.Kind)
		}
		byKind[s.Kind] = append(byKind[s.Kind], s)
	}
	for _, k := range kinds {
		var open []*Source
		taken := map[plugins.Epoch]bool{}
		for _, s := range byKind[k] {
			if s.epochSet {
				taken[s.Epoch] = true
			} else {
				open = append(open, s)
			}
		}
		sort.SliceStable(open, func(i, j int) bool { return open[i].Datetime.Before(open[j].Datetime) })
		switch {
		case len(open) == 1 && taken[plugins.T0] && !taken[plugins.T1]:
			open[0].Epoch = plugins.T1
		case len(open) == 1 && taken[plugins.T1] && !taken[plugins.T0]:
			open[0].Epoch = plugins.T0
		case len(open) >= 2:
			open[0].Epoch, open[len(open)-1].Epoch = plugins.T0, plugins.T1
		case len(open) == 1 && !taken[plugins.T0] && !taken[plugins.T1]:
			// The only source of its kind (one survey made into a DSM):
			// the epoch its name says, else the earlier.
			if e, ok := plugins.ParseEpoch(open[0].Name); ok {
				open[0].Epoch = e
			} else {
				open[0].Epoch = plugins.T0
			}
		}
	}
	var diags hcl.Diagnostics
	for _, k := range kinds {
		var t0, t1 *Source
		for _, s := range byKind[k] {
			switch {
			case s.Epoch == plugins.T0 && t0 == nil:
				t0 = s
			case s.Epoch == plugins.T1 && t1 == nil:
				t1 = s
			}
		}
		if t0 == nil || t1 == nil {
			continue
		}
		if !t0.Datetime.IsZero() && !t1.Datetime.IsZero() && t1.Datetime.Before(t0.Datetime) {
			diags = append(diags, diag.Errorf(t1.attrRange("datetime"), "Epochs out of order",
				"%s is epoch t1 but dated %s, before %s (epoch t0, %s): every ΔH would be reversed. Fix the datetimes or the epoch attributes.",
				t1.Address(), t1.Datetime.Format("2006-01-02"), t0.Address(), t0.Datetime.Format("2006-01-02")))
			continue
		}
		for _, s := range []*Source{t0, t1} {
			if e, named := plugins.ParseEpoch(s.Name); named && e != s.Epoch && !s.epochSet {
				diags = append(diags, diag.Errorf(s.attrRange("datetime"), "Source named after the other epoch",
					"%s is dated %s, which makes it epoch %s, not %s as its name says: the datetimes of %s and %s are swapped? Fix them, or set epoch = %q.",
					s.Address(), s.Datetime.Format("2006-01-02"), s.Epoch, s.Name, t0.Address(), t1.Address(), s.Name))
			}
		}
	}
	return diags
}

// attrRange is an attribute's value, or the block without it.
func (s *Source) attrRange(name string) hcl.Range {
	if a := s.attrs[name]; a != nil {
		return a.Expr.Range()
	}
	return s.DeclRange
}

// FilesRange is the files attribute's value (the block without one).
func (s *Source) FilesRange() hcl.Range {
	if a := s.attrs["files"]; a != nil {
		return a.Expr.Range()
	}
	return s.DeclRange
}

// oneLineErr is an error's text on one line, ending with a full stop.
func oneLineErr(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
