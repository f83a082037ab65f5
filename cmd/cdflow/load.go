package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/plans"
)

// planFlags are the flags of the commands that plan a workflow.
type planFlags struct {
	varFlags
	maxTiles int
}

func (f *planFlags) register(fs *flag.FlagSet) {
	f.varFlags.register(fs)
	fs.IntVar(&f.maxTiles, "max-tiles", plans.DefaultMaxTiles, "refuse a grid of more tiles than this (a tile size in the wrong unit makes millions)")
}

// interruptible runs f unless ctx ends first. Loading and planning only read,
// so on Ctrl-C or SIGTERM the command can stop at once, leaving f behind.
func interruptible[T any](ctx context.Context, f func() T) (T, bool) {
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v, true
	case <-ctx.Done():
		var zero T
		return zero, false
	}
}

// interrupted says the command stopped on a signal.
func interrupted(env *cmdEnv) int {
	fmt.Fprintln(env.stderr, "cdflow: interrupted; nothing was written")
	return exitFailure
}

type loaded struct {
	w     *workflows.Workflow
	plan  *plans.Plan
	diags hcl.Diagnostics
}

// loadWorkflow loads and validates a workflow, printing its diagnostics.
func loadWorkflow(ctx context.Context, env *cmdEnv, p *workflows.Parser, path string, in workflows.InputValues) (*workflows.Workflow, int, bool) {
	p.Context = ctx
	l, ok := interruptible(ctx, func() loaded {
		w, diags := p.Load(path, in)
		return loaded{w: w, diags: diags}
	})
	if !ok {
		return nil, interrupted(env), false
	}
	writeDiagnostics(env.stderr, p, l.diags)
	if l.diags.HasErrors() {
		return nil, exitFailure, false
	}
	return l.w, exitOK, true
}

// loadPlan loads a workflow and plans it, printing the diagnostics.
func loadPlan(ctx context.Context, env *cmdEnv, path string, f *planFlags) (*plans.Plan, int, bool) {
	p := f.parser()
	p.Context = ctx
	l, ok := interruptible(ctx, func() loaded {
		w, diags := p.Load(path, f.inputValues(env))
		if diags.HasErrors() {
			return loaded{diags: diags}
		}
		plan, planDiags := plans.New(ctx, w, plans.Options{MaxTiles: f.maxTiles})
		return loaded{w: w, plan: plan, diags: append(diags, planDiags...)}
	})
	if !ok {
		return nil, interrupted(env), false
	}
	writeDiagnostics(env.stderr, p, l.diags)
	if l.diags.HasErrors() {
		return nil, exitFailure, false
	}
	return l.plan, exitOK, true
}
