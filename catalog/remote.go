package catalog

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/internal/objstore"
)

// A catalog on object storage has the layout of one on disk, under a
// prefix (s3://bucket/prefix/catalog.json, …). Object storage has no
// rename, so PublishRemote keeps Publish's guarantees by ordering the
// writes instead:
//
//  1. a lock object, created with a conditional write (If-None-Match: *),
//     keeps publishers apart; the holder deletes it when done;
//  2. the release is built in a local folder, and the catalog's JSON files
//     that relink reads (root, dataset catalogs, the dataset's release
//     collections) are downloaded into a local mirror of the catalog;
//  3. every file of the release but its collection.json is uploaded (each
//     checked against its MD5 by the ETag the server returns), objects a
//     killed publish left under that version are removed, the listing is
//     checked against the files (sizes and MD5s), and the collection.json
//     is written last with If-None-Match: *: that write publishes the
//     version, and it can never replace a published one;
//  4. the links are rewritten in the mirror by the same code as on disk,
//     and the files that changed are uploaded: the other releases' version
//     links, then the dataset catalog, then the root catalog.
//
// A version is published when its collection.json exists (as on disk,
// where releasesOf requires it); a kill before that leaves objects no
// catalog links to, which the next publish of that version replaces. Each
// object is replaced whole by a PUT, so readers see old or new JSON.

// lockObject is the publishers' lock under a remote catalog's prefix.
const lockObject = ".lock"

// stagePrefix names the folders PublishRemote stages releases in.
const stagePrefix = ".cdflow-publish-"

// PublishRemote adds a release to the catalog at root on object storage,
// with Publish's guarantees (see above); Published.Dir is the release's URL.
func PublishRemote(ctx context.Context, c *objstore.Client, root objstore.URL, rel *Release, opts Options) (*Published, error) {
	hook, err := checkPublish(rel, opts)
	if err != nil {
		return nil, err
	}
	root.Key = strings.Trim(root.Key, "/")
	if err := c.CheckBucket(ctx, root); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	unlock, err := lockRemote(ctx, c, root)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := hook(StageLocked); err != nil {
		return nil, err
	}

	if opts.Stage != "" {
		// A killed publish's stage holds links to files later runs have
		// replaced since: their old content stays on disk until removed.
		old, _ := filepath.Glob(filepath.Join(opts.Stage, stagePrefix+"*"))
		for _, d := range old {
			if err := os.RemoveAll(d); err != nil {
				return nil, fmt.Errorf("publish: remove a killed publish's stage: %w", err)
			}
		}
	}
	work, err := os.MkdirTemp(opts.Stage, stagePrefix)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	defer os.RemoveAll(work)
	staged := filepath.Join(work, "release")
	stageOpts := opts
	stageOpts.link = true
	files, err := build(ctx, staged, rel, stageOpts)
	if err == nil {
		err = absolutizeTree(staged, path.Join(rel.Dataset, rel.Version), opts.BaseURL)
	}
	if err != nil {
		return nil, err
	}
	if err := hook(StageStaged); err != nil {
		return nil, err
	}

	mirror := filepath.Join(work, "catalog")
	if err := downloadLinks(ctx, c, root, rel.Dataset, mirror); err != nil {
		return nil, err
	}
	before, err := jsonFiles(mirror)
	if err != nil {
		return nil, err
	}
	relDir := path.Join(rel.Dataset, rel.Version)
	final := root.Join(relDir)
	out := &Published{Dir: final.String(), Files: files}
	mirrorColl := filepath.Join(mirror, filepath.FromSlash(relDir), "collection.json")
	if _, err := os.Stat(mirrorColl); err == nil {
		diff, err := compareRemote(ctx, c, staged, final, mirrorColl)
		if err != nil {
			return nil, err
		}
		if diff != "" {
			return nil, fmt.Errorf("publish %s %s to %s: %w (%s); a release never changes: bump `version` in the dataset block (e.g. %s) and publish again",
				rel.Dataset, rel.Version, root, ErrReleaseExists, diff, nextVersions(rel.Version))
		}
		out.NoOp = true
	} else {
		stored, copied, err := uploadRelease(ctx, c, staged, final, opts.Workers, opts.CopyOrigins)
		if err != nil {
			return nil, err
		}
		defer stored.Close()
		out.Copied = copied
		if err := hook(StageUploaded); err != nil {
			return nil, err
		}
		if err := verifyRemote(ctx, c, staged, stored, final); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(mirrorColl), 0o755); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		if err := os.Rename(filepath.Join(staged, "collection.json"), mirrorColl); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	// The links, computed by the same code as on disk, in the mirror.
	if err := relink(mirror, rel, opts.BaseURL, func(string) error { return nil }); err != nil {
		return nil, err
	}
	after, err := jsonFiles(mirror)
	if err != nil {
		return nil, err
	}
	ownColl := relDir + "/collection.json"
	if !out.NoOp {
		// The commit: the version exists from this write on, and a
		// concurrent or earlier publisher's collection is never replaced.
		if _, err := c.PutFile(ctx, root.Join(ownColl), mirrorColl, objstore.PutOptions{IfAbsent: true, ContentType: contentType(ownColl)}); err != nil {
			if errors.Is(err, objstore.ErrExists) {
				return nil, fmt.Errorf("publish %s %s: another publisher published this version meanwhile (%w); publish again to compare", rel.Dataset, rel.Version, ErrReleaseExists)
			}
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	if err := hook(StageRenamed); err != nil {
		return nil, err
	}
	// Links are rewritten even after a no-op: a publish killed after its
	// commit left them stale, and this repairs them.
	var versionLinks []string
	for p := range after {
		if p != "catalog.json" && p != rel.Dataset+"/catalog.json" && (p != ownColl || out.NoOp) && after[p] != before[p] {
			versionLinks = append(versionLinks, p)
		}
	}
	slices.Sort(versionLinks)
	for _, p := range versionLinks {
		if err := putMirror(ctx, c, root, mirror, p); err != nil {
			return nil, err
		}
	}
	if err := hook(StageLinked); err != nil {
		return nil, err
	}
	for _, p := range []string{rel.Dataset + "/catalog.json", "catalog.json"} {
		if after[p] != before[p] {
			if err := putMirror(ctx, c, root, mirror, p); err != nil {
				return nil, err
			}
		}
	}
	return out, hook(StageRoot)
}

// remoteLockWait bounds the wait for another publisher: unlike a file
// lock, a lock object outlives a killed publisher, and waiting for it
// forever without a word would hang the run.
const remoteLockWait = 10 * time.Minute

// lockRemote creates the lock object, waiting while another publisher
// holds it (until ctx ends or remoteLockWait has passed).
func lockRemote(ctx context.Context, c *objstore.Client, root objstore.URL) (func(), error) {
	ctx, cancel := context.WithTimeoutCause(ctx, remoteLockWait, fmt.Errorf("the lock was held for %v", remoteLockWait))
	defer cancel()
	u := root.Join(lockObject)
	host, _ := os.Hostname()
	body, _ := json.Marshal(map[string]any{"host": host, "pid": os.Getpid(), "since": time.Now().UTC().Format(time.RFC3339)})
	for {
		_, err := c.PutBytes(ctx, u, body, objstore.PutOptions{IfAbsent: true, ContentType: "application/json"})
		if err == nil {
			break
		}
		if !errors.Is(err, objstore.ErrExists) {
			return nil, fmt.Errorf("publish: lock %s: %w", root, err)
		}
		select {
		case <-ctx.Done():
			holder, _ := c.Get(context.WithoutCancel(ctx), u)
			return nil, fmt.Errorf("publish: waiting for another cdflow to finish publishing into %s (%s holds %s; if no cdflow is publishing there, it was killed: delete %s): %w",
				root, u, strings.TrimSpace(string(holder)), u, context.Cause(ctx))
		case <-time.After(time.Second):
		}
	}
	return func() {
		// Released however the publish ends, even when ctx was cancelled.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = c.Remove(ctx, u)
	}, nil
}

// downloadLinks copies into mirror what relink reads: the root catalog,
// every dataset's catalog and the dataset's release collections.
func downloadLinks(ctx context.Context, c *objstore.Client, root objstore.URL, dataset, mirror string) error {
	get := func(rel string) error {
		err := c.Download(ctx, root.Join(rel), filepath.Join(mirror, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(mirror, 0o755); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if err := get("catalog.json"); err != nil {
		return err
	}
	datasets, _, err := c.ListLevel(ctx, prefixOf(root))
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	for _, d := range datasets {
		if datasetID.MatchString(d) {
			if err := get(d + "/catalog.json"); err != nil {
				return err
			}
		}
	}
	versions, _, err := c.ListLevel(ctx, prefixOf(root.Join(dataset)))
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	for _, v := range versions {
		if safeName(v) {
			if err := get(dataset + "/" + v + "/collection.json"); err != nil {
				return err
			}
		}
	}
	// relink and writeRoot look for folders: a dataset never published has none.
	return os.MkdirAll(filepath.Join(mirror, dataset), 0o755)
}

// prefixOf is u as a folder prefix: "" for the bucket's root, else "key/".
func prefixOf(u objstore.URL) objstore.URL {
	if u.Key != "" {
		u.Key = strings.TrimSuffix(u.Key, "/") + "/"
	}
	return u
}

// uploadRelease uploads every file of the staged release but its
// collection.json, and removes what a killed publish of the same version
// left that this release does not have. It returns what was stored: each
// object's size and the MD5 its upload was checked against, on disk.
// Nothing is held per file (a national release has a hundred million
// files): the stage is walked, and the leftovers are checked as listed.
func uploadRelease(ctx context.Context, c *objstore.Client, staged string, final objstore.URL, workers int, copyOrigins bool) (stored *uploadRecords, copied int, err error) {
	err = c.ListEach(ctx, prefixOf(final), func(o objstore.Object) error {
		rel := strings.TrimPrefix(o.URL.Key, prefixOf(final).Key)
		if rel != "collection.json" && isStagedFile(staged, rel) {
			return nil
		}
		if err := c.Remove(ctx, o.URL); err != nil {
			return fmt.Errorf("remove what a killed publish left: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("publish: %w", err)
	}
	if workers <= 0 {
		// Uploads wait on the network, not the CPU.
		workers = 4 * runtime.GOMAXPROCS(0)
	}
	// Beside the stage, not in it: the stage is what is published.
	recs, err := newUploadRecords(filepath.Dir(staged))
	if err != nil {
		return nil, 0, fmt.Errorf("publish: %w", err)
	}
	defer func() {
		if err != nil {
			recs.Close()
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	var n atomic.Int64
	werr := walkStaged(staged, func(num int, rel string) error {
		if err := gctx.Err(); err != nil {
			return err
		}
		g.Go(func() error {
			file, u, po := filepath.Join(staged, filepath.FromSlash(rel)), final.Join(rel), objstore.PutOptions{ContentType: contentType(rel)}
			o, copied, err := copyOrPut(gctx, c, copyOrigins, file, u, po)
			if err != nil {
				return fmt.Errorf("publish: %w", err)
			}
			var sum [md5.Size]byte
			if _, err := hex.Decode(sum[:], []byte(o.ETag)); err != nil || len(o.ETag) != 2*md5.Size {
				return fmt.Errorf("publish: %s: the server's ETag %q is not an MD5", u, o.ETag)
			}
			if err := recs.set(num, uploaded{size: o.Size, md5: sum}); err != nil {
				return fmt.Errorf("publish: %w", err)
			}
			if copied {
				n.Add(1)
			}
			return nil
		})
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, 0, err
	}
	if werr != nil {
		return nil, 0, fmt.Errorf("publish: %w", werr)
	}
	return recs, int(n.Load()), nil
}

// walkStaged calls fn with the number (from 0) and the slash path of
// every file of the staged release but its collection.json, in the byte
// order of the paths: the order object storage lists keys in
// (walkKeyOrder). The numbers name uploadRecords' records.
func walkStaged(staged string, fn func(i int, rel string) error) error {
	i := 0
	return walkKeyOrder(staged, func(rel string) error {
		if rel == "collection.json" {
			return nil
		}
		i++
		return fn(i-1, rel)
	})
}

// walkKeyOrder calls fn with the slash path, relative to dir, of every
// file under dir (anything but a folder, links not followed) in the byte
// order of the paths, which is the order S3 lists keys in. A folder's
// entries are visited in the order of their names with "/" after a
// folder's: "items.parquet" comes before "items/…", which
// filepath.WalkDir visits first.
func walkKeyOrder(dir string, fn func(rel string) error) error {
	var walk func(rel string) error
	walk = func(rel string) error {
		entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		// Each entry's key is made once, not at every comparison of the
		// sort (a folder of a release holds up to 2 500 entries).
		keys := make([]string, len(entries))
		for i, e := range entries {
			keys[i] = e.Name()
			if e.IsDir() {
				keys[i] += "/"
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			name, dir := strings.CutSuffix(k, "/")
			p := path.Join(rel, name)
			if dir {
				err = walk(p)
			} else {
				err = fn(p)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return walk("")
}

// isStagedFile reports whether rel (a slash path from a listing) names a
// file of the staged release.
func isStagedFile(staged, rel string) bool {
	return fs.ValidPath(rel) && isRegular(filepath.Join(staged, filepath.FromSlash(rel)))
}

// copyOrPut stores file at u: with copyOrigins, copied on the server from
// the object the file was downloaded from when it still holds that
// object's bytes (objstore.Origin), uploaded otherwise. Either way the
// object stored is checked to hold the file's bytes (its ETag, the MD5).
// A copy the server refuses (the source changed since, or the server
// cannot copy) falls back to the upload: the local file is what is
// published. A placeholder (objstore.Placeholder) is always copied from its
// object, and has no upload to fall back to.
func copyOrPut(ctx context.Context, c *objstore.Client, copyOrigins bool, file string, u objstore.URL, po objstore.PutOptions) (objstore.Object, bool, error) {
	if src, ok := objstore.Placeholder(file); ok {
		// No bytes here to upload instead: the object is the product.
		o, err := c.Copy(ctx, src, u, po)
		if err != nil {
			return objstore.Object{}, false, fmt.Errorf("%w; the merge took it from the shard's object index: upload that shard again, then merge", err)
		}
		return o, true, nil
	}
	if copyOrigins {
		if src, ok := objstore.Origin(file); ok {
			o, err := c.Copy(ctx, src, u, po)
			if err == nil {
				return o, true, nil
			}
			if ctx.Err() != nil {
				return objstore.Object{}, false, err
			}
		}
	}
	o, err := c.PutFile(ctx, u, file, po)
	return o, false, err
}

// uploaded is what uploadRelease stored of a file.
type uploaded struct {
	size int64
	md5  [md5.Size]byte
}

// recordSize is an uploaded's size in uploadRecords' file.
const recordSize = 8 + md5.Size

// uploadRecords holds what uploadRelease stored of each file, numbered in
// walkStaged's order, in an unnamed temporary file: recordSize bytes a
// file on disk and none in memory (the index this replaces held 64 bytes
// a file, 7 GB for all of Spain). Uploads finish in any order and write
// their record in place; the check after them reads the records in order.
type uploadRecords struct {
	f *os.File
}

func newUploadRecords(dir string) (*uploadRecords, error) {
	// Unnamed: a killed publish leaves nothing behind.
	f, err := atomicfile.Unnamed(dir, ".uploaded-*")
	if err != nil {
		return nil, err
	}
	return &uploadRecords{f: f}, nil
}

// set writes file i's record; safe from many goroutines at once.
func (r *uploadRecords) set(i int, u uploaded) error {
	var b [recordSize]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(u.size))
	copy(b[8:], u.md5[:])
	if _, err := r.f.WriteAt(b[:], int64(i)*recordSize); err != nil {
		return fmt.Errorf("record what was uploaded: %w", err)
	}
	return nil
}

// reader reads the records from the first on, in order.
func (r *uploadRecords) reader() *recordReader {
	return &recordReader{r: bufio.NewReaderSize(io.NewSectionReader(r.f, 0, math.MaxInt64), 64<<10)}
}

func (r *uploadRecords) Close() error { return r.f.Close() }

// recordReader reads uploadRecords' records forwards.
type recordReader struct {
	r    *bufio.Reader
	next int // the number of the record the reader is at
}

// at returns file i's record; i never goes back.
func (rr *recordReader) at(i int) (uploaded, error) {
	if i < rr.next {
		return uploaded{}, fmt.Errorf("record %d read after %d", i, rr.next-1)
	}
	if _, err := rr.r.Discard((i - rr.next) * recordSize); err != nil {
		return uploaded{}, fmt.Errorf("read what was uploaded: %w", err)
	}
	var b [recordSize]byte
	if _, err := io.ReadFull(rr.r, b[:]); err != nil {
		return uploaded{}, fmt.Errorf("read what was uploaded: %w", err)
	}
	rr.next = i + 1
	u := uploaded{size: int64(binary.LittleEndian.Uint64(b[:8]))}
	copy(u.md5[:], b[8:])
	return u, nil
}

// joinListing walks the stage (walkStaged) beside the listing of final,
// both in key order, and calls match for each listed key that names a
// staged file (with the file's number in the walk), extra for each that
// does not, and missing for each staged file no key names. Neither side
// is held: a national release is checked in constant memory. A server
// that lists out of byte order stops the join with errUnordered, not a
// difference (joinEither then joins by stat).
func joinListing(ctx context.Context, c *objstore.Client, staged string, final objstore.URL,
	match func(i int, rel string, o objstore.Object) error, extra, missing func(rel string)) (err error) {
	var walkErr error
	next, stop := iter.Pull2(func(yield func(int, string) bool) {
		walkErr = walkStaged(staged, func(i int, rel string) error {
			if !yield(i, rel) {
				return errStopWalk
			}
			return nil
		})
	})
	defer func() {
		stop()
		if err == nil && walkErr != nil && !errors.Is(walkErr, errStopWalk) {
			err = walkErr
		}
	}()
	i, cur, more := next()
	prefix := prefixOf(final).Key
	prev := ""
	err = c.ListEach(ctx, prefixOf(final), func(o objstore.Object) error {
		rel := strings.TrimPrefix(o.URL.Key, prefix)
		if prev != "" && rel <= prev {
			return fmt.Errorf("%s listed %s after %s: %w", c.Config().Endpoint(), o.URL, prefix+prev, errUnordered)
		}
		prev = rel
		for more && cur < rel {
			missing(cur)
			i, cur, more = next()
		}
		if more && cur == rel {
			err := match(i, rel, o)
			i, cur, more = next()
			return err
		}
		extra(rel)
		return nil
	})
	if err != nil {
		return err
	}
	for more {
		missing(cur)
		i, cur, more = next()
	}
	return nil
}

// errStopWalk stops joinListing's walk when the listing failed.
var errStopWalk = errors.New("walk stopped")

// errUnordered is joinListing's error for a listing out of byte order.
var errUnordered = errors.New("keys listed out of byte order")

// joinFunc is joinListing or joinByStat.
type joinFunc func(ctx context.Context, c *objstore.Client, staged string, final objstore.URL,
	match func(i int, rel string, o objstore.Object) error, extra, missing func(rel string)) error

// joinEither runs check with joinListing and, when the server lists out
// of byte order (S3 Express directory buckets do), again from the start
// with joinByStat: check must start from nothing each time.
func joinEither(check func(join joinFunc) error) error {
	err := check(joinListing)
	if errors.Is(err, errUnordered) {
		return check(joinByStat)
	}
	return err
}

// joinByStat calls joinListing's functions without relying on the
// listing's order, at one request per staged file: each staged file's
// object is looked up by name (match or missing, in the walk's order),
// then the listing names the keys that are no staged file (extra).
func joinByStat(ctx context.Context, c *objstore.Client, staged string, final objstore.URL,
	match func(i int, rel string, o objstore.Object) error, extra, missing func(rel string)) error {
	err := walkStaged(staged, func(num int, rel string) error {
		o, err := c.Stat(ctx, final.Join(rel))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing(rel)
			return nil
		case err != nil:
			return err
		}
		return match(num, rel, o)
	})
	if err != nil {
		return err
	}
	prefix := prefixOf(final).Key
	return c.ListEach(ctx, prefixOf(final), func(o objstore.Object) error {
		rel := strings.TrimPrefix(o.URL.Key, prefix)
		// walkStaged leaves collection.json out, so joinListing calls it extra.
		if rel == "collection.json" || !isStagedFile(staged, rel) {
			extra(rel)
		}
		return nil
	})
}

// verifyRemote lists what was uploaded of the release and checks that it
// is exactly what uploadRelease stored, each object with the size and MD5
// (the ETag of a one-part upload) its upload was checked against: nothing
// lost, nothing extra, before the commit makes the version visible.
func verifyRemote(ctx context.Context, c *objstore.Client, staged string, stored *uploadRecords, final objstore.URL) error {
	var bad diffSummary
	err := joinEither(func(join joinFunc) error {
		bad = diffSummary{}
		recs := stored.reader()
		return join(ctx, c, staged, final,
			func(i int, rel string, o objstore.Object) error {
				want, err := recs.at(i)
				if err != nil {
					return err
				}
				if o.Size != want.size || !strings.EqualFold(o.ETag, hex.EncodeToString(want.md5[:])) {
					bad.add(rel + " differs")
				}
				return nil
			},
			func(rel string) { bad.add(rel + " is extra") },
			func(rel string) { bad.add(rel + " is missing") })
	})
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if bad.n > 0 {
		return fmt.Errorf("publish: %s does not hold what was uploaded (%d objects: %s): the object store lost or changed data; publish again", final, bad.n, strings.Join(bad.first, ", "))
	}
	return nil
}

// compareRemote compares a staged release with a published one, as
// compareReleases does on disk: "" when the content is the same.
func compareRemote(ctx context.Context, c *objstore.Client, staged string, final objstore.URL, remoteColl string) (string, error) {
	return compareObjects(ctx, c, staged, final,
		func() (bool, error) {
			a, err := releaseContent(filepath.Join(staged, "collection.json"))
			if err != nil {
				return false, err
			}
			b, err := releaseContent(remoteColl)
			if err != nil {
				return false, err
			}
			return string(a) == string(b), nil
		})
}

// compareObjects compares the objects under final with the staged files;
// sameColl compares collection.json. The listing is joined with the
// stage's walk as it comes (joinListing).
func compareObjects(ctx context.Context, c *objstore.Client, staged string, final objstore.URL, sameColl func() (bool, error)) (string, error) {
	var diffs diffSummary
	var collListed bool
	var cmpErr error // a comparison's error, already worded
	compare := func(rel string, same func() (bool, error)) error {
		ok, err := same()
		if err != nil {
			cmpErr = err
			return err
		}
		if !ok {
			diffs.add(rel + " differs")
		}
		return nil
	}
	err := joinEither(func(join joinFunc) error {
		diffs, collListed, cmpErr = diffSummary{}, false, nil
		return join(ctx, c, staged, final,
			func(_ int, rel string, o objstore.Object) error {
				return compare(rel, func() (bool, error) {
					return sameAsObject(ctx, c, filepath.Join(staged, filepath.FromSlash(rel)), o)
				})
			},
			func(rel string) {
				if rel != "collection.json" {
					diffs.add(rel + " would go")
					return
				}
				collListed = true
				// walkStaged leaves collection.json out: it is compared here.
				_ = compare(rel, sameColl)
			},
			func(rel string) { diffs.add(rel + " is new") })
	})
	if cmpErr != nil {
		return "", cmpErr
	}
	if err != nil {
		return "", fmt.Errorf("publish: %w", err)
	}
	if !collListed {
		diffs.add("collection.json is new")
	}
	return diffs.String(), nil
}

func sameAsObject(ctx context.Context, c *objstore.Client, file string, o objstore.Object) (bool, error) {
	st, err := os.Stat(file)
	if err != nil {
		return false, fmt.Errorf("publish: %w", err)
	}
	if st.Size() == 0 { // only an empty file can be a placeholder
		if p, ok := objstore.Placeholder(file); ok {
			return sameObject(ctx, c, p, o)
		}
	}
	if st.Size() != o.Size {
		return false, nil
	}
	sum, err := md5File(file)
	if err != nil {
		return false, err
	}
	return sameObject(ctx, c, objstore.Object{Size: st.Size(), ETag: sum}, o)
}

// sameObject reports whether o holds the bytes of p (a file's or a
// placeholder's object, with its MD5 as ETag): the same size and MD5 (o's
// ETag, or its bytes' when o was uploaded in parts).
func sameObject(ctx context.Context, c *objstore.Client, p, o objstore.Object) (bool, error) {
	if p.Size != o.Size {
		return false, nil
	}
	if !strings.Contains(o.ETag, "-") {
		return strings.EqualFold(p.ETag, o.ETag), nil
	}
	b, err := c.Get(ctx, o.URL)
	if err != nil {
		return false, fmt.Errorf("publish: %w", err)
	}
	remote := md5.Sum(b)
	return strings.EqualFold(hex.EncodeToString(remote[:]), p.ETag), nil
}

func md5File(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("publish: %w", err)
	}
	defer f.Close()
	sum, _, err := objstore.MD5(f)
	if err != nil {
		return "", fmt.Errorf("publish: read %s: %w", p, err)
	}
	return sum, nil
}

// jsonFiles maps every file under dir (slash paths) to its content.
func jsonFiles(dir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return out, nil
}

func putMirror(ctx context.Context, c *objstore.Client, root objstore.URL, mirror, rel string) error {
	if _, err := c.PutFile(ctx, root.Join(rel), filepath.Join(mirror, filepath.FromSlash(rel)), objstore.PutOptions{ContentType: contentType(rel)}); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// contentType is what a server serving the catalog over HTTP should say.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".json":
		return "application/json"
	case ".tif", ".tiff":
		return "image/tiff; application=geotiff; profile=cloud-optimized"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".parquet":
		return "application/vnd.apache.parquet"
	case ".html":
		return "text/html; charset=utf-8"
	}
	return "application/octet-stream"
}
