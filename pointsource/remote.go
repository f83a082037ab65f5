package pointsource

import (
	"context"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/pointcloud"
)

// openCloud opens a LAS/LAZ/COPC file on disk, or an object on object
// storage (named /vsis3/bucket/key, as a source's s3:// files expand to)
// through ranged GETs: only the header, the VLRs and the chunks read are
// fetched. ctx bounds every read of the object.
func openCloud(ctx context.Context, path string) (*pointcloud.File, error) {
	u, ok := objstore.FromVSIPath(path)
	if !ok {
		return pointcloud.Open(path)
	}
	c, err := objstore.FromEnv()
	if err != nil {
		return nil, err
	}
	r, err := c.OpenReaderAt(ctx, u)
	if err != nil {
		return nil, err
	}
	return pointcloud.OpenReader(r, r.Size(), path)
}
