package version_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/extensions/version/v1"
	"github.com/cdflow/cdflow/stac/internal/stactest"
)

const golden = "testdata/collection.json"

func testCollection(deprecated bool) *gostac.Collection {
	return &gostac.Collection{
		Version:     "1.1.0",
		Id:          "valladolid-3dcd-1.0.0",
		Description: "release 1.0.0",
		License:     "CC-BY-4.0",
		Extent: &gostac.Extent{
			Spatial:  &gostac.SpatialExtent{Bbox: [][]float64{{-4.8, 41.6, -4.7, 41.7}}},
			Temporal: &gostac.TemporalExtent{Interval: [][]any{{"2010-07-01T00:00:00Z", "2017-07-01T00:00:00Z"}}},
		},
		Links: []*gostac.Link{
			{Rel: version.RelSuccessor, Href: "../1.1.0/collection.json", Type: "application/json"},
			{Rel: version.RelLatest, Href: "../1.1.0/collection.json", Type: "application/json"},
		},
		Extensions: []gostac.Extension{&version.Collection{Version: "1.0.0", Deprecated: deprecated}},
	}
}

func TestGolden(t *testing.T) {
	got, err := stac.Marshal(testCollection(true))
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
	if want := testCollection(true).Extensions; !reflect.DeepEqual(c.Extensions, want) {
		t.Errorf("decoded %#v, want %#v", c.Extensions, want)
	}
	again, err := stac.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("decode → encode changed the bytes:\n%s", again)
	}
}

func TestNotDeprecatedIsOmitted(t *testing.T) {
	got, err := stac.Marshal(testCollection(false))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["deprecated"]; ok {
		t.Error("deprecated: false written; the schema's default says it already")
	}
	if m["version"] != "1.0.0" {
		t.Errorf("version = %v, want 1.0.0", m["version"])
	}
}
