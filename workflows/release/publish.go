package release

import (
	"context"
	"fmt"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
)

// Output is what one publish block did.
type Output struct {
	Block string // publish.<kind>.<name>
	Note  string // e.g. "release d 1.0.0 (231 files) in out/catalog/d/1.0.0"
}

// Publish runs the workflow's publish blocks, in order, on the release.
// The first failure stops it; what earlier blocks published stays.
func Publish(ctx context.Context, plan *plans.Plan, rel *plugins.Release) ([]Output, error) {
	return PublishWith(ctx, plan, rel, nil)
}

// PublishWith is Publish, telling each block's progress (see
// plugins.Release.Progress) to what progress returns for the block's
// address (publish.stac.catalog); progress may be nil.
func PublishWith(ctx context.Context, plan *plans.Plan, rel *plugins.Release, progress func(block string) func(done, total int)) ([]Output, error) {
	var outputs []Output
	for _, pb := range plan.Workflow.Publish {
		block := "publish." + pb.Kind + "." + pb.Name
		if err := ctx.Err(); err != nil {
			return outputs, err
		}
		r := rel
		if progress != nil {
			// Each block hears its own progress; the caller's release
			// is left as it was.
			own := *rel
			own.Progress = progress(block)
			r = &own
		}
		note, err := pb.Impl.Publish(ctx, r)
		if err != nil {
			return outputs, fmt.Errorf("%s: %w", block, err)
		}
		outputs = append(outputs, Output{Block: block, Note: note})
	}
	return outputs, nil
}

// Preflight asks every publish block that can (plugins.Preflighter)
// whether it will be able to publish, before any tile runs.
func Preflight(ctx context.Context, plan *plans.Plan) error {
	for _, pb := range plan.Workflow.Publish {
		if p, ok := pb.Impl.(plugins.Preflighter); ok {
			if err := p.Preflight(ctx); err != nil {
				return fmt.Errorf("publish.%s.%s: %w", pb.Kind, pb.Name, err)
			}
		}
	}
	return nil
}

// PublishesPlaceholders reports whether every publish block of plan can
// publish a release whose tiles' files are placeholders of objects on
// object storage (plugins.PublishesPlaceholders), and one of them
// publishes the products (a catalog on object storage): then a merge of
// shards that uploaded there need not download their products. Without
// such a block the merge's folder is the only place the products come
// to, and they are downloaded.
func PublishesPlaceholders(plan *plans.Plan) bool {
	copies := false
	for _, pb := range plan.Workflow.Publish {
		if !plugins.PublishesPlaceholders(pb.Impl) {
			return false
		}
		if pp, ok := pb.Impl.(plugins.PlaceholderPublisher); ok && pp.PublishesPlaceholders() {
			copies = true
		}
	}
	return copies
}

// PublishRun finishes a run and publishes it: Finish, Assemble, Publish.
func PublishRun(ctx context.Context, plan *plans.Plan, res *execute.Result, out, created string) (*Summary, []Output, error) {
	sum, err := Finish(ctx, plan, res)
	if err != nil {
		return nil, nil, err
	}
	rel, err := Assemble(plan, res, sum, out, created)
	if err != nil {
		return sum, nil, err
	}
	outputs, err := Publish(ctx, plan, rel)
	return sum, outputs, err
}
