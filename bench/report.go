package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/cdflow/cdflow/internal/atomicfile"
)

// writeTable prints the results as the issue asks: per scene, each tool's
// wall and CPU time, peak RSS, tiles/s and source MB/s, and the ratios.
func writeTable(w io.Writer, res *Results) {
	m := res.Machine
	fmt.Fprintf(w, "cdflow benchmark: %d CPUs, -j %d, median of %d runs, GDAL %s, %s\n", m.CPUs, m.Jobs, m.Runs, m.GDAL, m.Go)
	for _, s := range res.Sizes {
		fmt.Fprintf(w, "\nscene %s km (%g km², %d tiles, %.0f MB of source pixels)\n", s.Extent, s.KM2, s.Tiles, s.SourceMB)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "tool\twall s\tCPU s\tpeak RSS MiB\ttiles/s\tsource MB/s\tcdflow / tool\tload\t")
		row := func(m Measurement, name string, ratio string) {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.0f\t%.2f\t%.1f\t%s\t%.1f\t\n", name, m.WallS, m.CPUS, m.MaxRSSMB, m.TilesPerS, m.SourceMBPerS, ratio, m.LoadAverage)
		}
		row(s.CDFlow, "cdflow (workflow.hcl)", "")
		row(s.CDFlowUnaligned, "cdflow (no alignment)", "")
		row(s.CDFlowCompare, "cdflow (min_abs only)", "")
		gname := "GDAL script"
		if s.GDALScript.Extrapolated {
			gname += " *"
		}
		row(s.GDALScript, gname, fmt.Sprintf("%.3f | %.3f", s.Ratios.CDFlowOverGDALScript, s.Ratios.CDFlowCompareOverGDALScript))
		row(s.IOFloor, "I/O floor", fmt.Sprintf("%.2f | %.2f", s.Ratios.CDFlowOverIOFloor, s.Ratios.CDFlowCompareOverIOFloor))
		tw.Flush()
		if s.GDALScript.Extrapolated {
			fmt.Fprintf(w, "* measured on %d of the %d tiles (evenly spread) and extrapolated per tile\n", s.GDALScript.MeasuredTiles, s.Tiles)
		}
		fmt.Fprintf(w, "cdflow / tool: wall-time ratio of cdflow (workflow.hcl) | cdflow (min_abs only); GDAL script %.1f× | %.1f× slower\n",
			1/s.Ratios.CDFlowOverGDALScript, 1/s.Ratios.CDFlowCompareOverGDALScript)
		fmt.Fprintf(w, "cdflow (no alignment), workflow.hcl without the 2D map's alignment: %.2f× the I/O floor\n", s.Ratios.CDFlowUnalignedOverIOFloor)
		if s.CDFlow.TilesPhaseS > 0 {
			fmt.Fprintf(w, "cdflow tiles+statistics %.2f s, publishing %.2f s of %.2f s\n", s.CDFlow.TilesPhaseS, s.CDFlow.WallS-s.CDFlow.TilesPhaseS, s.CDFlow.WallS)
		}
		c := s.Check
		fmt.Fprintf(w, "products checked against the GDAL script: %d of %d identical (tiles %s)\n", c.Identical, c.Products, strings.Join(c.Tiles, ", "))
		for _, d := range c.Differences {
			fmt.Fprintf(w, "  differs: %s\n", d)
		}
	}
	if sl := res.Scaling; sl != nil {
		fmt.Fprintf(w, "\nscaling at %s km: -j 1 %.2f s, -j %d %.2f s: %.2f× faster\n", sl.Size, sl.J1.WallS, sl.Jobs, sl.JN.WallS, sl.Speedup)
		if sl.From != "" {
			fmt.Fprintf(w, "%s km / %s km: tiles ×%.2f; workflow.hcl wall ×%.2f, peak RSS ×%.2f; min_abs only wall ×%.2f, peak RSS ×%.2f\n",
				sl.To, sl.From, sl.TilesRatio, sl.WallRatio, sl.RSSRatio, sl.CompareWallRatio, sl.CompareRSSRatio)
		}
	}
	fmt.Fprintln(w, "\ntargets")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range res.Targets {
		met := "met"
		if !t.Met {
			met = "NOT MET"
		}
		fmt.Fprintf(tw, "  %s\t%.2f\t%s\t%s\n", t.Name, t.Value, t.Goal, met)
	}
	tw.Flush()
}

// writeJSON writes the results, indented, atomically.
func writeJSON(path string, res *Results) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := atomicfile.WriteFile(path, b.Bytes()); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}
