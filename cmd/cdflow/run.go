package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
	"github.com/cdflow/cdflow/workflows/shard"
)

func init() {
	register(&command{
		name:    "run",
		summary: "plan the workflow, then process every tile and write the products",
		run:     runRun,
	})
}

func runRun(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "run", "PATH",
		"Plans the workflow in PATH, then runs its per-tile steps for every tile in parallel and\n"+
			"writes each product as a Cloud-Optimized GeoTIFF under OUT/run/tiles/<tile>/. Ctrl-C\n"+
			"stops all workers; no half-written file is left. Running again after an interruption\n"+
			"redoes only the unfinished tiles, and after a change of the workflow only what depends\n"+
			"on it (-fresh redoes everything).")
	var vf planFlags
	vf.register(fs)
	jobs := fs.Int("j", 0, "tiles processed at once (default: the number of CPUs)")
	out := fs.String("out", "", "root of everything the run writes (default: out/ beside the workflow)")
	fresh := fs.Bool("fresh", false, "redo every tile, ignoring the tiles an interrupted or earlier run finished")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (for go tool pprof)")
	shardFlag := fs.String("shard", "", "process only shard i/n of the tiles (those whose index is i modulo n) and write\n"+
		"a partial result under OUT/run/shards/, for 'cdflow merge' (no statistics, split or publishing)")
	upload := fs.String("upload", "", "with --shard: upload the shard's products and partial result under this object storage\n"+
		"prefix (s3://bucket/prefix, the same for every shard), for 'cdflow merge WORKFLOW s3://bucket/prefix';\n"+
		"run again, it skips the files already there unchanged (the same size and MD5)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *upload != "" && *shardFlag == "" {
		return usageError(env, "--upload goes with --shard i/n: it uploads a shard's partial result for cdflow merge")
	}
	if *upload != "" {
		if err := checkUpload(ctx, *upload); err != nil { // before any work
			return fail(env, err)
		}
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return fail(env, err)
		}
		defer stop()
	}
	if fs.NArg() != 1 {
		return usageError(env, "run takes one workflow path; run 'cdflow run -h'")
	}
	if *jobs < 0 {
		return usageError(env, "-j must be 0 (all CPUs) or more, got %d", *jobs)
	}
	var part execute.Shard
	if *shardFlag != "" {
		s, err := execute.ParseShard(*shardFlag)
		if err != nil {
			return usageError(env, "%v", err)
		}
		part = s
	}
	if _, err := sourceDateEpoch(env); err != nil { // before any work
		return fail(env, err)
	}
	plan, code, ok := loadPlan(ctx, env, fs.Arg(0), &vf)
	if !ok {
		return code
	}
	if part.Count == 0 { // a shard publishes nothing
		if err := release.Preflight(ctx, plan); err != nil {
			return fail(env, err)
		}
	}
	w := plan.Workflow
	outDir := *out
	if outDir == "" {
		outDir = filepath.Join(w.Dir, "out")
	}
	// One run at a time in a folder: a second waits (shards of one run
	// share a folder, each with its own lock, as their tiles are disjoint).
	unlock, err := execute.LockOut(ctx, outDir, part, func() {
		fmt.Fprintf(env.stderr, "cdflow: another cdflow run is using %s; waiting for it to finish (Ctrl-C to give up)\n", outDir)
	})
	if err != nil {
		return fail(env, err)
	}
	defer unlock()
	start := time.Now()
	// Each finished tile's assets, outline and histogram wait on disk for
	// the release (or the shard's manifest): a run's memory does not grow
	// with them.
	res, err := execute.Run(ctx, plan, execute.Options{Out: outDir, Jobs: *jobs, Fresh: *fresh, Shard: part, Hold: true,
		Events: newProgress(env.stderr, isTerminal(env.stderr), "run", "tiles")})
	if err != nil {
		return fail(env, err)
	}
	defer res.Close()
	if part.Count > 0 {
		path, err := shard.Write(plan, outDir, part, res)
		if err != nil {
			return fail(env, err)
		}
		fmt.Fprintf(env.stdout, "shard %s: processed %d tiles in %.1fs, %d more finished by an earlier run; products in %s\n", part, res.Processed, time.Since(start).Seconds(), res.Cached, filepath.Join(outDir, execute.TilesDir))
		fmt.Fprintf(env.stdout, "partial result in %s; when every shard is done, run cdflow merge\n", path)
		if *upload != "" {
			n, sent, err := uploadShard(ctx, plan, outDir, *upload, part, res, path)
			if err != nil {
				return fail(env, err)
			}
			fmt.Fprintf(env.stdout, "uploaded %d files to %s", sent, *upload)
			if n > sent {
				fmt.Fprintf(env.stdout, " (%d more were already there, unchanged)", n-sent)
			}
			fmt.Fprintln(env.stdout)
		}
		return exitOK
	}
	return finishRun(ctx, env, plan, res, outDir, false, func(w io.Writer) {
		fmt.Fprintf(w, "processed %d tiles in %.1fs, %d more finished by an earlier run; products in %s\n", res.Processed, time.Since(start).Seconds(), res.Cached, filepath.Join(outDir, execute.TilesDir))
	})
}

// finishRun computes the statistics and the split of a run's tiles, runs
// the publish blocks and prints Table 2; headline says what was processed,
// and copyOrigins that the tiles' files were downloaded from object
// storage (see plugins.Release.CopyOrigins). cdflow run and cdflow merge
// end with it.
func finishRun(ctx context.Context, env *cmdEnv, plan *plans.Plan, res *execute.Result, outDir string, copyOrigins bool, headline func(io.Writer)) int {
	// Said before it starts: at national scale the statistics and the
	// split read every tile's row back and take minutes.
	what := "statistics and split"
	if plan.Split == nil {
		what = "statistics"
	}
	fmt.Fprintf(env.stderr, "%s of %d tiles\n", what, len(res.Tiles))
	sum, err := release.Finish(ctx, plan, res)
	if err != nil {
		return fail(env, err)
	}
	headline(env.stdout)
	fmt.Fprintf(env.stdout, "statistics in %s and %s\n", sum.TilesParquet, sum.SplitsParquet)
	for _, v := range sum.Violations {
		fmt.Fprintf(env.stderr, "cdflow: split: %s\n", v)
	}
	if len(sum.QA) > 0 {
		fmt.Fprintf(env.stderr, "cdflow: qa: %d findings; %d tiles excluded%s (qa_flags and the report's QA section list them)\n",
			len(sum.QA), len(sum.Excluded), listTiles(sum.Excluded))
	}
	created, err := sourceDateEpoch(env)
	if err != nil {
		return fail(env, err)
	}
	rel, err := release.Assemble(plan, res, sum, outDir, created)
	if err != nil {
		return fail(env, err)
	}
	rel.CopyOrigins = copyOrigins
	// The release holds what publishing needs (a copy of each tile's row);
	// the run's results and the rows may go.
	res.Tiles, sum.Tiles = nil, nil
	outputs, err := release.PublishWith(ctx, plan, rel, func(block string) func(done, total int) {
		return newProgress(env.stderr, isTerminal(env.stderr), block, "items").Step
	})
	for _, o := range outputs {
		note := ""
		if o.Note != "" {
			note = ": " + o.Note
		}
		fmt.Fprintf(env.stdout, "%s%s\n", o.Block, note)
	}
	if err != nil {
		return fail(env, err)
	}
	fmt.Fprintln(env.stdout)
	if err := schema.FormatTable2(env.stdout, sum.Splits); err != nil {
		return fail(env, err)
	}
	return exitOK
}

// sourceDateEpoch is the release's creation time when SOURCE_DATE_EPOCH is
// set (reproducible-builds convention); otherwise releases carry no time,
// so rebuilding gives the same bytes.
func sourceDateEpoch(env *cmdEnv) (string, error) {
	v := env.getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return "", nil
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || sec < 0 {
		return "", fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970 (e.g. $(git log -1 --format=%%ct)): unset it or fix it", v)
	}
	return time.Unix(sec, 0).UTC().Format(time.RFC3339), nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// listTiles names up to five tiles, for a one-line summary.
func listTiles(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	if len(ids) > 5 {
		return ": " + strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
	}
	return ": " + strings.Join(ids, ", ")
}
