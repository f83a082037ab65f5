package execute_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/serve"
	"github.com/cdflow/cdflow/synth"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
)

var sourceDirs = []string{"ortho_t0", "ortho_t1", "dsm_t0", "dsm_t1"}

func cp(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// encodedScene writes the scene's sources again, the same pixels encoded
// otherwise, and returns each source's files per encoding.
func encodedScene(t *testing.T, scene string) map[string]map[string][]string {
	t.Helper()
	root := t.TempDir()
	out := map[string]map[string][]string{}
	for _, src := range sourceDirs {
		files, _ := filepath.Glob(filepath.Join(scene, src, "*.tif"))
		if len(files) < 2 {
			t.Fatalf("%s: %d files, want sheets", src, len(files))
		}
		ortho := strings.HasPrefix(src, "ortho")
		add := func(enc, f string) {
			if out[enc] == nil {
				out[enc] = map[string][]string{}
			}
			out[enc][src] = append(out[enc][src], f)
		}
		for _, f := range files {
			base := filepath.Base(f)
			add("plain", f)
			// Internal overviews, as gdaladdo makes them by default (nearest).
			in := filepath.Join(root, "internal", src, base)
			cp(t, f, in)
			gdal(t, "gdaladdo", "-q", "-r", "nearest", in, "2", "4", "8")
			add("internal overviews", in)
			// External overviews (.ovr beside the file).
			ex := filepath.Join(root, "external", src, base)
			cp(t, f, ex)
			gdal(t, "gdaladdo", "-q", "-ro", "-r", "nearest", ex, "2", "4", "8")
			add("external overviews", ex)
			// Orthophotos as lossless JPEG 2000 (its wavelet levels are
			// overviews to GDAL); DSMs, float32, which OpenJPEG does not
			// store, with internal overviews.
			if ortho {
				j := filepath.Join(root, "jp2", src, strings.TrimSuffix(base, ".tif")+".jp2")
				os.MkdirAll(filepath.Dir(j), 0o755)
				gdal(t, "gdal_translate", "-q", "-of", "JP2OpenJPEG", "-co", "REVERSIBLE=YES", "-co", "QUALITY=100", f, j)
				add("lossless jp2", j)
			} else {
				add("lossless jp2", in)
			}
			// COGs, with overviews (small blocks, so they have several
			// levels); the test also serves them over HTTP.
			c := filepath.Join(root, "cog", src, base)
			os.MkdirAll(filepath.Dir(c), 0o755)
			gdal(t, "gdal_translate", "-q", "-of", "COG", "-co", "BLOCKSIZE=128", "-co", "OVERVIEW_RESAMPLING=NEAREST", f, c)
			add("cog", c)
		}
		// One VRT per source over the overviewed sheets.
		v := filepath.Join(root, "vrt", src+".vrt")
		os.MkdirAll(filepath.Dir(v), 0o755)
		gdal(t, append([]string{"gdalbuildvrt", "-q", v}, out["internal overviews"][src]...)...)
		add("vrt", v)
	}
	return out
}

// encodingWorkflow is the 3DCD workflow on given files, plus the DSMs
// resampled to 2 m, so they are coarsened too, not only the orthophotos.
func encodingWorkflow(files map[string][]string, origin string) string {
	q := func(src string) string {
		var s []string
		for _, f := range files[src] {
			s = append(s, fmt.Sprintf("%q", f))
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	wf := workflowHead
	for _, src := range sourceDirs {
		wf = strings.Replace(wf, fmt.Sprintf("[%q]", src+"/*.tif"), q(src), 1)
	}
	wf = strings.Replace(wf, "tiling { size = 200 }", "tiling {\n  size = 200\n  origin = "+origin+"\n}", 1)
	return wf + thresholdOnly + `
step "resample" "dsm2_t0" {
  input      = source.dsm.t0
  resolution = 2
  method     = "average"
}
step "resample" "dsm2_t1" {
  input      = source.dsm.t1
  resolution = 2
  method     = "bilinear"
}
`
}

func runFiles(t *testing.T, wf string) (string, *execute.Result) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "wf.hcl")
	if err := os.WriteFile(path, []byte(wf), 0o644); err != nil {
		t.Fatal(err)
	}
	w, diags := workflows.NewParser(nil).Load(path, workflows.InputValues{})
	if diags.HasErrors() {
		for _, d := range diags {
			t.Log(d.Severity, d.Summary, d.Detail)
		}
		t.FailNow()
	}
	pl, diags := plans.New(context.Background(), w, plans.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	out := filepath.Join(dir, "out")
	res, err := execute.Run(context.Background(), pl, execute.Options{Out: out, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	return out, res
}

// TestProductsIndependentOfEncoding runs one workflow on the same pixels
// encoded six ways — plain GeoTIFF sheets; with internal overviews
// (gdaladdo -r nearest 2 4 8); with external .ovr ones; orthophotos as
// lossless JPEG 2000; one VRT per source over overviewed sheets; COGs, on
// disk and over HTTP —
// and wants every product of every tile byte-identical to the plain run's. The orthophotos are averaged from
// 0.25 to 0.5 m, the DSMs from 1 to 2 m (average and bilinear); with the tile
// grid off the sources' pixel grid every source goes through GDAL's warper
// instead. Before cdflow read full resolution always, the averages came
// from the overviews or the wavelet levels (6.8 DN on average, up to 173).
func TestProductsIndependentOfEncoding(t *testing.T) {
	dir := t.TempDir()
	if _, err := synth.Generate(context.Background(), synth.Options{Out: dir, ExtentKm: [2]float64{0.4, 0.4}, SheetKm: 0.2, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	encs := encodedScene(t, dir)
	// The COGs over HTTP, as an agency publishes them, read through
	// /vsicurl/ from cdflow serve's handler (byte ranges).
	cogRoot := filepath.Dir(filepath.Dir(encs["cog"][sourceDirs[0]][0]))
	h, err := serve.Handler(cogRoot)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	t.Setenv("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")
	encs["cog over http"] = map[string][]string{}
	for src, files := range encs["cog"] {
		for _, f := range files {
			rel, err := filepath.Rel(cogRoot, f)
			if err != nil {
				t.Fatal(err)
			}
			encs["cog over http"][src] = append(encs["cog over http"][src], "/vsicurl/"+srv.URL+"/"+filepath.ToSlash(rel))
		}
	}
	names := make([]string, 0, len(encs))
	for enc := range encs {
		if enc != "plain" {
			names = append(names, enc)
		}
	}
	sort.Strings(names)
	for _, grid := range []struct{ name, origin string }{
		{"aligned (RasterIO)", "[0, 0]"},
		{"off grid (warper)", "[0.3, 0.3]"},
	} {
		t.Run(grid.name, func(t *testing.T) {
			wantOut, want := runFiles(t, encodingWorkflow(encs["plain"], grid.origin))
			if len(want.Tiles) == 0 {
				t.Fatal("no tile")
			}
			for _, enc := range names {
				t.Run(enc, func(t *testing.T) {
					gotOut, got := runFiles(t, encodingWorkflow(encs[enc], grid.origin))
					if len(got.Tiles) != len(want.Tiles) {
						t.Fatalf("%d tiles, want %d", len(got.Tiles), len(want.Tiles))
					}
					compared := 0
					for i, tr := range want.Tiles {
						for name, rel := range tr.Products {
							a, err := os.ReadFile(filepath.Join(wantOut, rel))
							if err != nil {
								t.Fatal(err)
							}
							b, err := os.ReadFile(filepath.Join(gotOut, got.Tiles[i].Products[name]))
							if err != nil {
								t.Fatal(err)
							}
							if !bytes.Equal(a, b) {
								t.Errorf("tile %s product %s differs from the plain sources' (%s)", tr.Tile.ID, name, pixelDiff(t, filepath.Join(wantOut, rel), filepath.Join(gotOut, got.Tiles[i].Products[name])))
							}
							compared++
						}
					}
					if compared < 4*len(want.Tiles) {
						t.Fatalf("compared %d products", compared)
					}
				})
			}
		})
	}
}

// pixelDiff says how two products differ, for the failure message.
func pixelDiff(t *testing.T, a, b string) string {
	ctx := context.Background()
	ia, err := raster.ReadFile[float64](ctx, a)
	if err != nil {
		return err.Error()
	}
	ib, err := raster.ReadFile[float64](ctx, b)
	if err != nil {
		return err.Error()
	}
	if len(ia.Bands) != len(ib.Bands) || ia.Width != ib.Width || ia.Height != ib.Height {
		return "sizes differ"
	}
	n, maxd, sum := 0, 0.0, 0.0
	for bd := range ia.Bands {
		for i, v := range ia.Bands[bd] {
			if d := v - ib.Bands[bd][i]; d != 0 {
				n++
				sum += max(d, -d)
				maxd = max(maxd, d, -d)
			}
		}
	}
	if n == 0 {
		return "same pixels, different bytes"
	}
	return fmt.Sprintf("%d pixels differ, mean |Δ| %.2f, max %g", n, sum/float64(n), maxd)
}
