package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// mutableRels are the links of a release collection that change as other
// releases come and go; they, and the deprecated flag, are not content.
var mutableRels = map[string]bool{"latest-version": true, "predecessor-version": true, "successor-version": true}

// compareReleases compares two release directories; it returns "" when
// their content is the same, or a description of the first differences.
func compareReleases(a, b string) (string, error) {
	fa, err := listFiles(a)
	if err != nil {
		return "", err
	}
	fb, err := listFiles(b)
	if err != nil {
		return "", err
	}
	var diffs []string
	for p := range fa {
		if _, ok := fb[p]; !ok {
			diffs = append(diffs, p+" is new")
		}
	}
	for p := range fb {
		if _, ok := fa[p]; !ok {
			diffs = append(diffs, p+" would go")
		}
	}
	for p := range fa {
		if _, ok := fb[p]; !ok {
			continue
		}
		same, err := sameContent(filepath.Join(a, p), filepath.Join(b, p), p == "collection.json")
		if err != nil {
			return "", err
		}
		if !same {
			diffs = append(diffs, p+" differs")
		}
	}
	return summarize(diffs), nil
}

func listFiles(dir string) (map[string]int64, error) {
	out := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = info.Size()
		return nil
	})
	return out, err
}

func sameContent(a, b string, releaseCollection bool) (bool, error) {
	if releaseCollection {
		ca, err := releaseContent(a)
		if err != nil {
			return false, err
		}
		cb, err := releaseContent(b)
		if err != nil {
			return false, err
		}
		return bytes.Equal(ca, cb), nil
	}
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	sa, _ := fa.Stat()
	sb, _ := fb.Stat()
	if sa.Size() != sb.Size() {
		return false, nil
	}
	if os.SameFile(sa, sb) {
		return true, nil
	}
	bufA, bufB := make([]byte, 1<<16), make([]byte, 1<<16)
	for {
		na, ea := io.ReadFull(fa, bufA)
		nb, eb := io.ReadFull(fb, bufB)
		if !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		if ea != nil || eb != nil {
			return (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF), nil
		}
	}
}

// releaseContent is a release collection without what relink may change.
func releaseContent(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	delete(doc, "deprecated")
	doc["links"] = fixedLinks(doc)
	return json.Marshal(doc)
}

// fixedLinks returns a release collection's links without the version
// links, which change as other releases come and go.
func fixedLinks(doc map[string]any) []any {
	var kept []any
	links, _ := doc["links"].([]any)
	for _, l := range links {
		if m, ok := l.(map[string]any); ok && mutableRels[fmt.Sprint(m["rel"])] {
			continue
		}
		kept = append(kept, l)
	}
	return kept
}

// summarize says how many files differ and names the first two, sorted;
// "" when none does.
func summarize(diffs []string) string {
	if len(diffs) == 0 {
		return ""
	}
	slices.Sort(diffs)
	msg := fmt.Sprintf("%d file(s) differ: %s", len(diffs), diffs[0])
	if len(diffs) > 1 {
		msg += ", " + diffs[1]
	}
	if len(diffs) > 2 {
		msg += ", …"
	}
	return msg
}
