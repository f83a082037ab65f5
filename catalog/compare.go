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
// Each folder is walked and the other's files looked up by name: a
// release of millions of files is compared without listing them.
func compareReleases(a, b string) (string, error) {
	var diffs diffSummary
	err := walkFiles(a, func(rel string) error {
		if !isRegular(filepath.Join(b, filepath.FromSlash(rel))) {
			diffs.add(rel + " is new")
			return nil
		}
		same, err := sameContent(filepath.Join(a, rel), filepath.Join(b, rel), rel == "collection.json")
		if err != nil {
			return err
		}
		if !same {
			diffs.add(rel + " differs")
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	err = walkFiles(b, func(rel string) error {
		if !isRegular(filepath.Join(a, filepath.FromSlash(rel))) {
			diffs.add(rel + " would go")
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return diffs.String(), nil
}

// walkFiles calls fn with the slash path, relative to dir, of every file
// under dir, in the same order every time.
func walkFiles(dir string, fn func(rel string) error) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel))
	})
}

// isRegular reports whether p is a regular file (not followed if a link).
func isRegular(p string) bool {
	st, err := os.Lstat(p)
	return err == nil && st.Mode().IsRegular()
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

// diffSummary counts differences and keeps the first three in sorted
// order, all a message names: a release that differs in every one of a
// million files does not hold a million messages.
type diffSummary struct {
	n     int
	first []string
}

func (d *diffSummary) add(s string) {
	const kept = 3
	d.n++
	i, _ := slices.BinarySearch(d.first, s)
	if i < kept {
		d.first = slices.Insert(d.first, i, s)[:min(kept, len(d.first)+1)]
	}
}

// String says how many files differ and names the first two, sorted; ""
// when none does.
func (d *diffSummary) String() string {
	if d.n == 0 {
		return ""
	}
	msg := fmt.Sprintf("%d file(s) differ: %s", d.n, d.first[0])
	if d.n > 1 {
		msg += ", " + d.first[1]
	}
	if d.n > 2 {
		msg += ", …"
	}
	return msg
}
