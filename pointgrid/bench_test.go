package pointgrid

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Benchmarks per 200 m × 200 m tile at 1 m cells (40 000 cells) with
// uniformly random points at 0.5, 2 and 10 points/m².

var benchDensities = []float64{0.5, 2, 10}

func benchTile(density float64) (Grid, Points) {
	r := newRand(uint64(density * 100))
	g := Grid{MinX: offX, MaxY: offY + 200, Res: 1, Width: 200, Height: 200}
	return g, uniformPoints(r, int(density*200*200), offX, offY, 200, 200)
}

var benchIDW = IDWOptions{Power: 2, Radius: 2, MinPoints: 1}

func benchMethods() map[string]func(Grid, Points) error {
	ctx := context.Background()
	return map[string]func(Grid, Points) error{
		"Bin": func(g Grid, p Points) error { _, err := Bin(g, p, Max, -9999); return err },
		"IDW": func(g Grid, p Points) error { _, err := IDW(ctx, g, p, benchIDW, -9999); return err },
		"TIN": func(g Grid, p Points) error { _, err := TIN(ctx, g, p, TINOptions{}, -9999); return err },
	}
}

func BenchmarkTile(b *testing.B) {
	methods := benchMethods()
	for _, name := range []string{"Bin", "IDW", "TIN"} {
		for _, dens := range benchDensities {
			g, p := benchTile(dens)
			b.Run(fmt.Sprintf("%s/density=%g", name, dens), func(b *testing.B) {
				for b.Loop() {
					if err := methods[name](g, p); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/tile")
				b.ReportMetric(float64(p.Len()), "points")
			})
		}
	}
}

// BenchmarkVsGDAL times gdal_grid (the command, as a user runs it: start-up
// and reading the CSV included, writing it excluded) against this package
// on the same tiles, interleaving the runs so that load from other processes
// hits both alike, and keeping the fastest of reps runs of each. It reports
// milliseconds per tile and the speed-up, and logs how far the two outputs
// agree. Run it with -benchtime=1x: gdal_grid's invdist visits every point
// for every node, so the 10 points/m² tile takes it minutes.
func BenchmarkVsGDAL(b *testing.B) {
	requireTool(b, "gdal_grid")
	requireTool(b, "gdal_translate")
	const reps = 5 // ours; gdal_grid runs on the first 3 (1 for slow invdist)
	type method struct {
		name, alg string
		ours      func(Grid, Points) ([]float32, error)
	}
	ctx := context.Background()
	methods := []method{
		{"TIN-vs-linear", "linear:radius=0:nodata=-9999", func(g Grid, p Points) ([]float32, error) {
			return TIN(ctx, g, p, TINOptions{}, gdalNodata)
		}},
		{"IDW-vs-invdist", "invdist:power=2:smoothing=0:radius1=2:radius2=2:angle=0:max_points=0:min_points=1:nodata=-9999",
			func(g Grid, p Points) ([]float32, error) { return IDW(ctx, g, p, benchIDW, gdalNodata) }},
	}
	for _, m := range methods {
		for _, dens := range benchDensities {
			g, p := benchTile(dens)
			b.Run(fmt.Sprintf("%s/density=%g", m.name, dens), func(b *testing.B) {
				// gdal_grid gets the tile translated exactly to near the
				// origin, where its qhull triangulation is exact (see
				// TestTINMatchesGDALLinear); timing is unaffected.
				sg, sp := shifted(b, g, p, g.MinX, g.MinY())
				dir := b.TempDir()
				vrt := writePointsVRT(b, dir, sp)
				gdalReps := 3
				if m.name != "TIN-vs-linear" && dens > 2 {
					gdalReps = 1
				}
				oursBest, gdalBest := time.Duration(1<<62), time.Duration(1<<62)
				var ours []float32
				var ref []float64
				for b.Loop() {
					for k := range reps {
						start := time.Now()
						out, err := m.ours(g, p)
						if err != nil {
							b.Fatal(err)
						}
						oursBest = min(oursBest, time.Since(start))
						ours = out
						if k < gdalReps {
							r, d := gdalGrid(b, dir, vrt, sg, m.alg)
							gdalBest = min(gdalBest, d)
							ref = r
						}
					}
				}
				a := compare(quiet{b}, g, ours, ref, gdalNodata, 1e-3, nil, 0)
				b.Logf("%s, %d points: ours %v, gdal_grid %v (%.1f× faster); agreement: %v",
					m.name, p.Len(), oursBest, gdalBest, float64(gdalBest)/float64(oursBest), a)
				b.ReportMetric(float64(oursBest.Microseconds())/1000, "ours-ms/tile")
				b.ReportMetric(float64(gdalBest.Microseconds())/1000, "gdal-ms/tile")
				b.ReportMetric(float64(gdalBest)/float64(oursBest), "speedup")
			})
		}
	}
}
