// Package docs holds cdflow's reference pages; its tests keep the pages
// that describe code in step with it.
package docs

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	_ "github.com/cdflow/cdflow/plugins/standard"
	"github.com/cdflow/cdflow/schema"
)

var update = flag.Bool("update", false, "rewrite the generated pages")

// parquetPage is docs/parquet.md: the columns of the three tables, from
// the schemas themselves, with the counters the built-in steps add.
func parquetPage(t *testing.T) string {
	t.Helper()
	var counters []schema.Counter
	for _, name := range plugins.Default.Steps() {
		s, err := plugins.NewStep(name)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := s.(plugins.Counting); ok {
			counters = append(counters, c.Counters()...)
		}
	}
	tiles, err := schema.TileSchema(counters...)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`# The Parquet tables

Generated from the schemas by ` + "`go test ./docs -update`" + `; a test fails when this page and the
code disagree. Every column carries its description in its Arrow field metadata too, so
a reader of the files sees the same text.

A run writes ` + "`tiles.parquet`" + ` and ` + "`splits.parquet`" + ` in ` + "`OUT/run/`" + `; the ` + "`parquet`" + ` publisher writes them
and ` + "`items.parquet`" + ` beside the run (codec set by ` + "`compression`" + `); a STAC release holds all three
(zstd). Geometry columns follow GeoParquet 1.1 (WKB, the CRS in the ` + "`geo`" + ` metadata as
PROJJSON).

## ` + "`tiles.parquet`" + ` (GeoParquet, one row per tile)

Steps add columns of their own after ` + "`dh_histogram`" + `: each counter a step declares
(` + "`plugins.Counting`" + `) is a column, or a field of a struct column when its name is
` + "`group.field`" + `. The built-in ` + "`threshold`" + ` step adds ` + "`dropped_pixels`" + `, below; an external
plugin's counters appear the same way.

`)
	b.WriteString(schema.ColumnsMarkdown(tiles))
	b.WriteString("\n## `splits.parquet` (the paper's Table 2 and Figures 6–8 as data)\n\n")
	b.WriteString(schema.ColumnsMarkdown(schema.SplitSchema()))
	b.WriteString("\n## `items.parquet` (stac-geoparquet, one row per item)\n\n" +
		"The `assets` struct has one member per asset key of the release, each with the same\n" +
		"fields; shown here for the asset `t0`.\n\n")
	b.WriteString(schema.ColumnsMarkdown(schema.ItemsSchema([]string{"t0"})))
	return b.String()
}

func TestParquetPage(t *testing.T) {
	got := parquetPage(t)
	if *update {
		if err := os.WriteFile("parquet.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("parquet.md")
	if err != nil {
		t.Fatalf("%v (run go test ./docs -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("docs/parquet.md is out of date; run go test ./docs -update and review the diff")
	}
}
