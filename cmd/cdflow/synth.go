package main

import (
	"context"
	"fmt"
	"math"

	"github.com/cdflow/cdflow/synth"
)

func init() {
	register(&command{
		name:    "synth",
		summary: "generate a synthetic two-epoch city with known change",
		run:     runSynth,
	})
}

func runSynth(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "synth", "",
		"Writes a synthetic two-epoch city like Valladolid in EPSG:25830, photographed by a\n"+
			"simulated camera and scanned by a simulated airborne LiDAR: orthophotos, LAZ point\n"+
			"clouds, DSMs rasterized from them, the truth, scene.json, workflow.hcl and\n"+
			"workflow-lidar.hcl. The same flags give the same bytes.")
	def := synth.DefaultOptions("")
	out := fs.String("out", "", "write the scene into `DIR` (required; new, empty, or an earlier scene)")
	extent := fs.String("extent-km", fmt.Sprintf("%gx%g", def.ExtentKm[0], def.ExtentKm[1]), "scene size `WxH` in km")
	sheet := fs.Float64("sheet-km", def.SheetKm, "side of one delivery sheet in `KM`")
	seed := fs.Int64("seed", def.Seed, "random seed `N`")
	defects := fs.String("defects", "", "defects to inject: `LIST` of stripes, corrupt, missing, bias=M, shift=M")
	preview := fs.Bool("preview", false, "also write preview.png, a contact sheet of the scene")
	density := fs.String("lidar-density", fmt.Sprintf("%g,%g", synth.DefaultLidarDensity[0], synth.DefaultLidarDensity[1]), "LiDAR pulses per m² of t0 and t1: `D0,D1`")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(env, "synth takes no arguments; give the directory with --out")
	}
	if *out == "" {
		return usageError(env, "synth needs --out DIR")
	}
	opt := synth.Options{Out: *out, SheetKm: *sheet, Seed: *seed}
	var err error
	if opt.ExtentKm, err = synth.ParseExtent(*extent); err != nil {
		return usageError(env, "--extent-km: %v", err)
	}
	if !(*sheet > 0) || math.IsInf(*sheet, 0) {
		return usageError(env, "--sheet-km must be a positive number of km")
	}
	if opt.Defects, err = synth.ParseDefects(*defects); err != nil {
		return usageError(env, "--defects: %v", err)
	}
	opt.Preview = *preview
	if opt.LidarDensity, err = synth.ParseDensity(*density); err != nil {
		return usageError(env, "--lidar-density: %v", err)
	}
	opt.Progress = newProgress(env.stderr, isTerminal(env.stderr), "synth", "blocks").Step
	sc, err := synth.Generate(ctx, opt)
	if err != nil {
		return fail(env, err)
	}
	c := sc.Counts
	fmt.Fprintf(env.stdout, "scene    %s, %g×%g km at E %.0f N %.0f, seed %d\n", sc.CRS, sc.ExtentKm[0], sc.ExtentKm[1], sc.Bounds[0], sc.Bounds[1], sc.Seed)
	fmt.Fprintf(env.stdout, "sheets   %d of %g km\n", c.Sheets, sc.SheetKm)
	fmt.Fprintf(env.stdout, "files    %d in %s\n", c.Files, opt.Out)
	fmt.Fprintf(env.stdout, "changed  %.2f %% of pixels, ΔH %+.1f … %+.1f m\n", 100*c.ChangedShare, c.DHMin, c.DHMax)
	fmt.Fprintf(env.stdout, "changes  %s\n", synth.DescribeEvents(c.Events))
	for _, e := range sc.Realism.Epochs {
		fmt.Fprintf(env.stdout, "lidar %s %.2f points/m² (%.2f first returns/m²)\n", e.Name, e.PointsPerM2, e.FirstPerM2)
	}
	fmt.Fprintf(env.stdout, "defects  %s\n", sc.Defects.Requested)
	return exitOK
}
