package publish

import (
	"reflect"
	"testing"

	"github.com/cdflow/cdflow/plugins"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		p     plugins.Publisher
		attrs []string
	}{
		{"stac defaults", &STAC{Catalog: "catalog"}, nil},
		{"stac base url", &STAC{Catalog: "c", BaseURL: "https://example.org/x"}, nil},
		{"stac bad url", &STAC{Catalog: "c", BaseURL: "example.org"}, []string{"base_url"}},
		{"stac empty catalog", &STAC{Catalog: " "}, []string{"catalog"}},
		{"parquet defaults", &Parquet{Tiles: true, Items: true, Compression: "zstd"}, nil},
		{"parquet nothing", &Parquet{Compression: "zstd"}, []string{""}},
		{"parquet compression", &Parquet{Tiles: true, Compression: "zstdd"}, []string{"compression"}},
		{"report", &Report{Path: "out/report.html"}, nil},
		{"report not html", &Report{Path: "report.pdf"}, []string{"path"}},
		{"folders", &Folders{Path: "3dcd", Format: "png"}, nil},
		{"folders bad format", &Folders{Path: "3dcd", Format: "jpg"}, []string{"format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range tt.p.Validate() {
				got = append(got, p.Attribute)
			}
			if !reflect.DeepEqual(got, tt.attrs) {
				t.Errorf("problems on %q, want %q", got, tt.attrs)
			}
		})
	}
}

func TestRegisteredWithDefaults(t *testing.T) {
	want := map[string][]string{
		"stac":    {"catalog/"},
		"parquet": {"tiles.parquet", "items.parquet"},
		"report":  {"report.html"},
		"folders": {"folders/"},
	}
	for kind, outputs := range want {
		p, err := plugins.NewPublisher(kind)
		if err != nil {
			t.Fatal(err)
		}
		if probs := p.Validate(); len(probs) != 0 {
			t.Errorf("%s defaults have problems %+v", kind, probs)
		}
		if got := p.Outputs(); !reflect.DeepEqual(got, outputs) {
			t.Errorf("%s outputs %v, want %v", kind, got, outputs)
		}
	}
	if _, err := plugins.NewPublisher("stak"); err == nil {
		t.Error("unknown publisher accepted")
	}
}
