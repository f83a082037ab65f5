// Command scale measures the release stage of a national-scale run: the
// parts of `cdflow run` that do not shard (cdflow merge: gathering the
// shards, statistics, split, publishing), on 10⁴ to 10⁶ tiles.
//
// Running the tiles of a million-tile scene is not what it measures, so it
// makes their results: a real run of a small synthetic scene gives the
// template tiles (their statistics, assets and manifests), which are
// repeated over a grid of the asked size. Every tile gets product files of
// its own with the right georeferencing (the template's files with their
// pixels made constant, so they stay small, and their tie point moved), and
// the shards' manifests are written by the same code as `cdflow run
// --shard`. Then `cdflow merge` runs for real, and its time, peak RSS and
// output are reported.
//
//	go run ./bench/scale -cdflow bin/cdflow -tiles 10000,100000
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/shard"
)

func main() {
	cdflow := flag.String("cdflow", "bin/cdflow", "the cdflow binary")
	work := flag.String("work", "", "work directory (default: a new temporary one, removed at the end)")
	tiles := flag.String("tiles", "10000,100000", "tile counts to simulate, comma-separated")
	shards := flag.Int("shards", 100, "shards the tiles are spread over")
	keep := flag.Bool("keep", false, "keep each size's files")
	flag.BoolVar(&prepareOnly, "prepare-only", false, "make the tiles (keep them with -keep) and stop before merging")
	flag.BoolVar(&reuse, "reuse", false, "merge the tiles a -keep run left in -work instead of making them again")
	out := flag.String("out", "", "also write the results as JSON to this file")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "profile each merge into this file, suffixed with its tile count")
	flag.StringVar(&memProfile, "memprofile", "", "write each merge's heap near its peak into this file, suffixed with its tile count")
	flag.DurationVar(&settle, "settle", 20*time.Second, "with -reuse: after deleting the last merge's release, sync and wait this long before timing the next merge")
	flag.Parse()
	if err := run(context.Background(), *cdflow, *work, *tiles, *shards, *keep, *out); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

var (
	cpuProfile, memProfile string
	reuse, prepareOnly     bool
	settle                 time.Duration
)

// result is one size's measurement.
type result struct {
	Tiles       int     `json:"tiles"`
	Shards      int     `json:"shards"`
	MergeSec    float64 `json:"merge_s"`
	MergeCPUSec float64 `json:"merge_cpu_s"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`
	ManifestMB  float64 `json:"manifests_mb"`
	ReleaseMB   float64 `json:"release_mb"`
	Files       int     `json:"release_files"`
	MaxDir      int     `json:"largest_folder_entries"`
	MaxJSONKB   float64 `json:"largest_json_kb"`
	ItemsPQMB   float64 `json:"items_parquet_mb"`
	PrepareSec  float64 `json:"prepare_s"`
}

func run(ctx context.Context, cdflow, work, sizes string, nShards int, keep bool, outJSON string) error {
	bin, err := filepath.Abs(cdflow)
	if err != nil {
		return err
	}
	if work == "" {
		if work, err = os.MkdirTemp("", "cdflow-scale-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	if work, err = filepath.Abs(work); err != nil {
		return err
	}
	tpl, err := template(ctx, bin, filepath.Join(work, "template"))
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	var results []result
	fmt.Printf("%8s %7s %9s %9s %10s %10s %10s %9s %10s %9s\n", "tiles", "shards", "merge s", "cpu s", "peak MB", "manif. MB", "release MB", "files", "max folder", "max JSON")
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-tiles: %q is not a tile count", f)
		}
		dir := filepath.Join(work, fmt.Sprintf("n%d", n))
		if err := checkDisk(tpl, work, dir, n); err != nil {
			return err
		}
		r, err := simulate(ctx, bin, tpl, dir, n, nShards)
		if err != nil {
			return fmt.Errorf("%d tiles: %w", n, err)
		}
		fmt.Printf("%8d %7d %9.1f %9.1f %10.0f %10.0f %10.0f %9d %10d %8.0fK\n", r.Tiles, r.Shards, r.MergeSec, r.MergeCPUSec, r.PeakRSSMB, r.ManifestMB, r.ReleaseMB, r.Files, r.MaxDir, r.MaxJSONKB)
		results = append(results, r)
		if !keep {
			os.RemoveAll(dir)
		}
		// Written after each size: a larger one that fails (out of
		// memory or disk) keeps the smaller ones' figures.
		if outJSON != "" {
			b, err := json.MarshalIndent(results, "", "  ")
			if err == nil {
				err = os.WriteFile(outJSON, append(b, '\n'), 0o644)
			}
			if err != nil {
				return fmt.Errorf("-out: %w", err)
			}
		}
	}
	return nil
}

// tmpl is the template run: its tiles' results, the files each asset is
// made from, and the workflow's text.
type tmpl struct {
	dir      string
	workflow string
	tiles    []execute.TileResult
	files    map[string][]byte // asset name → constant-pixel file
	origin   [2]float64        // tile 0's upper-left corner: the tie point to move
	manifest int               // bytes of the shards' manifest per tile
}

// itemJSON is about the size of a tile's STAC item in the release.
const itemJSON = 2 << 10

// checkDisk fails, before any tile is made, when the file system of work
// has less room than n tiles need at the least: their files in the shards
// and again in the catalog (a catalog on disk copies them), the shards'
// manifests and the items; only the catalog when -reuse merges tiles
// already made. A million tiles need tens of gigabytes, and a harness
// that ran out of disk after half an hour of making them said so last.
func checkDisk(t *tmpl, work, dir string, n int) error {
	var files, blocks int64
	var st syscall.Statfs_t
	if err := syscall.Statfs(work, &st); err != nil {
		return fmt.Errorf("-work %s: %w", work, err)
	}
	bs := max(st.Bsize, 512)
	for _, b := range t.files {
		files += int64(len(b))
		blocks += (int64(len(b)) + bs - 1) / bs * bs
	}
	per, perBlocks := files+itemJSON, blocks+(itemJSON+bs-1)/bs*bs
	if !reusing(dir) {
		per += files + int64(t.manifest)
		perBlocks += blocks + int64(t.manifest)
	}
	need, avail := per*int64(n), int64(st.Bavail)*st.Bsize
	fmt.Printf("%d tiles: about %.1f GB in %s, %.1f GB with a block per small file; %.1f GB free\n",
		n, float64(need)/1e9, work, float64(perBlocks)*float64(n)/1e9, float64(avail)/1e9)
	if avail < need {
		return fmt.Errorf("%d tiles need at least %.1f GB in %s and its file system has %.1f GB free: give -work a larger one (a file system that stores small files inline, such as btrfs, needs the least; see docs/scale.md)",
			n, float64(need)/1e9, work, float64(avail)/1e9)
	}
	return nil
}

// simWorkflow is the DSM-only 3DCD workflow: two sources, ΔH, the 3D map;
// %s are the two DSM files.
const simWorkflow = `dataset "national" {
  title   = "Release-stage simulation"
  license = "CC0-1.0"
  version = "1.0.0"
}
source "dsm" "t0" {
  files    = [%q]
  datetime = "2010-07-01T00:00:00Z"
}
source "dsm" "t1" {
  files    = [%q]
  datetime = "2017-07-01T00:00:00Z"
}
tiling {
  size = 200
}
step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}
step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abs  = 1.0
  min_area = 20
}
split {
  ratios   = { train = 0.68, test = 0.23, val = 0.09 }
  stratify = "change_fraction"
  seed     = 42
}
publish "stac" "catalog" {
  catalog = "catalog"
}
publish "parquet" "stats" {}
`

func template(ctx context.Context, bin, dir string) (*tmpl, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	scene := filepath.Join(dir, "scene")
	if _, err := os.Stat(filepath.Join(scene, "scene.json")); err != nil {
		if err := cmd(ctx, dir, bin, "synth", "-extent-km", "0.4x0.4", "-out", scene); err != nil {
			return nil, err
		}
	}
	dsm0, _ := filepath.Glob(filepath.Join(scene, "dsm_t0", "*.tif"))
	dsm1, _ := filepath.Glob(filepath.Join(scene, "dsm_t1", "*.tif"))
	if len(dsm0) != 1 || len(dsm1) != 1 {
		return nil, fmt.Errorf("%s: expected one DSM file per epoch", scene)
	}
	wf := filepath.Join(dir, "workflow.hcl")
	if err := os.WriteFile(wf, fmt.Appendf(nil, simWorkflow, dsm0[0], dsm1[0]), 0o644); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "out")
	if err := cmd(ctx, dir, bin, "run", "--shard", "0/1", "--out", out, wf); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(out, shard.Dir, "shard-0000-of-0001.json"))
	if err != nil {
		return nil, err
	}
	var p struct {
		Results []execute.TileResult `json:"results"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	if len(p.Results) == 0 {
		return nil, errors.New("the template run has no tile")
	}
	t := &tmpl{dir: dir, tiles: p.Results, files: map[string][]byte{}, manifest: len(b) / len(p.Results)}
	t0 := p.Results[0]
	t.origin = [2]float64{t0.Tile.Extent.MinX, t0.Tile.Extent.MaxY}
	for _, a := range t0.Assets {
		src := filepath.Join(out, a.Path)
		dst := filepath.Join(dir, "const-"+filepath.Base(a.Path))
		if a.Preview {
			if err := cmd(ctx, dir, "gdal_translate", "-q", "-of", "PNG", "-outsize", "8", "8", src, dst); err != nil {
				return nil, err
			}
		} else {
			// Every pixel 0: the file keeps its size and georeferencing but
			// compresses to almost nothing.
			if err := cmd(ctx, dir, "gdal_translate", "-q", "-of", "COG", "-co", "COMPRESS=DEFLATE", "-scale", "-1e30", "1e30", "0", "0", src, dst); err != nil {
				return nil, err
			}
		}
		if t.files[a.Name], err = os.ReadFile(dst); err != nil {
			return nil, err
		}
		if !a.Preview && bytes.Count(t.files[a.Name], tiePoint(t.origin)) != 1 {
			return nil, fmt.Errorf("%s: cannot find the tie point %v once", dst, t.origin)
		}
	}
	return t, nil
}

// tiePoint is the X, Y pair of a GeoTIFF ModelTiepoint, as stored.
func tiePoint(xy [2]float64) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, math.Float64bits(xy[0]))
	binary.LittleEndian.PutUint64(b[8:], math.Float64bits(xy[1]))
	return b
}

// reusing says whether the size in dir merges the tiles a -keep run left
// there (-reuse, and they were all made) rather than making them.
func reusing(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "prepared"))
	return err == nil && reuse
}

func simulate(ctx context.Context, bin string, t *tmpl, dir string, n, nShards int) (result, error) {
	r := result{Tiles: n, Shards: nShards}
	start := time.Now()
	wf := filepath.Join(dir, "workflow.hcl")
	out := filepath.Join(dir, "out")
	prepared := filepath.Join(dir, "prepared")
	if reusing(dir) {
		// A million tiles take most of an hour to make: -reuse merges
		// those a -keep run left, after clearing the last merge's output.
		if err := os.RemoveAll(filepath.Join(out, "catalog")); err != nil {
			return r, err
		}
		// A merge timed right after deleting a release pays for the
		// deletion in its own file creations: ext4 without a journal (as
		// this project's development machine has) skips, one by one,
		// inodes freed less than a minute ago (six while their inode table
		// is dirty). A 10⁴ merge then took 61 CPU-s instead of 24–28, all in
		// the kernel's inode allocation; a journaled ext4 or btrfs does
		// not do this, so -work on one of those is the better remedy.
		syscall.Sync()
		time.Sleep(settle)
	} else if err := prepare(ctx, t, dir, wf, out, n, nShards); err != nil {
		return r, err
	} else if err := os.WriteFile(prepared, nil, 0o644); err != nil {
		return r, err
	}
	r.ManifestMB = duMB(filepath.Join(out, shard.Dir))
	r.PrepareSec = time.Since(start).Seconds()
	if prepareOnly {
		fmt.Printf("%d tiles prepared in %.0f s\n", n, r.PrepareSec)
		return r, nil
	}
	return merge(ctx, bin, dir, wf, out, r)
}

// prepare makes the n tiles' files and the shards' manifests under out,
// one shard at a time so that its memory is a shard's, not the run's.
func prepare(ctx context.Context, t *tmpl, dir, wf, out string, n, nShards int) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// A grid of n tiles, as near square as n allows, whose north-west tile
	// is the template's first: sources that cover it, sparse (no pixel
	// written), so only their metadata exists.
	cols := int(math.Sqrt(float64(n)))
	for n%cols != 0 {
		cols--
	}
	rows := n / cols
	west, north := t.origin[0], t.origin[1]
	east, south := west+200*float64(cols), north-200*float64(rows)
	var dsms []string
	for _, name := range []string{"dsm_t0.tif", "dsm_t1.tif"} {
		p := filepath.Join(dir, name)
		if err := cmd(ctx, dir, "gdal_create", "-q", "-of", "GTiff", "-ot", "Float32", "-outsize", fmt.Sprint(cols*200), fmt.Sprint(rows*200),
			"-a_srs", "EPSG:25830", "-a_ullr", fmt.Sprint(west), fmt.Sprint(north), fmt.Sprint(east), fmt.Sprint(south), "-a_nodata", "-9999",
			"-mo", "EPOCH="+name, "-co", "TILED=YES", "-co", "SPARSE_OK=TRUE", "-co", "BIGTIFF=YES", p); err != nil {
			return err
		}
		dsms = append(dsms, p)
	}
	if err := os.WriteFile(wf, fmt.Appendf(nil, simWorkflow, dsms[0], dsms[1]), 0o644); err != nil {
		return err
	}
	w, diags := workflows.NewParser(nil).Load(wf, workflows.InputValues{Getenv: os.Getenv})
	if diags.HasErrors() {
		return diags
	}
	plan, diags := plans.New(ctx, w, plans.Options{MaxTiles: n})
	if diags.HasErrors() {
		return diags
	}
	grid := plan.Grid.Tiles()
	if len(grid) != n {
		return fmt.Errorf("the grid has %d tiles, not %d", len(grid), n)
	}
	for s := range nShards {
		var results []execute.TileResult
		for i := s; i < len(grid); i += nShards {
			tr, err := t.tile(out, i, grid[i])
			if err != nil {
				return err
			}
			results = append(results, tr)
		}
		if _, err := shard.Write(plan, out, execute.Shard{Index: s, Count: nShards}, &execute.Result{Tiles: results}); err != nil {
			return err
		}
	}
	return nil
}

// merge runs cdflow merge on the prepared tiles and measures it and its release.
func merge(ctx context.Context, bin, dir, wf, out string, r result) (result, error) {
	n := r.Tiles
	args := []string{"merge", "--max-tiles", fmt.Sprint(n), "--out", out}
	if cpuProfile != "" {
		args = append(args, "-cpuprofile", fmt.Sprintf("%s.%d", cpuProfile, n))
	}
	if memProfile != "" {
		args = append(args, "-memprofile", fmt.Sprintf("%s.%d", memProfile, n))
	}
	c := exec.CommandContext(ctx, bin, append(args, wf)...)
	c.Dir = dir
	var stderr bytes.Buffer
	c.Stdout, c.Stderr = &stderr, &stderr
	c.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
	mstart := time.Now()
	if err := c.Run(); err != nil {
		return r, fmt.Errorf("cdflow merge: %w\n%s", err, tail(stderr.String()))
	}
	r.MergeSec = time.Since(mstart).Seconds()
	r.MergeCPUSec = (c.ProcessState.UserTime() + c.ProcessState.SystemTime()).Seconds()
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSSMB = float64(ru.Maxrss) / 1024
	}
	rel := filepath.Join(out, "catalog", "national", "1.0.0")
	r.ReleaseMB = duMB(rel)
	r.ItemsPQMB = duMB(filepath.Join(rel, "items.parquet"))
	err := filepath.WalkDir(filepath.Join(out, "catalog"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			es, err := os.ReadDir(p)
			if err != nil {
				return err
			}
			r.MaxDir = max(r.MaxDir, len(es))
			return nil
		}
		r.Files++
		if strings.HasSuffix(p, ".json") {
			if fi, err := d.Info(); err == nil {
				r.MaxJSONKB = max(r.MaxJSONKB, float64(fi.Size())/1024)
			}
		}
		return nil
	})
	return r, err
}

var tileIDPath = regexp.MustCompile(`run/tiles/[^/]+/`)

// tile makes the i-th tile's result from a template tile, and its files.
func (t *tmpl) tile(out string, i int, g plans.Tile) (execute.TileResult, error) {
	src := t.tiles[i%len(t.tiles)]
	b, err := json.Marshal(src)
	if err != nil {
		return execute.TileResult{}, err
	}
	var tr execute.TileResult
	if err := json.Unmarshal(b, &tr); err != nil {
		return execute.TileResult{}, err
	}
	dx, dy := g.Extent.MinX-src.Tile.Extent.MinX, g.Extent.MaxY-src.Tile.Extent.MaxY
	tr.Tile = g
	s := &tr.Stats
	s.TileID, s.Row, s.Col = g.ID, int32(g.Row), int32(g.Col)
	s.MinX, s.MinY, s.MaxX, s.MaxY = g.Extent.MinX, g.Extent.MinY, g.Extent.MaxX, g.Extent.MaxY
	// Lon/lat moved by the metres the tile moved: close enough for a
	// footprint nobody reprojects.
	lat := (tr.BBoxWGS84[1] + tr.BBoxWGS84[3]) / 2
	dlon, dlat := dx/(111320*math.Cos(lat*math.Pi/180)), dy/110540
	round := func(v float64) float64 { return math.Round(v*1e9) / 1e9 }
	tr.BBoxWGS84 = [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for k := range tr.FootprintWGS84 {
		p := &tr.FootprintWGS84[k]
		p[0], p[1] = round(p[0]+dlon), round(p[1]+dlat)
		tr.BBoxWGS84 = [4]float64{min(tr.BBoxWGS84[0], p[0]), min(tr.BBoxWGS84[1], p[1]), max(tr.BBoxWGS84[2], p[0]), max(tr.BBoxWGS84[3], p[1])}
	}
	tileDir := filepath.Join(out, execute.TilesDir, g.ID)
	if err := os.MkdirAll(tileDir, 0o755); err != nil {
		return tr, err
	}
	for k := range tr.Products {
		tr.Products[k] = tileIDPath.ReplaceAllString(tr.Products[k], "run/tiles/"+g.ID+"/")
	}
	for k := range s.Assets {
		s.Assets[k] = tileIDPath.ReplaceAllString(s.Assets[k], "run/tiles/"+g.ID+"/")
	}
	for k := range tr.Assets {
		a := &tr.Assets[k]
		a.Path = tileIDPath.ReplaceAllString(a.Path, "run/tiles/"+g.ID+"/")
		data := t.files[a.Name]
		if !a.Preview {
			data = bytes.Replace(data, tiePoint(t.origin), tiePoint([2]float64{g.Extent.MinX, g.Extent.MaxY}), 1)
			a.Grid.GeoTransform[0], a.Grid.GeoTransform[3] = g.Extent.MinX, g.Extent.MaxY
		}
		sum := sha256.Sum256(data)
		a.Size, a.SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(out, a.Path), data, 0o644); err != nil {
			return tr, err
		}
	}
	return tr, nil
}

func cmd(ctx context.Context, dir, name string, args ...string) error {
	c := exec.CommandContext(ctx, name, args...)
	c.Dir = dir
	b, err := c.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(string(b)))
	}
	return nil
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

func duMB(p string) float64 {
	var n int64
	filepath.WalkDir(p, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return float64(n) / 1e6
}
