// Package serve serves a catalog folder over HTTP the way STAC Browser and
// COG readers need it: read-only, with CORS headers (a browser page on
// another origin reads the catalog), byte-range requests (COGs are read by
// range) and the media types of STAC's files.
package serve

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// mediaTypes are the types of a release's files, by extension.
var mediaTypes = map[string]string{
	".json":    "application/json",
	".geojson": "application/geo+json",
	".tif":     "image/tiff; application=geotiff",
	".tiff":    "image/tiff; application=geotiff",
	".png":     "image/png",
	".jpg":     "image/jpeg",
	".jpeg":    "image/jpeg",
	".parquet": "application/vnd.apache.parquet",
	".html":    "text/html; charset=utf-8",
	".txt":     "text/plain; charset=utf-8",
	".md":      "text/markdown; charset=utf-8",
}

// MediaType is the Content-Type a file is served with.
func MediaType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := mediaTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Handler serves the files under root, read-only. Requests for anything
// outside root (by "..", or by a symbolic link leading out), for hidden
// files (locks, partial writes) or for folders get 404; methods other than
// GET, HEAD and OPTIONS get 405. "/" redirects to the root catalog.
func Handler(root string) (http.Handler, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("serve %s: %w", root, err)
	}
	if st, err := os.Stat(real); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("serve %s: not a folder", root)
	}
	return &handler{root: real}, nil
}

type handler struct{ root string }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	hd.Set("Access-Control-Allow-Headers", "Range, If-Range, If-None-Match, If-Modified-Since, Content-Type, Authorization")
	hd.Set("Access-Control-Expose-Headers", "Content-Range, Content-Length, Accept-Ranges, ETag, Last-Modified")
	switch r.Method {
	case http.MethodOptions:
		hd.Set("Access-Control-Max-Age", "3600")
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodHead:
	default:
		hd.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "read-only: only GET, HEAD and OPTIONS", http.StatusMethodNotAllowed)
		return
	}
	name := path.Clean("/" + r.URL.Path)
	if name == "/" {
		if _, err := os.Stat(filepath.Join(h.root, "catalog.json")); err == nil {
			http.Redirect(w, r, "/catalog.json", http.StatusFound)
			return
		}
	}
	f, st, err := h.open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	hd.Set("Content-Type", MediaType(name))
	// STAC files change when a release is published; data files never do.
	if strings.HasSuffix(name, ".json") {
		hd.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, st.ModTime(), f)
}

// open opens a regular, visible file under the root; a path that leaves
// the root, even through a link, does not exist.
func (h *handler) open(name string) (*os.File, fs.FileInfo, error) {
	for _, part := range strings.Split(strings.TrimPrefix(name, "/"), "/") {
		if strings.HasPrefix(part, ".") {
			return nil, nil, fs.ErrNotExist
		}
	}
	p := filepath.Join(h.root, filepath.FromSlash(name))
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, nil, err
	}
	if real != h.root && !strings.HasPrefix(real, h.root+string(filepath.Separator)) {
		return nil, nil, fs.ErrPermission
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, errors.Join(err, fs.ErrNotExist)
	}
	return f, st, nil
}

// BrowserURL is the address of the hosted STAC Browser showing the catalog
// at catalogURL.
func BrowserURL(catalogURL string) string {
	return "https://radiantearth.github.io/stac-browser/#/external/" + catalogURL
}
