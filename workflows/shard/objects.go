package shard

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/workflows/execute"
)

// A shard that uploads its results to object storage (cdflow run --shard
// --upload) uploads, after its tiles' files and before its manifest, an
// index of those objects: each file's size and MD5, the ETag the server
// returned for it. The shard checks each product against the manifest's
// SHA-256 (CheckProducts) just before the upload, holding its folder's
// lock, so a merge can trust an object that still has that ETag to hold
// the product the manifest describes, without downloading it
// (Folder.Objects).

// indexFormat is the object index's format.
const indexFormat = 1

// Uploaded is one file a shard uploaded: its path relative to the shard's
// output folder (slash-separated, as its key below the upload prefix), its
// size, and its MD5 (hex), the object's ETag.
type Uploaded struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	MD5  string `json:"md5"`
}

type objectIndex struct {
	Format  int        `json:"format"`
	Shard   int        `json:"shard"`
	Shards  int        `json:"shards"`
	Objects []Uploaded `json:"objects"`
}

// indexName is the object index beside shard s's manifest (partialName).
func indexName(s execute.Shard) string {
	return fmt.Sprintf("objects-%04d-of-%04d.json", s.Index, s.Count)
}

// WriteIndex writes, under out's Dir, the object index of shard s, whose
// files were uploaded as objs, and returns its path.
func WriteIndex(out string, s execute.Shard, objs []Uploaded) (string, error) {
	idx := objectIndex{Format: indexFormat, Shard: s.Index, Shards: max(s.Count, 1), Objects: slices.Clone(objs)}
	slices.SortFunc(idx.Objects, func(a, b Uploaded) int { return strings.Compare(a.Path, b.Path) })
	b, err := json.Marshal(idx)
	if err != nil {
		return "", fmt.Errorf("shard %s: encode the object index: %w", s, err)
	}
	return writeUnder(out, indexName(execute.Shard{Index: idx.Shard, Count: idx.Shards}), s, "the object index", func(w *bufio.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// readIndex reads the object index of the shard whose manifest is file
// (downloaded from root), by path.
func readIndex(file string, h *header, root objstore.URL) (map[string]Uploaded, error) {
	path := filepath.Join(filepath.Dir(file), indexName(execute.Shard{Index: h.Shard, Count: h.Shards}))
	// Named by its object: the downloaded file is gone after the merge.
	obj := root.Join(Dir, filepath.Base(path))
	again := fmt.Sprintf("upload it again with this cdflow (cdflow run --shard %d/%d --upload %s)", h.Shard, h.Shards, root)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("merge: shard %d/%d under %s has no object index (%s): %s", h.Shard, h.Shards, root, obj, again)
	}
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	defer f.Close()
	var idx objectIndex
	if err := decodeJSON(f, &idx); err != nil {
		return nil, fmt.Errorf("merge: the object index %s of shard %d/%d is damaged (%v): %s", obj, h.Shard, h.Shards, err, again)
	}
	if idx.Format != indexFormat || idx.Shard != h.Shard || idx.Shards != h.Shards {
		return nil, fmt.Errorf("merge: %s is the object index of shard %d/%d (format %d), not of shard %d/%d (format %d): %s",
			obj, idx.Shard, idx.Shards, idx.Format, h.Shard, h.Shards, indexFormat, again)
	}
	m := make(map[string]Uploaded, len(idx.Objects))
	for _, o := range idx.Objects {
		m[o.Path] = o
	}
	return m, nil
}

// placeTile puts, under out, a placeholder (objstore.WritePlaceholder) for
// each product of a tile of a shard on object storage: the object under
// root the shard uploaded it as, with the size and MD5 the index gives.
// The object's bytes are checked when the release copies it (only while
// it still has that ETag).
func placeTile(out string, root objstore.URL, idx map[string]Uploaded, tr execute.TileResult) error {
	for _, a := range tr.Assets {
		key := filepath.ToSlash(a.Path)
		u, ok := idx[key]
		switch {
		case !ok:
			return fmt.Errorf("product %s (%s) is not among the objects the shard uploaded", a.Name, root.Join(key))
		case u.Size != a.Size:
			return fmt.Errorf("product %s (%s) was uploaded with %d bytes, but the shard wrote %d", a.Name, root.Join(key), u.Size, a.Size)
		}
		file := filepath.Join(out, a.Path)
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if err := objstore.WritePlaceholder(file, objstore.Object{URL: root.Join(key), Size: u.Size, ETag: u.MD5}); err != nil {
			return err
		}
	}
	return nil
}
