package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/stac"
)

// A catalog published with a base URL is an "absolute published" catalog
// in STAC's terms: every link and asset href is an absolute URL under the
// base, and every object has a self link, so the JSON can be served from
// anywhere (an object store, a CDN) and still resolve. The files on disk
// stay where a relative catalog has them: the base URL maps to the root.

// CheckBaseURL reports whether base can prefix a catalog's hrefs.
func CheckBaseURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("base URL %q is not an absolute http(s) URL without query or fragment, e.g. https://data.example.org/catalog", base)
	}
	return nil
}

// absoluteURL returns the URL of a file given its path relative to the
// catalog root.
func absoluteURL(base, rel string) string {
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(path.Clean(rel), "./")
}

// resolveHref turns an href found in the object at fileRel (relative to
// the catalog root) into an absolute URL under base; absolute hrefs stay.
func resolveHref(base, fileRel, href string) string {
	if u, err := url.Parse(href); err != nil || u.IsAbs() || strings.HasPrefix(href, "/") {
		return href
	}
	target, frag, _ := strings.Cut(href, "#")
	out := absoluteURL(base, path.Join(path.Dir(fileRel), target))
	if frag != "" {
		out += "#" + frag
	}
	return out
}

// absolutize rewrites a STAC object's link and asset hrefs as absolute URLs
// under base and gives it a self link; fileRel is the object's path
// relative to the catalog root. Without a base it returns b unchanged.
func absolutize(b []byte, base, fileRel string) ([]byte, error) {
	if base == "" {
		return b, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("publish: read %s: %w", fileRel, err)
	}
	links, _ := doc["links"].([]any)
	var kept []any
	for _, l := range links {
		link, ok := l.(map[string]any)
		if !ok {
			continue
		}
		if link["rel"] == "self" {
			continue // replaced below
		}
		if h, ok := link["href"].(string); ok {
			link["href"] = resolveHref(base, fileRel, h)
		}
		kept = append(kept, link)
	}
	kept = append(kept, map[string]any{"rel": "self", "href": absoluteURL(base, fileRel), "type": stac.MediaTypeJSON})
	doc["links"] = kept
	if assets, ok := doc["assets"].(map[string]any); ok {
		for _, a := range assets {
			if am, ok := a.(map[string]any); ok {
				if h, ok := am["href"].(string); ok {
					am["href"] = resolveHref(base, fileRel, h)
				}
			}
		}
	}
	return stac.Marshal(doc)
}

// absolutizeTree rewrites every JSON object under dir, a folder that will
// be relDir under the catalog root.
func absolutizeTree(dir, relDir, base string) error {
	if base == "" {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		r, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		out, err := absolutize(b, base, path.Join(relDir, filepath.ToSlash(r)))
		if err != nil {
			return err
		}
		// A staged release: Publish syncs it whole before moving it in. A
		// file staged for upload may be a link to the run's (see
		// Options.Stage): it is replaced, never written through.
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		return atomicfile.WriteFileUnsynced(p, out)
	})
}
