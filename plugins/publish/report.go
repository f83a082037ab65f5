package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/report"
)

// Report publishes the release report (Table 2, ΔH histograms, QA).
type Report struct {
	Path  string `hcl:"path,optional"`
	Title string `hcl:"title,optional"`
}

func (p *Report) Config() any                           { return p }
func (p *Report) Outputs(*plugins.ReleasePlan) []string { return []string{slash(p.Path)} }
func (p *Report) Validate() []plugins.Problem {
	probs := checkPath("path", p.Path)
	if len(probs) == 0 && !strings.HasSuffix(p.Path, ".html") {
		probs = append(probs, plugins.Problemf("path", "Report is not HTML",
			"The report is an HTML page; end the path with .html, e.g. path = \"report.html\"."))
	}
	return probs
}

// Publish writes the report as one self-contained HTML file.
func (p *Report) Publish(ctx context.Context, r *plugins.Release) (string, error) {
	dst, err := under(r.Out, p.Path)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	in := reportInput(r)
	in.Title = p.Title
	if in.Title == "" {
		in.Title = r.Dataset.Title
	}
	in.Dataset, in.Version, in.Splits = r.Dataset.Name, r.Dataset.Version, r.Splits
	in.Tiles = &report.Tiles{}
	for i := range r.Tiles {
		row, err := r.Tiles[i].Row()
		if err != nil {
			return "", fmt.Errorf("tile %s: %w", r.Tiles[i].ID, err)
		}
		in.Tiles.Add(&row)
	}
	if err := report.Write(ctx, dst, in); err != nil {
		return "", err
	}
	return "", nil
}

// reportInput is what any report of the release shows besides its tables.
func reportInput(r *plugins.Release) report.Input {
	in := report.Input{Violations: r.Violations, CoverRange: r.CoverRange, CoverMinPixels: r.CoverMinPixels,
		Workflow: r.Workflow, Software: r.Software, CRS: r.CRS.String(), Created: r.Created}
	for _, q := range r.QA {
		in.QA = append(in.QA, report.QARow{Tile: q.Tile, Flag: q.Flag, Detail: q.Detail})
	}
	return in
}
