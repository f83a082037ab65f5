package publish

import (
	"context"
	"fmt"

	"github.com/cdflow/cdflow/catalog"
	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/plugins"
)

// checkRemote checks a catalog = "s3://bucket/prefix" without contacting
// the server (validate runs offline).
func checkRemote(u string) []plugins.Problem {
	if _, err := objstore.Parse(u); err != nil {
		return []plugins.Problem{plugins.Problemf("catalog", "Invalid object storage URL", "%v.", err)}
	}
	return nil
}

// Preflight checks, for a catalog on object storage, that the bucket
// exists and the credentials are accepted (plugins.Preflighter).
func (p *STAC) Preflight(ctx context.Context) error {
	if !objstore.IsURL(p.Catalog) {
		return nil
	}
	root, err := objstore.Parse(p.Catalog)
	if err != nil {
		return err
	}
	c, err := objstore.FromEnv()
	if err != nil {
		return fmt.Errorf("publish to %s: %w", p.Catalog, err)
	}
	return c.CheckBucket(ctx, root)
}

// publishRemote publishes to a catalog on object storage, configured from
// the environment (see objstore.ConfigFromEnv), with the guarantees of a
// catalog on disk (see catalog.PublishRemote).
func (p *STAC) publishRemote(ctx context.Context, r *plugins.Release) (string, error) {
	root, err := objstore.Parse(p.Catalog)
	if err != nil {
		return "", err
	}
	c, err := objstore.FromEnv()
	if err != nil {
		return "", fmt.Errorf("publish to %s: %w", p.Catalog, err)
	}
	rel, err := CatalogRelease(r, p.Products(r.Products))
	if err != nil {
		return "", err
	}
	pub, err := catalog.PublishRemote(ctx, c, root, rel, catalog.Options{Workers: r.Jobs, BaseURL: p.BaseURL, Stage: r.Out, Progress: r.Progress, CopyOrigins: r.CopyOrigins})
	if err != nil {
		return "", err
	}
	if pub.NoOp {
		return fmt.Sprintf("%s %s was already published in %s with the same content: nothing to do", rel.Dataset, rel.Version, p.Catalog), nil
	}
	if pub.Copied > 0 {
		return fmt.Sprintf("release %s %s (%d files, %d of them copied on the server from the shards) in %s", rel.Dataset, rel.Version, pub.Files, pub.Copied, pub.Dir), nil
	}
	return fmt.Sprintf("release %s %s (%d files) in %s", rel.Dataset, rel.Version, pub.Files, pub.Dir), nil
}
