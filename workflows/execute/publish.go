package execute

import (
	"context"
	"fmt"
	"github.com/cdflow/cdflow/internal/atomicfile"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/plugins/publish"
	"github.com/cdflow/cdflow/report"
	"github.com/cdflow/cdflow/workflows"
)

// Output is one thing a publish block made.
type Output struct {
	Block string // publish.<kind>.<name>
	Path  string
	Note  string // e.g. "no change: the same release was already published"
}

// Publish runs the workflow's publish blocks on a finished run. Relative
// paths resolve under out. A path that leaves out through ".." is refused.
func Publish(ctx context.Context, plan *workflows.Plan, res *Result, sum *Summary, out string, created string) ([]Output, error) {
	var outputs []Output
	for _, pb := range plan.Workflow.Publish {
		block := "publish." + pb.Kind + "." + pb.Name
		switch cfg := pb.Impl.(type) {
		case *publish.STAC:
			root, err := under(out, cfg.Catalog)
			if err != nil {
				return outputs, fmt.Errorf("%s: %w", block, err)
			}
			rel, err := NewRelease(plan, res, sum, out, cfg.Products())
			if err != nil {
				return outputs, fmt.Errorf("%s: %w", block, err)
			}
			rel.Report.Created = created
			p, err := catalog.Publish(ctx, root, rel, catalog.Options{Workers: res.Jobs})
			if err != nil {
				return outputs, fmt.Errorf("%s: %w", block, err)
			}
			o := Output{Block: block, Path: filepath.Join(root, "catalog.json")}
			if p.NoOp {
				o.Note = fmt.Sprintf("%s %s was already published with the same content: nothing to do", rel.Dataset, rel.Version)
			} else {
				o.Note = fmt.Sprintf("release %s %s (%d files) in %s", rel.Dataset, rel.Version, p.Files, p.Dir)
			}
			outputs = append(outputs, o)
		case *publish.Parquet:
			// The run's tables, beside the run; items.parquet lives in a STAC release.
			if cfg.Tiles {
				for _, f := range []string{sum.TilesParquet, sum.SplitsParquet} {
					dst := filepath.Join(out, filepath.Base(f))
					if err := atomicfile.Copy(f, dst); err != nil {
						return outputs, fmt.Errorf("%s: %w", block, err)
					}
					outputs = append(outputs, Output{Block: block, Path: dst})
				}
			}
		case *publish.Report:
			dst, err := under(out, cfg.Path)
			if err != nil {
				return outputs, fmt.Errorf("%s: %w", block, err)
			}
			title := cfg.Title
			if title == "" {
				title = plan.Workflow.Dataset.Title
			}
			rel, err := NewRelease(plan, res, sum, out, nil)
			if err != nil {
				return outputs, fmt.Errorf("%s: %w", block, err)
			}
			in := rel.Report
			in.Title, in.Dataset, in.Version, in.Tiles, in.Splits, in.Created = title, rel.Dataset, rel.Version, sum.Tiles, sum.Splits, created
			if err := report.Write(ctx, dst, in); err != nil {
				return outputs, fmt.Errorf("%s: %w", block, err)
			}
			outputs = append(outputs, Output{Block: block, Path: dst})
		case *publish.Folders:
			dir, err := under(out, cfg.Path)
			if err != nil {
				return outputs, fmt.Errorf("%s: %w", block, err)
			}
			n, err := writeFolders(ctx, plan, res, sum, out, dir, cfg.Products())
			if err != nil {
				return outputs, fmt.Errorf("%s: %w", block, err)
			}
			outputs = append(outputs, Output{Block: block, Path: dir, Note: fmt.Sprintf("%d files in the 3DCD layout", n)})
		default:
			return outputs, fmt.Errorf("%s: no publisher for kind %q", block, pb.Kind)
		}
	}
	return outputs, nil
}

// under resolves p relative to out, refusing paths that climb out of it.
func under(out, p string) (string, error) {
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	clean := filepath.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("path %q leaves the output directory %s; use a path inside it (or an absolute path)", p, out)
	}
	return filepath.Join(out, clean), nil
}

// writeFolders lays the products out as the 3DCD training code reads them:
// <dir>/<split>/<year_t0>/<id>.tif, <split>/<year_t1>/<id>.tif,
// <split>/2D/<id>.tif and <split>/3D/<id>.tif (hard links when possible).
func writeFolders(ctx context.Context, plan *workflows.Plan, res *Result, sum *Summary, out, dir string, products []string) (int, error) {
	ep := findEpochs(plan)
	t0, t1 := ep.datetimes()
	folder := map[string]string{"t0": fmt.Sprint(t0.Year()), "t1": fmt.Sprint(t1.Year()), "cd2d": "2D", "cd3d": "3D"}
	if len(products) > 0 {
		keep := map[string]bool{}
		for _, p := range products {
			keep[p] = true
		}
		for k := range folder {
			if !keep[k] {
				delete(folder, k)
			}
		}
	}
	if t0.Year() == t1.Year() {
		folder["t0"], folder["t1"] = "t0", "t1"
	}
	split := map[string]string{}
	for _, st := range sum.Tiles {
		split[st.TileID] = st.Split
	}
	n := 0
	for _, tr := range res.Tiles {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if _, kept := split[tr.Tile.ID]; !kept {
			continue // excluded by QA
		}
		var names []string
		for name := range tr.Products {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			sub, ok := folder[name]
			if !ok {
				continue
			}
			d := filepath.Join(dir, split[tr.Tile.ID], sub)
			if err := os.MkdirAll(d, 0o755); err != nil {
				return n, err
			}
			if err := atomicfile.LinkOrCopy(filepath.Join(out, tr.Products[name]), filepath.Join(d, tr.Tile.ID+".tif")); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
