package catalog

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/Masterminds/semver/v3"

	"github.com/cdflow/cdflow/stac"
)

// relink rewrites what links releases together: every release collection's
// version links (and the deprecated flag of rel's), the dataset's catalog
// and the root catalog. Each file is replaced atomically and only when it
// changes, so a crash leaves each file old or new, never broken.
func relink(root string, rel *Release, base string, hook func(string) error) error {
	versions, err := releasesOf(root, rel.Dataset)
	if err != nil {
		return err
	}
	latest := versions[len(versions)-1]
	for i, v := range versions {
		links := []map[string]any{{"rel": "latest-version", "href": "../" + latest.Original() + "/collection.json", "type": stac.MediaTypeJSON}}
		if i > 0 {
			links = append(links, map[string]any{"rel": "predecessor-version", "href": "../" + versions[i-1].Original() + "/collection.json", "type": stac.MediaTypeJSON})
		}
		if i < len(versions)-1 {
			links = append(links, map[string]any{"rel": "successor-version", "href": "../" + versions[i+1].Original() + "/collection.json", "type": stac.MediaTypeJSON})
		}
		var deprecated *bool
		if v.Original() == rel.Version {
			deprecated = &rel.Deprecated
		}
		if err := setVersionLinks(filepath.Join(root, rel.Dataset, v.Original(), "collection.json"), links, deprecated, base, path.Join(rel.Dataset, v.Original(), "collection.json")); err != nil {
			return err
		}
	}
	if err := hook(StageLinked); err != nil {
		return err
	}
	children := []map[string]any{
		{"rel": "root", "href": "../catalog.json", "type": stac.MediaTypeJSON},
		{"rel": "parent", "href": "../catalog.json", "type": stac.MediaTypeJSON},
	}
	for _, v := range versions {
		children = append(children, map[string]any{"rel": "child", "href": "./" + v.Original() + "/collection.json", "type": stac.MediaTypeJSON, "title": v.Original()})
	}
	dataset := map[string]any{
		"type": "Catalog", "stac_version": stac.Version, "id": rel.Dataset,
		"title":       titleOf(rel),
		"description": fmt.Sprintf("Every release of %s; the latest is %s.", titleOf(rel), latest.Original()),
		"links":       children,
	}
	if err := writeIfChanged(filepath.Join(root, rel.Dataset, "catalog.json"), dataset, base, path.Join(rel.Dataset, "catalog.json")); err != nil {
		return err
	}
	if err := writeRoot(root, base); err != nil {
		return err
	}
	return hook(StageRoot)
}

// releasesOf lists the dataset's published versions, oldest first.
func releasesOf(root, dataset string) ([]*semver.Version, error) {
	entries, err := os.ReadDir(filepath.Join(root, dataset))
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	var out []*semver.Version
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		v, err := semver.StrictNewVersion(e.Name())
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, dataset, e.Name(), "collection.json")); err == nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("publish: dataset %s has no release", dataset)
	}
	sort.Sort(semver.Collection(out))
	return out, nil
}

// writeRoot writes catalog.json with one child per dataset folder holding a catalog.
func writeRoot(root, base string) error {
	entries, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	var children []stac.Link
	for _, e := range entries {
		if !e.IsDir() || !datasetID.MatchString(e.Name()) {
			continue
		}
		p := filepath.Join(root, e.Name(), "catalog.json")
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var doc struct {
			Title string `json:"title"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("publish: read %s: %w", p, err)
		}
		children = append(children, stac.Link{Href: "./" + e.Name() + "/catalog.json", Title: doc.Title})
	}
	c, err := stac.NewRootCatalog(stac.RootCatalog{ID: "cdflow", Title: "Change-detection datasets",
		Description: "Change-detection datasets built and published by cdflow: one child per dataset, one release per version.",
		Children:    children})
	if err != nil {
		return err
	}
	b, err := stac.Marshal(c)
	if err != nil {
		return err
	}
	if b, err = absolutize(b, base, "catalog.json"); err != nil {
		return err
	}
	return writeBytesIfChanged(filepath.Join(root, "catalog.json"), b)
}

// setVersionLinks replaces a release collection's version links.
func setVersionLinks(p string, links []map[string]any, deprecated *bool, base, rel string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("publish: read %s: %w", p, err)
	}
	kept := fixedLinks(doc)
	for _, l := range links {
		kept = append(kept, l)
	}
	doc["links"] = kept
	if deprecated != nil {
		if *deprecated {
			doc["deprecated"] = true
		} else {
			delete(doc, "deprecated")
		}
	}
	return writeIfChanged(p, doc, base, rel)
}

// writeIfChanged writes a STAC object at p, rel from the catalog root.
func writeIfChanged(p string, doc any, base, rel string) error {
	b, err := stac.Marshal(doc)
	if err != nil {
		return fmt.Errorf("publish: encode %s: %w", p, err)
	}
	if b, err = absolutize(b, base, rel); err != nil {
		return err
	}
	return writeBytesIfChanged(p, b)
}

func writeBytesIfChanged(p string, b []byte) error {
	if old, err := os.ReadFile(p); err == nil && string(old) == string(b) {
		return nil
	}
	return writeAtomic(p, b)
}
