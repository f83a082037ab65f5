package raster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A PNOA orthophoto sheet in miniature: 1 km² at 0.25 m (4000 × 4000 RGB),
// stored as the formats a source may come in, read the way a run reads it:
// 25 tiles of 200 m, each averaged to 0.5 m, by one worker holding its own
// handle (WithWorker) on a mosaic opened once.
var sheet struct {
	once  sync.Once
	dir   string
	files map[string]string
	err   error
}

var sheetExtent = Extent{MinX: 355000, MinY: 4610000, MaxX: 356000, MaxY: 4611000}

func TestMain(m *testing.M) {
	code := m.Run()
	if sheet.dir != "" {
		os.RemoveAll(sheet.dir)
	}
	os.Exit(code)
}

func gdalTB(tb testing.TB, name string, args ...string) error {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "GDAL_PAM_ENABLED=NO")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// sheetFiles writes the sheet once per test binary (JPEG 2000 encoding of
// 16 Mpixels takes seconds): an orthophoto-like texture as a tiled
// GeoTIFF, a COG (JPEG-free: DEFLATE, with overviews), a lossless JPEG 2000
// with GDAL's default 1024 × 1024 codestream tiles, and one whose
// codestream is a single tile (as many producers write them).
func sheetFiles(tb testing.TB) map[string]string {
	tb.Helper()
	sheet.once.Do(func() {
		sheet.dir, sheet.err = os.MkdirTemp("", "cdflow-sheet-")
		if sheet.err != nil {
			return
		}
		crs, err := CRSFromEPSG(25830)
		if err != nil {
			sheet.err = err
			return
		}
		img := NewImage[uint8](NorthUp(crs, sheetExtent, 0.25, 0.25), 3)
		seed := uint32(12345)
		for y := range img.Height {
			for x := range img.Width {
				seed = seed*1664525 + 1013904223
				n := int(seed>>27) - 16 // ±16 DN of sensor noise
				for b := range 3 {
					// Fields and roofs: blocks of flat colour, gradients, noise.
					v := 60 + (x/37+y/53)%5*30 + b*15 + (x+y)%64/4 + n
					img.Bands[b][y*img.Width+x] = uint8(min(255, max(0, v)))
				}
			}
		}
		f := map[string]string{}
		for _, k := range []string{"gtiff", "cog", "jp2", "jp2-single-tile"} {
			f[k] = filepath.Join(sheet.dir, k+map[bool]string{true: ".jp2", false: ".tif"}[strings.HasPrefix(k, "jp2")])
		}
		plain := filepath.Join(sheet.dir, "plain.tif")
		if sheet.err = WriteGeoTIFF(context.Background(), plain, img); sheet.err != nil {
			return
		}
		for _, c := range [][]string{
			{"gdal_translate", "-q", "-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", plain, f["gtiff"]},
			{"gdal_translate", "-q", "-of", "COG", "-co", "COMPRESS=DEFLATE", plain, f["cog"]},
			{"gdal_translate", "-q", "-of", "JP2OpenJPEG", "-co", "REVERSIBLE=YES", "-co", "QUALITY=100", plain, f["jp2"]},
			{"gdal_translate", "-q", "-of", "JP2OpenJPEG", "-co", "REVERSIBLE=YES", "-co", "QUALITY=100",
				"-co", "BLOCKXSIZE=4000", "-co", "BLOCKYSIZE=4000", plain, f["jp2-single-tile"]},
		} {
			if sheet.err = gdalTB(tb, c[0], c[1:]...); sheet.err != nil {
				return
			}
		}
		sheet.files = f
	})
	if sheet.err != nil {
		tb.Fatal(sheet.err)
	}
	return sheet.files
}

// readSheet reads the 25 tiles of the sheet at 0.5 m (average), with a
// 10 m halo as a run with a denoising threshold reads them.
func readSheet(ctx context.Context, tb testing.TB, m *Mosaic) {
	const size, halo = 200.0, 10.0
	for r := range 5 {
		for c := range 5 {
			e := Extent{
				MinX: sheetExtent.MinX + float64(c)*size - halo, MaxX: sheetExtent.MinX + float64(c+1)*size + halo,
				MinY: sheetExtent.MaxY - float64(r+1)*size - halo, MaxY: sheetExtent.MaxY - float64(r)*size + halo,
			}
			if _, err := Read[uint8](ctx, m, Window{Extent: e, ResX: 0.5, ResY: 0.5, Method: "average"}); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// BenchmarkJP2Tile reads a 1 km² sheet as 25 tiles per iteration, from
// each format; per-tile time is reported as ms/tile. "reopen" opens the
// sheet afresh for every tile, which is what a reader without per-worker
// handles pays: every tile decodes again the codestream tiles it shares
// with its neighbours.
func BenchmarkJP2Tile(b *testing.B) {
	files := sheetFiles(b)
	for _, k := range []string{"gtiff", "cog", "jp2", "jp2-single-tile"} {
		for _, mode := range []string{"worker", "reopen"} {
			if mode == "reopen" && (k == "cog" || k == "jp2-single-tile") {
				continue // 10–15 s an iteration, and nothing gtiff and jp2 do not show
			}
			b.Run(k+"/"+mode, func(b *testing.B) {
				ctx := WithWorker(context.Background(), 0)
				for b.Loop() {
					if mode == "worker" {
						m, err := OpenMosaic(ctx, []string{files[k]}, MosaicOptions{})
						if err != nil {
							b.Fatal(err)
						}
						readSheet(ctx, b, m)
						m.Close()
						continue
					}
					for range 25 {
						m, err := OpenMosaic(ctx, []string{files[k]}, MosaicOptions{})
						if err != nil {
							b.Fatal(err)
						}
						e := Extent{MinX: 355390, MinY: 4610390, MaxX: 355610, MaxY: 4610610}
						if _, err := Read[uint8](ctx, m, Window{Extent: e, ResX: 0.5, ResY: 0.5, Method: "average"}); err != nil {
							b.Fatal(err)
						}
						m.Close()
					}
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*25), "ms/tile")
			})
		}
	}
}
