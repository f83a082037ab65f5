package report_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/cdflow/cdflow/report"
	"github.com/cdflow/cdflow/schema"
)

func ExampleWrite() {
	// Tiles as a run gathers them (here one train and one test tile, no
	// geometry needed: the report reads the extent columns).
	tile := func(id, split string, col int32, changed int32, dh float32) schema.TileStats {
		hist := make([]int32, schema.HistogramBins)
		hist[schema.HistogramBin(dh)] = changed
		return schema.TileStats{
			TileID: id, Split: split, Col: col,
			MinX: 355000 + 200*float64(col), MinY: 4612800, MaxX: 355200 + 200*float64(col), MaxY: 4613000,
			Pixels3D: 40000, ChangedPixels3D: changed, ChangeFraction: float64(changed) / 40000,
			DHMin: &dh, DHMax: &dh, DHHistogram: hist,
		}
	}
	tiles := []schema.TileStats{tile("r000c000", "train", 0, 2000, 3.5), tile("r000c001", "test", 1, 1600, -6)}

	dir, err := os.MkdirTemp("", "cdflow-report")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "report.html")
	err = report.Write(context.Background(), path, report.Input{
		Dataset: "demo", Version: "1.0.0",
		Tiles: report.TilesOf(tiles), Splits: schema.SummarizeSplits(tiles),
		Workflow: `tiling { size = 200 }`,
		Software: map[string]string{"cdflow": "0.1.0-dev"},
		CRS:      "EPSG:25830",
		Created:  "2024-05-01",
	})
	if err != nil {
		log.Fatal(err)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	// Table 2's rows: subset, tiles, changed %, unchanged %, ΔH min and max.
	for _, line := range strings.Split(string(page), "\n") {
		if strings.HasPrefix(line, `<tr data-subset=`) && strings.Count(line, "<td") == 5 {
			fmt.Println(line)
		}
	}
	// Output:
	// <tr data-subset="train"><th>train</th><td class="n">1</td><td class="n">5.00</td><td class="n">95.00</td><td class="n">3.50</td><td class="n">3.50</td></tr>
	// <tr data-subset="test"><th>test</th><td class="n">1</td><td class="n">4.00</td><td class="n">96.00</td><td class="n">-6.00</td><td class="n">-6.00</td></tr>
}
