package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/plans"
)

// scene is a synthetic scene ready to be measured.
type scene struct {
	size     string // "WxH" km
	km2      float64
	dir      string
	workflow string // the scene's own (default) workflow
	compare  string // the same with a min_abs-only threshold, for the GDAL pipeline
	// unaligned is the scene's workflow without the 2D map's alignment on
	// the orthophotos: what the rest of it costs.
	unaligned string
	tiles     []plans.Tile
	sourceMB  float64 // the sources' pixels, uncompressed, in MB (10⁶ bytes)
}

// ensureScene generates the scene with cdflow synth unless the work
// folder already holds it, then plans it.
func ensureScene(ctx context.Context, cfg config, size string) (*scene, error) {
	w, h, err := parseSize(size)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Join(cfg.work, "scene-"+size))
	if err != nil {
		return nil, err
	}
	s := &scene{size: size, km2: w * h, dir: dir, workflow: filepath.Join(dir, "workflow.hcl"), compare: filepath.Join(dir, "compare.hcl"), unaligned: filepath.Join(dir, "unaligned.hcl")}
	if _, err := os.Stat(filepath.Join(dir, "scene.json")); err != nil {
		os.RemoveAll(dir)
		if _, _, err := measure(ctx, "", cfg.cdflow, "synth", "--out", dir, "--extent-km", size); err != nil {
			return nil, fmt.Errorf("generate the %s km scene: %w", size, err)
		}
	}
	src, err := os.ReadFile(s.workflow)
	if err != nil {
		return nil, err
	}
	cmp, err := compareWorkflow(string(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.workflow, err)
	}
	if err := os.WriteFile(s.compare, []byte(cmp), 0o644); err != nil {
		return nil, err
	}
	un, err := unalignedWorkflow(string(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.workflow, err)
	}
	if err := os.WriteFile(s.unaligned, []byte(un), 0o644); err != nil {
		return nil, err
	}
	p := workflows.NewParser(nil)
	wf, diags := p.Load(s.workflow, workflows.InputValues{})
	if diags.HasErrors() {
		return nil, fmt.Errorf("load %s: %w", s.workflow, diags)
	}
	plan, diags := plans.New(ctx, wf, plans.Options{})
	if diags.HasErrors() {
		return nil, fmt.Errorf("plan %s: %w", s.workflow, diags)
	}
	s.tiles = plan.Grid.Tiles()
	for _, ps := range plan.Sources {
		if !ps.Kind.IsRaster() {
			continue
		}
		info := ps.Raster
		s.sourceMB += float64(info.Width) * float64(info.Height) * float64(info.Bands) * float64(pixelBytes(info.DataType)) / 1e6
	}
	return s, nil
}

func parseSize(size string) (w, h float64, err error) {
	a, b, ok := strings.Cut(size, "x")
	if ok {
		w, err = strconv.ParseFloat(a, 64)
		if err == nil {
			h, err = strconv.ParseFloat(b, 64)
		}
	}
	if !ok || err != nil || w <= 0 || h <= 0 {
		return 0, 0, fmt.Errorf("bad scene size %q: want WxH in km, e.g. 4x5", size)
	}
	return w, h, nil
}

func pixelBytes(dataType string) int {
	switch dataType {
	case "uint8", "int8":
		return 1
	case "int16", "uint16":
		return 2
	case "float64", "int64", "uint64":
		return 8
	}
	return 4
}

// compareWorkflow turns a synth workflow into the one the GDAL pipeline
// reproduces: the same products, made the same way, and nothing more. Its
// threshold keeps only min_abs (the GDAL tools have no morphology,
// vegetation index or region sizes), its change_mask only input and
// resolution (no alignment on the orthophotos), and a qa step, which has
// no GDAL counterpart, is left out.
func compareWorkflow(src string) (string, error) {
	lines := strings.SplitAfter(src, "\n")
	start, end, err := stepBlock(lines, `step "threshold"`)
	if err != nil {
		return "", err
	}
	var minAbs, input string
	for _, l := range lines[start+1 : end] {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "min_abs":
			minAbs = strings.TrimSpace(v)
		case "input":
			input = strings.TrimSpace(v)
		}
	}
	if minAbs == "" || input == "" {
		return "", errors.New("threshold step without input and min_abs")
	}
	block := lines[start] + "  input   = " + input + "\n  min_abs = " + minAbs + "\n}\n"
	out := append(append(append([]string{}, lines[:start]...), block), lines[end+1:]...)
	// The 2D map is the thresholded ΔH sampled at its resolution (gdal_translate
	// -r near): no alignment on the orthophotos, no refined edges.
	if unaligned, err := dropAlignment(out); err == nil {
		out = unaligned
	}
	if qs, qe, err := stepBlock(out, `step "qa"`); err == nil {
		if qe+1 < len(out) && strings.TrimSpace(out[qe+1]) == "" {
			qe++ // and the blank line after it
		}
		out = append(out[:qs], out[qe+1:]...)
	}
	return "# The benchmark's comparison workflow: the scene's own, with a threshold\n" +
		"# that keeps min_abs only and no qa step, as bench/gdal_pipeline.sh does.\n\n" +
		strings.Join(out, ""), nil
}

// unalignedWorkflow is a synth workflow whose change_mask step keeps only
// its input and resolution: everything else as it is, without the 2D
// map's alignment on the orthophotos and its refined edges.
func unalignedWorkflow(src string) (string, error) {
	out, err := dropAlignment(strings.SplitAfter(src, "\n"))
	if err != nil {
		return "", err
	}
	return "# The benchmark's workflow without alignment: the scene's own, with a\n" +
		"# change_mask step that keeps input and resolution only.\n\n" +
		strings.Join(out, ""), nil
}

// dropAlignment returns the workflow's lines with the change_mask block cut
// to its input and resolution.
func dropAlignment(lines []string) ([]string, error) {
	cs, ce, err := stepBlock(lines, `step "change_mask"`)
	if err != nil {
		return nil, err
	}
	var keep []string
	for _, l := range lines[cs+1 : ce] {
		k, _, ok := strings.Cut(strings.TrimSpace(l), "=")
		if ok && (strings.TrimSpace(k) == "input" || strings.TrimSpace(k) == "resolution") {
			keep = append(keep, l)
		}
	}
	block := append(append([]string{lines[cs]}, keep...), lines[ce])
	return append(append(append([]string{}, lines[:cs]...), block...), lines[ce+1:]...), nil
}

// stepBlock finds the lines of a top-level block starting with prefix: its
// first line and the line of its closing brace.
func stepBlock(lines []string, prefix string) (start, end int, err error) {
	for i, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			if strings.TrimRight(lines[j], "\r\n") == "}" {
				return i, j, nil
			}
		}
		return 0, 0, fmt.Errorf("%s without its closing brace", strings.TrimSpace(l))
	}
	return 0, 0, fmt.Errorf("no %s block", prefix)
}

// sampleTiles picks at most n tiles spread evenly over the grid's order,
// the same ones on every run.
func sampleTiles(tiles []plans.Tile, n int) []plans.Tile {
	if n <= 0 || n >= len(tiles) {
		return tiles
	}
	out := make([]plans.Tile, 0, n)
	for i := range n {
		out = append(out, tiles[i*len(tiles)/n])
	}
	return out
}

// writeTileList writes the GDAL pipeline's tile list: ID MINX MINY MAXX MAXY.
func writeTileList(path string, tiles []plans.Tile) error {
	var b strings.Builder
	for _, t := range tiles {
		e := t.Extent
		fmt.Fprintf(&b, "%s %s %s %s %s\n", t.ID, num(e.MinX), num(e.MinY), num(e.MaxX), num(e.MaxY))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
