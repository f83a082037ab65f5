package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/stac"
)

func init() {
	register(&command{
		name:    "stac",
		summary: "work with STAC catalogs (validate, browser-config)",
		run:     runStac,
	})
}

// stacCommands are the subcommands of "cdflow stac".
var stacCommands = map[string]struct {
	summary string
	run     func(ctx context.Context, env *cmdEnv, args []string) int
}{
	"validate":       {"validate every object of a catalog against the STAC JSON schemas", runStacValidate},
	"browser-config": {"print the STAC Browser options a catalog needs (its CRSs), as JSON", runStacBrowserConfig},
}

func runStac(ctx context.Context, env *cmdEnv, args []string) int {
	if len(args) == 0 {
		stacUsage(env.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		stacUsage(env.stdout)
		return exitOK
	}
	sub, ok := stacCommands[args[0]]
	if !ok {
		return usageError(env, "unknown stac command %q; run 'cdflow stac help' for the list", args[0])
	}
	return sub.run(ctx, env, args[1:])
}

func stacUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: cdflow stac <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, name := range []string{"validate", "browser-config"} {
		fmt.Fprintf(w, "  %-15s %s\n", name, stacCommands[name].summary)
	}
}

func runStacValidate(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "stac validate", "PATH",
		"Validates every object reachable from a STAC catalog (PATH is its catalog.json\n"+
			"or the folder holding it) against the core schema and each extension schema\n"+
			"it lists, following child and item links, and checks that every asset's file\n"+
			"still has its file:size and file:checksum. Prints one line per problem\n"+
			"(path: rule: message) and a summary; a schema that cannot be loaded is named\n"+
			"once. Exit status 1 when any object is invalid, 3 when none is but some\n"+
			"could not be checked for want of a schema.\n\n"+
			"Schemas are read from a local folder laid out as HOST/PATH of each schema URL:\n"+
			"--schemas, else $"+stac.SchemaDirEnv+", else ../shared/stac-schemas beside the\n"+
			"cdflow source tree; with none of these they are fetched over the network.")
	schemas := fs.String("schemas", "", "offline schema `folder` (default $"+stac.SchemaDirEnv+")")
	assets := fs.Bool("assets", true, "check every asset's file against its file:size and file:checksum")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(env, "stac validate takes one catalog path (got %d arguments)", fs.NArg())
	}

	dir := *schemas
	if dir == "" {
		var explicit bool
		dir, explicit = stac.DefaultSchemaDir(env.getenv)
		if dir == "" && !explicit {
			fmt.Fprintf(env.stderr, "cdflow: note: no offline schema folder (--schemas or %s); fetching schemas over the network\n", stac.SchemaDirEnv)
		}
	}
	v, err := stac.NewValidator(dir)
	if err != nil {
		return fail(env, err)
	}
	v.SkipAssets = !*assets
	report, err := v.Validate(ctx, fs.Arg(0))
	if err != nil {
		return fail(env, err)
	}
	// An unloadable schema is the same problem for every object that
	// lists it: named once, with the first such object.
	told := map[string]bool{}
	for _, problem := range report.Invalid {
		if problem.Unchecked {
			if told[problem.Message] {
				continue
			}
			told[problem.Message] = true
		}
		fmt.Fprintln(env.stdout, problem)
	}
	unchecked := report.UncheckedObjects()
	invalid := report.InvalidObjects() - unchecked
	summary := fmt.Sprintf("%d objects, %d invalid", report.Objects, invalid)
	if report.Assets > 0 {
		summary += fmt.Sprintf(" (%d assets missing or changed)", report.Assets)
	}
	if unchecked > 0 {
		summary += fmt.Sprintf(", %d not checked: a schema could not be loaded (give --schemas or $%s, a folder of the official schemas)", unchecked, stac.SchemaDirEnv)
	}
	fmt.Fprintln(env.stdout, summary)
	switch {
	case invalid > 0:
		return exitFailure
	case unchecked > 0:
		return exitUnchecked
	}
	return exitOK
}

func runStacBrowserConfig(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "stac browser-config", "CATALOG",
		"Prints, as JSON, the STAC Browser options the catalog needs: crs, a PROJ.4\n"+
			"definition (from GDAL) for every CRS its assets use. STAC Browser knows only\n"+
			"EPSG:4326 and EPSG:3857 and fetches others from a web service; without it,\n"+
			"item maps stay empty. Put the object's entries into STAC Browser's config.js\n"+
			"(or dist/config.js at run time), e.g. crs: {\"EPSG:25830\": \"+proj=utm ...\"}.")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(env, "stac browser-config takes one catalog path (got %d arguments)", fs.NArg())
	}
	cfg, err := catalog.Browser(ctx, fs.Arg(0))
	if err != nil {
		return fail(env, err)
	}
	if cfg.Uncoded > 0 {
		fmt.Fprintf(env.stderr, "cdflow: note: %d assets are in a CRS without an EPSG code (proj:projjson); STAC Browser cannot place them on its map\n", cfg.Uncoded)
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fail(env, err)
	}
	fmt.Fprintln(env.stdout, string(b))
	return exitOK
}
