package processing_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/extensions/processing/v1"
	"github.com/cdflow/cdflow/stac/internal/stactest"
)

const golden = "testdata/item.json"

func testItem() *gostac.Item {
	return &gostac.Item{
		Version:    "1.1.0",
		Id:         "tile",
		Geometry:   map[string]any{"type": "Point", "coordinates": []float64{-4.72, 41.65}},
		Bbox:       []float64{-4.72, 41.65, -4.72, 41.65},
		Properties: map[string]any{"datetime": "2017-07-01T00:00:00Z"},
		Links:      []*gostac.Link{},
		Assets:     map[string]*gostac.Asset{},
		Extensions: []gostac.Extension{&processing.Item{
			Lineage:  "dsm difference, threshold 1 m, min area 20 m²",
			Level:    "L3",
			Software: map[string]string{"cdflow": "0.1.0", "GDAL": "3.6.2"},
			Expression: &processing.Expression{
				Format:     "gdal-calc",
				Expression: "B - A",
			},
		}},
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

func TestRoundTrip(t *testing.T) {
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	item := &gostac.Item{}
	if err := json.Unmarshal(data, item); err != nil {
		t.Fatal(err)
	}
	if want := testItem().Extensions; !reflect.DeepEqual(item.Extensions, want) {
		t.Errorf("decoded %#v, want %#v", item.Extensions, want)
	}
	again, err := stac.Marshal(item)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("decode → encode changed the bytes:\n%s", again)
	}
}
