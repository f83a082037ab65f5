package pointsource

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdflow/cdflow/pointcloud"
	"github.com/cdflow/cdflow/raster"
)

// TestBinMemoryBounded bins a 1 km sheet of 0.5 M and of 2 M points into
// 200 m tiles: the heap while binning must not grow with the file (it did
// when every tile kept its largest buffer).
func TestBinMemoryBounded(t *testing.T) {
	crs, err := raster.CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	peak := func(n int) uint64 {
		dir := t.TempDir()
		path := filepath.Join(dir, "sheet.laz")
		w, err := pointcloud.Create(path, pointcloud.WriterOptions{Format: 1, Compress: true, Offset: [3]float64{355000, 4610000, 0}, WKT: crs.WKT})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, uint64(n)))
		// Row by row, as a survey's flight lines: tiles fill in turn.
		for i := range n {
			y := 4610000 + 1000*float64(i)/float64(n)
			p := pointcloud.Point{X: 355000 + 1000*r.Float64(), Y: y, Z: 700 + r.Float64(), ReturnNumber: 1, NumberOfReturns: 1, Classification: 2}
			if err := w.Write(&p); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		info, err := Inspect(context.Background(), []string{path}, "")
		if err != nil {
			t.Fatal(err)
		}
		g := Grid{Origin: [2]float64{0, 0}, Size: 200, Halo: 10}
		var tiles []Tile
		for x := 355000.0; x < 356000; x += 200 {
			for y := 4610000.0; y < 4611000; y += 200 {
				tiles = append(tiles, Tile{ID: filepath.Base(t.TempDir()), Work: raster.Extent{MinX: x - 10, MinY: y - 10, MaxX: x + 210, MaxY: y + 210}})
			}
		}
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var top atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				if m.HeapInuse > top.Load() {
					top.Store(m.HeapInuse)
				}
			}
		}()
		f, _ := NewFilter(nil, DefaultExclude, AllReturns)
		if _, _, err := Bin(context.Background(), info, f, g, tiles, filepath.Join(dir, "bins"), 2); err != nil {
			t.Fatal(err)
		}
		close(stop)
		wg.Wait()
		return top.Load() - min(top.Load(), base.HeapInuse)
	}
	small, big := peak(500_000), peak(2_000_000)
	t.Logf("heap growth while binning: %.1f MiB for 0.5 M points, %.1f MiB for 2 M", float64(small)/(1<<20), float64(big)/(1<<20))
	if big > 2*small+8<<20 {
		t.Errorf("binning 4× the points took %.1f MiB against %.1f MiB: memory grows with the file", float64(big)/(1<<20), float64(small)/(1<<20))
	}
}
