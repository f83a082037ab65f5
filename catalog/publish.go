package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/report"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
)

// ErrReleaseExists is returned (wrapped) when a version is already
// published with different content.
var ErrReleaseExists = errors.New("release already published with different content")

// Stages a publish goes through, in order; the Options.Hook sees each.
const (
	StageLocked = "locked" // the catalog lock is held
	StageStaged = "staged" // the release is complete in the staging directory
	// StageUploaded comes only on object storage: the release's objects
	// are written, not yet checked against the listing nor published.
	StageUploaded = "uploaded"
	StageRenamed  = "renamed" // the release is in place
	StageLinked   = "linked"  // the other releases' version links are rewritten
	StageRoot     = "root"    // the dataset and root catalogs are rewritten
)

// Options change how a release is published.
type Options struct {
	// Hook, when set, is called at each stage; an error stops the publish
	// right there without any clean-up, as a crash would (tests use it to
	// prove the catalog stays valid whatever the moment of a kill).
	Hook func(stage string) error
	// Workers is how many items are written at once (0: one per CPU).
	Workers int
	// GroupAbove is how many tiles a release holds before its items are
	// grouped in blocks (0: GroupAbove, the constant).
	GroupAbove int
	// BaseURL, when set, is the URL the catalog root will be served at:
	// every href becomes absolute under it and every object gets a self
	// link (an "absolute published" catalog).
	BaseURL string
	// Stage is the folder PublishRemote stages the release in before it
	// uploads it (default: the system's temporary folder). On the file
	// system of the tiles' files, the staged files are hard links to them
	// instead of copies: a national release's products are terabytes, the
	// staged folder is only read (by the upload) and then deleted, and the
	// objects uploaded are the release's own. It should be a folder no
	// other publish stages in at the same time, such as the run's output
	// folder, which the run holds locked: stages a killed publish left
	// there are removed.
	Stage string

	// Progress, when set, hears how many of the release's items are
	// written, one call at a time, done counting up to total: a national
	// release writes millions for most of an hour.
	Progress func(done, total int)

	// CopyOrigins makes PublishRemote copy, on the server, each file of the
	// release that holds an object of that server (objstore.Origin: a
	// merge's products downloaded from the shards' objects) instead of
	// uploading it.
	CopyOrigins bool

	// link makes build link the tiles' files instead of copying them (a
	// staged release, see Stage).
	link bool
	// written counts the items written, for Progress.
	written *progressCount
}

// progressCount counts items written and tells Options.Progress, in order.
type progressCount struct {
	mu          sync.Mutex
	done, total int
	report      func(done, total int)
}

func (c *progressCount) add() {
	if c == nil || c.report == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done++
	c.report(c.done, c.total)
}

// Published says what a publish did.
type Published struct {
	Dir   string // the release directory
	NoOp  bool   // the same release was already there
	Files int    // files in the release
	// Copied is how many of them PublishRemote copied on the server (see
	// Options.CopyOrigins) instead of uploading them.
	Copied int
}

var datasetID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Publish adds a release to the catalog at root (created if missing).
func Publish(ctx context.Context, root string, rel *Release, opts Options) (*Published, error) {
	hook, err := checkPublish(rel, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("publish: catalog %s: %w; choose a writable --out or catalog path", root, err)
	}
	unlock, err := lock(ctx, root)
	if err != nil {
		return nil, err
	}
	// Released however Publish ends; a crash releases it too (the kernel
	// drops the flock), so a hook error stands for a crash here as well.
	defer unlock()
	if err := hook(StageLocked); err != nil {
		return nil, err
	}

	final := filepath.Join(root, rel.Dataset, rel.Version)
	// Releases are written where the catalog says, never through a link a
	// stranger left in its place.
	for _, p := range []string{filepath.Join(root, rel.Dataset), final} {
		if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSymlink != 0 {
			return nil, fmt.Errorf("publish: %s is a symbolic link; a catalog's dataset and release folders must be real folders: remove it", p)
		}
	}
	staging := filepath.Join(root, stagingDir, rel.Dataset+"-"+rel.Version)
	// Holding the lock, anything in staging is a crashed publish's leftovers.
	if err := os.RemoveAll(filepath.Join(root, stagingDir)); err != nil {
		return nil, fmt.Errorf("publish: remove stale staging: %w", err)
	}
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	files, err := build(ctx, staging, rel, opts)
	if err == nil {
		err = absolutizeTree(staging, path.Join(rel.Dataset, rel.Version), opts.BaseURL)
	}
	if err == nil {
		// The items were written without an fsync each; the release
		// becomes visible by the rename below, so it is made durable here.
		err = atomicfile.SyncFS(staging)
	}
	if err != nil {
		os.RemoveAll(filepath.Join(root, stagingDir))
		return nil, err
	}
	if err := hook(StageStaged); err != nil {
		return nil, err
	}

	out := &Published{Dir: final, Files: files}
	if _, err := os.Stat(final); err == nil {
		diff, err := compareReleases(staging, final)
		os.RemoveAll(filepath.Join(root, stagingDir))
		if err != nil {
			return nil, err
		}
		if diff != "" {
			return nil, fmt.Errorf("publish %s %s: %w (%s); a release never changes: bump `version` in the dataset block (e.g. %s) and publish again",
				rel.Dataset, rel.Version, ErrReleaseExists, diff, nextVersions(rel.Version))
		}
		out.NoOp = true
	} else {
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		if err := os.Rename(staging, final); err != nil {
			return nil, fmt.Errorf("publish: move the release into place: %w", err)
		}
		os.RemoveAll(filepath.Join(root, stagingDir))
	}
	if err := hook(StageRenamed); err != nil {
		return nil, err
	}
	// Links are rewritten even after a no-op: a publish killed after its
	// rename left them stale, and this repairs them.
	if err := relink(root, rel, opts.BaseURL, hook); err != nil {
		return nil, err
	}
	return out, nil
}

// stagingDir holds releases being built, beside (not inside) any dataset.
const stagingDir = ".staging"

// checkPublish checks a release and the options before anything is
// written, and returns the stage hook to call (a no-op without one).
func checkPublish(rel *Release, opts Options) (func(string) error, error) {
	if err := checkRelease(rel); err != nil {
		return nil, err
	}
	if opts.BaseURL != "" {
		if err := CheckBaseURL(opts.BaseURL); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	return func(stage string) error {
		if opts.Hook != nil {
			return opts.Hook(stage)
		}
		return nil
	}, nil
}

func checkRelease(rel *Release) error {
	if !datasetID.MatchString(rel.Dataset) {
		return fmt.Errorf("publish: dataset name %q cannot be a folder name; use letters, digits, '.', '_' and '-'", rel.Dataset)
	}
	if _, err := semver.StrictNewVersion(rel.Version); err != nil {
		return fmt.Errorf("publish: dataset %s: version %q is not semver (e.g. 1.0.0)", rel.Dataset, rel.Version)
	}
	if len(rel.Tiles) == 0 {
		return fmt.Errorf("publish: dataset %s %s has no tile", rel.Dataset, rel.Version)
	}
	seen := map[string]bool{}
	for i, t := range rel.Tiles {
		if t.Stats == nil {
			return fmt.Errorf("publish: dataset %s %s: tile %d of %d has no statistics", rel.Dataset, rel.Version, i+1, len(rel.Tiles))
		}
		id := t.Stats.TileID
		if !safeName(id) {
			return fmt.Errorf("publish: tile id %q is not a safe file name; change the tiling id template", id)
		}
		if seen[id] {
			return fmt.Errorf("publish: tile id %q appears twice; the tiling id template must give every tile its own id", id)
		}
		seen[id] = true
		// Tiles made on demand (Tile.Make: a release of many tiles) have
		// their assets checked as each item is written.
		for _, a := range t.Assets {
			if !safeName(a.Key) {
				return fmt.Errorf("publish: tile %s: asset name %q is not a safe file name", id, a.Key)
			}
		}
	}
	return nil
}

// safeName accepts names that stay one path element on every system.
func safeName(s string) bool {
	return s != "" && s != "." && s != ".." && datasetID.MatchString(s) && !strings.ContainsAny(s, `/\:`)
}

// build writes the whole release into dir and returns its file count.
func build(ctx context.Context, dir string, rel *Release, opts Options) (int, error) {
	releaseID := rel.Dataset + "-" + rel.Version
	splitNames := subsetsOf(rel)
	// Tiles usually come sorted; a copy of a national release's tiles
	// only to sort them would be a large part of the heap.
	tiles := rel.Tiles
	byID := func(a, b Tile) int { return strings.Compare(a.Stats.TileID, b.Stats.TileID) }
	if !slices.IsSortedFunc(tiles, byID) {
		tiles = slices.Clone(tiles)
		slices.SortFunc(tiles, byID)
	}

	var blocks []string // each tile's block, in a grouped release
	if grouped(len(tiles), opts) {
		blocks = make([]string, len(tiles))
		for i, t := range tiles {
			blocks[i] = blockOf(*t.Stats)
		}
	}
	// items.parquet and tiles.parquet are written as the items are, a
	// window of tiles at a time, and the report gathers their rows: a
	// national release's rows (every asset's href and checksum, every
	// tile's statistics) would otherwise be held whole until the end.
	iw := schema.NewItemsWriter(filepath.Join(dir, "items.parquet"))
	defer iw.Abort()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	tw, err := schema.NewTilesWriter(filepath.Join(dir, "tiles.parquet"), schema.GeoInfo{PROJJSON: rel.PROJJSON}, schema.WithCounters(rel.Counters))
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	defer tw.Abort()
	reported := &report.Tiles{}
	rows := make([]schema.TileStats, min(itemWindow, len(tiles)))
	opts.written = &progressCount{total: len(tiles), report: opts.Progress}
	for start := 0; start < len(tiles); start += itemWindow {
		end := min(start+itemWindow, len(tiles))
		rows := rows[:end-start]
		items, err := writeItems(ctx, dir, releaseID, rel, tiles[start:end], blocks, start, rows, opts)
		if err != nil {
			return 0, err
		}
		if opts.BaseURL != "" {
			for i := range items {
				for j := range items[i].Assets {
					a := &items[i].Assets[j]
					a.Href = absoluteURL(opts.BaseURL, path.Join(rel.Dataset, rel.Version, a.Href))
				}
			}
		}
		if err := iw.Write(ctx, items...); err != nil {
			return 0, fmt.Errorf("publish: %w", err)
		}
		if err := tw.Write(ctx, rows...); err != nil {
			return 0, fmt.Errorf("publish: %w", err)
		}
		for i := range rows {
			reported.Add(&rows[i])
		}
	}
	if err := iw.Close(ctx); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	if err := tw.Close(ctx); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	if err := schema.WriteSplits(ctx, filepath.Join(dir, "splits.parquet"), rel.Splits); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	in := rel.Report
	in.Title, in.Dataset, in.Version, in.Tiles, in.Splits = rel.Title, rel.Dataset, rel.Version, reported, rel.Splits
	if err := report.Write(ctx, filepath.Join(dir, "report.html"), in); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}

	coll, err := releaseCollection(dir, rel, tiles, splitNames, int64(len(tiles)), int64(len(tiles)))
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	if err := writeJSON(filepath.Join(dir, "collection.json"), coll.stac); err != nil {
		return 0, err
	}
	for _, s := range splitNames {
		c, err := splitCollection(coll.in, rel, tiles, blocks, s)
		if err != nil {
			return 0, fmt.Errorf("publish: %w", err)
		}
		if blocks != nil {
			cats, err := splitBlocks(coll.in, rel, tiles, blocks, s)
			if err != nil {
				return 0, fmt.Errorf("publish: %w", err)
			}
			for p, cat := range cats {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
					return 0, err
				}
				if err := writeStagedJSON(filepath.Join(dir, p), cat); err != nil {
					return 0, err
				}
			}
		}
		if err := os.MkdirAll(filepath.Join(dir, s), 0o755); err != nil {
			return 0, err
		}
		if err := writeJSON(filepath.Join(dir, s, "collection.json"), c); err != nil {
			return 0, err
		}
	}
	n := 0
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	return n, err
}

// itemWindow is how many items are written before their rows go to
// items.parquet.
const itemWindow = 4096

// writeItems writes the items of tiles, which start at index first of the
// release's tiles, and returns their rows of items.parquet; it sets their
// rows of tiles.parquet in rows (one per tile). Items are independent (each links,
// checksums and describes its own files), so they are written in
// parallel; the first failing tile in id order is the one reported,
// whatever the scheduling.
func writeItems(ctx context.Context, dir, releaseID string, rel *Release, tiles []Tile, blocks []string, first int, rows []schema.TileStats, opts Options) ([]schema.ItemRow, error) {
	items := make([]schema.ItemRow, len(tiles))
	errs := make([]error, len(tiles))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range tiles {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			block := ""
			if blocks != nil {
				block = blocks[first+i]
			}
			t, err := tiles[i].full()
			if err != nil {
				errs[i] = err
				return err
			}
			var released map[string]string
			items[i], released, errs[i] = writeItem(dir, releaseID, rel, &t, block, opts)
			rows[i] = *t.Stats
			rows[i].Assets = released
			if errs[i] == nil {
				opts.written.add()
			}
			return errs[i]
		})
	}
	if err := g.Wait(); err != nil {
		for i, e := range errs {
			if e != nil {
				return nil, fmt.Errorf("publish: tile %s: %w", tiles[i].Stats.TileID, e)
			}
		}
		return nil, err
	}
	return items, nil
}

// subsetsOf lists the release's subsets in canonical order.
func subsetsOf(rel *Release) []string {
	seen := map[string]bool{}
	for _, t := range rel.Tiles {
		seen[t.Stats.Split] = true
	}
	var out []string
	for _, s := range []string{stac.SplitTrain, stac.SplitTest, stac.SplitVal} {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out
}

// writeJSON writes a STAC object as normalized JSON, atomically.
func writeJSON(p string, v any) error { return encodeJSON(p, v, atomicfile.WriteFile) }

// writeStagedJSON writes a STAC object of a release being staged: Publish
// syncs the staging folder at once before it moves it into place.
func writeStagedJSON(p string, v any) error { return encodeJSON(p, v, atomicfile.WriteFileUnsynced) }

// encodeJSON writes a STAC object as normalized JSON with write.
func encodeJSON(p string, v any, write func(string, []byte) error) error {
	b, err := stac.Marshal(v)
	if err != nil {
		return fmt.Errorf("publish: encode %s: %w", p, err)
	}
	if err := write(p, b); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// writeAtomic writes a file so readers see the old or the new file, never a part.
func writeAtomic(p string, b []byte) error {
	if err := atomicfile.WriteFile(p, b); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// rel returns the slash path from a file's directory to target, both given
// relative to the catalog root.
func relPath(fromFile, target string) string {
	r, err := filepath.Rel(path.Dir(fromFile), target)
	if err != nil {
		return target
	}
	r = filepath.ToSlash(r)
	if !strings.HasPrefix(r, ".") {
		r = "./" + r
	}
	return r
}

// nextVersions suggests the versions after v.
func nextVersions(v string) string {
	sv, err := semver.StrictNewVersion(v)
	if err != nil {
		return "1.0.1"
	}
	return sv.IncPatch().String() + " or " + sv.IncMinor().String()
}
