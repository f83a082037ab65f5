package execute_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/release"
	"github.com/cdflow/cdflow/workflows/shard"
)

// TestMergeHoldsTilesOnDisk merges a run's one shard: the merged result
// keeps each tile's assets, outline and the growing part of its row on
// disk, not in memory, and reads back exactly the run's. Its statistics
// tables and its release's tiles are the run's, byte for byte.
func TestMergeHoldsTilesOnDisk(t *testing.T) {
	ctx := context.Background()
	pl := plan(t, sceneDir(t), denoised)
	out, res := run(t, pl, 2)
	if _, err := shard.Write(pl, out, execute.Shard{Index: 0, Count: 1}, res); err != nil {
		t.Fatal(err)
	}
	merged, err := shard.Merge(ctx, pl, t.TempDir(), []string{out}, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer merged.Close()
	if len(merged.Tiles) != len(res.Tiles) {
		t.Fatalf("%d tiles merged, want %d", len(merged.Tiles), len(res.Tiles))
	}
	for i := range merged.Tiles {
		m := &merged.Tiles[i]
		want := res.Tiles[i]
		want.Products = nil // only the tile's own steps read them
		mustHold(t, m, want)
		row, err := m.Row()
		if err != nil {
			t.Fatal(err)
		}
		if got, w := mustJSON(t, row), mustJSON(t, want.Stats); !bytes.Equal(got, w) {
			t.Fatalf("tile %s: row read back as\n%s\nwant\n%s", m.Tile.ID, got, w)
		}
	}

	sumRun, err := release.Finish(ctx, pl, res)
	if err != nil {
		t.Fatal(err)
	}
	sumMerged, err := release.Finish(ctx, pl, merged)
	if err != nil {
		t.Fatal(err)
	}
	sameTables(t, res.Dir, merged.Dir)
	relRun := mustAssemble(t, pl, res, sumRun, out)
	relMerged := mustAssemble(t, pl, merged, sumMerged, out)
	if len(relMerged.Tiles) != len(relRun.Tiles) || len(relRun.Tiles) == 0 {
		t.Fatalf("%d release tiles merged, want %d", len(relMerged.Tiles), len(relRun.Tiles))
	}
	for i := range relMerged.Tiles {
		if relMerged.Tiles[i].Load == nil || relMerged.Tiles[i].Assets != nil {
			t.Fatalf("release tile %s holds its assets in memory", relMerged.Tiles[i].ID)
		}
		a, err1 := relRun.Tiles[i].Full()
		b, err2 := relMerged.Tiles[i].Full()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		type whole struct {
			Stats, Footprint, WKB, Assets, Findings any
		}
		wa := mustJSON(t, whole{a.Stats, a.Footprint, a.FootprintWKB, a.Assets, a.Findings})
		wb := mustJSON(t, whole{b.Stats, b.Footprint, b.FootprintWKB, b.Assets, b.Findings})
		if !bytes.Equal(wa, wb) {
			t.Fatalf("release tile %s of the merge is\n%s\nwant\n%s", a.ID, wb, wa)
		}
	}
}

// mustHold fails unless tr keeps its assets, outline and the growing part
// of its row on disk, not in memory, and reads back as want.
func mustHold(t *testing.T, tr *execute.TileResult, want execute.TileResult) {
	t.Helper()
	s := tr.Stats
	if tr.Load == nil || tr.Assets != nil || tr.FootprintWGS84 != nil || s.DHHistogram != nil || s.Counts != nil || s.QAFlags != nil || s.Assets != nil || s.Geometry != nil {
		t.Fatalf("tile %s holds its assets, outline or row detail in memory", tr.Tile.ID)
	}
	full, err := tr.Full()
	if err != nil {
		t.Fatal(err)
	}
	if got, w := mustJSON(t, full), mustJSON(t, want); !bytes.Equal(got, w) {
		t.Fatalf("tile %s read back as\n%s\nwant\n%s", tr.Tile.ID, got, w)
	}
}

// sameTables fails unless the statistics tables in two run folders are
// the same, byte for byte.
func sameTables(t *testing.T, want, got string) {
	t.Helper()
	for _, f := range []string{"tiles.parquet", "splits.parquet"} {
		a, err1 := os.ReadFile(filepath.Join(want, f))
		b, err2 := os.ReadFile(filepath.Join(got, f))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s of %s differs from %s's (%v, %v)", f, got, want, err1, err2)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRunHoldsTilesOnDisk runs a scene with Options.Hold: each tile keeps
// its assets, outline and the growing part of its row on disk, reads back
// exactly what a run holding them in memory has, and gives the same
// statistics tables and the same shard manifest, byte for byte.
func TestRunHoldsTilesOnDisk(t *testing.T) {
	ctx := context.Background()
	pl := plan(t, sceneDir(t), denoised)
	out, res := run(t, pl, 2)
	heldOut := t.TempDir()
	hres, err := execute.Run(ctx, pl, execute.Options{Out: heldOut, Jobs: 2, Hold: true})
	if err != nil {
		t.Fatal(err)
	}
	defer hres.Close()
	if len(hres.Tiles) != len(res.Tiles) || len(res.Tiles) == 0 {
		t.Fatalf("%d tiles held, want %d", len(hres.Tiles), len(res.Tiles))
	}
	for i := range hres.Tiles {
		mustHold(t, &hres.Tiles[i], res.Tiles[i])
	}
	// The manifest names each product by its path under the run's folder,
	// the same in both.
	manifest := func(out string, res *execute.Result) []byte {
		p, err := shard.Write(pl, out, execute.Shard{Index: 0, Count: 1}, res)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if a, b := manifest(out, res), manifest(heldOut, hres); !bytes.Equal(a, b) {
		t.Error("the shard manifest of a run with Hold differs from that of a run without")
	}
	if _, err := release.Finish(ctx, pl, res); err != nil {
		t.Fatal(err)
	}
	if _, err := release.Finish(ctx, pl, hres); err != nil {
		t.Fatal(err)
	}
	sameTables(t, res.Dir, hres.Dir)
}
