package execute_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows/release"
)

const publishing = `
step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abs  = 1.0
  min_area = 20
}
publish "stac" "catalog" {
  catalog = "catalog"
}
publish "folders" "3dcd" {
  path = "3dcd"
}
publish "report" "html" {
  path = "report.html"
}
`

// TestPublishers runs the publish blocks: the 3DCD folder layout, the
// report, and the STAC release whose report agrees with splits.parquet.
func TestPublishers(t *testing.T) {
	ctx := context.Background()
	dir := sceneDir(t)
	pl := plan(t, dir, publishing)
	out, res := run(t, pl, 2)
	sum, err := release.Finish(ctx, pl, res)
	if err != nil {
		t.Fatal(err)
	}
	outputs, err := release.Publish(ctx, pl, mustAssemble(t, pl, res, sum, out))
	if err != nil {
		t.Fatal(err)
	}
	if len(outputs) != 3 {
		t.Fatalf("outputs %+v", outputs)
	}
	// Folders: <split>/<year>/<id>.tif for both epochs, 2D and 3D.
	split := map[string]string{}
	for _, st := range sum.Tiles {
		split[st.TileID] = st.Split
	}
	for _, tr := range res.Tiles {
		for _, sub := range []string{"2010", "2017", "2D", "3D"} {
			p := filepath.Join(out, "3dcd", split[tr.Tile.ID], sub, tr.Tile.ID+".tif")
			if _, err := os.Stat(p); err != nil {
				t.Errorf("folders: %v", err)
			}
		}
	}
	entries, _ := os.ReadDir(filepath.Join(out, "3dcd"))
	if len(entries) != 3 {
		t.Errorf("3dcd holds %d subsets, want train, test, val", len(entries))
	}
	// The release's report shows Table 2 as splits.parquet holds it.
	rels, _ := filepath.Glob(filepath.Join(out, "catalog", "*", "*", "report.html"))
	if len(rels) != 1 {
		t.Fatalf("reports in the catalog: %v", rels)
	}
	splits, err := schema.ReadSplits(ctx, filepath.Join(filepath.Dir(rels[0]), "splits.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	rows := table2(t, rels[0])
	if len(rows) != len(splits) {
		t.Fatalf("report rows %v, splits %d", rows, len(splits))
	}
	for _, s := range splits {
		cells := rows[s.Subset]
		want := []string{s.Subset, fmt.Sprint(s.Tiles), fmt.Sprintf("%.2f", s.ChangedPct), fmt.Sprintf("%.2f", s.UnchangedPct), fmt.Sprintf("%.2f", *s.DHMin), fmt.Sprintf("%.2f", *s.DHMax)}
		if !slices.Equal(cells, want) {
			t.Errorf("report row %s = %v, splits.parquet says %v", s.Subset, cells, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Errorf("report block: %v", err)
	}
}

// table2 reads the report's Table 2: subset → cell texts.
func table2(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := html.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	var walk func(n *html.Node, inTable bool)
	walk = func(n *html.Node, inTable bool) {
		if n.Type == html.ElementNode && n.Data == "table" {
			inTable = false
			for _, a := range n.Attr {
				if a.Key == "id" && a.Val == "table2-subsets" {
					inTable = true
				}
			}
		}
		if inTable && n.Type == html.ElementNode && n.Data == "tr" {
			for _, a := range n.Attr {
				if a.Key == "data-subset" {
					var cells []string
					for c := n.FirstChild; c != nil; c = c.NextSibling {
						if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
							cells = append(cells, strings.TrimSpace(text(c)))
						}
					}
					rows[a.Val] = cells
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inTable)
		}
	}
	walk(doc, false)
	return rows
}

func text(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
	}
	return b.String()
}

// TestItemsForSTACBrowser publishes the scene and reads its items as STAC
// Browser does: the later orthophoto, and it alone, has the visual role
// (the map's default layer), the DSMs carry nodata and statistics for
// their scaling, and a tile without QA findings has no cdflow:qa (an
// empty list shows as "n/a").
func TestItemsForSTACBrowser(t *testing.T) {
	ctx := context.Background()
	dir := sceneDir(t)
	pl := plan(t, dir, publishing)
	out, res := run(t, pl, 2)
	sum, err := release.Finish(ctx, pl, res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := release.Publish(ctx, pl, mustAssemble(t, pl, res, sum, out)); err != nil {
		t.Fatal(err)
	}
	items, _ := filepath.Glob(filepath.Join(out, "catalog", "*", "1.0.0", "items", "*", "*.json"))
	if len(items) != len(res.Tiles) {
		t.Fatalf("%d items for %d tiles", len(items), len(res.Tiles))
	}
	for _, p := range items {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var item struct {
			Properties map[string]any
			Assets     map[string]struct {
				Roles []string
				Bands []struct {
					NoData *float64       `json:"nodata"`
					Stats  map[string]any `json:"statistics"`
				} `json:"raster:bands"`
			}
		}
		if err := json.Unmarshal(b, &item); err != nil {
			t.Fatal(err)
		}
		var visual []string
		for key, a := range item.Assets {
			if slices.Contains(a.Roles, "visual") {
				visual = append(visual, key)
			}
		}
		if len(visual) != 1 || visual[0] != "t1" {
			t.Errorf("%s: visual assets %v, want the later orthophoto t1", filepath.Base(p), visual)
		}
		for _, key := range []string{"dsm_t0", "dsm_t1"} {
			a, ok := item.Assets[key]
			if !ok || len(a.Bands) != 1 || a.Bands[0].NoData == nil || a.Bands[0].Stats["minimum"] == nil {
				t.Errorf("%s: %s has no nodata and statistics for scaling: %+v", filepath.Base(p), key, a)
			}
		}
		if qa, ok := item.Properties["cdflow:qa"]; ok {
			if l, _ := qa.([]any); len(l) == 0 {
				t.Errorf("%s: cdflow:qa is an empty list", filepath.Base(p))
			}
		}
	}
}
