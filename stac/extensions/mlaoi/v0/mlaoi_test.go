package mlaoi_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/extensions/mlaoi/v0"
	"github.com/cdflow/cdflow/stac/internal/stactest"
)

func testItem() *gostac.Item {
	return &gostac.Item{
		Version:    "1.1.0",
		Id:         "tile",
		Geometry:   map[string]any{"type": "Point", "coordinates": []float64{-4.72, 41.65}},
		Bbox:       []float64{-4.72, 41.65, -4.72, 41.65},
		Properties: map[string]any{"datetime": "2017-07-01T00:00:00Z"},
		Links:      []*gostac.Link{},
		Assets: map[string]*gostac.Asset{
			"t0":   {Href: "t0.tif", Extensions: []gostac.Extension{&mlaoi.Asset{Role: mlaoi.RoleFeature, ResamplingMethod: "average"}}},
			"cd2d": {Href: "cd2d.tif", Extensions: []gostac.Extension{&mlaoi.Asset{Role: mlaoi.RoleLabel}}},
		},
		Extensions: []gostac.Extension{&mlaoi.Item{Split: mlaoi.SplitValidate}},
	}
}

func testCollection() *gostac.Collection {
	return &gostac.Collection{
		Version:     "1.1.0",
		Id:          "val",
		Description: "validation subset",
		License:     "CC-BY-4.0",
		Extent: &gostac.Extent{
			Spatial:  &gostac.SpatialExtent{Bbox: [][]float64{{-4.8, 41.6, -4.7, 41.7}}},
			Temporal: &gostac.TemporalExtent{Interval: [][]any{{"2010-07-01T00:00:00Z", "2017-07-01T00:00:00Z"}}},
		},
		Summaries:  map[string]any{"platform": []any{"aircraft"}},
		Links:      []*gostac.Link{},
		Extensions: []gostac.Extension{&mlaoi.Collection{Split: []string{mlaoi.SplitValidate}}},
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		value  any
	}{
		{"testdata/item.json", testItem()},
		{"testdata/collection.json", testCollection()},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			got, err := stac.Marshal(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			stactest.Golden(t, tc.golden, got)
			stactest.AssertValid(t, tc.golden)
		})
	}
}

func TestEncodeDoesNotTouchSummaries(t *testing.T) {
	c := testCollection()
	if _, err := stac.Marshal(c); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Summaries["ml-aoi:split"]; ok {
		t.Error("encoding added ml-aoi:split to the caller's Summaries map")
	}
}

func TestRoundTrip(t *testing.T) {
	t.Run("item", func(t *testing.T) {
		data := read(t, "testdata/item.json")
		item := &gostac.Item{}
		if err := json.Unmarshal(data, item); err != nil {
			t.Fatal(err)
		}
		want := testItem()
		if !reflect.DeepEqual(item.Extensions, want.Extensions) {
			t.Errorf("item extensions = %#v, want %#v", item.Extensions, want.Extensions)
		}
		for k, a := range want.Assets {
			if !reflect.DeepEqual(item.Assets[k].Extensions, a.Extensions) {
				t.Errorf("asset %s extensions = %#v, want %#v", k, item.Assets[k].Extensions, a.Extensions)
			}
		}
		sameBytes(t, item, data)
	})
	t.Run("collection", func(t *testing.T) {
		data := read(t, "testdata/collection.json")
		c := &gostac.Collection{}
		if err := json.Unmarshal(data, c); err != nil {
			t.Fatal(err)
		}
		if want := testCollection().Extensions; !reflect.DeepEqual(c.Extensions, want) {
			t.Errorf("collection extensions = %#v, want %#v", c.Extensions, want)
		}
		sameBytes(t, c, data)
	})
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func sameBytes(t *testing.T, v any, want []byte) {
	t.Helper()
	got, err := stac.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("decode → encode changed the bytes:\n%s", got)
	}
}
