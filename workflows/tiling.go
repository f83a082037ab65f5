package workflows

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows/internal/diag"
	"github.com/cdflow/cdflow/workflows/internal/eval"
	"github.com/cdflow/cdflow/workflows/internal/refs"
)

// Tiling is the `tiling` block: square tiles of Size metres aligned to
// Origin + k×Size in the sources' CRS.
type Tiling struct {
	Size       float64
	Origin     [2]float64
	AOI        *Source // a vector source bounding the grid, or nil
	IDTemplate string  // e.g. "E{minx}_N{miny}"
	DeclRange  hcl.Range

	attrs   hcl.Attributes
	aoiAddr *refs.Reference
}

// DefaultTileID is the tile id template when the workflow gives none: the
// south-west corner in CRS units, stable across runs and releases.
const DefaultTileID = "E{minx}_N{miny}"

var tilingSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "size", Required: true}, {Name: "origin"}, {Name: "aoi"}, {Name: "id"}},
}

func decodeTilingBlock(b *hcl.Block) (*Tiling, hcl.Diagnostics) {
	t := &Tiling{DeclRange: b.DefRange, IDTemplate: DefaultTileID}
	content, diags := b.Body.Content(tilingSchema)
	t.attrs = content.Attributes
	return t, diags
}

var (
	placeholder     = regexp.MustCompile(`\{([^{}]*)\}`)
	tilePlaceholder = []string{"minx", "miny", "maxx", "maxy", "col", "row"}
	tileIDChars     = regexp.MustCompile(`^[A-Za-z0-9_.{}-]+$`)
)

func (t *Tiling) evaluate(sc *eval.Scope, sources map[string]*Source) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if a := t.attrs["size"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.Number, "size")
		diags = append(diags, ds...)
		if ok {
			t.Size, _ = v.AsBigFloat().Float64()
			if !(t.Size > 0) || math.IsInf(t.Size, 0) {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid tile size",
					"The tile size is a positive number of metres, got %g; e.g. size = 200.", t.Size))
				t.Size = 0
			}
		}
	}
	if a := t.attrs["origin"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.List(cty.Number), "origin")
		diags = append(diags, ds...)
		if ok {
			if v.LengthInt() != 2 {
				diags = append(diags, diag.Errorf(a.Expr.Range(), "Invalid origin",
					"The origin is one point [x, y] in the sources' CRS, e.g. origin = [0, 0]."))
			} else {
				t.Origin[0], _ = v.Index(cty.NumberIntVal(0)).AsBigFloat().Float64()
				t.Origin[1], _ = v.Index(cty.NumberIntVal(1)).AsBigFloat().Float64()
			}
		}
	}
	if a := t.attrs["id"]; a != nil {
		v, ok, ds := sc.Eval(a.Expr, cty.String, "id")
		diags = append(diags, ds...)
		if ok {
			t.IDTemplate = v.AsString()
			diags = append(diags, checkIDTemplate(t.IDTemplate, a.Expr.Range())...)
		}
	}
	if t.aoiAddr != nil {
		s := sources[t.aoiAddr.Addr.String()]
		if s != nil && s.Kind != plugins.Vector {
			diags = append(diags, diag.Errorf(t.aoiAddr.Range, "AOI is not a vector source",
				"aoi bounds the grid with polygons; name a vector source, e.g. aoi = source.vector.aoi."))
		} else {
			t.AOI = s
		}
	}
	return diags
}

// checkIDTemplate makes sure tile ids are known placeholders, file-name
// safe, and unique: one placeholder must vary along x and one along y.
func checkIDTemplate(tmpl string, r hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !tileIDChars.MatchString(tmpl) {
		diags = append(diags, diag.Errorf(r, "Invalid tile id template",
			"Tile ids name files; use letters, digits, '_', '-', '.' and placeholders, e.g. id = \"E{minx}_N{miny}\"."))
	}
	var hasX, hasY bool
	for _, m := range placeholder.FindAllStringSubmatch(tmpl, -1) {
		name := m[1]
		switch name {
		case "minx", "maxx", "col":
			hasX = true
		case "miny", "maxy", "row":
			hasY = true
		default:
			diags = append(diags, diag.Errorf(r, "Unknown tile id placeholder",
				"{%s} is not a placeholder%s; use {minx}, {miny}, {maxx}, {maxy}, {col} or {row}.", name, diag.DidYouMean(name, tilePlaceholder)))
		}
	}
	if !diags.HasErrors() && !(hasX && hasY) {
		diags = append(diags, diag.Errorf(r, "Tile ids would not be unique",
			"The template must vary with x and y; include e.g. {minx} and {miny}, or {col} and {row}."))
	}
	return diags
}

// FormatTileID formats the id of the tile at column col and row row of the
// grid, covering e, from the template.
func FormatTileID(tmpl string, col, row int, e raster.Extent) string {
	vals := map[string]string{
		"minx": formatCoord(e.MinX), "miny": formatCoord(e.MinY),
		"maxx": formatCoord(e.MaxX), "maxy": formatCoord(e.MaxY),
		"col": strconv.Itoa(col), "row": strconv.Itoa(row),
	}
	return placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		if v, ok := vals[strings.Trim(m, "{}")]; ok {
			return v
		}
		return m
	})
}

func formatCoord(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// AOIRange is where the aoi attribute names its source (the block without one).
func (t *Tiling) AOIRange() hcl.Range {
	if t.aoiAddr != nil {
		return t.aoiAddr.Range
	}
	return t.DeclRange
}

// SizeRange is the size attribute's value.
func (t *Tiling) SizeRange() hcl.Range {
	if a := t.attrs["size"]; a != nil {
		return a.Expr.Range()
	}
	return t.DeclRange
}
