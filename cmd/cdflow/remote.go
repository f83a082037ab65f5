package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/shard"
)

// Shards without a shared volume (pods of a Kubernetes Job) exchange their
// results through object storage:
//
//	cdflow run --shard i/n --out /scratch --upload s3://bucket/run WORKFLOW
//	cdflow merge --out /scratch WORKFLOW s3://bucket/run
//
// Every shard uploads under the same prefix the layout a shared folder
// would hold (run/tiles/<tile>/…, run/shards/shard-i-of-n.json), with an
// index of its objects (run/shards/objects-i-of-n.json: each one's size
// and MD5). A shard's manifest is uploaded last, so a manifest that is
// there has everything else. Merge downloads the manifests and indexes,
// and either downloads the products too and checks each one's size and
// SHA-256 against its manifest, or, when a catalog on that object storage
// publishes them and nothing else reads them, leaves them there
// (placeholders, see shard.Folder and release.PublishesPlaceholders).

// checkUpload checks that --upload names a bucket we can reach, before
// the shard spends hours on its tiles.
func checkUpload(ctx context.Context, dest string) error {
	_, _, err := openUpload(ctx, dest)
	return err
}

// openUpload connects to the object storage --upload names and checks
// its bucket.
func openUpload(ctx context.Context, dest string) (*objstore.Client, objstore.URL, error) {
	root, err := objstore.Parse(dest)
	if err != nil {
		return nil, root, fmt.Errorf("--upload: %w", err)
	}
	c, err := objstore.FromEnv()
	if err != nil {
		return nil, root, fmt.Errorf("--upload %s: %w", dest, err)
	}
	if err := c.CheckBucket(ctx, root); err != nil {
		return nil, root, fmt.Errorf("--upload: %w", err)
	}
	return c, root, nil
}

// uploadShard checks the products of a shard's tiles against its manifest,
// uploads every file of its tiles that the server does not already hold,
// then the index of those objects (their sizes and MD5s, shard.WriteIndex),
// then its manifest. It returns how many files the shard has there and how
// many of them it sent.
func uploadShard(ctx context.Context, plan *plans.Plan, outDir, dest string, part execute.Shard, res *execute.Result, manifest string) (int, int, error) {
	c, root, err := openUpload(ctx, dest)
	if err != nil {
		return 0, 0, err
	}
	// The index vouches for the products' bytes: a merge that does not
	// download them trusts it. The checks read every product: a CPU each.
	// The first failing tile in the shard's order is reported.
	errs := make([]error, len(res.Tiles))
	checks, cctx := errgroup.WithContext(ctx)
	checks.SetLimit(runtime.GOMAXPROCS(0))
	for i, t := range res.Tiles {
		checks.Go(func() error {
			if err := cctx.Err(); err != nil {
				return err
			}
			if err := shard.CheckProducts(plan, outDir, t); err != nil {
				errs[i] = fmt.Errorf("--upload: tile %s: %w; run the shard again", t.Tile.ID, err)
				return errs[i]
			}
			return nil
		})
	}
	if err := checks.Wait(); err != nil {
		for _, e := range errs {
			if e != nil {
				return 0, 0, e
			}
		}
		return 0, 0, err
	}
	// A tile at a time: its objects listed (one request), then its files
	// sent, but only those the server does not already hold (the same size
	// and MD5), so an upload run again (a retried job) sends only what is
	// missing or differs.
	stored := make([][]shard.Uploaded, len(res.Tiles))
	var sent atomic.Int64 // files sent, not already there
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16) // uploads wait on the network
	for i, t := range res.Tiles {
		g.Go(func() error {
			dir := filepath.Join(execute.TilesDir, t.Tile.ID)
			entries, err := os.ReadDir(filepath.Join(outDir, dir))
			if err != nil {
				return fmt.Errorf("tile %s: %w", t.Tile.ID, err)
			}
			have := map[string]objstore.Object{}
			prefix := root.Join(filepath.ToSlash(dir))
			prefix.Key += "/" // this tile's objects, not those of tiles whose ID it begins
			listed, err := c.List(gctx, prefix)
			if err != nil {
				return err
			}
			for _, o := range listed {
				have[o.URL.Key] = o
			}
			for _, e := range entries {
				// Dot files are temporary files of an interrupted write.
				if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
					continue
				}
				key := filepath.ToSlash(filepath.Join(dir, e.Name()))
				u := root.Join(key)
				var prev *objstore.Object
				if h, ok := have[u.Key]; ok {
					prev = &h
				}
				o, put, err := c.SyncFile(gctx, u, filepath.Join(outDir, dir, e.Name()), prev, objstore.PutOptions{})
				if err != nil {
					return err
				}
				if put {
					sent.Add(1)
				}
				stored[i] = append(stored[i], shard.Uploaded{Path: key, Size: o.Size, MD5: o.ETag})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, 0, fmt.Errorf("--upload: %w", err)
	}
	var all []shard.Uploaded
	for _, s := range stored {
		all = append(all, s...)
	}
	index, err := shard.WriteIndex(outDir, part, all)
	if err != nil {
		return 0, 0, fmt.Errorf("--upload: %w", err)
	}
	// The manifest last: a merge that finds it finds everything else.
	for _, f := range []string{index, manifest} {
		rel, err := filepath.Rel(outDir, f)
		if err != nil {
			return 0, 0, fmt.Errorf("--upload: %w", err)
		}
		if _, err := c.PutFile(ctx, root.Join(filepath.ToSlash(rel)), f, objstore.PutOptions{ContentType: "application/json"}); err != nil {
			return 0, 0, fmt.Errorf("--upload: %w", err)
		}
	}
	return len(all) + 2, int(sent.Load()) + 2, nil
}

// fetchShards replaces every s3:// SHARD_OUT by a local folder under
// outDir holding what the shards uploaded there; cleanup removes those
// folders once merged. With placeholders, only the shards' manifests and
// object indexes are downloaded, and the merge makes each product a
// placeholder of its object (shard.Folder); otherwise the tiles' files are
// downloaded too (and hard-linked into outDir by the merge), each knowing
// its object (objstore.SetOrigin). remote says whether any came from
// object storage: a release published to the same server then copies
// those objects there instead of uploading the files again.
func fetchShards(ctx context.Context, outDir string, args []string, placeholders bool) (folders []shard.Folder, remote bool, cleanup func(), err error) {
	var tmp []string
	cleanup = func() {
		for _, d := range tmp {
			os.RemoveAll(d)
		}
	}
	var c *objstore.Client
	for _, a := range args {
		if !objstore.IsURL(a) {
			folders = append(folders, shard.Folder{Dir: a})
			continue
		}
		root, err := objstore.Parse(a)
		if err != nil {
			cleanup()
			return nil, false, nil, fmt.Errorf("merge: %w", err)
		}
		if c == nil {
			if c, err = objstore.FromEnv(); err != nil {
				cleanup()
				return nil, false, nil, fmt.Errorf("merge: %s: %w", a, err)
			}
		}
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			cleanup()
			return nil, false, nil, fmt.Errorf("merge: %w", err)
		}
		d, err := os.MkdirTemp(outDir, ".shards-")
		if err != nil {
			cleanup()
			return nil, false, nil, fmt.Errorf("merge: %w", err)
		}
		tmp = append(tmp, d)
		subs := []string{shard.Dir, execute.TilesDir}
		f := shard.Folder{Dir: d}
		if placeholders {
			subs, f.Objects = subs[:1], &root
		}
		if err := download(ctx, c, root, d, subs); err != nil {
			cleanup()
			return nil, false, nil, fmt.Errorf("merge: %w", err)
		}
		folders = append(folders, f)
		remote = true
	}
	return folders, remote, cleanup, nil
}

// download copies the objects under root's subs (the shards' Dir, and
// their tiles) into dir, each with the object it came from recorded on it.
func download(ctx context.Context, c *objstore.Client, root objstore.URL, dir string, subs []string) error {
	if err := c.CheckBucket(ctx, root); err != nil {
		return err
	}
	base := strings.Trim(root.Key, "/")
	if base != "" {
		base += "/"
	}
	// Each object is downloaded as the listing comes: a national run's
	// shards hold tens of millions, never listed into memory at once.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, sub := range subs {
		u := objstore.URL{Bucket: root.Bucket, Key: base + filepath.ToSlash(sub) + "/"}
		n := 0
		err := c.ListEach(gctx, u, func(o objstore.Object) error {
			n++
			g.Go(func() error {
				file := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(o.URL.Key, base)))
				if err := c.Download(gctx, o.URL, file); err != nil {
					return err
				}
				// Where the file system keeps no extended attributes, the
				// release uploads the file instead of copying the object.
				_ = objstore.SetOrigin(file, o)
				return nil
			})
			return nil
		})
		if err == nil && n == 0 && sub == shard.Dir {
			err = fmt.Errorf("%s holds no partial results (nothing under %s); upload them with cdflow run --shard i/n --upload %s", root, u, root)
		}
		if err != nil {
			// A failed download cancels the listing: its error is the one
			// to report.
			if werr := g.Wait(); werr != nil {
				return werr
			}
			return err
		}
	}
	return g.Wait()
}
