package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/cdflow/cdflow/internal/memlimit"
	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/release"
	"github.com/cdflow/cdflow/workflows/shard"
)

func init() {
	register(&command{
		name:    "merge",
		summary: "assemble the shards of a run (cdflow run --shard i/n) and publish it",
		run:     runMerge,
	})
}

func runMerge(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "merge", "PATH [SHARD_DIR...]",
		"Assembles the partial results of 'cdflow run --shard i/n' for every i into the run of\n"+
			"the workflow in PATH, then computes the statistics and the split and runs the publish\n"+
			"blocks, exactly as a single 'cdflow run' would have: same tables, same catalog bytes.\n"+
			"SHARD_DIRs are the --out folders of the shards; without any, the shards wrote under\n"+
			"OUT itself (a shared volume). Products of shards elsewhere are hard-linked (or copied)\n"+
			"into OUT; of a SHARD_DIR s3://bucket/prefix (where 'run --shard --upload' put them) the\n"+
			"partial results are downloaded first, and the products too unless a catalog on that\n"+
			"object storage publishes them and no other publish block reads them (a catalog on disk,\n"+
			"folders of files); then they are copied on the server and OUT holds placeholders of\n"+
			"them. Every shard must be there once, from the same workflow and data.")
	var vf planFlags
	vf.register(fs)
	out := fs.String("out", "", "root of everything the run writes (default: out/ beside the workflow)")
	jobs := fs.Int("j", 0, "tiles gathered and items published at once (default: the number of CPUs)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the merge to this file (for go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a heap profile near the merge's peak to this file (for go tool pprof)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *memProfile != "" {
		stop, err := startMemProfile(*memProfile)
		if err != nil {
			return fail(env, err)
		}
		defer stop()
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return fail(env, err)
		}
		defer stop()
	}
	if *jobs < 0 {
		return usageError(env, "-j must be 0 (all CPUs) or more, got %d", *jobs)
	}
	if fs.NArg() < 1 {
		return usageError(env, "merge takes a workflow path and the shards' folders; run 'cdflow merge -h'")
	}
	if _, err := sourceDateEpoch(env); err != nil { // before any work
		return fail(env, err)
	}
	plan, code, ok := loadPlan(ctx, env, fs.Arg(0), &vf)
	if !ok {
		return code
	}
	if err := release.Preflight(ctx, plan); err != nil {
		return fail(env, err)
	}
	// A merge holds a little of every tile: one killed for want of memory
	// hours in leaves no message, so say so before it starts.
	avail, by := memoryLimit()
	if msg := shard.MemoryShort(plan.Grid.Count(), avail, by); msg != "" {
		fmt.Fprintf(env.stderr, "cdflow: warning: %s\n", msg)
	}
	w := plan.Workflow
	outDir := *out
	if outDir == "" {
		outDir = filepath.Join(w.Dir, "out")
	}
	unlock, err := execute.LockOut(ctx, outDir, execute.Shard{}, func() {
		fmt.Fprintf(env.stderr, "cdflow: another cdflow run is using %s; waiting for it to finish (Ctrl-C to give up)\n", outDir)
	})
	if err != nil {
		return fail(env, err)
	}
	defer unlock()
	// Of SHARD_OUTs on object storage (s3://…), the partial results are
	// downloaded first, and the products too unless a catalog there
	// publishes them and no other publish block reads their bytes.
	placeholders := release.PublishesPlaceholders(plan)
	if placeholders && !objstore.CanWritePlaceholders(outDir) {
		placeholders = false
		if slices.ContainsFunc(fs.Args()[1:], objstore.IsURL) {
			fmt.Fprintf(env.stderr, "cdflow: %s's file system keeps no user extended attributes, which stand for the shards' objects: their products are downloaded and uploaded again; an --out on ext4, XFS or btrfs avoids both\n", outDir)
		}
	}
	folders, remote, cleanup, err := fetchShards(ctx, outDir, fs.Args()[1:], placeholders)
	if err != nil {
		return fail(env, err)
	}
	defer cleanup()
	res, err := shard.MergeFolders(ctx, plan, outDir, folders, workersOf(*jobs), newProgress(env.stderr, isTerminal(env.stderr), "merge", "tiles"))
	if err != nil {
		return fail(env, err)
	}
	defer res.Close()
	res.Jobs = *jobs
	return finishRun(ctx, env, plan, res, outDir, remote, func(w io.Writer) {
		where := "products in " + filepath.Join(outDir, execute.TilesDir)
		if slices.ContainsFunc(folders, func(f shard.Folder) bool { return f.Objects != nil }) {
			where = "products of the shards on object storage not downloaded (placeholders in " + filepath.Join(outDir, execute.TilesDir) + ")"
		}
		fmt.Fprintf(w, "merged %d tiles from %d shard folders; %s\n", len(res.Tiles), max(1, fs.NArg()-1), where)
	})
}

// memoryLimit is the memory the process may use and what sets it
// (memlimit.Limit); tests stand in a small one.
var memoryLimit = func() (int64, string) { return memlimit.Limit("/") }

// workersOf is -j's value: 0 means one per CPU.
func workersOf(j int) int {
	if j > 0 {
		return j
	}
	return runtime.GOMAXPROCS(0)
}
