package execute

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/pointcloud"
	"github.com/cdflow/cdflow/pointsource"
	"github.com/cdflow/cdflow/workflows/plans"
)

// PointsDir holds a run's binned points while its tiles run, relative to
// Out: one folder per shard and point-cloud source, removed once the run
// has finished.
const PointsDir = "run/points"

// pointBins are one point-cloud source's points binned per tile: made by
// the first tile that reads the source, for every tile the run still has
// to do, so each LAS or LAZ file is decoded once per run.
type pointBins struct {
	once   sync.Once
	dir    string
	filter pointsource.Filter
	err    error
}

// binsManifest marks a finished binning, so a run resumed after an
// interruption reuses it when its tiles are among those binned.
type binsManifest struct {
	Key   string   `json:"key"`
	Tiles []string `json:"tiles"`
}

// shardTag names the folder of a shard's bins: shards sharing an output
// folder bin their own tiles.
func (ex *executor) shardTag() string {
	if ex.shard.Count <= 1 {
		return "all"
	}
	return fmt.Sprintf("shard-%d-of-%d", ex.shard.Index, ex.shard.Count)
}

// points returns a tile's points of a point-cloud source: its LAS and LAZ
// files' from the bins, then its COPC files' read for the tile.
func (ex *executor) points(ctx context.Context, ps *plans.Source, t *plugins.Tile) (*plugins.PointSet, error) {
	if ps.Points == nil {
		return nil, fmt.Errorf("source %s is not a point cloud", ps.Address())
	}
	addr := ps.Address().String()
	ex.binMu.Lock()
	b := ex.bins[addr]
	if b == nil {
		b = &pointBins{dir: filepath.Join(ex.out, PointsDir, ex.shardTag(), strings.ReplaceAll(addr, ".", "_"))}
		ex.bins[addr] = b
	}
	ex.binMu.Unlock()
	b.once.Do(func() { b.err = ex.bin(ctx, ps, b) })
	if b.err != nil {
		return nil, b.err
	}
	p, err := pointsource.ReadTile(b.dir, t.ID)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", addr, err)
	}
	if ps.Points.HasCOPC() {
		c, err := pointsource.ReadBox(ctx, ps.Points, b.filter, t.Work)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", addr, err)
		}
		p.X, p.Y, p.Z = append(p.X, c.X...), append(p.Y, c.Y...), append(p.Z, c.Z...)
		p.Class, p.Return, p.Returns = append(p.Class, c.Class...), append(p.Return, c.Return...), append(p.Returns, c.Returns...)
	}
	return &plugins.PointSet{X: p.X, Y: p.Y, Z: p.Z, Class: p.Class, ReturnNumber: p.Return, NumberOfReturns: p.Returns}, nil
}

// bin bins a source's LAS and LAZ files for the tiles the run has to do,
// or takes the bins of an interrupted run of the same inputs.
func (ex *executor) bin(ctx context.Context, ps *plans.Source, b *pointBins) error {
	var err error
	if b.filter, err = ps.PointFilter(); err != nil {
		return err
	}
	onlyCOPC := true
	for _, f := range ps.Points.Files {
		onlyCOPC = onlyCOPC && f.COPC
	}
	if onlyCOPC {
		return nil
	}
	key := ex.binKey(ps)
	var ids []string
	tiles := make([]pointsource.Tile, 0, len(ex.pending))
	for _, t := range ex.pending {
		ids = append(ids, t.ID)
		tiles = append(tiles, pointsource.Tile{ID: t.ID, Work: ex.work(t.Extent)})
	}
	slices.Sort(ids)
	manifest := filepath.Join(b.dir, "bins.json")
	if raw, err := os.ReadFile(manifest); err == nil {
		var m binsManifest
		if json.Unmarshal(raw, &m) == nil && m.Key == key && subset(ids, m.Tiles) {
			return nil
		}
	}
	if err := os.RemoveAll(b.dir); err != nil {
		return fmt.Errorf("source %s: clear the binned points: %w", ps.Address(), err)
	}
	g := pointsource.Grid{Origin: ex.plan.Grid.Origin, Size: ex.plan.Grid.Size, Halo: ex.halo}
	if _, _, err := pointsource.Bin(ctx, ps.Points, b.filter, g, tiles, b.dir, ex.jobs); err != nil {
		if pe := (*pointcloud.Error)(nil); errors.As(err, &pe) {
			// The headers read at plan were fine: the damage is in the points.
			return fmt.Errorf("source %s: %w; the file is damaged: download it again, or rewrite it (e.g. with PDAL or LAStools)", ps.Address(), err)
		}
		return fmt.Errorf("source %s: %w", ps.Address(), err)
	}
	raw, err := json.Marshal(binsManifest{Key: key, Tiles: ids})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(manifest, raw)
}

// binKey identifies what the bins depend on: the source's files and
// filters (its source key), the grid and the halo.
func (ex *executor) binKey(ps *plans.Source) string {
	h := sha256.New()
	// Version 2: the bins hold each point's class and returns too.
	fmt.Fprintf(h, "bins 2\nsource %s\ngrid %v %v\nhalo %v\n", ex.sourceKeys[ps.Address().String()], ex.plan.Grid.Origin, ex.plan.Grid.Size, ex.halo)
	return hex.EncodeToString(h.Sum(nil))
}

// subset reports whether every id in a is in b (both sorted).
func subset(a, b []string) bool {
	for _, id := range a {
		if _, ok := slices.BinarySearch(b, id); !ok {
			return false
		}
	}
	return true
}

// removeBins deletes the run's binned points once its tiles are done.
func (ex *executor) removeBins() error {
	dir := filepath.Join(ex.out, PointsDir, ex.shardTag())
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the binned points: %w", err)
	}
	// The parent goes when no other shard's bins are left in it.
	if err := os.Remove(filepath.Join(ex.out, PointsDir)); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
		return err
	}
	return nil
}
