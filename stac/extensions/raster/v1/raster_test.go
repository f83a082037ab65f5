package raster_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/extensions/raster/v1"
	"github.com/cdflow/cdflow/stac/internal/stactest"
)

const golden = "testdata/item.json"

func ptr(v float64) *float64 { return &v }

func testItem() *gostac.Item {
	return &gostac.Item{
		Version:    "1.1.0",
		Id:         "tile",
		Geometry:   map[string]any{"type": "Point", "coordinates": []float64{-4.72, 41.65}},
		Bbox:       []float64{-4.72, 41.65, -4.72, 41.65},
		Properties: map[string]any{"datetime": "2017-07-01T00:00:00Z"},
		Links:      []*gostac.Link{},
		Assets: map[string]*gostac.Asset{
			"cd2d": {Href: "cd2d.tif", Extensions: []gostac.Extension{&raster.Asset{Bands: []*raster.Band{{
				DataType: "uint8",
				NoData:   0.0, // a zero nodata must not be dropped as empty
				Statistics: &raster.Statistics{
					Minimum: ptr(0), Maximum: ptr(1), Mean: ptr(0.25), StdDev: ptr(0.43), ValidPercent: ptr(100),
				},
			}}}}},
			"cd3d": {Href: "cd3d.tif", Extensions: []gostac.Extension{&raster.Asset{Bands: []*raster.Band{{
				DataType:          "float32",
				NoData:            "nan",
				Unit:              "m",
				SpatialResolution: ptr(1),
				Histogram:         &raster.Histogram{Count: 3, Min: -25, Max: 35, Buckets: []float64{10, 400, 7}},
			}}}}},
		},
	}
}

func TestGolden(t *testing.T) {
	got, err := stac.Marshal(testItem())
	if err != nil {
		t.Fatal(err)
	}
	stactest.Golden(t, golden, got)
	stactest.AssertValid(t, golden)
}

func TestSchemaFieldNames(t *testing.T) {
	// go-stac's raster/v1 writes "units" and "stdev"; the schema says these.
	got, err := stac.Marshal(testItem())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"unit": "m"`, `"stddev": 0.43`, `"nodata": 0`, `"nodata": "nan"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("output lacks %s", want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	item := &gostac.Item{}
	if err := json.Unmarshal(data, item); err != nil {
		t.Fatal(err)
	}
	for k, a := range testItem().Assets {
		if got := item.Assets[k].Extensions; !reflect.DeepEqual(got, a.Extensions) {
			t.Errorf("asset %s: decoded %#v, want %#v", k, got, a.Extensions)
		}
	}
	again, err := stac.Marshal(item)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("decode → encode changed the bytes:\n%s", again)
	}
}
