// Package shard runs one workflow on many machines: each runs
// `cdflow run --shard i/n` (execute.Shard selects its tiles) and writes its
// products and a partial-results manifest (Write); Merge then assembles the
// manifests of all n shards into the Result a single run would have
// returned, which the release stage turns into the same tables and catalog,
// byte for byte.
package shard

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/internal/buildinfo"
	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/held"
	"github.com/cdflow/cdflow/workflows/plans"
)

// Dir holds the partial-results manifests, relative to the run's output directory.
const Dir = "run/shards"

// partialFormat 3 added the scene's findings and lineage.
const partialFormat = 3

// partial is a shard's manifest. It is JSON (floats round-trip exactly,
// nil and pointers to zero stay distinct) with the non-finite band
// statistics spelled out; see BandInfo's JSON methods. The tiles come
// last, so the header can be read without scanning them.
type partial struct {
	Format int    `json:"format"`
	Shard  int    `json:"shard"`
	Shards int    `json:"shards"`
	Plan   string `json:"plan"`  // planKey: shards of one run share it
	Grid   int    `json:"tiles"` // tiles in the whole grid
	// Findings and Lineage are the scene's, from the pre-pass every shard
	// makes alike (e.g. a shift measured over sampled tiles).
	Findings []plugins.Finding `json:"findings"`
	Lineage  []string          `json:"lineage"`
	// Tiles are the shard's results, with paths relative to its output folder.
	Tiles []execute.TileResult `json:"results"`
}

func partialName(s execute.Shard) string {
	return fmt.Sprintf("shard-%04d-of-%04d.json", s.Index, s.Count)
}

// Write writes the manifest of shard s of a run whose products are
// under out (the run's Options.Out), atomically, and returns its path.
//
// It is written a tile at a time, each read back whole when the run holds
// it on disk (execute.Options.Hold): a shard of a national run has a
// hundred thousand tiles and a manifest of about a gigabyte, which
// encoded at once took three times that of memory. Each tile is a line
// of its own.
func Write(plan *plans.Plan, out string, s execute.Shard, res *execute.Result) (string, error) {
	key, err := planKey(plan)
	if err != nil {
		return "", err
	}
	h := header{Format: partialFormat, Shard: s.Index, Shards: max(s.Count, 1), Plan: key, Grid: plan.Grid.Count(), Findings: res.Findings, Lineage: res.Lineage}
	name := partialName(execute.Shard{Index: h.Shard, Count: h.Shards})
	return writeUnder(out, name, s, "partial results", func(w *bufio.Writer) error {
		// The header's fields, then the tiles: partial's layout, which
		// readHeader reads up to the tiles.
		b, err := json.Marshal(h)
		if err != nil {
			return fmt.Errorf("shard %s: encode partial results: %w", s, err)
		}
		w.Write(b[:len(b)-1])
		w.WriteString(`,"results":[`)
		for i := range res.Tiles {
			t, err := res.Tiles[i].Full()
			if err != nil {
				return fmt.Errorf("shard %s: %w", s, err)
			}
			b, err := json.Marshal(t)
			if err != nil {
				return fmt.Errorf("shard %s: encode partial results: tile %s: %w", s, t.Tile.ID, err)
			}
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
			w.Write(b)
		}
		w.WriteString("\n]}")
		return nil
	})
}

// writeUnder writes name in out's Dir, atomically, through write and a
// final newline, and returns its path; what is for messages. write's
// errors are returned as they are; a failed write (kept by the buffer
// until it is flushed) is named by what.
func writeUnder(out, name string, s execute.Shard, what string, write func(*bufio.Writer) error) (string, error) {
	dir := filepath.Join(out, Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("shard %s: %w", s, err)
	}
	path := filepath.Join(dir, name)
	f, err := atomicfile.Create(path)
	if err != nil {
		return "", fmt.Errorf("shard %s: write %s: %w", s, what, err)
	}
	defer f.Abort()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		return "", err
	}
	w.WriteByte('\n')
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("shard %s: write %s: %w", s, what, err)
	}
	if err := f.Commit(); err != nil {
		return "", fmt.Errorf("shard %s: write %s: %w", s, what, err)
	}
	return path, nil
}

// Merge assembles the partial results that shards wrote under dirs (each
// a shard's --out; several shards may share one) into the Result of the
// whole run under out. Products of shards outside out are hard-linked (or
// copied) to the same place under out, so Finish and Publish then work
// exactly as after a single run. Every shard 0…n-1 must be there once, all
// from the same workflow, and together they must hold every tile once.
//
// workers tiles are gathered at once; events, when not nil, hears of each
// tile gathered. The tiles' assets, outlines and the growing part of their
// rows are held on disk (TileResult.Load) until the result is closed.
func Merge(ctx context.Context, plan *plans.Plan, out string, dirs []string, workers int, events execute.Events) (*execute.Result, error) {
	folders := make([]Folder, len(dirs))
	for i, d := range dirs {
		folders[i] = Folder{Dir: d}
	}
	return MergeFolders(ctx, plan, out, folders, workers, events)
}

// A Folder holds shards' results: a shard's --out folder, or the partial
// results (Dir's run/shards/, manifests and object indexes) downloaded
// from the object storage prefix Objects that shards uploaded to (cdflow
// run --shard --upload). The products of such a shard are not
// downloaded: each becomes a placeholder under the merge's output folder
// (objstore.WritePlaceholder) for the object the shard uploaded, which
// only a publisher to that object storage can publish (by copying it
// there on the server).
type Folder struct {
	Dir     string
	Objects *objstore.URL
}

// MergeFolders is Merge from folders that may stand for object storage.
func MergeFolders(ctx context.Context, plan *plans.Plan, out string, folders []Folder, workers int, events execute.Events) (*execute.Result, error) {
	if out == "" {
		return nil, errors.New("merge: no output directory")
	}
	if len(folders) == 0 {
		folders = []Folder{{Dir: out}}
	}
	key, err := planKey(plan)
	if err != nil {
		return nil, err
	}
	type found struct {
		p   *header
		dir string
		// file is the manifest, for messages.
		file    string
		objects *objstore.URL
	}
	var shards []found
	seenDir := map[string]bool{}
	for _, fo := range folders {
		d := fo.Dir
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		if seenDir[abs] {
			continue
		}
		seenDir[abs] = true
		files, err := filepath.Glob(filepath.Join(d, Dir, "shard-*-of-*.json"))
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("merge: %s holds no partial results (%s); give the --out folders of the shard runs", d, filepath.Join(d, Dir))
		}
		for _, f := range files {
			p, err := readHeader(f)
			if err != nil {
				return nil, err
			}
			shards = append(shards, found{p: p, dir: d, file: f, objects: fo.Objects})
		}
	}
	n := shards[0].p.Shards
	byIndex := map[int]string{}
	var errs []error
	// Shards of another workflow are usually all of them: one message
	// names them, not one per shard.
	var otherPlan []string
	for _, s := range shards {
		switch {
		case s.p.Shards != n:
			errs = append(errs, fmt.Errorf("%s is shard %d of %d, but %s is of %d; merge the shards of one run", s.file, s.p.Shard, s.p.Shards, shards[0].file, n))
		case s.p.Plan != key:
			otherPlan = append(otherPlan, s.file)
		case s.p.Grid != plan.Grid.Count():
			errs = append(errs, fmt.Errorf("%s counts %d tiles in the grid, the workflow %d; rerun that shard", s.file, s.p.Grid, plan.Grid.Count()))
		case !reflect.DeepEqual(s.p.Findings, shards[0].p.Findings) || !reflect.DeepEqual(s.p.Lineage, shards[0].p.Lineage):
			errs = append(errs, fmt.Errorf("%s and %s disagree on the scene's QA findings or lineage; rerun the shards with the same workflow and data", s.file, shards[0].file))
		case byIndex[s.p.Shard] != "":
			errs = append(errs, fmt.Errorf("shard %d/%d is in both %s and %s; keep one", s.p.Shard, n, byIndex[s.p.Shard], s.file))
		default:
			byIndex[s.p.Shard] = s.file
		}
	}
	switch {
	case len(otherPlan) == 1:
		errs = append(errs, fmt.Errorf("%s comes from another workflow, source files or cdflow version than %s; rerun that shard", otherPlan[0], plan.Workflow.Path))
	case len(otherPlan) > 1:
		names := otherPlan
		more := ""
		if len(names) > 3 {
			names, more = names[:3], fmt.Sprintf(" and %d more", len(otherPlan)-3)
		}
		errs = append(errs, fmt.Errorf("%d of the %d shard manifests (%s%s) come from another workflow, source files or cdflow version than %s; rerun those shards with this workflow, or merge with the workflow they ran",
			len(otherPlan), len(shards), strings.Join(names, ", "), more, plan.Workflow.Path))
	}
	for i := range n {
		if byIndex[i] == "" && len(errs) == 0 {
			errs = append(errs, fmt.Errorf("shard %d/%d is missing: run `cdflow run --shard %d/%d` (or give its --out folder)", i, n, i, n))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("merge: %w", errors.Join(errs...))
	}
	want := map[string]bool{}
	for _, t := range plan.Grid.Tiles() {
		want[t.ID] = true
	}
	if events != nil {
		events.Planned(len(want))
	}
	// Gathering reads and checks every product of every tile: at national
	// scale millions of files, so workers share them; the first failing
	// tile in the shards' order is the one reported, whatever the timing.
	// Shards are read one at a time and a tile at a time, and each tile's
	// assets go to the held file once it is gathered: a merge holds no
	// shard's manifest whole.
	sp, err := held.New(filepath.Join(out, "run"))
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			sp.Close()
		}
	}()
	results := make([]execute.TileResult, 0, len(want))
	got := map[string]bool{}
	done := 0
	for i := range shards {
		s := &shards[i]
		// Each tile is claimed as the manifest is read: it must be in
		// the grid and in no other shard.
		claim := func(id string) error {
			if !want[id] || got[id] {
				return fmt.Errorf("merge: %s holds tile %s, which is not in the grid or already in another shard", s.file, id)
			}
			got[id] = true
			return nil
		}
		gather := func(tr execute.TileResult) error { return gatherTile(ctx, plan, s.dir, out, tr) }
		if s.objects != nil {
			idx, err := readIndex(s.file, s.p, *s.objects)
			if err != nil {
				return nil, err
			}
			gather = func(tr execute.TileResult) error { return placeTile(out, *s.objects, idx, tr) }
		}
		h, err := gatherShard(ctx, s.file, &results, claim, gather, sp, workers, func(id string) {
			if events != nil {
				done++
				events.TileDone(id, done, len(want))
			}
		})
		if err != nil {
			return nil, err
		}
		if !reflect.DeepEqual(h, s.p) {
			return nil, fmt.Errorf("merge: %s changed while the merge read it; merge once the shards have finished", s.file)
		}
	}
	if len(got) != len(want) {
		return nil, fmt.Errorf("merge: the shards hold %d of the grid's %d tiles; rerun the shards", len(got), len(want))
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Tile.ID < results[j].Tile.ID })
	keep = true
	return &execute.Result{Dir: filepath.Join(out, "run"), Tiles: results, Processed: len(results), Findings: shards[0].p.Findings, Lineage: shards[0].p.Lineage, Store: sp}, nil
}

// gatherShard reads the manifest file a tile at a time and gathers each
// tile with gather (gatherTile or placeTile), workers at a time, once
// claim has accepted its ID; then it puts what the tile holds on disk
// (plugins.Held) in sp instead of memory and appends the tile to results,
// whose capacity is the grid's tiles (claim accepts each tile once). done
// hears of each tile gathered, one call at a time. A shard of a national
// run has a hundred thousand tiles: decoded at once, its manifest would be
// a large part of the merge's memory. It returns the manifest's header.
//
// A damaged manifest or a tile claim refuses is reported first, else the
// first tile in the manifest's order that failed, whatever the timing.
func gatherShard(ctx context.Context, file string, results *[]execute.TileResult, claim func(id string) error, gather func(execute.TileResult) error, sp *held.File, workers int, done func(id string)) (*header, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	defer f.Close()
	var (
		mu       sync.Mutex
		firstAt  = -1
		firstErr error
	)
	fail := func(k int, err error) error {
		mu.Lock()
		defer mu.Unlock()
		if firstAt < 0 || k < firstAt {
			firstAt, firstErr = k, err
		}
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(workers, 1))
	var h header
	var refused error // a tile's ID that claim refuses
	n := 0
	readErr := decodePartial(json.NewDecoder(bufio.NewReaderSize(f, 1<<20)), &h, func(tr execute.TileResult) error {
		if err := gctx.Err(); err != nil {
			return err
		}
		if refused = claim(tr.Tile.ID); refused != nil {
			return refused
		}
		if len(*results) == cap(*results) {
			refused = fmt.Errorf("merge: %s holds more tiles than the grid", file)
			return refused
		}
		// Only the tile's own steps read its products by name; the
		// release takes them from Stats and Assets.
		tr.Products = nil
		// Within the capacity, so the slot stays where it is.
		*results = (*results)[:len(*results)+1]
		slot, k := &(*results)[len(*results)-1], n
		n++
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			if err := gather(tr); err != nil {
				return fail(k, fmt.Errorf("merge: %s: tile %s: %w; rerun that shard", file, tr.Tile.ID, err))
			}
			if err := tr.HoldIn(sp); err != nil {
				return fail(k, fmt.Errorf("merge: tile %s: %w", tr.Tile.ID, err))
			}
			*slot = tr
			mu.Lock()
			done(tr.Tile.ID)
			mu.Unlock()
			return nil
		})
		return nil
	})
	gatherErr := g.Wait()
	switch {
	case refused != nil:
		return nil, refused
	case readErr != nil && (firstErr == nil || !errors.Is(readErr, context.Canceled)):
		// Damaged, or cut short by the merge's own cancellation.
		return nil, fmt.Errorf("merge: %s: %w", file, readErr)
	case firstErr != nil:
		return nil, firstErr
	case gatherErr != nil:
		return nil, gatherErr
	}
	return &h, nil
}

// header is a manifest without its tiles: what is checked across shards
// before any tile is gathered.
type header struct {
	Format   int               `json:"format"`
	Shard    int               `json:"shard"`
	Shards   int               `json:"shards"`
	Plan     string            `json:"plan"`
	Grid     int               `json:"tiles"`
	Findings []plugins.Finding `json:"findings"`
	Lineage  []string          `json:"lineage"`
}

// readHeader reads a manifest's header. It stops at the tiles once every
// header field is read (a manifest of 10^4 tiles is about 100 MB), and
// skips them otherwise.
func readHeader(path string) (*header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	defer f.Close()
	var h header
	if err := decodePartial(json.NewDecoder(bufio.NewReaderSize(f, 1<<16)), &h, nil); err != nil {
		return nil, fmt.Errorf("merge: %s: %w", path, err)
	}
	if err := h.check(path); err != nil {
		return nil, err
	}
	return &h, nil
}

// check refuses a manifest this cdflow cannot merge.
func (h *header) check(path string) error {
	if h.Format != partialFormat {
		return fmt.Errorf("merge: %s has format %d, this cdflow reads %d; rerun the shard with this cdflow", path, h.Format, partialFormat)
	}
	if h.Shards < 1 || h.Shard < 0 || h.Shard >= h.Shards {
		return fmt.Errorf("merge: %s: bad shard %d/%d", path, h.Shard, h.Shards)
	}
	return nil
}

// decodeJSON decodes a shard's manifest or object index, read in large
// chunks (a manifest of a large shard is hundreds of megabytes).
func decodeJSON(r io.Reader, v any) error {
	return json.NewDecoder(bufio.NewReaderSize(r, 1<<20)).Decode(v)
}

// decodePartial decodes the manifest object dec starts at: the header
// fields into h, in any order, and each of the tiles to tile as it comes.
// Without tile it stops at the tiles once every header field is read,
// and skips them otherwise.
func decodePartial(dec *json.Decoder, h *header, tile func(execute.TileResult) error) error {
	fields := map[string]any{"format": &h.Format, "shard": &h.Shard, "shards": &h.Shards, "plan": &h.Plan, "tiles": &h.Grid, "findings": &h.Findings, "lineage": &h.Lineage}
	if t, err := dec.Token(); err != nil {
		return err
	} else if t != json.Delim('{') {
		return fmt.Errorf("not a JSON object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		switch {
		case key == "results" && tile != nil:
			if err := decodeTiles(dec, tile); err != nil {
				return fmt.Errorf("results: %w", err)
			}
			continue
		case key == "results" && len(fields) == 0:
			return nil // every header field is read (fields keeps the unread)
		}
		v, ok := fields[key]
		if ok {
			delete(fields, key)
		} else {
			var skip json.RawMessage
			v = &skip
		}
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	_, err := dec.Token()
	return err
}

// decodeTiles decodes the list of tiles dec is at, each to tile.
func decodeTiles(dec *json.Decoder, tile func(execute.TileResult) error) error {
	if t, err := dec.Token(); err != nil {
		return err
	} else if t != json.Delim('[') {
		return fmt.Errorf("not a list")
	}
	for i := 0; dec.More(); i++ {
		var tr execute.TileResult
		if err := dec.Decode(&tr); err != nil {
			return fmt.Errorf("tile %d: %w", i, err)
		}
		if err := tile(tr); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// gatherTile puts a tile's folder from a shard's output under out: every
// file of it, hard-linked when both are on one file system, else copied
// (nothing to do when the shard wrote under out itself). Every product must
// be what the shard's manifest says it wrote (size and SHA-256) and lie on
// the tile's grid, so a file swapped or damaged since is refused.
func gatherTile(ctx context.Context, plan *plans.Plan, from, out string, tr execute.TileResult) error {
	a, err1 := filepath.Abs(from)
	b, err2 := filepath.Abs(out)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if a != b {
		rel := filepath.Join(execute.TilesDir, tr.Tile.ID)
		src, dst := filepath.Join(from, rel), filepath.Join(out, rel)
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue // temporary files of an interrupted write
			}
			if err := atomicfile.LinkOrCopy(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
	}
	return CheckProducts(plan, out, tr)
}

// CheckProducts checks that every product of a tile under out is what the
// run's manifest says it wrote (size and SHA-256) and lies on the tile's
// grid: a file swapped or damaged since is refused.
func CheckProducts(plan *plans.Plan, out string, tr execute.TileResult) error {
	tr, err := tr.Full() // a tile held on disk has its assets there
	if err != nil {
		return err
	}
	res := map[string]float64{}
	for _, p := range plan.Release.Products {
		res[p.Name] = p.Resolution
	}
	for _, asset := range tr.Assets {
		path := filepath.Join(out, asset.Path)
		if err := execute.VerifyFile(path, asset); err != nil {
			return fmt.Errorf("product %s: %w", asset.Name, err)
		}
		r, ok := res[asset.Name]
		if asset.Preview || !ok {
			continue
		}
		got, err := raster.Georef(path)
		if err != nil {
			return fmt.Errorf("product %s: %w", asset.Name, err)
		}
		want := raster.NorthUp(plan.Grid.CRS, tr.Tile.Extent, r, r)
		if got.Width != want.Width || got.Height != want.Height || !near(got.GeoTransform, want.GeoTransform) {
			return fmt.Errorf("product %s covers %s, not the tile's %s: it belongs to another tile", asset.Name, got.Extent(), tr.Tile.Extent)
		}
	}
	return nil
}

func near(a, b [6]float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-6 {
			return false
		}
	}
	return true
}

// planKey identifies what a tile's products depend on, so shards of
// different workflows or data are not merged: cdflow's version, the grid,
// every per-tile step's plugin, configuration and outputs, and every
// source's files (as named relative to the workflow, and their sizes).
func planKey(plan *plans.Plan) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "cdflow %s partial %d\n", buildinfo.Version(), partialFormat)
	g := plan.Grid
	fmt.Fprintf(h, "grid %s %v %v %d\n", g.CRS.WKT, g.Size, g.Origin, g.Count())
	for _, t := range g.Tiles() {
		fmt.Fprintf(h, "tile %s %v\n", t.ID, t.Extent)
	}
	for _, s := range plan.Workflow.Steps {
		cfg, err := json.Marshal(s.Impl.Config())
		if err != nil {
			return "", fmt.Errorf("step %s: configuration: %w", s.Address(), err)
		}
		outs, err := json.Marshal(s.Outputs)
		if err != nil {
			return "", fmt.Errorf("step %s: outputs: %w", s.Address(), err)
		}
		var ins []string
		for _, in := range s.Inputs {
			ins = append(ins, in.Name+"="+in.From.String())
		}
		slices.Sort(ins)
		fmt.Fprintf(h, "step %s %s %s %s\n", s.Address(), cfg, outs, strings.Join(ins, ","))
	}
	for _, ps := range plan.Sources {
		fmt.Fprintf(h, "source %s\n", ps.Address())
		if ps.NoData != nil {
			fmt.Fprintf(h, "nodata %v\n", *ps.NoData)
		}
		files := append([]string(nil), ps.Files...)
		slices.Sort(files)
		for _, f := range files {
			name := relName(plan.Workflow.Dir, f)
			size := int64(-1)
			if st, err := os.Stat(f); err == nil {
				size = st.Size()
			}
			fmt.Fprintf(h, "file %s %d\n", name, size)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// relName is a local source file's path relative to the workflow's
// folder, whichever way (relative or absolute) the workflow was named on
// the command line; other paths (s3://, /vsi…) and files outside the
// folder keep their name.
func relName(dir, f string) string {
	if strings.Contains(f, "://") || strings.HasPrefix(f, "/vsi") {
		return f
	}
	d, err1 := filepath.Abs(dir)
	a, err2 := filepath.Abs(f)
	if err1 != nil || err2 != nil {
		return f
	}
	if r, err := filepath.Rel(d, a); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
		return filepath.ToSlash(r)
	}
	return f
}
