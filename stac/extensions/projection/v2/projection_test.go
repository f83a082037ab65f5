package projection_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/extensions/projection/v2"
	"github.com/cdflow/cdflow/stac/internal/stactest"
)

const golden = "testdata/item.json"

func testItem() *gostac.Item {
	return &gostac.Item{
		Version:    "1.1.0",
		Id:         "tile-355200-4612400",
		Geometry:   map[string]any{"type": "Point", "coordinates": []float64{-4.72, 41.65}},
		Bbox:       []float64{-4.72, 41.65, -4.72, 41.65},
		Properties: map[string]any{"datetime": "2017-07-01T00:00:00Z"},
		Links:      []*gostac.Link{},
		Extensions: []gostac.Extension{&projection.Item{
			Code:     "EPSG:25830",
			Centroid: &projection.Centroid{Lat: 41.65, Lon: -4.72},
		}},
		Assets: map[string]*gostac.Asset{
			"dsm": {
				Href: "dsm.tif",
				Type: "image/tiff; application=geotiff; profile=cloud-optimized",
				Extensions: []gostac.Extension{&projection.Asset{
					Code:      "EPSG:25830",
					Shape:     []int{200, 200},
					Transform: []float64{1, 0, 355200, 0, -1, 4612600},
					BBox:      []float64{355200, 4612400, 355400, 4612600},
				}},
			},
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

func TestRoundTrip(t *testing.T) {
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	item := &gostac.Item{}
	if err := json.Unmarshal(data, item); err != nil {
		t.Fatal(err)
	}
	if len(item.Extensions) != 1 {
		t.Fatalf("decoded %d item extensions, want 1", len(item.Extensions))
	}
	if got, ok := item.Extensions[0].(*projection.Item); !ok || got.Code != "EPSG:25830" {
		t.Errorf("item extension = %#v, want proj:code EPSG:25830", item.Extensions[0])
	}
	if _, left := item.Properties["proj:code"]; left {
		t.Error("proj:code left in the generic properties after decoding")
	}
	want := testItem().Assets["dsm"].Extensions[0]
	if exts := item.Assets["dsm"].Extensions; len(exts) != 1 || !reflect.DeepEqual(exts[0], want) {
		t.Errorf("asset extensions = %#v, want %#v", exts, want)
	}
	again, err := stac.Marshal(item)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("decode → encode changed the bytes:\n%s", again)
	}
}

func TestEPSGFieldIsNotWritten(t *testing.T) {
	// Projection v2 rejects proj:epsg; make sure nothing can produce it.
	got, err := stac.Marshal(testItem())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["properties"].(map[string]any)["proj:epsg"]; ok {
		t.Error("proj:epsg written")
	}
}
