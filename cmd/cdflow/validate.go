package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/workflows"
	"github.com/hashicorp/hcl/v2"

	// The built-in steps and publishers.
	_ "github.com/cdflow/cdflow/plugins/standard"
)

func init() {
	register(&command{
		name:    "validate",
		summary: "check a workflow without opening any raster",
		run:     runValidate,
	})
}

// varFlags are the variable flags validate, plan and run share.
type varFlags struct {
	vars       stringList
	varFiles   stringList
	allowPaths stringList
}

func (v *varFlags) register(fs *flag.FlagSet) {
	fs.Var(&v.vars, "var", "set a workflow variable: -var name=value (repeatable; beats -var-file and CDFLOW_VAR_name)")
	fs.Var(&v.varFiles, "var-file", "read workflow variables from an HCL file of name = value lines (repeatable)")
	fs.Var(&v.allowPaths, "allow-path", "a `folder` outside the workflow's that its file() and glob() may read (repeatable)")
}

// parser returns a workflow parser with the flags' allowed folders.
func (v *varFlags) parser() *workflows.Parser {
	p := workflows.NewParser(nil)
	p.AllowPaths = v.allowPaths
	return p
}

func (v *varFlags) inputValues(env *cmdEnv) workflows.InputValues {
	return workflows.InputValues{Vars: v.vars, VarFiles: v.varFiles, Getenv: env.getenv}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runValidate(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "validate", "PATH",
		"Checks the workflow in PATH (a .hcl file or a directory of them): syntax, references,\n"+
			"variables, step and publish settings, and that every source's files exist.\n"+
			"No raster is opened. Exits 0 when valid (warnings may be printed), 1 otherwise.")
	var vf varFlags
	vf.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(env, "validate takes one workflow path; run 'cdflow validate -h'")
	}
	if _, code, ok := loadWorkflow(ctx, env, vf.parser(), fs.Arg(0), vf.inputValues(env)); !ok {
		return code
	}
	fmt.Fprintf(env.stdout, "The workflow %s is valid.\n", fs.Arg(0))
	return exitOK
}

// writeDiagnostics prints diagnostics in HCL's standard format, with the
// source snippet of each, and a count of errors.
func writeDiagnostics(w io.Writer, p *workflows.Parser, diags hcl.Diagnostics) {
	if len(diags) == 0 {
		return
	}
	// Objects named as the workflow names them, not as GDAL does.
	shown := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		c := *d
		c.Summary, c.Detail = objstore.UserNames(c.Summary), objstore.UserNames(c.Detail)
		shown[i] = &c
	}
	wr := hcl.NewDiagnosticTextWriter(w, p.Files(), 0, false)
	_ = wr.WriteDiagnostics(shown)
	if n := len(diags.Errs()); n > 0 {
		plural := "s"
		if n == 1 {
			plural = ""
		}
		fmt.Fprintf(w, "%d error%s.\n", n, plural)
	}
}
