package workflows

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/internal/blocks"
	"github.com/cdflow/cdflow/workflows/internal/dag"
	"github.com/cdflow/cdflow/workflows/internal/diag"
	"github.com/cdflow/cdflow/workflows/internal/eval"
	"github.com/cdflow/cdflow/workflows/internal/refs"
	"github.com/cdflow/cdflow/workflows/internal/vars"
)

// decode runs the phases after parsing: structure, variables, references
// and the DAG, evaluation, each block's own checks, then the checks across
// blocks. It reports every problem it can find, not only the first.
func (p *Parser) decode(path, dir string, files []*hcl.File, in InputValues) (*Workflow, hcl.Diagnostics) {
	cfg, diags := p.decodeStructure(files, dir)
	w := &Workflow{Path: path, Dir: dir, Plugins: cfg.plugins, sources: map[string]*Source{}, steps: map[string]*Step{}}

	// Blocks that appear once.
	if len(cfg.datasets) == 0 {
		diags = append(diags, diag.Errorf(cfg.firstFile, "Missing dataset block",
			"Name the dataset the workflow builds; add dataset \"my-dataset\" { version = \"1.0.0\" }."))
	}
	for i, d := range cfg.datasets {
		if i == 0 {
			w.Dataset = d
			continue
		}
		diags = append(diags, diag.Duplicate("dataset block", "A dataset", d.DeclRange, cfg.datasets[0].DeclRange))
	}
	if len(cfg.tilings) == 0 {
		diags = append(diags, diag.Errorf(cfg.firstFile, "Missing tiling block",
			"Say how to cut the area into tiles; add tiling { size = 200 }."))
	}
	for i, t := range cfg.tilings {
		if i == 0 {
			w.Tiling = t
			continue
		}
		diags = append(diags, diag.Duplicate("tiling block", "A tiling", t.DeclRange, cfg.tilings[0].DeclRange))
	}
	for i, s := range cfg.splits {
		if i == 0 {
			w.Split = s
			continue
		}
		diags = append(diags, diag.Duplicate("split block", "A split", s.DeclRange, cfg.splits[0].DeclRange))
	}
	if len(cfg.splits) == 0 && len(cfg.publish) > 0 {
		// Said now rather than at publish, after every tile ran: a release
		// files each tile under train, test or val.
		diags = append(diags, diag.Errorf(cfg.publish[0].DeclRange, "Missing split block",
			"A release puts every tile in train, test or val; add a split block, e.g. split { ratios = { train = 0.7, test = 0.2, val = 0.1 } }, or remove the publish blocks to only compute the products."))
	}

	// Named blocks, each name once.
	locals := map[string]*Local{}
	for _, l := range cfg.locals {
		if prev := locals[l.Name]; prev != nil {
			diags = append(diags, diag.Duplicate("local value", "local."+l.Name, l.DeclRange, prev.DeclRange))
			continue
		}
		locals[l.Name] = l
		w.Locals = append(w.Locals, l)
	}
	for _, s := range cfg.sources {
		addr := s.Address().String()
		if prev := w.sources[addr]; prev != nil {
			diags = append(diags, diag.Duplicate("source", addr, s.DeclRange, prev.DeclRange))
			continue
		}
		w.sources[addr] = s
		w.Sources = append(w.Sources, s)
	}
	stepNames := map[string]*Step{}
	var steps []*Step
	for _, s := range cfg.steps {
		// Products are files named after their step, so a name is taken
		// once across all plugins.
		if prev := stepNames[s.Name]; prev != nil {
			diags = append(diags, diag.Duplicate("step name", "A step named "+fmt.Sprintf("%q", s.Name), s.NameRange, prev.NameRange))
			continue
		}
		stepNames[s.Name] = s
		w.steps[s.Address().String()] = s
		steps = append(steps, s)
	}
	publishes := map[string]*Publish{}
	for _, pb := range cfg.publish {
		key := "publish." + pb.Kind + "." + pb.Name
		if prev := publishes[key]; prev != nil {
			diags = append(diags, diag.Duplicate("publish block", key, pb.DeclRange, prev.DeclRange))
			continue
		}
		publishes[key] = pb
		w.Publish = append(w.Publish, pb)
	}
	varsByName := map[string]*Variable{}
	for _, v := range cfg.variables {
		if varsByName[v.Name] == nil {
			varsByName[v.Name] = v
			w.Variables = append(w.Variables, v)
		}
	}
	diags = append(diags, vars.Assign(cfg.variables, in, p.hcl.ParseHCLFile)...)

	// References: check each, and record the DAG's edges.
	var poison []hcl.Range
	declared := refs.Declared{Vars: map[string]bool{}, Locals: map[string]bool{},
		Sources: map[string]map[string]bool{}, Steps: map[string]map[string]bool{}, StepKinds: cfg.registry.Steps()}
	for name := range varsByName {
		declared.Vars[name] = true
	}
	for name := range locals {
		declared.Locals[name] = true
	}
	for _, s := range w.Sources {
		refs.Add(declared.Sources, string(s.Kind), s.Name)
	}
	for _, s := range w.steps {
		refs.Add(declared.Steps, s.Plugin, s.Name)
	}
	r := refs.NewResolver(declared, &poison)
	g := dag.New()
	for _, v := range w.Variables {
		g.Add("var."+v.Name, v.DeclRange)
	}
	for _, l := range w.Locals {
		g.Add("local."+l.Name, l.DeclRange)
	}
	for _, s := range w.Sources {
		g.Add(s.Address().String(), s.DeclRange)
	}
	for _, s := range steps {
		g.Add(s.Address().String(), s.DeclRange)
	}
	g.SortByDeclaration(fileOrder(files))
	var valueRefs []refs.Reference
	checkValues := func(node string, exprs ...hcl.Expression) {
		for _, e := range exprs {
			found, ds := r.ValueRefs(e)
			diags = append(diags, ds...)
			valueRefs = append(valueRefs, found...)
			if node != "" {
				g.Depend(node, edges(found)...)
			}
		}
	}
	for _, l := range w.Locals {
		checkValues("local."+l.Name, l.Expr)
	}
	for _, s := range w.Sources {
		checkValues(s.Address().String(), attrExprs(s.attrs)...)
	}
	if w.Dataset != nil {
		checkValues("", attrExprs(w.Dataset.Attrs())...)
	}
	if w.Tiling != nil {
		for _, a := range diag.SortedAttributes(w.Tiling.attrs) {
			if a.Name != "aoi" {
				checkValues("", a.Expr)
				continue
			}
			ref, ok, ds := r.ProductRef(a)
			diags = append(diags, ds...)
			switch {
			case ok && ref.Addr.Root != "source":
				diags = append(diags, diag.Errorf(ref.Range, "AOI is not a vector source",
					"aoi bounds the grid with polygons; name a vector source, e.g. aoi = source.vector.aoi."))
			case ok:
				w.Tiling.aoiAddr = &ref
			}
		}
	}
	if w.Split != nil {
		checkValues("", attrExprs(w.Split.Attrs())...)
	}
	for _, pb := range w.Publish {
		checkValues("", bodyExpressions(pb.body)...)
	}
	stepInputs := map[*Step]map[string]refs.Reference{}
	for _, s := range steps {
		addr := s.Address().String()
		stepInputs[s] = map[string]refs.Reference{}
		for _, in := range s.Impl.Inputs() {
			a := s.inputAttrs[in.Name]
			if a == nil {
				continue
			}
			ref, ok, ds := r.ProductRef(a)
			diags = append(diags, ds...)
			if ok {
				stepInputs[s][in.Name] = ref
				g.Depend(addr, dag.Edge{To: ref.Addr.String(), Range: ref.Range})
			}
		}
		checkValues(addr, s.valueExpressions()...)
	}

	// The DAG: cycles are errors naming every block on them.
	ds, onCycle := g.Cycles()
	diags = append(diags, ds...)
	order := g.Order(onCycle)

	// Evaluate locals in dependency order.
	sc := eval.NewScope(dir, p.AllowPaths...)
	sc.Ctx = p.Context
	for _, v := range w.Variables {
		sc.Vars[v.Name] = v.Value
	}
	for _, l := range w.Locals {
		sc.SetLocal(l.Name, cty.DynamicVal)
	}
	for _, addr := range order {
		name, ok := strings.CutPrefix(addr, "local.")
		if !ok {
			continue
		}
		l := locals[name]
		v, ds := l.Expr.Value(sc.ContextFor(l.Expr))
		ds = filterPoison(ds, poison)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			l.Value = v
			sc.SetLocal(name, v)
		}
	}
	// Errors caused by a value that could not be computed were reported at
	// their cause; silence their echoes.
	for _, ref := range valueRefs {
		var v cty.Value
		switch ref.Addr.Root {
		case "var":
			v = sc.Vars[ref.Addr.Name]
		case "local":
			v = sc.Locals[ref.Addr.Name]
		}
		if v == cty.NilVal || !v.IsWhollyKnown() {
			poison = append(poison, ref.Range)
		}
	}
	sc.Poison = poison

	// Each block's own values and checks.
	if w.Dataset != nil {
		diags = append(diags, w.Dataset.Evaluate(sc)...)
	}
	for _, s := range w.Sources {
		diags = append(diags, s.evaluate(sc)...)
	}
	diags = append(diags, assignEpochs(w.Sources)...)
	if w.Tiling != nil {
		diags = append(diags, w.Tiling.evaluate(sc, w.sources)...)
	}
	if w.Split != nil {
		diags = append(diags, w.Split.Evaluate(sc)...)
	}
	for _, s := range steps {
		// Validate even after a decode error: fields that failed keep their
		// defaults, and the other fields' problems are still worth telling.
		ds := sc.DecodeBody(s.body, s.Impl.Config())
		diags = append(diags, ds...)
		diags = append(diags, sc.WithoutEchoes(problemDiagnostics(s.Impl.Validate(), s.fullBody, s.DeclRange, ""), ds)...)
	}
	for _, pb := range w.Publish {
		ds := sc.DecodeBody(pb.body, pb.Impl.Config())
		diags = append(diags, ds...)
		diags = append(diags, sc.WithoutEchoes(problemDiagnostics(pb.Impl.Validate(), pb.body, pb.DeclRange, ""), ds)...)
	}

	// Steps in execution order, their inputs' kinds, their products.
	for _, addr := range order {
		if s := w.steps[addr]; s != nil {
			w.Steps = append(w.Steps, s)
		}
	}
	if len(w.DataSources()) == 0 && len(cfg.sources) == len(w.Sources) {
		diags = append(diags, diag.Errorf(cfg.firstFile, "No raster sources",
			"A dataset is built from orthophotos, DSMs or point clouds; add e.g. source \"dsm\" \"t0\" { files = [\"dsm_2010/*.tif\"] }."))
	}
	diags = append(diags, w.resolveProducts(stepInputs, nil)...)
	diags = append(diags, w.checkAcross()...)

	sortDiagnostics(diags, files)
	if diags.HasErrors() {
		return nil, diags
	}
	return w, diags
}

// sortDiagnostics orders diagnostics as their subjects appear in the files
// (those without a subject first), so output reads top to bottom.
func sortDiagnostics(diags hcl.Diagnostics, files []*hcl.File) {
	fileIndex := map[string]int{}
	for i, f := range files {
		if sb, ok := f.Body.(*hclsyntax.Body); ok {
			fileIndex[sb.SrcRange.Filename] = i + 1
		}
	}
	key := func(d *hcl.Diagnostic) (int, int) {
		if d.Subject == nil {
			return -1, 0
		}
		fi, ok := fileIndex[d.Subject.Filename]
		if !ok {
			fi = len(files) + 1
		}
		return fi, d.Subject.Start.Byte
	}
	sort.SliceStable(diags, func(i, j int) bool {
		fi, bi := key(diags[i])
		fj, bj := key(diags[j])
		if fi != fj {
			return fi < fj
		}
		return bi < bj
	})
}

// ResolveProducts completes the steps' products once plan knows the
// sources' (pixel sizes, data types), and checks the tile size against them.
func (w *Workflow) ResolveProducts(known map[string]plugins.Product) hcl.Diagnostics {
	return append(w.resolveProducts(nil, known), w.checkResolutions()...)
}

// resolveProducts computes every step's outputs in execution order from
// its inputs' products, checking each input's kind. known gives the
// sources' products when plan has read their metadata (nil before).
func (w *Workflow) resolveProducts(stepInputs map[*Step]map[string]refs.Reference, known map[string]plugins.Product) hcl.Diagnostics {
	var diags hcl.Diagnostics
	// Every block's products by address: a source's one, a step's outputs.
	products := map[string][]plugins.Product{}
	for _, s := range w.Sources {
		p := s.Product()
		if k, ok := known[s.Address().String()]; ok {
			p = k
		}
		products[s.Address().String()] = []plugins.Product{p}
	}
	for _, s := range w.Steps {
		in := map[string]plugins.Product{}
		usable := true
		if stepInputs != nil {
			s.Inputs = nil
			for _, decl := range s.Impl.Inputs() {
				ref, ok := stepInputs[s][decl.Name]
				if !ok {
					usable = usable && !decl.Required
					continue
				}
				s.Inputs = append(s.Inputs, &StepInput{Name: decl.Name, From: ref.Addr, Range: ref.Range})
			}
		}
		for _, si := range s.Inputs {
			decl := inputDecl(s.Impl, si.Name)
			outs := products[si.From.String()]
			if len(outs) == 0 {
				usable = false
				continue
			}
			// The first product of an accepted kind; the main one when none
			// is, for the message.
			si.Output = 0
			for i, o := range outs {
				if decl.Accepts(o.Kind) {
					si.Output = i
					break
				}
			}
			p := &outs[si.Output]
			if !decl.Accepts(p.Kind) {
				diags = append(diags, diag.Errorf(si.Range, "Input of the wrong kind",
					"%s of a %s step must be %s, but %s is %s; e.g. %s = %s.",
					si.Name, s.Plugin, decl.Describe(), si.From, p.Kind.Describe(), si.Name, exampleRef(decl.Kinds)))
				// Without a required input the step's products are unknown;
				// a wrong optional one is left out and the rest still checked.
				usable = usable && !decl.Required
				continue
			}
			in[si.Name] = *p
		}
		if !usable {
			continue
		}
		outs, problems := s.Impl.Outputs(in)
		diags = append(diags, problemDiagnostics(problems, s.fullBody, s.DeclRange, "")...)
		if len(outs) == 0 {
			continue
		}
		outs[0].Name = s.Name
		if e := sharedEpoch(in); e != plugins.NoEpoch {
			for i := range outs {
				if outs[i].Epoch == plugins.NoEpoch && !outs[i].FromSource {
					outs[i].Epoch = e
				}
			}
		}
		s.Outputs = outs
		products[s.Address().String()] = slices.Clone(outs)
	}
	return diags
}

// sharedEpoch is the epoch every raster input has, or none when they
// differ (a comparison of both) or have none.
func sharedEpoch(in map[string]plugins.Product) plugins.Epoch {
	e, first := plugins.NoEpoch, true
	for _, p := range in {
		if !p.Kind.HasEpoch() {
			continue
		}
		if first {
			e, first = p.Epoch, false
		} else if p.Epoch != e {
			return plugins.NoEpoch
		}
	}
	return e
}

func inputDecl(s plugins.Step, name string) plugins.Input {
	for _, in := range s.Inputs() {
		if in.Name == name {
			return in
		}
	}
	return plugins.Input{Name: name}
}

// checkAcross runs the checks that involve several blocks: product names,
// tile size against every product's pixel size and the split's block, what
// publish blocks select, and step outputs nobody uses.
func (w *Workflow) checkAcross() hcl.Diagnostics {
	var diags hcl.Diagnostics
	byName := map[string]*Step{}
	var names []string
	for _, s := range w.Steps {
		for _, p := range s.Outputs {
			if prev := byName[p.Name]; prev != nil && prev != s {
				diags = append(diags, diag.Errorf(s.NameRange, "Duplicate product name",
					"Step %s and %s both write a product %q to every tile; rename one of the steps.", prev.Address(), s.Address(), p.Name))
				continue
			}
			if byName[p.Name] == nil {
				names = append(names, p.Name)
			}
			byName[p.Name] = s
		}
	}
	diags = append(diags, w.checkResolutions()...)
	if w.Split != nil && w.Tiling != nil && w.Split.Block > 0 && w.Tiling.Size > 0 && !plugins.MultipleOf(w.Split.Block, w.Tiling.Size) {
		diags = append(diags, diag.Errorf(w.Split.BlockRange(), "Block is not a multiple of the tile size",
			"Spatial blocks group whole tiles: %g m is not a multiple of the %g m tiles; e.g. block = %g.", w.Split.Block, w.Tiling.Size, w.Tiling.Size*5))
	}
	used := map[string]bool{}
	for _, s := range w.Steps {
		for _, in := range s.Inputs {
			used[in.From.String()] = true
		}
	}
	var all []plugins.Product
	for _, pr := range w.Products() {
		all = append(all, pr.Product)
	}
	for _, pb := range w.Publish {
		sel := pb.Products(all)
		for _, name := range sel {
			if s := byName[name]; s != nil {
				used[s.Address().String()] = true
				continue
			}
			diags = append(diags, diag.Errorf(attributeRange(pb.body, "products", pb.DeclRange), "Unknown product",
				"No step writes a product %q%s; the products are %s.", name, diag.DidYouMean(name, names), refs.JoinQuoted(names)))
		}
	}
	for _, s := range w.Steps {
		if !used[s.Address().String()] && len(s.Outputs) > 0 {
			diags = append(diags, diag.Warningf(s.NameRange, "Step output never used",
				"No step reads %s and no publish block publishes its product %q; publish it (e.g. publish \"stac\" \"catalog\" {}) or remove the step.", s.Address(), s.Name))
		}
	}
	return diags
}

// checkResolutions checks that the tile size is a whole multiple of every
// product's pixel size known so far, so each tile is a whole number of pixels.
func (w *Workflow) checkResolutions() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if w.Tiling == nil || w.Tiling.Size <= 0 {
		return nil
	}
	for _, s := range w.Steps {
		// A resolution taken over from an earlier step's product is
		// reported once, where it is chosen, not again on every step after.
		inherited := map[float64]bool{}
		for _, in := range s.Inputs {
			if from := w.steps[in.From.String()]; from != nil && in.Output < len(from.Outputs) {
				inherited[from.Outputs[in.Output].Resolution] = true
			}
		}
		for _, p := range s.Outputs {
			if p.Resolution <= 0 || plugins.MultipleOf(w.Tiling.Size, p.Resolution) || inherited[p.Resolution] {
				continue
			}
			diags = append(diags, diag.Errorf(attributeRange(s.fullBody, "resolution", s.DeclRange), "Tile size is not a multiple of the resolution",
				"%g m tiles are not a whole number of %g m pixels (product %q of %s); choose a resolution that divides %g, e.g. resolution = %s, or change tiling's size.",
				w.Tiling.Size, p.Resolution, p.Name, s.Address(), w.Tiling.Size, suggestResolution(w.Tiling.Size, p.Resolution)))
			break
		}
	}
	return diags
}

// niceResolutions are the pixel sizes suggested when one does not divide
// the tile size.
var niceResolutions = []float64{0.05, 0.1, 0.125, 0.2, 0.25, 0.5, 1, 2, 2.5, 4, 5, 10, 20, 25, 50, 100}

// suggestResolution returns the round pixel size dividing size nearest to res.
func suggestResolution(size, res float64) string {
	best := size
	for _, r := range niceResolutions {
		if plugins.MultipleOf(size, r) && math.Abs(math.Log(r/res)) < math.Abs(math.Log(best/res)) {
			best = r
		}
	}
	return blocks.TrimFloat(best)
}

// attrExprs returns the expressions of attributes in source order.
func attrExprs(attrs hcl.Attributes) []hcl.Expression {
	var out []hcl.Expression
	for _, a := range diag.SortedAttributes(attrs) {
		out = append(out, a.Expr)
	}
	return out
}

// bodyExpressions returns every expression of a body, nested blocks included.
func bodyExpressions(body hcl.Body) []hcl.Expression {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		attrs, _ := body.JustAttributes()
		return attrExprs(attrs)
	}
	var out []hcl.Expression
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		for _, a := range sortedSyntaxAttributes(b.Attributes) {
			out = append(out, a.Expr)
		}
		for _, nb := range b.Blocks {
			walk(nb.Body)
		}
	}
	walk(sb)
	return out
}

func filterPoison(diags hcl.Diagnostics, poison []hcl.Range) hcl.Diagnostics {
	sc := &eval.Scope{Poison: poison}
	return sc.Filter(diags)
}

// fileOrder gives each file its position in the load order.
func fileOrder(files []*hcl.File) map[string]int {
	out := map[string]int{}
	for i, f := range files {
		if sb, ok := f.Body.(*hclsyntax.Body); ok {
			out[sb.SrcRange.Filename] = i
		}
	}
	return out
}

func edges(refs []refs.Reference) []dag.Edge {
	out := make([]dag.Edge, len(refs))
	for i, r := range refs {
		out[i] = dag.Edge{To: r.Addr.String(), Range: r.Range}
	}
	return out
}
