package file_test

import (
	"crypto/sha256"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	gostac "github.com/planetlabs/go-stac"

	"github.com/cdflow/cdflow/stac"
	"github.com/cdflow/cdflow/stac/extensions/file/v2"
	"github.com/cdflow/cdflow/stac/internal/stactest"
)

const golden = "testdata/item.json"

var content = []byte("cdflow\n")

func testItem() *gostac.Item {
	size := int64(len(content))
	return &gostac.Item{
		Version:    "1.1.0",
		Id:         "tile",
		Geometry:   map[string]any{"type": "Point", "coordinates": []float64{-4.72, 41.65}},
		Bbox:       []float64{-4.72, 41.65, -4.72, 41.65},
		Properties: map[string]any{"datetime": "2017-07-01T00:00:00Z"},
		Links:      []*gostac.Link{},
		Assets: map[string]*gostac.Asset{
			"data": {
				Href: "data.txt",
				Type: "text/plain",
				Extensions: []gostac.Extension{&file.Asset{
					Checksum:  file.SHA256Multihash(sha256.Sum256(content)),
					Size:      &size,
					ByteOrder: file.LittleEndian,
					Values:    []*file.Value{{Values: []any{0.0}, Summary: "no change"}},
				}},
			},
		},
	}
}

func TestSHA256Multihash(t *testing.T) {
	// sha256("") is well known; the multihash prefixes code 0x12, length 0x20.
	got := file.SHA256Multihash(sha256.Sum256(nil))
	want := "1220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
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
	want := testItem().Assets["data"].Extensions
	if got := item.Assets["data"].Extensions; !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %#v, want %#v", got, want)
	}
	again, err := stac.Marshal(item)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("decode → encode changed the bytes:\n%s", again)
	}
}
