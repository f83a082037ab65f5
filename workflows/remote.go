package workflows

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/raster"
)

// remoteListTimeout bounds the listing of a source's objects within the
// parser's context: a server that does not answer must not hang
// `cdflow validate`.
const remoteListTimeout = 2 * time.Minute

// expandRemote resolves files = "s3://bucket/prefix/*.tif" (or one object)
// into GDAL's names of the objects, /vsis3/bucket/key, sorted: every later
// stage (GDAL, the cache keys, the point-cloud reader) takes those. The
// connection comes from the environment (objstore.ConfigFromEnv), and GDAL
// is pointed at the same server.
func expandRemote(ctx context.Context, pattern string) ([]string, error) {
	c, err := objstore.FromEnv()
	if err != nil {
		return nil, err
	}
	raster.ConfigureS3(c.Config().GDALOptions())
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, remoteListTimeout)
	defer cancel()
	var urls []objstore.URL
	if strings.ContainsAny(strings.TrimPrefix(pattern, objstore.Scheme), "*?[") {
		urls, err = c.Glob(ctx, pattern)
		if err != nil {
			return nil, err
		}
		if len(urls) == 0 {
			return nil, fmt.Errorf("nothing matches %s; check the bucket, the prefix and the pattern (listed at %s)", pattern, c.Config().Endpoint())
		}
	} else {
		u, err := objstore.Parse(pattern)
		if err != nil {
			return nil, err
		}
		if _, err := c.Stat(ctx, u); err != nil {
			return nil, err
		}
		urls = []objstore.URL{u}
	}
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = u.VSIPath()
	}
	return out, nil
}
