package catalog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/stac"
)

// Errors Diff returns (wrapped) when the catalog lacks what it was asked for.
var (
	ErrUnknownDataset = errors.New("unknown dataset")
	ErrUnknownVersion = errors.New("unknown version")
)

// ReleaseDiff says how one release of a dataset differs from another. Tiles
// are compared by the file:checksum of each asset: releases are
// byte-identical when their inputs are, so a different checksum is a
// different content.
type ReleaseDiff struct {
	Dataset string `json:"dataset"`
	From    string `json:"from"` // the version compared from (V1)
	To      string `json:"to"`   // the version compared to (V2)

	Added   []string     `json:"added"`   // tiles only in To, sorted
	Removed []string     `json:"removed"` // tiles only in From, sorted
	Changed []TileChange `json:"changed"` // tiles in both whose assets differ, by tile
	Moved   []SplitMove  `json:"moved"`   // tiles in both whose subset differs, by tile
	// Table2 has one row per subset of either release, in Table 2 order
	// (train, test, val, then others), changed or not.
	Table2 []SubsetChange `json:"table2"`
	// Unchanged counts the tiles in both releases whose assets are all the
	// same (a tile that only moved subset counts here).
	Unchanged int `json:"unchanged"`
}

// TileChange is one tile whose files differ between the releases.
type TileChange struct {
	Tile string `json:"tile"`
	// Assets are the keys of the assets whose checksum differs, sorted;
	// "+key" is an asset only in To, "-key" one only in From.
	Assets []string `json:"assets"`
}

// SplitMove is one tile that changed subset. Subsets are cdflow's names
// (train, test, val), as in Table 2, not the ml-aoi extension's "validate".
type SplitMove struct {
	Tile string `json:"tile"`
	From string `json:"from"`
	To   string `json:"to"`
}

// SubsetChange is one row of Table 2 in both releases. A subset missing
// from a release has 0 tiles and null ΔH there.
type SubsetChange struct {
	Subset         string   `json:"subset"`
	TilesFrom      int      `json:"tiles_from"`
	TilesTo        int      `json:"tiles_to"`
	ChangedPctFrom float64  `json:"changed_pct_from"`
	ChangedPctTo   float64  `json:"changed_pct_to"`
	DHMinFrom      *float32 `json:"dh_min_from"`
	DHMinTo        *float32 `json:"dh_min_to"`
	DHMaxFrom      *float32 `json:"dh_max_from"`
	DHMaxTo        *float32 `json:"dh_max_to"`
}

// Differs reports whether the row is not the same in both releases.
func (s SubsetChange) Differs() bool {
	return s.TilesFrom != s.TilesTo || s.ChangedPctFrom != s.ChangedPctTo ||
		!sameF32(s.DHMinFrom, s.DHMinTo) || !sameF32(s.DHMaxFrom, s.DHMaxTo)
}

func sameF32(a, b *float32) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Empty reports whether the two releases hold the same tiles, with the same
// files, in the same subsets, and the same Table 2.
func (d *ReleaseDiff) Empty() bool {
	if len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.Moved) > 0 {
		return false
	}
	for _, s := range d.Table2 {
		if s.Differs() {
			return false
		}
	}
	return true
}

// Diff compares release v1 of a dataset with release v2 in the catalog at
// root. It reads each release's items.parquet (every tile's subset and
// asset checksums) and splits.parquet (Table 2), never the rasters.
func Diff(ctx context.Context, root, dataset, v1, v2 string) (*ReleaseDiff, error) {
	from, err := readRelease(ctx, root, dataset, v1)
	if err != nil {
		return nil, err
	}
	to, err := readRelease(ctx, root, dataset, v2)
	if err != nil {
		return nil, err
	}
	d := &ReleaseDiff{
		Dataset: dataset, From: v1, To: v2,
		// Empty, not nil, so that --json prints [] for "none".
		Added: []string{}, Removed: []string{}, Changed: []TileChange{}, Moved: []SplitMove{},
	}
	for id, b := range to.items {
		if _, ok := from.items[id]; !ok {
			d.Added = append(d.Added, id)
			continue
		}
		a := from.items[id]
		if keys := assetChanges(a.Assets, b.Assets); len(keys) > 0 {
			d.Changed = append(d.Changed, TileChange{Tile: id, Assets: keys})
		} else {
			d.Unchanged++
		}
		if a.Split != b.Split {
			d.Moved = append(d.Moved, SplitMove{Tile: id, From: subsetName(a.Split), To: subsetName(b.Split)})
		}
	}
	for id := range from.items {
		if _, ok := to.items[id]; !ok {
			d.Removed = append(d.Removed, id)
		}
	}
	slices.Sort(d.Added)
	slices.Sort(d.Removed)
	slices.SortFunc(d.Changed, func(a, b TileChange) int { return cmp.Compare(a.Tile, b.Tile) })
	slices.SortFunc(d.Moved, func(a, b SplitMove) int { return cmp.Compare(a.Tile, b.Tile) })
	d.Table2 = table2Changes(from.splits, to.splits)
	return d, nil
}

// releaseTables is what Diff reads of one release.
type releaseTables struct {
	items  map[string]schema.ItemRow
	splits []schema.SplitStats
}

func readRelease(ctx context.Context, root, dataset, version string) (*releaseTables, error) {
	dir, err := releaseDir(root, dataset, version)
	if err != nil {
		return nil, err
	}
	rows, err := schema.ReadItems(ctx, filepath.Join(dir, "items.parquet"))
	if err != nil {
		return nil, fmt.Errorf("diff: release %s %s: %w", dataset, version, err)
	}
	splits, err := schema.ReadSplits(ctx, filepath.Join(dir, "splits.parquet"))
	if err != nil {
		return nil, fmt.Errorf("diff: release %s %s: %w", dataset, version, err)
	}
	items := make(map[string]schema.ItemRow, len(rows))
	for _, r := range rows {
		items[r.ID] = r
	}
	return &releaseTables{items: items, splits: splits}, nil
}

// releaseDir finds a published release, or says what the catalog has instead.
func releaseDir(root, dataset, version string) (string, error) {
	if _, err := os.Stat(filepath.Join(root, "catalog.json")); err != nil {
		return "", fmt.Errorf("diff: %s is not a cdflow catalog (no catalog.json): %w", root, err)
	}
	if !safeName(dataset) {
		return "", fmt.Errorf("diff: %w %q: not a dataset name", ErrUnknownDataset, dataset)
	}
	if _, err := os.Stat(filepath.Join(root, dataset, "catalog.json")); err != nil {
		hint := ""
		if len(versionsIn(filepath.Dir(root), filepath.Base(root))) > 0 {
			// The user gave the dataset's folder, which has a catalog.json too.
			hint = fmt.Sprintf("; %s is a dataset folder: give the catalog's root, %s", root, filepath.Dir(root))
		}
		return "", fmt.Errorf("diff: %w %q in %s (datasets: %s)%s", ErrUnknownDataset, dataset, root, listOrNone(datasetsIn(root)), hint)
	}
	dir := filepath.Join(root, dataset, version)
	// A semantic version is a safe folder name, build metadata ("+b1") included.
	if _, err := semver.StrictNewVersion(version); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "collection.json")); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("diff: %w %q of dataset %s (releases: %s)", ErrUnknownVersion, version, dataset, listOrNone(versionsIn(root, dataset)))
}

// datasetsIn lists the folders of root holding a dataset catalog, sorted.
func datasetsIn(root string) []string {
	entries, _ := os.ReadDir(root)
	var out []string
	for _, e := range entries {
		if !e.IsDir() || !datasetID.MatchString(e.Name()) {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), "catalog.json")); err == nil {
			out = append(out, e.Name())
		}
	}
	return out
}

// versionsIn lists a dataset's published versions, oldest first.
func versionsIn(root, dataset string) []string {
	entries, _ := os.ReadDir(filepath.Join(root, dataset))
	var vs []*semver.Version
	for _, e := range entries {
		v, err := semver.StrictNewVersion(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, dataset, e.Name(), "collection.json")); err == nil {
			vs = append(vs, v)
		}
	}
	slices.SortFunc(vs, func(a, b *semver.Version) int { return a.Compare(b) })
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Original()
	}
	return out
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// assetChanges lists the assets that differ between two versions of a tile.
// The size is compared too, so a row without checksum still shows a change.
func assetChanges(from, to []schema.ItemAsset) []string {
	a := make(map[string]schema.ItemAsset, len(from))
	for _, x := range from {
		a[x.Key] = x
	}
	var out []string
	seen := map[string]bool{}
	for _, y := range to {
		seen[y.Key] = true
		x, ok := a[y.Key]
		switch {
		case !ok:
			out = append(out, "+"+y.Key)
		case x.Checksum != y.Checksum || x.Size != y.Size:
			out = append(out, y.Key)
		}
	}
	for _, x := range from {
		if !seen[x.Key] {
			out = append(out, "-"+x.Key)
		}
	}
	// Sorted by key, whatever the +/- mark.
	slices.SortFunc(out, func(p, q string) int {
		return cmp.Or(cmp.Compare(strings.TrimLeft(p, "+-"), strings.TrimLeft(q, "+-")), cmp.Compare(p, q))
	})
	return out
}

// subsetName turns items.parquet's ml-aoi:split back into cdflow's subset
// name, so moves and Table 2 speak the same names.
func subsetName(mlaoi string) string {
	for _, s := range []string{stac.SplitTrain, stac.SplitTest, stac.SplitVal} {
		if v, err := stac.MLAOISplit(s); err == nil && v == mlaoi {
			return s
		}
	}
	return mlaoi
}

// table2Changes pairs the rows of two Table 2s by subset.
func table2Changes(from, to []schema.SplitStats) []SubsetChange {
	by := map[string]*SubsetChange{}
	var names []string
	row := func(name string) *SubsetChange {
		if by[name] == nil {
			by[name] = &SubsetChange{Subset: name}
			names = append(names, name)
		}
		return by[name]
	}
	for _, s := range from {
		r := row(s.Subset)
		r.TilesFrom, r.ChangedPctFrom, r.DHMinFrom, r.DHMaxFrom = int(s.Tiles), s.ChangedPct, s.DHMin, s.DHMax
	}
	for _, s := range to {
		r := row(s.Subset)
		r.TilesTo, r.ChangedPctTo, r.DHMinTo, r.DHMaxTo = int(s.Tiles), s.ChangedPct, s.DHMin, s.DHMax
	}
	slices.SortFunc(names, compareSubsetNames)
	out := make([]SubsetChange, len(names))
	for i, n := range names {
		out[i] = *by[n]
	}
	return out
}

// compareSubsetNames orders train, test, val, then any other name sorted,
// the order splits.parquet is written in.
func compareSubsetNames(a, b string) int {
	rank := func(s string) int {
		if i := slices.Index([]string{stac.SplitTrain, stac.SplitTest, stac.SplitVal}, s); i >= 0 {
			return i
		}
		return 3
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}

// WriteText prints the diff for people: a summary line, then a section for
// each kind of difference there is, each in a stable order.
func (d *ReleaseDiff) WriteText(w io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	if d.Empty() {
		p("%s %s → %s: no difference (%d tiles)\n", d.Dataset, d.From, d.To, d.Unchanged)
	} else {
		p("%s %s → %s: %d added, %d removed, %d changed, %d moved, %d unchanged\n",
			d.Dataset, d.From, d.To, len(d.Added), len(d.Removed), len(d.Changed), len(d.Moved), d.Unchanged)
	}
	if len(d.Added) > 0 {
		p("\nadded:\n")
		for _, id := range d.Added {
			p("  %s\n", id)
		}
	}
	if len(d.Removed) > 0 {
		p("\nremoved:\n")
		for _, id := range d.Removed {
			p("  %s\n", id)
		}
	}
	if len(d.Changed) > 0 {
		p("\nchanged (assets whose checksum differs; +new, -gone):\n")
		for _, c := range d.Changed {
			p("  %s: %s\n", c.Tile, strings.Join(c.Assets, " "))
		}
	}
	if len(d.Moved) > 0 {
		p("\nmoved:\n")
		for _, m := range d.Moved {
			p("  %s: %s → %s\n", m.Tile, m.From, m.To)
		}
	}
	if slices.ContainsFunc(d.Table2, SubsetChange.Differs) {
		p("\ntable 2 (%s → %s):\n", d.From, d.To)
		table := [][]string{{"subset", "tiles", "changed %", "ΔH min (m)", "ΔH max (m)"}}
		for _, s := range d.Table2 {
			table = append(table, []string{
				s.Subset,
				change(strconv.Itoa(s.TilesFrom), strconv.Itoa(s.TilesTo)),
				change(strconv.FormatFloat(s.ChangedPctFrom, 'f', 2, 64), strconv.FormatFloat(s.ChangedPctTo, 'f', 2, 64)),
				change(metresText(s.DHMinFrom), metresText(s.DHMinTo)),
				change(metresText(s.DHMaxFrom), metresText(s.DHMaxTo)),
			})
		}
		writeAligned(&b, table)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("print diff: %w", err)
	}
	return nil
}

// change prints "a → b", or "a" alone when nothing changed.
func change(a, b string) string {
	if a == b {
		return a
	}
	return a + " → " + b
}

func metresText(v *float32) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(float64(*v), 'f', 2, 32)
}

// writeAligned prints rows indented, names left and numbers right.
func writeAligned(b *strings.Builder, table [][]string) {
	widths := make([]int, len(table[0]))
	for _, row := range table {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	for _, row := range table {
		b.WriteString(" ")
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(cell)))
			if i == 0 {
				b.WriteString(" " + cell + pad)
			} else {
				b.WriteString("  " + pad + cell)
			}
		}
		b.WriteByte('\n')
	}
}
