package schema_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
)

func ExampleWriteTiles() {
	ctx := context.Background()

	// The CRS and the tile polygon come from GDAL, through the raster package.
	crs, err := raster.CRSFromEPSG(25830)
	if err != nil {
		log.Fatal(err)
	}
	projjson, err := crs.PROJJSON()
	if err != nil {
		log.Fatal(err)
	}
	ext := raster.Extent{MinX: 355000, MinY: 4612800, MaxX: 355200, MaxY: 4613000}
	wkb, err := raster.ExtentWKB(ext)
	if err != nil {
		log.Fatal(err)
	}

	hist := make([]int32, schema.HistogramBins)
	hist[schema.HistogramBin(3.5)] = 1800
	hist[schema.HistogramBin(-2.25)] = 200
	dhMin, dhMax := float32(-2.25), float32(3.5)
	tile := schema.TileStats{
		TileID: "r000c000", Split: "train",
		MinX: ext.MinX, MinY: ext.MinY, MaxX: ext.MaxX, MaxY: ext.MaxY, EPSG: 25830,
		DatetimeT0: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC),
		DatetimeT1: time.Date(2017, 7, 1, 0, 0, 0, 0, time.UTC),
		Pixels3D:   40000, ChangedPixels3D: 2000, ChangeFraction: 0.05,
		DHMin: &dhMin, DHMax: &dhMax,
		DHHistogram: hist,
		Assets:      map[string]string{"cd3d": "items/r000c000/cd3d.tif"},
		Geometry:    wkb,
	}

	dir, err := os.MkdirTemp("", "cdflow-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tiles.parquet")
	if err := schema.WriteTiles(ctx, path, []schema.TileStats{tile}, schema.GeoInfo{PROJJSON: projjson}); err != nil {
		log.Fatal(err)
	}

	rows, geo, err := schema.ReadTiles(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d %s %.0f\n", len(rows), rows[0].TileID, geo.BBox)
	if err := schema.FormatTable2(os.Stdout, schema.SummarizeSplits(rows)); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 1 r000c000 [355000 4612800 355200 4613000]
	// subset  tiles  changed %  unchanged %  ΔH min (m)  ΔH max (m)
	// train       1       5.00        95.00       -2.25        3.50
}
