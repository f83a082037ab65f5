package table_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/extensions/table/v1"
	"github.com/cdflow/cdflow/stac/internal/stactest"
)

const golden = "testdata/collection.json"

func testCollection() *gostac.Collection {
	rows := int64(472)
	return &gostac.Collection{
		Version:     "1.1.0",
		Id:          "release",
		Description: "release with a statistics table",
		License:     "CC-BY-4.0",
		Extent: &gostac.Extent{
			Spatial:  &gostac.SpatialExtent{Bbox: [][]float64{{-4.8, 41.6, -4.7, 41.7}}},
			Temporal: &gostac.TemporalExtent{Interval: [][]any{{"2010-07-01T00:00:00Z", "2017-07-01T00:00:00Z"}}},
		},
		Links: []*gostac.Link{},
		Assets: map[string]*gostac.Asset{
			"tiles": {
				Href:  "tiles.parquet",
				Type:  "application/vnd.apache.parquet",
				Roles: []string{"metadata"},
				Extensions: []gostac.Extension{&table.Asset{
					Columns: []*table.Column{
						{Name: "tile_id", Type: "string", Description: "tile identifier"},
						{Name: "change_fraction", Type: "float64"},
						{Name: "geometry", Type: "binary", Description: "WKB"},
					},
					PrimaryGeometry: "geometry",
					RowCount:        &rows,
				}},
			},
		},
	}
}

func TestGolden(t *testing.T) {
	got, err := stac.Marshal(testCollection())
	if err != nil {
		t.Fatal(err)
	}
	stactest.Golden(t, golden, got)
	stactest.AssertValid(t, golden)
}

func TestRoundTrip(t *testing.T) {
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	c := &gostac.Collection{}
	if err := json.Unmarshal(data, c); err != nil {
		t.Fatal(err)
	}
	want := testCollection().Assets["tiles"].Extensions
	if got := c.Assets["tiles"].Extensions; !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %#v, want %#v", got, want)
	}
	again, err := stac.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("decode → encode changed the bytes:\n%s", again)
	}
}
