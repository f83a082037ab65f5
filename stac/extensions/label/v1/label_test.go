package label_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/extensions/label/v1"
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
		Assets: map[string]*gostac.Asset{
			"cd2d": {Href: "cd2d.tif", Roles: []string{"labels"}},
		},
		Extensions: []gostac.Extension{&label.Item{
			Type:        label.TypeRaster,
			Description: "2D change mask",
			Tasks:       []string{"segmentation", "regression"},
			Methods:     []string{"automated"},
			Classes:     []*label.Classes{{Name: nil, Classes: []any{0.0, 1.0}}},
			Overviews: []*label.Overview{{
				PropertyKey: "change",
				Counts:      []*label.Count{{Name: "change", Count: 1200}},
			}},
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

func TestRasterLabelsWriteNulls(t *testing.T) {
	// The schema requires label:properties and, for raster labels, a null
	// class name: both must survive as JSON null, not be omitted.
	got, err := stac.Marshal(testItem())
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if p, ok := m.Properties["label:properties"]; !ok || string(p) != "null" {
		t.Errorf("label:properties = %s, want null", p)
	}
	var classes []map[string]json.RawMessage
	if err := json.Unmarshal(m.Properties["label:classes"], &classes); err != nil {
		t.Fatal(err)
	}
	if n, ok := classes[0]["name"]; !ok || string(n) != "null" {
		t.Errorf("label:classes[0].name = %s, want null", n)
	}
}

func TestDoesNotApplyWithoutType(t *testing.T) {
	err := (&label.Item{}).Decode(map[string]any{"properties": map[string]any{"datetime": nil}})
	if err != gostac.ErrExtensionDoesNotApply {
		t.Errorf("got %v, want ErrExtensionDoesNotApply", err)
	}
}
