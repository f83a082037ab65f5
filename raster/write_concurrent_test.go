package raster

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// TestGeoTIFFWritersConcurrent: files written block by block keep every
// pixel while other threads write files of their own. As cdflow synth
// writes its truth, workers take blocks from one queue and write each to
// eight single-band files under one lock; two more goroutines write
// three-band files with no lock. The blocks do not align with the tiles.
// Each run is a child process with a 1 MB GDAL block cache, so the threads
// evict each other's tiles all the time. Before the writer assembled its
// tiles, GDAL read a tile back while another thread was writing it out
// and lost its earlier part (OSGeo/gdal#2011): this test failed each of
// three times, with 4 to 6 of its 80 files short of pixels. Every other
// run bounds the memory of each writer's tiles in parts to one tile, so
// they wait on disk between their parts (maxPartBytes).
func TestGeoTIFFWritersConcurrent(t *testing.T) {
	if dir := os.Getenv("CDFLOW_RASTER_CONCURRENT_OUT"); dir != "" {
		if os.Getenv("CDFLOW_RASTER_CONCURRENT_SPILL") != "" {
			maxPartBytes = geoTIFFTile * geoTIFFTile
		}
		seed, err := strconv.ParseUint(os.Getenv("CDFLOW_RASTER_CONCURRENT_SEED"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		writeConcurrent(t, dir, seed)
		return
	}
	ctx := context.Background()
	want := orderRGB(t)
	for run := range 8 {
		dir := t.TempDir()
		env := []string{"CDFLOW_RASTER_CONCURRENT_OUT=" + dir, "CDFLOW_RASTER_CONCURRENT_SEED=" + strconv.Itoa(run)}
		if run%2 == 1 {
			env = append(env, "CDFLOW_RASTER_CONCURRENT_SPILL=1")
		}
		smallCacheChild(t, "TestGeoTIFFWritersConcurrent", env...)
		for _, f := range concurrentFiles {
			m, err := OpenMosaic(ctx, []string{filepath.Join(dir, f.name)}, MosaicOptions{})
			if err != nil {
				t.Fatal(err)
			}
			img, err := Read[uint8](ctx, m, Window{Extent: m.Info().Extent, ResX: 0.25, ResY: 0.25})
			m.Close()
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range f.bands {
				if k := firstDiff(img.Bands[i], want.Bands[b]); k >= 0 {
					n := 0
					for ; k < len(img.Bands[i]); k++ {
						if img.Bands[i][k] != want.Bands[b][k] {
							n++
						}
					}
					t.Errorf("run %d: %s band %d: %d pixels differ from those written", run, f.name, i+1, n)
				}
			}
		}
	}
}

// concurrentFiles are the files TestGeoTIFFWritersConcurrent writes, and
// the bands of orderRGB each holds: eight under one lock, then two alone.
var concurrentFiles = func() []concurrentFile {
	var fs []concurrentFile
	for f := range 8 {
		fs = append(fs, concurrentFile{fmt.Sprintf("locked%d.tif", f), []int{f % 3}})
	}
	for f := range 2 {
		fs = append(fs, concurrentFile{fmt.Sprintf("alone%d.tif", f), []int{0, 1, 2}})
	}
	return fs
}()

type concurrentFile struct {
	name  string
	bands []int
}

func writeConcurrent(t *testing.T, dir string, seed uint64) {
	ctx := context.Background()
	rgb := orderRGB(t)
	// Blocks of 300 pixels on tiles of 256, in an order of the seed's.
	const side = 300
	var origins [][2]int
	for y := 0; y < orderSide; y += side {
		for x := 0; x < orderSide; x += side {
			origins = append(origins, [2]int{x, y})
		}
	}
	shuffled := func(k uint64) [][2]int {
		o := slices.Clone(origins)
		rand.New(rand.NewPCG(seed, k)).Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
		return o
	}
	block := func(o [2]int) *Image[uint8] {
		return cropWH(rgb, o[0], o[1], min(side, orderSide-o[0]), min(side, orderSide-o[1]))
	}
	writers := make([]*GeoTIFFWriter[uint8], len(concurrentFiles))
	for i, f := range concurrentFiles {
		w, err := CreateGeoTIFF[uint8](ctx, filepath.Join(dir, f.name), rgb.Grid, len(f.bands), nil)
		if err != nil {
			t.Fatal(err)
		}
		writers[i] = w
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	queue := make(chan [2]int)
	for range 3 {
		wg.Go(func() {
			for o := range queue {
				img := block(o)
				mu.Lock()
				for i, w := range writers[:8] {
					one := &Image[uint8]{Grid: img.Grid, Bands: [][]uint8{img.Bands[concurrentFiles[i].bands[0]]}}
					if err := w.WriteBlock(o[0], o[1], one); err != nil {
						t.Error(err)
					}
				}
				mu.Unlock()
			}
		})
	}
	for i, w := range writers[8:] {
		wg.Go(func() {
			for _, o := range shuffled(uint64(i + 1)) {
				if err := w.WriteBlock(o[0], o[1], block(o)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for _, o := range shuffled(0) {
		queue <- o
	}
	close(queue)
	wg.Wait()
	for _, w := range writers {
		if err := w.Close(); err != nil {
			t.Error(err)
		}
	}
}
