package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cdflow/cdflow/catalog"
)

func init() {
	register(&command{
		name:    "diff",
		summary: "say which tiles two releases of a dataset add, remove, change or move",
		run:     runDiff,
	})
}

// diffHelp documents the text and the --json output; the JSON keys are
// those of catalog.ReleaseDiff's tags.
const diffHelp = `Compares release V1 of DATASET with release V2 in the STAC catalog CATALOG
(the folder holding catalog.json): tiles added, removed, changed (the assets
whose file:checksum differs; +key and -key for assets only in V2 or V1),
tiles that moved subset, and each subset's row of Table 2 in both releases.
It reads each release's items.parquet and splits.parquet.

Differences are not a failure: the exit status is 0 whenever the releases
could be compared, 1 when they could not (an unknown dataset or version,
an unreadable file), 2 on a usage error.

--json prints one object:

  {
    "dataset": "synth-seed1", "from": "1.0.0", "to": "1.1.0",
    "added":   ["<tile>", …],           tiles only in V2, sorted
    "removed": ["<tile>", …],           tiles only in V1, sorted
    "changed": [{"tile": "<tile>", "assets": ["cd3d", "+new", "-gone", …]}, …],
    "moved":   [{"tile": "<tile>", "from": "train", "to": "val"}, …],
    "table2":  [{"subset": "train",
                 "tiles_from": 4, "tiles_to": 4,
                 "changed_pct_from": 4.1, "changed_pct_to": 4.3,
                 "dh_min_from": -25, "dh_min_to": -25,
                 "dh_max_from": 35, "dh_max_to": 35}, …],
    "unchanged": 5                      tiles in both with the same assets
  }

Lists are [] when empty, never null; changed and moved are sorted by tile;
table2 has one row per subset of either release (train, test, val, then
others), changed or not; subsets are cdflow's names (val, not the ml-aoi
extension's validate); a subset missing from a release has 0 tiles there,
and dh_* is null where a subset has no changed pixel.`

func runDiff(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "diff", "CATALOG DATASET V1 V2", diffHelp)
	asJSON := fs.Bool("json", false, "print the differences as one JSON object")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 4 {
		return usageError(env, "diff takes CATALOG DATASET V1 V2 (got %d arguments); run 'cdflow diff -h'", fs.NArg())
	}
	d, err := catalog.Diff(ctx, fs.Arg(0), fs.Arg(1), fs.Arg(2), fs.Arg(3))
	if err != nil {
		return fail(env, err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return fail(env, fmt.Errorf("print diff: %w", err))
		}
		return exitOK
	}
	if err := d.WriteText(env.stdout); err != nil {
		return fail(env, err)
	}
	return exitOK
}
