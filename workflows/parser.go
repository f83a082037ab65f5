package workflows

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/internal/blocks"
	"github.com/cdflow/cdflow/workflows/internal/diag"
	"github.com/cdflow/cdflow/workflows/internal/vars"
)

// Parser loads workflows. It keeps every file it read (workflow files and
// -var-files) so diagnostics can be printed with their source snippets:
//
//	p := workflows.NewParser(nil)
//	w, diags := p.Load("workflow.hcl", workflows.InputValues{})
//	wr := hcl.NewDiagnosticTextWriter(os.Stderr, p.Files(), 100, false)
//	wr.WriteDiagnostics(diags)
type Parser struct {
	hcl      *hclparse.Parser
	registry *plugins.Registry
	// AllowPaths are folders beyond the workflow's own that file() and
	// glob() may read.
	AllowPaths []string
	// Context bounds the external plugins the workflow starts: they stop
	// when it ends (default: they live until plugins.CloseExternal).
	Context context.Context
}

// NewParser returns a parser that resolves step and publish kinds in reg
// (plugins.Default when nil).
func NewParser(reg *plugins.Registry) *Parser {
	if reg == nil {
		reg = plugins.Default
	}
	return &Parser{hcl: hclparse.NewParser(), registry: reg}
}

// Files returns the files read so far, by name, for hcl.NewDiagnosticTextWriter.
func (p *Parser) Files() map[string]*hcl.File { return p.hcl.Files() }

// Load reads a workflow from one .hcl file or from every .hcl file of a
// directory (as one workflow, like Terraform), then decodes and validates
// it. Relative paths in the workflow resolve against the file's directory.
// When the diagnostics hold errors the workflow is nil.
func (p *Parser) Load(path string, in InputValues) (*Workflow, hcl.Diagnostics) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read workflow",
			Detail:   fmt.Sprintf("%v; give the path of a workflow .hcl file or of a directory holding them.", err),
		}}
	}
	dir := filepath.Dir(path)
	names := []string{path}
	if st.IsDir() {
		dir = path
		names, _ = filepath.Glob(filepath.Join(path, "*.hcl"))
		slices.Sort(names)
		if len(names) == 0 {
			return nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "No workflow files",
				Detail:   fmt.Sprintf("Directory %s holds no .hcl file; put the workflow in %s.", path, filepath.Join(path, "workflow.hcl")),
			}}
		}
	}
	var files []*hcl.File
	var diags hcl.Diagnostics
	for _, name := range names {
		src, err := readWorkflowFile(name)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read workflow",
				Detail: fmt.Sprintf("%v; give the path of a workflow .hcl file or of a directory holding them.", err)})
			continue
		}
		if ds := checkSource(name, src); ds.HasErrors() {
			diags = append(diags, ds...)
			continue
		}
		f, ds := p.hcl.ParseHCL(src, name)
		diags = append(diags, ds...)
		if f != nil {
			files = append(files, f)
		}
	}
	if diags.HasErrors() {
		// Later stages would only repeat syntax errors in other words.
		return nil, diags
	}
	w, ds := p.decode(path, dir, files, in)
	return w, append(diags, ds...)
}

// LoadSource decodes and validates a workflow held in memory, as if it were
// the file filename (relative paths resolve against filename's directory).
func (p *Parser) LoadSource(filename string, src []byte, in InputValues) (*Workflow, hcl.Diagnostics) {
	if ds := checkSource(filename, src); ds.HasErrors() {
		return nil, ds
	}
	f, diags := p.hcl.ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	w, ds := p.decode(filename, filepath.Dir(filename), []*hcl.File{f}, in)
	return w, append(diags, ds...)
}

// rootSchema is the top level of a workflow file.
var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "dataset", LabelNames: []string{"name"}},
		{Type: "source", LabelNames: []string{"kind", "name"}},
		{Type: "tiling"},
		{Type: "step", LabelNames: []string{"plugin", "name"}},
		{Type: "split"},
		{Type: "publish", LabelNames: []string{"kind", "name"}},
		{Type: "plugin", LabelNames: []string{"name"}},
	},
}

// config is a workflow after the structural decode: blocks with their
// expressions, nothing evaluated yet.
type config struct {
	variables []*Variable
	locals    []*Local
	datasets  []*Dataset
	sources   []*Source
	tilings   []*Tiling
	steps     []*Step
	splits    []*Split
	publish   []*Publish
	plugins   []*Plugin
	// registry is the parser's, with the workflow's own plugins added.
	registry *plugins.Registry
	// firstFile is where "missing block" diagnostics point.
	firstFile hcl.Range
}

// decodeStructure decodes the top level of every file into blocks.
func (p *Parser) decodeStructure(files []*hcl.File, dir string) (*config, hcl.Diagnostics) {
	cfg := &config{registry: p.registry}
	var diags hcl.Diagnostics
	contents := make([]*hcl.BodyContent, len(files))
	for i, f := range files {
		content, ds := f.Body.Content(rootSchema)
		diags = append(diags, ds...)
		contents[i] = content
		if i == 0 {
			cfg.firstFile = hcl.Range{Filename: content.MissingItemRange.Filename, Start: hcl.InitialPos, End: hcl.InitialPos}
		}
	}
	// Plugins first: the step blocks of their kinds decode with them.
	seen := map[string]*Plugin{}
	for _, content := range contents {
		for _, b := range content.Blocks {
			if b.Type != "plugin" {
				continue
			}
			pl, ds := decodePluginBlock(b, dir)
			diags = append(diags, ds...)
			if prev := seen[pl.Spec.Name]; prev != nil {
				diags = append(diags, diag.Duplicate("plugin", "plugin "+fmt.Sprintf("%q", pl.Spec.Name), pl.DeclRange, prev.DeclRange))
				continue
			}
			seen[pl.Spec.Name] = pl
			if ds.HasErrors() {
				continue
			}
			ctx := p.Context
			if ctx == nil {
				ctx = context.Background()
			}
			reg, ds := pl.load(ctx, cfg.registry, b.LabelRanges[0])
			diags = append(diags, ds...)
			cfg.registry = reg
			cfg.plugins = append(cfg.plugins, pl)
		}
	}
	for _, content := range contents {
		for _, b := range content.Blocks {
			switch b.Type {
			case "variable":
				v, ds := vars.DecodeBlock(b)
				diags = append(diags, ds...)
				if v != nil {
					cfg.variables = append(cfg.variables, v)
				}
			case "locals":
				ls, ds := decodeLocalsBlock(b)
				diags = append(diags, ds...)
				cfg.locals = append(cfg.locals, ls...)
			case "dataset":
				d, ds := blocks.DecodeDataset(b)
				diags = append(diags, ds...)
				cfg.datasets = append(cfg.datasets, d)
			case "source":
				s, ds := decodeSourceBlock(b)
				diags = append(diags, ds...)
				if s != nil {
					cfg.sources = append(cfg.sources, s)
				}
			case "tiling":
				t, ds := decodeTilingBlock(b)
				diags = append(diags, ds...)
				cfg.tilings = append(cfg.tilings, t)
			case "step":
				s, ds := decodeStepBlock(b, cfg.registry)
				diags = append(diags, ds...)
				if s != nil {
					cfg.steps = append(cfg.steps, s)
				}
			case "split":
				s, ds := blocks.DecodeSplit(b)
				diags = append(diags, ds...)
				cfg.splits = append(cfg.splits, s)
			case "publish":
				pb, ds := decodePublishBlock(b, cfg.registry)
				diags = append(diags, ds...)
				if pb != nil {
					cfg.publish = append(cfg.publish, pb)
				}
			}
		}
	}
	return cfg, diags
}

// readWorkflowFile reads a workflow file, but never more than MaxFileSize+1
// bytes of it (a mistaken path to a huge file must not fill the memory).
func readWorkflowFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
}
