package main

import (
	"context"
	"fmt"

	"github.com/cdflow/cdflow/internal/buildinfo"
	"github.com/cdflow/cdflow/raster"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print the version of cdflow and of the GDAL it runs on",
		run:     runVersion,
	})
}

func runVersion(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "version", "", "Prints the cdflow version and the GDAL library version.")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(env, "version takes no arguments")
	}
	fmt.Fprintf(env.stdout, "cdflow %s (GDAL %s)\n", buildinfo.Version(), raster.GDALVersion())
	return exitOK
}
