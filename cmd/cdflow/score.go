package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cdflow/cdflow/synth"
)

func init() {
	register(&command{
		name:    "score",
		summary: "measure a run's labels against the truth of a synthetic scene",
		run:     runScore,
	})
}

const scoreHelp = `Compares the cd2d and cd3d products of the tiles of RUN (the run directory,
<out>/run, of a workflow with a change_mask step named cd2d over a threshold
step named cd3d) with the truth of SCENE (a cdflow synth directory):

  IoU, precision and recall of cd2d against truth/change.tif (0.5 m);
  RMSE of cd3d against truth/dh.tif on the 1 m cells a building truly changed
  (a missed change counts with its whole ΔH);
  the share of cells without a building change that cd3d marks changed, on
  cells where nothing changed and on cells where only trees, vehicles,
  terrain, temporary structures or roof colours did.`

func runScore(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "score", "SCENE RUN", scoreHelp)
	asJSON := fs.Bool("json", false, "print the figures as one JSON object")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 2 {
		return usageError(env, "score takes SCENE RUN (got %d arguments); run 'cdflow score -h'", fs.NArg())
	}
	q, err := synth.Score(ctx, fs.Arg(0), fs.Arg(1))
	if err != nil {
		return fail(env, err)
	}
	if *asJSON {
		data, err := json.MarshalIndent(q, "", "  ")
		if err != nil {
			return fail(env, err)
		}
		fmt.Fprintln(env.stdout, string(data))
		return exitOK
	}
	fmt.Fprintln(env.stdout, q)
	return exitOK
}
