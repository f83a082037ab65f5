package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cdflow/cdflow/workflows/plandoc"
)

func init() {
	register(&command{
		name:    "plan",
		summary: "read the sources' metadata and show the tile grid, steps, split and outputs",
		run:     runPlan,
	})
}

func runPlan(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "plan", "PATH",
		"Validates the workflow in PATH, then opens the sources' metadata (never their pixels)\n"+
			"and prints the tile grid, the steps in execution order, the split's target sizes\n"+
			"and the outputs. With -json, prints the same as a stable JSON document (see\n"+
			"plandoc.Document). Exits 0 on success, 1 when the workflow or its sources\n"+
			"have problems.")
	var vf planFlags
	vf.register(fs)
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(env, "plan takes one workflow path; run 'cdflow plan -h'")
	}
	plan, code, ok := loadPlan(ctx, env, fs.Arg(0), &vf)
	if !ok {
		return code
	}
	doc := plandoc.New(plan)
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return fail(env, fmt.Errorf("write plan: %w", err))
		}
		return exitOK
	}
	writePlanText(env.stdout, doc)
	return exitOK
}

// writePlanText renders a plan for people.
func writePlanText(w io.Writer, d plandoc.Document) {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	ext := func(e [4]float64) string {
		return fmt.Sprintf("[%s %s %s %s]", f(e[0]), f(e[1]), f(e[2]), f(e[3]))
	}
	fmt.Fprintf(w, "Dataset %s %s (%s)\n\n", d.Dataset.Name, d.Dataset.Version, d.Workflow)

	fmt.Fprintln(w, "Sources:")
	for _, s := range d.Sources {
		fmt.Fprintf(w, "  %s\n", s.Address)
		if s.Kind == "vector" {
			fmt.Fprintf(w, "    %d feature(s) in %s, extent %s\n", s.Features, strings.Join(s.Files, ", "), ext(s.Extent))
			continue
		}
		if pc := s.PointCloud; pc != nil {
			var encs, formats []string
			for _, e := range []string{"LAS", "LAZ", "COPC"} {
				if n := pc.Encodings[e]; n > 0 {
					encs = append(encs, fmt.Sprintf("%d %s", n, e))
				}
			}
			for _, f := range pc.Formats {
				formats = append(formats, fmt.Sprint(f))
			}
			heights := "heights in metres"
			if pc.HeightMetres != 1 {
				heights = fmt.Sprintf("heights in %s (× %g to metres)", pc.HeightUnit, pc.HeightMetres)
			}
			fmt.Fprintf(w, "    %s file(s), %d points, %.2f points/m², %s, point format %s, %s\n",
				strings.Join(encs, ", "), pc.Points, pc.Density, s.CRS.Name, strings.Join(formats, ", "), heights)
			keep := "all classes"
			if len(pc.Classes) > 0 {
				keep = "classes " + intList(pc.Classes)
			}
			if len(pc.ExcludeClasses) > 0 {
				keep += " but " + intList(pc.ExcludeClasses)
			}
			fmt.Fprintf(w, "    keeps %s, %s returns\n", keep, pc.Returns)
			fmt.Fprintf(w, "    extent %s", ext(s.Extent))
			if s.Datetime != "" {
				fmt.Fprintf(w, ", %s", s.Datetime)
			}
			fmt.Fprintln(w)
			continue
		}
		nd := "none"
		if s.NoData != nil {
			nd = f(*s.NoData)
		}
		fmt.Fprintf(w, "    %d file(s), %s, %s × %s m pixels, %s × %d band(s), nodata %s\n",
			s.FileCount, s.CRS.Name, f(s.Resolution[0]), f(s.Resolution[1]), s.DataType, s.Bands, nd)
		fmt.Fprintf(w, "    extent %s", ext(s.Extent))
		if s.Datetime != "" {
			fmt.Fprintf(w, ", %s", s.Datetime)
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintln(w, "\nTile grid:")
	fmt.Fprintf(w, "  CRS        %s\n", d.CRS.Name)
	unit := "m"
	if u := d.CRS.Unit; u != "" && u != "metre" && u != "meter" {
		unit = u
	}
	fmt.Fprintf(w, "  tile size  %s %s, aligned to origin (%s, %s)\n", f(d.TileSize), unit, f(d.Origin[0]), f(d.Origin[1]))
	fmt.Fprintf(w, "  tiles      %d (%d columns × %d rows), %s … %s\n", d.TileCount, d.Columns, d.Rows, d.FirstTile, d.LastTile)
	fmt.Fprintf(w, "  extent     %s, inside the sources' common extent %s\n", ext(d.Extent), ext(d.DataExtent))

	fmt.Fprintln(w, "\nSteps, in execution order:")
	for i, s := range d.Steps {
		var ins []string
		for _, in := range s.Inputs {
			ins = append(ins, in.Name+" = "+in.From)
		}
		fmt.Fprintf(w, "  %d. %s  (%s)\n", i+1, s.Address, strings.Join(ins, ", "))
		for _, o := range d.Outputs {
			if o.Step == s.Address {
				fmt.Fprintf(w, "       → %-8s %s, %s %s, %d × %d px, %s × %d\n", o.Name, o.Kind, f(o.Resolution), unit, o.Width, o.Height, o.DataType, o.Bands)
			}
		}
	}

	if s := d.Split; s != nil {
		how := "not stratified"
		if s.Stratify != "none" {
			how = "stratified on " + s.Stratify
		}
		fmt.Fprintf(w, "\nSplit (by %s, seed %d, %s", s.By, s.Seed, how)
		if s.CoverRange != "" {
			fmt.Fprintf(w, ", %s holds every 1 m ΔH bin of ≥ %d changed pixels", s.CoverRange, s.CoverMinPixels)
		}
		if s.Block > 0 {
			fmt.Fprintf(w, ", %s m blocks", f(s.Block))
		}
		fmt.Fprintln(w, "):")
		for _, sub := range s.Subsets {
			if s.By == "ratios" {
				fmt.Fprintf(w, "  %-8s %5s  %d tiles\n", sub.Name, f(sub.Ratio), sub.Count)
			} else {
				fmt.Fprintf(w, "  %-8s %d tiles\n", sub.Name, sub.Count)
			}
		}
	}

	fmt.Fprintln(w, "\nFiles written under the output directory ({tile} is each tile's id, {split} each subset):")
	fmt.Fprintln(w, "  the run:")
	for _, p := range d.RunFiles {
		fmt.Fprintf(w, "    %s\n", p)
	}
	for _, p := range d.Publish {
		fmt.Fprintf(w, "  publish %q %q:\n", p.Kind, p.Name)
		for _, path := range p.Paths {
			fmt.Fprintf(w, "    %s\n", path)
		}
	}
}

func intList(v []int) string {
	var s []string
	for _, i := range v {
		s = append(s, fmt.Sprint(i))
	}
	return strings.Join(s, ", ")
}
