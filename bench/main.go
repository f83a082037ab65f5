// Command bench measures cdflow against the two things a user would compare
// it with, in one invocation, on synthetic scenes of several sizes:
//
//   - the GDAL command-line pipeline that makes the same per-tile products
//     (bench/gdal_pipeline.sh), whose outputs are checked against cdflow's
//     on a few tiles so the comparison is fair;
//   - the I/O floor (bench/io_floor.sh): one gdal_translate pass per source
//     that reads every source pixel once and writes as many output pixels
//     as cdflow, the least any tool must do.
//
// It prints a table (wall and CPU time, peak RSS, tiles/s, source MB/s, and
// the ratios) and writes the same as JSON. Run it from the repository root:
//
//	go run ./bench -cdflow bin/cdflow -out bench/results.json
//
// or `make bench`. Scenes are generated once with `cdflow synth` into the
// work directory and reused by later invocations.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/cdflow/cdflow/raster"
)

type config struct {
	cdflow     string   // the cdflow binary
	scripts    string   // the folder of gdal_pipeline.sh and io_floor.sh
	work       string   // scenes and outputs
	sizes      []string // scene extents, "WxH" in km
	runs       int      // measurements per tool and size; medians are reported
	gdalSample int      // most tiles the GDAL pipeline processes per size
	checkTiles int      // tiles whose products are compared
	jobs       int      // tiles at once, for every tool
	scaling    string   // the size at which -j 1 is measured against -j jobs
	out        string   // results JSON
	keep       bool     // keep the outputs of the last run
}

func main() {
	os.Exit(run())
}

func run() int {
	var cfg config
	var sizes string
	flag.StringVar(&cfg.cdflow, "cdflow", "bin/cdflow", "the cdflow binary to measure")
	flag.StringVar(&cfg.scripts, "scripts", "bench", "folder holding gdal_pipeline.sh and io_floor.sh")
	flag.StringVar(&cfg.work, "work", filepath.Join(os.TempDir(), "cdflow-bench"), "folder for the scenes (reused) and the outputs")
	flag.StringVar(&sizes, "sizes", "1x1,2x2,4x5", "scene extents in km, comma-separated")
	flag.IntVar(&cfg.runs, "runs", 3, "runs of each tool per size (medians are reported)")
	flag.IntVar(&cfg.gdalSample, "gdal-sample", 100, "at most this many tiles for the GDAL pipeline per size (a fixed, evenly spread sample; its times are extrapolated to all tiles)")
	flag.IntVar(&cfg.checkTiles, "check", 3, "tiles whose products are compared between cdflow and the GDAL pipeline")
	flag.IntVar(&cfg.jobs, "j", runtime.NumCPU(), "tiles (or passes) at once for every tool")
	flag.StringVar(&cfg.scaling, "scaling", "", "scene size at which cdflow -j 1 is measured against -j N (default: the largest)")
	flag.StringVar(&cfg.out, "out", "bench/results.json", "where the results JSON goes")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the outputs of the last run in the work folder")
	flag.Parse()
	for _, s := range strings.Split(sizes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.sizes = append(cfg.sizes, s)
		}
	}
	if len(cfg.sizes) == 0 || cfg.runs < 1 || cfg.jobs < 1 {
		fmt.Fprintln(os.Stderr, "bench: need at least one size, one run and one job")
		return 2
	}
	if cfg.scaling == "" {
		cfg.scaling = cfg.sizes[len(cfg.sizes)-1]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := benchmark(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	res.Machine.GDAL = raster.GDALVersion()
	writeTable(os.Stdout, res)
	if err := writeJSON(cfg.out, res); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	fmt.Printf("\nresults in %s\n", cfg.out)
	return 0
}
