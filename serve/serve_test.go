package serve_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/serve"
)

// site is a catalog folder: a catalog, a COG made by GDAL, a hidden lock,
// a folder, and a link to a file outside.
func site(t *testing.T) (root, outside string) {
	t.Helper()
	root, outside = t.TempDir(), t.TempDir()
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "catalog.json"), `{"type": "Catalog", "id": "x"}`)
	write(filepath.Join(root, ".lock"), "pid 1")
	write(filepath.Join(outside, "secret.txt"), "not yours")
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "leak.txt")); err != nil {
		t.Fatal(err)
	}
	crs, err := raster.CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	img := raster.NewImage[float32](raster.Grid{CRS: crs, GeoTransform: [6]float64{355000, 1, 0, 4610200, 0, -1}, Width: 600, Height: 500}, 1)
	for i := range img.Bands[0] {
		img.Bands[0][i] = float32(i%977) * 0.25
	}
	tif := filepath.Join(t.TempDir(), "plain.tif")
	if err := raster.WriteGeoTIFF(context.Background(), tif, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "items", "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	gdal(t, "gdal_translate", "-q", "-of", "COG", "-co", "BLOCKSIZE=256", tif, filepath.Join(root, "items", "a", "dsm.tif"))
	return root, outside
}

func gdal(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GDAL_PAM_ENABLED=NO", "GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR", "CPL_VSIL_CURL_CACHE_SIZE=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestServe(t *testing.T) {
	root, outside := site(t)
	h, err := serve.Handler(root)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	cog, err := os.ReadFile(filepath.Join(root, "items", "a", "dsm.tif"))
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name, method, path string
		header             map[string]string
		status             int
		contentType        string
		body               []byte // checked when set
		check              func(t *testing.T, r *http.Response)
	}{
		{name: "catalog", method: "GET", path: "/catalog.json", status: 200, contentType: "application/json",
			body: []byte(`{"type": "Catalog", "id": "x"}`)},
		{name: "root redirects to the catalog", method: "GET", path: "/", status: 302, check: func(t *testing.T, r *http.Response) {
			if loc := r.Header.Get("Location"); loc != "/catalog.json" {
				t.Errorf("Location %q", loc)
			}
		}},
		{name: "a range of a COG", method: "GET", path: "/items/a/dsm.tif", header: map[string]string{"Range": "bytes=100-1123"},
			status: 206, contentType: "image/tiff; application=geotiff", body: cog[100:1124], check: func(t *testing.T, r *http.Response) {
				if cr := r.Header.Get("Content-Range"); cr != "bytes 100-1123/"+strconv.Itoa(len(cog)) {
					t.Errorf("Content-Range %q", cr)
				}
			}},
		{name: "HEAD", method: "HEAD", path: "/items/a/dsm.tif", status: 200, check: func(t *testing.T, r *http.Response) {
			if r.ContentLength != int64(len(cog)) || r.Header.Get("Accept-Ranges") != "bytes" {
				t.Errorf("length %d, Accept-Ranges %q", r.ContentLength, r.Header.Get("Accept-Ranges"))
			}
		}},
		{name: "CORS preflight", method: "OPTIONS", path: "/items/a/dsm.tif", header: map[string]string{
			"Origin": "https://radiantearth.github.io", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"},
			status: 204, check: func(t *testing.T, r *http.Response) {
				if !strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Range") {
					t.Errorf("Allow-Headers %q lacks Range", r.Header.Get("Access-Control-Allow-Headers"))
				}
			}},
		{name: "read-only", method: "PUT", path: "/catalog.json", status: 405},
		{name: "no escape by dot-dot", method: "GET", path: "/../" + filepath.Base(outside) + "/secret.txt", status: 404},
		{name: "dot-dot stays inside", method: "GET", path: "/items/../catalog.json", status: 200, contentType: "application/json"},
		{name: "no escape by a link", method: "GET", path: "/leak.txt", status: 404},
		{name: "no hidden files", method: "GET", path: "/.lock", status: 404},
		{name: "no folder listings", method: "GET", path: "/items/", status: 404},
		{name: "missing", method: "GET", path: "/nope.json", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The dot-dot case: send the path as written, not cleaned.
			req.URL.Opaque = tt.path
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			r, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Body.Close()
			body, _ := io.ReadAll(r.Body)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", r.StatusCode, tt.status, body)
			}
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin %q", got)
			}
			if tt.contentType != "" && r.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", r.Header.Get("Content-Type"), tt.contentType)
			}
			if tt.body != nil && !bytes.Equal(body, tt.body) {
				t.Errorf("body of %d bytes differs from the file's", len(body))
			}
			if bytes.Contains(body, []byte("not yours")) {
				t.Error("served a file outside the folder")
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// TestGDALReadsByRange has GDAL read the served COG through /vsicurl/: the
// statistics equal those of the file on disk.
func TestGDALReadsByRange(t *testing.T) {
	root, _ := site(t)
	h, err := serve.Handler(root)
	if err != nil {
		t.Fatal(err)
	}
	var ranges int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			ranges++
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	local := gdal(t, "gdalinfo", "-stats", "-nomd", "-norat", filepath.Join(root, "items", "a", "dsm.tif"))
	remote := gdal(t, "gdalinfo", "-stats", "-nomd", "-norat", "/vsicurl/"+srv.URL+"/items/a/dsm.tif")
	stats := func(s string) string {
		i := strings.Index(s, "Minimum=")
		if i < 0 {
			t.Fatalf("no statistics in:\n%s", s)
		}
		return strings.SplitN(s[i:], "\n", 2)[0]
	}
	if stats(local) != stats(remote) {
		t.Errorf("over HTTP %q, on disk %q", stats(remote), stats(local))
	}
	if ranges == 0 {
		t.Error("GDAL read the COG without a single range request")
	}
}

func TestHandlerRefusesNonFolder(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(f, []byte("{}"), 0o644)
	for _, p := range []string{f, filepath.Join(t.TempDir(), "missing")} {
		if _, err := serve.Handler(p); err == nil {
			t.Errorf("Handler(%s) served a non-folder", p)
		}
	}
}

func TestMediaType(t *testing.T) {
	for name, want := range map[string]string{
		"a/catalog.json": "application/json", "x.TIF": "image/tiff; application=geotiff",
		"t.parquet": "application/vnd.apache.parquet", "p.png": "image/png", "r.html": "text/html; charset=utf-8",
		"noext": "application/octet-stream",
	} {
		if got := serve.MediaType(name); got != want {
			t.Errorf("MediaType(%s) = %q, want %q", name, got, want)
		}
	}
}
