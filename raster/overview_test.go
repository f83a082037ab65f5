package raster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// encodings writes the same pixels as path in the ways a source may come:
// with internal overviews (gdaladdo -r nearest 2 4 8), external ones (.ovr),
// as a VRT over the overviewed copy, as a COG served over HTTP and read
// through /vsicurl/, and, for 8-bit files, as lossless JPEG 2000 (whose
// wavelet levels GDAL exposes as overviews).
func encodings(t *testing.T, path string, jp2 bool) map[string]string {
	t.Helper()
	dir := t.TempDir()
	base := strings.TrimSuffix(filepath.Base(path), ".tif")
	out := map[string]string{"plain": path}
	internal := filepath.Join(dir, "internal", base+".tif")
	copyFile(t, path, internal)
	gdal(t, "gdaladdo", "-q", "-r", "nearest", internal, "2", "4", "8")
	out["internal overviews"] = internal
	external := filepath.Join(dir, "external", base+".tif")
	copyFile(t, path, external)
	gdal(t, "gdaladdo", "-q", "-ro", "-r", "nearest", external, "2", "4", "8")
	if _, err := os.Stat(external + ".ovr"); err != nil {
		t.Fatal(err)
	}
	out["external overviews"] = external
	vrt := filepath.Join(dir, "vrt", base+".vrt")
	os.MkdirAll(filepath.Dir(vrt), 0o755)
	gdal(t, "gdalbuildvrt", "-q", vrt, internal)
	out["vrt of overviewed file"] = vrt
	// cdflow opens a file without looking at its siblings (godal's
	// default), so a lone file's .ovr goes unseen; the files of a VRT,
	// opened by GDAL itself, are seen with theirs.
	vrtExt := filepath.Join(dir, "vrt", base+"-ext.vrt")
	gdal(t, "gdalbuildvrt", "-q", vrtExt, external)
	out["vrt of file with .ovr"] = vrtExt
	// Small blocks, so that the small fixture gets overview levels.
	cog := filepath.Join(dir, "http", base+".tif")
	os.MkdirAll(filepath.Dir(cog), 0o755)
	gdal(t, "gdal_translate", "-q", "-of", "COG", "-co", "BLOCKSIZE=64", "-co", "OVERVIEW_RESAMPLING=NEAREST", path, cog)
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(cog))))
	t.Cleanup(srv.Close)
	out["cog over /vsicurl/"] = "/vsicurl/" + srv.URL + "/" + filepath.Base(cog)
	if jp2 {
		j := filepath.Join(dir, "jp2", base+".jp2")
		os.MkdirAll(filepath.Dir(j), 0o755)
		gdal(t, "gdal_translate", "-q", "-of", "JP2OpenJPEG", "-co", "REVERSIBLE=YES", "-co", "QUALITY=100", path, j)
		out["lossless jp2"] = j
	}
	return out
}

// TestReadIgnoresOverviews: whatever the encoding of the same pixels,
// Read and Warp give the same pixels, bit for bit, as from the plain
// GeoTIFF: overviews, external or internal, and JPEG 2000 wavelet levels
// never stand in for the full resolution, down to a VRT's files.
func TestReadIgnoresOverviews(t *testing.T) {
	ctx := context.Background()
	s := makeScene(t)
	type read struct {
		name   string
		e      Extent
		res    float64
		method string
		warp   bool
	}
	ortho := []read{
		{"average 0.5 (resample step)", Extent{355010, 4610010, 355060, 4610050}, 0.5, "average", false},
		{"average 0.5 halo outside", Extent{354990, 4610000, 355050, 4610090}, 0.5, "average", false},
		{"average 1.0", Extent{355000, 4610000, 355100, 4610080}, 1, "average", false},
		{"bilinear 1.0", Extent{355010, 4610010, 355090, 4610070}, 1, "bilinear", false},
		{"cubic 0.75 unaligned", Extent{355003.3, 4610007.1, 355051.3, 4610055.1}, 0.75, "cubic", false},
		{"mode 0.5", Extent{355010, 4610010, 355060, 4610050}, 0.5, "mode", false},
		{"warp average 0.5 off grid", Extent{355010.1, 4610010.1, 355060.1, 4610050.1}, 0.5, "average", true},
	}
	dsm := []read{
		{"average 2", Extent{355020, 4610020, 355070, 4610060}, 2, "average", false},
		{"bilinear 4 halo", Extent{354990, 4609990, 355070, 4610070}, 4, "bilinear", false},
		{"warp average 2 off grid (difference)", Extent{355010.5, 4610004.5, 355090.5, 4610064.5}, 2, "average", true},
		{"warp bilinear 3", Extent{355010.5, 4610004.5, 355085.5, 4610064.5}, 3, "bilinear", true},
	}
	readAs := func(t *testing.T, files []string, r read, float bool) any {
		t.Helper()
		m, err := OpenMosaic(ctx, files, MosaicOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		w := Window{Extent: r.e, ResX: r.res, ResY: r.res, Method: r.method}
		var img any
		switch {
		case float && r.warp:
			img, err = Warp[float32](ctx, m, w)
		case float:
			img, err = Read[float32](ctx, m, w)
		case r.warp:
			img, err = Warp[uint8](ctx, m, w)
		default:
			img, err = Read[uint8](ctx, m, w)
		}
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	check := func(t *testing.T, got, want any) {
		t.Helper()
		switch w := want.(type) {
		case *Image[uint8]:
			equalImages(t, got.(*Image[uint8]), w, 0)
		case *Image[float32]:
			equalImages(t, got.(*Image[float32]), w, 0)
			if g := got.(*Image[float32]); g.NoData != w.NoData || g.HasNoData != w.HasNoData {
				t.Errorf("nodata %v %v, want %v %v", g.NoData, g.HasNoData, w.NoData, w.HasNoData)
			}
		}
	}
	for _, src := range []struct {
		name  string
		path  string
		float bool
		reads []read
	}{{"ortho", s.ortho, false, ortho}, {"dsm", s.dsm, true, dsm}} {
		files := encodings(t, src.path, !src.float)
		for _, r := range src.reads {
			want := readAs(t, []string{src.path}, r, src.float)
			for enc, f := range files {
				if enc == "plain" {
					continue
				}
				t.Run(src.name+"/"+r.name+"/"+enc, func(t *testing.T) {
					check(t, readAs(t, []string{f}, r, src.float), want)
				})
			}
		}
	}

	// A mosaic of overviewed sheets reads as the plain sheets do.
	t.Run("mosaic of overviewed sheets", func(t *testing.T) {
		a, b := encodings(t, s.dsmA, false), encodings(t, s.dsmB, false)
		for _, r := range dsm {
			want := readAs(t, []string{s.dsmA, s.dsmB}, r, true)
			for _, enc := range []string{"internal overviews", "external overviews", "cog over /vsicurl/"} {
				check(t, readAs(t, []string{a[enc], b[enc]}, r, true), want)
			}
		}
	})
}

// TestOverviewsWouldChangeTheRead makes sure the encodings above do hold
// overviews GDAL would use: gdal_translate of the overviewed copy at 0.5 m
// differs from that of the plain file. Without it, TestReadIgnoresOverviews
// could pass on files GDAL never reads overviews from.
func TestOverviewsWouldChangeTheRead(t *testing.T) {
	s := makeScene(t)
	files := encodings(t, s.ortho, true)
	ctx := context.Background()
	e := Extent{355010, 4610010, 355060, 4610050}
	translate := func(src string) *Image[uint8] {
		ref := filepath.Join(t.TempDir(), "ref.tif")
		gdal(t, "gdal_translate", "-q", "-projwin", ff(e.MinX), ff(e.MaxY), ff(e.MaxX), ff(e.MinY),
			"-tr", "0.5", "0.5", "-r", "average", src, ref)
		img, err := ReadFile[uint8](ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	plain := translate(files["plain"])
	for _, enc := range []string{"internal overviews", "vrt of overviewed file", "vrt of file with .ovr", "lossless jp2"} {
		img := translate(files[enc])
		diff := 0
		for b := range img.Bands {
			for i := range img.Bands[b] {
				if img.Bands[b][i] != plain.Bands[b][i] {
					diff++
				}
			}
		}
		if diff == 0 {
			t.Errorf("%s: gdal_translate reads the same pixels as from the plain file: the test file has no overview GDAL uses", enc)
		}
	}
}

// TestFullResCopyKeepsMasks checks that the in-memory copy a resampling
// read goes through carries what GDAL's resampling weighs: an alpha band,
// an internal mask, a nodata value. Reads equal gdal_translate's of the
// plain file, and of the same file with overviews.
func TestFullResCopyKeepsMasks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rgba := filepath.Join(dir, "rgba4.tif")
	// A ragged hole of transparent or nodata pixels (0 in every band).
	hole := func(x, y int) bool { return (x-150)*(x-150)+(y-130)*(y-130) < 900+(x*7+y*3)%400 }
	fixture(t, rgba, Extent{355000, 4610000, 355100, 4610080}, 0.25, 4, nil, func(b, x, y int) uint8 {
		if hole(x, y) {
			return 0
		}
		if b == 3 {
			return 255
		}
		return uint8(1 + (x*(b+2)+y*5+(x*y)%13)%254)
	})
	files := map[string]string{
		"alpha":         filepath.Join(dir, "alpha.tif"),
		"internal mask": filepath.Join(dir, "mask.tif"),
		"nodata":        filepath.Join(dir, "nodata.tif"),
	}
	gdal(t, "gdal_translate", "-q", "-co", "ALPHA=YES", rgba, files["alpha"])
	gdal(t, "gdal_translate", "-q", "-b", "1", "-b", "2", "-b", "3", "-mask", "4", "--config", "GDAL_TIFF_INTERNAL_MASK", "YES", rgba, files["internal mask"])
	gdal(t, "gdal_translate", "-q", "-b", "1", "-b", "2", "-b", "3", "-a_nodata", "0", rgba, files["nodata"])
	reads := []struct {
		name   string
		e      Extent
		res    float64
		method string
	}{
		{"average 0.5", Extent{355010, 4610010, 355060, 4610050}, 0.5, "average"},
		{"average 1.0 halo", Extent{354990, 4610000, 355050, 4610090}, 1, "average"},
		{"bilinear 1.0", Extent{355010, 4610010, 355090, 4610070}, 1, "bilinear"},
		{"cubic 0.75 unaligned", Extent{355003.3, 4610007.1, 355051.3, 4610055.1}, 0.75, "cubic"},
	}
	for kind, f := range files {
		ovr := filepath.Join(dir, "ovr", filepath.Base(f))
		copyFile(t, f, ovr)
		gdal(t, "gdaladdo", "-q", "-r", "nearest", ovr, "2", "4")
		for _, r := range reads {
			t.Run(kind+"/"+r.name, func(t *testing.T) {
				ref := filepath.Join(t.TempDir(), "ref.tif")
				gdal(t, "gdal_translate", "-q", "-projwin", ff(r.e.MinX), ff(r.e.MaxY), ff(r.e.MaxX), ff(r.e.MinY),
					"-tr", ff(r.res), ff(r.res), "-r", r.method, f, ref)
				want, err := ReadFile[uint8](ctx, ref)
				if err != nil {
					t.Fatal(err)
				}
				for _, src := range []string{f, ovr} {
					m, err := OpenMosaic(ctx, []string{src}, MosaicOptions{})
					if err != nil {
						t.Fatal(err)
					}
					got, err := Read[uint8](ctx, m, Window{Extent: r.e, ResX: r.res, ResY: r.res, Method: r.method})
					m.Close()
					if err != nil {
						t.Fatal(err)
					}
					equalImages(t, got, want, 0)
				}
			})
		}
	}
}

// TestConcurrentResampledReads runs pooled readers and workers (whose
// in-memory copies are kept between windows of changing sizes) on one
// mosaic at once; every read equals the same read made alone (run with -race).
func TestConcurrentResampledReads(t *testing.T) {
	ctx := context.Background()
	s := makeScene(t)
	m, err := OpenMosaic(ctx, []string{s.dsmA, s.dsmB}, MosaicOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	windows := []Window{
		{Extent: Extent{355040, 4610020, 355080, 4610060}, ResX: 2, ResY: 2, Method: "average"},
		{Extent: Extent{354990, 4609990, 355070, 4610070}, ResX: 4, ResY: 4, Method: "bilinear"},
		{Extent: Extent{355020, 4610010, 355100, 4610080}, ResX: 2, ResY: 2, Method: "cubic"},
	}
	var want []*Image[float32]
	for _, w := range windows {
		img, err := Read[float32](ctx, m, w)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, img)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx := ctx
			if i%2 == 1 {
				rctx = WithWorker(ctx, i/2)
			}
			for k := range 3 * len(windows) {
				j := (k + i) % len(windows)
				got, err := Read[float32](rctx, m, windows[j])
				if err != nil {
					errs <- err
					return
				}
				for p := range got.Bands[0] {
					if got.Bands[0][p] != want[j].Bands[0][p] {
						errs <- fmt.Errorf("reader %d window %d: pixel %d differs", i, j, p)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
