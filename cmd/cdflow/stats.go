package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/cdflow/cdflow/schema"
)

func init() {
	register(&command{
		name:    "stats",
		summary: "print Table 2 and the change statistics of a release's tiles.parquet",
		run:     runStats,
	})
}

func runStats(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "stats", "PATH",
		"Prints the statistics of a release from PATH, its tiles.parquet or the directory holding it:\n"+
			"Table 2 of the 3DCD paper (tiles, changed and unchanged pixels, ΔH range per subset),\n"+
			"the mean ± standard deviation of the tiles' change fraction per subset, and the pixels\n"+
			"noise removal dropped. Table 2 comes from splits.parquet beside the file when present.")
	asJSON := fs.Bool("json", false, "print the per-subset statistics (the rows of splits.parquet) as JSON")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(env, "stats takes one tiles.parquet or release directory, got %d arguments", fs.NArg())
	}
	path, err := tilesParquet(fs.Arg(0))
	if err != nil {
		return fail(env, err)
	}
	tiles, _, err := schema.ReadTiles(ctx, path)
	if err != nil {
		return fail(env, err)
	}
	splits, err := releaseSplits(ctx, filepath.Join(filepath.Dir(path), "splits.parquet"), tiles)
	if err != nil {
		return fail(env, err)
	}

	if *asJSON {
		if err := printSplitsJSON(env.stdout, splits); err != nil {
			return fail(env, err)
		}
		return exitOK
	}
	if err := schema.FormatTable2(env.stdout, splits); err != nil {
		return fail(env, err)
	}
	fmt.Fprintln(env.stdout)
	printChangeFractions(env.stdout, tiles)
	printDropped(env.stdout, tiles)
	return exitOK
}

// tilesParquet resolves PATH to the tiles.parquet to read, and refuses
// what is not a Parquet file up front: the Parquet reader's own message
// ("file is smaller than indicated metadata size") would not say so.
func tilesParquet(path string) (string, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("read %s: %w", path, fs.ErrNotExist)
	case err != nil:
		return "", fmt.Errorf("read %s: %w", path, err)
	case info.IsDir():
		dir := path
		path = filepath.Join(dir, "tiles.parquet")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("read %s: no tiles.parquet in the directory: %w", dir, fs.ErrNotExist)
		}
	}
	ok, err := isParquet(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if !ok {
		return "", fmt.Errorf("read %s: not a Parquet file", path)
	}
	return path, nil
}

// isParquet checks the "PAR1" magic a Parquet file starts and ends with.
func isParquet(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	if info.Size() < 8 {
		return false, nil
	}
	var head, tail [4]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return false, err
	}
	if _, err := f.ReadAt(tail[:], info.Size()-4); err != nil {
		return false, err
	}
	return string(head[:]) == "PAR1" && string(tail[:]) == "PAR1", nil
}

// releaseSplits reads the release's splits.parquet when it has one — the
// Table 2 the release published — and otherwise sums the tiles.
func releaseSplits(ctx context.Context, path string, tiles []schema.TileStats) ([]schema.SplitStats, error) {
	own := schema.SummarizeSplits(tiles)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return own, nil
	}
	splits, err := schema.ReadSplits(ctx, path)
	if err != nil {
		return nil, err
	}
	// The two files must be one release's: a splits.parquet copied from
	// another run would print another Table 2 under these tiles' name.
	byName := map[string]schema.SplitStats{}
	for _, s := range splits {
		byName[s.Subset] = s
	}
	for _, o := range own {
		s, ok := byName[o.Subset]
		if !ok || s.Tiles != o.Tiles || s.ChangedPixels != o.ChangedPixels || s.ValidPixels != o.ValidPixels {
			return nil, fmt.Errorf("%s does not describe the tiles of %s (subset %s: %d tiles, %d changed pixels there; %d tiles, %d changed pixels here): they come from different runs; rerun or remove it",
				path, filepath.Join(filepath.Dir(path), "tiles.parquet"), o.Subset, s.Tiles, s.ChangedPixels, o.Tiles, o.ChangedPixels)
		}
	}
	if len(splits) != len(own) {
		return nil, fmt.Errorf("%s lists %d subsets, the tiles %d: they come from different runs; rerun or remove it", path, len(splits), len(own))
	}
	return splits, nil
}

// splitJSON is a row of splits.parquet under its column names.
type splitJSON struct {
	Subset        string   `json:"subset"`
	Tiles         int32    `json:"tiles"`
	ChangedPixels int64    `json:"changed_pixels"`
	ValidPixels   int64    `json:"valid_pixels"`
	ChangedPct    float64  `json:"changed_pct"`
	UnchangedPct  float64  `json:"unchanged_pct"`
	DHMin         *float32 `json:"dh_min"`
	DHMax         *float32 `json:"dh_max"`
	DHHistogram   []int64  `json:"dh_histogram"`
}

func printSplitsJSON(w io.Writer, splits []schema.SplitStats) error {
	rows := make([]splitJSON, 0, len(splits)) // [] rather than null without subsets
	for _, s := range splits {
		rows = append(rows, splitJSON{
			Subset: s.Subset, Tiles: s.Tiles, ChangedPixels: s.ChangedPixels, ValidPixels: s.ValidPixels,
			ChangedPct: s.ChangedPct, UnchangedPct: s.UnchangedPct, DHMin: s.DHMin, DHMax: s.DHMax,
			DHHistogram: s.DHHistogram,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		return fmt.Errorf("print JSON: %w", err)
	}
	return nil
}

// printChangeFractions prints the mean ± (population) standard deviation
// of the tiles' change fraction per subset and over all tiles: the balance
// the split stratifies on.
func printChangeFractions(w io.Writer, tiles []schema.TileStats) {
	type row struct {
		name      string
		fractions []float64
	}
	var rows []row
	index := map[string]int{}
	for i, g := range schema.SummarizeSplits(tiles) { // for the subset order
		rows = append(rows, row{name: subsetLabel(g.Subset)})
		index[g.Subset] = i
	}
	all := row{name: "all"}
	for _, t := range tiles {
		r := &rows[index[t.Split]]
		r.fractions = append(r.fractions, 100*t.ChangeFraction)
		all.fractions = append(all.fractions, 100*t.ChangeFraction)
	}
	if len(rows) > 1 {
		rows = append(rows, all)
	}
	width := 0
	for _, r := range rows {
		width = max(width, utf8.RuneCountInString(r.name))
	}
	fmt.Fprintln(w, "change fraction per tile (mean ± std):")
	for _, r := range rows {
		mean, std := meanStd(r.fractions)
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(r.name))
		noun := "tiles"
		if len(r.fractions) == 1 {
			noun = "tile"
		}
		fmt.Fprintf(w, "  %s%s  %6.2f ± %5.2f %%  (%d %s)\n", r.name, pad, mean, std, len(r.fractions), noun)
	}
}

// printDropped sums the noise filters' dropped_pixels counters, in the
// order the file holds them.
func printDropped(w io.Writer, tiles []schema.TileStats) {
	var names []string
	sums := map[string]int64{}
	var total, kept int64
	for _, t := range tiles {
		for _, c := range t.Counts {
			r, ok := strings.CutPrefix(c.Name, "dropped_pixels.")
			if !ok {
				continue
			}
			if _, seen := sums[r]; !seen {
				names = append(names, r)
			}
			sums[r] += int64(c.N)
			total += int64(c.N)
		}
		kept += int64(t.ChangedPixels3D)
	}
	share := 0.0
	if total+kept > 0 {
		share = 100 * float64(total) / float64(total+kept)
	}
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, sums[n]))
	}
	if len(parts) == 0 {
		parts = []string{"no noise filter"}
	}
	fmt.Fprintf(w, "dropped pixels: %s; total %d (%.2f %% of the pixels over the threshold)\n",
		strings.Join(parts, ", "), total, share)
}

func subsetLabel(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func meanStd(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return 0, 0
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}
