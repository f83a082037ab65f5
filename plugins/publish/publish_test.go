package publish

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cdflow/cdflow/catalog"
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
	rp := &plugins.ReleasePlan{Dataset: "d", Version: "1.0.0",
		Products: []plugins.Product{
			{Name: "t0", Kind: plugins.Orthophoto, Epoch: plugins.T0, DataType: "uint8"},
			{Name: "t1", Kind: plugins.Orthophoto, Epoch: plugins.T1, DataType: "uint8"},
			{Name: "dh", Kind: plugins.ElevationDifference, DataType: "float32"},
			{Name: "cd3d", Kind: plugins.ElevationChange, DataType: "float32"},
			{Name: "cd2d", Kind: plugins.ChangeMask, DataType: "uint8"},
		},
		Previews: []plugins.Preview{{Name: "thumbnail", Ext: ".png"}},
		Start:    time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2017, 7, 1, 0, 0, 0, 0, time.UTC),
	}
	rel := "catalog/d/1.0.0/"
	want := map[string][]string{
		"stac": {"catalog/catalog.json", "catalog/.lock", "catalog/d/catalog.json", rel + "collection.json", rel + "{split}/collection.json",
			rel + "items/{tile}/{tile}.json", rel + "tiles.parquet", rel + "splits.parquet", rel + "items.parquet", rel + "report.html",
			rel + "items/{tile}/t0.tif", rel + "items/{tile}/t1.tif", rel + "items/{tile}/cd3d.tif", rel + "items/{tile}/cd2d.tif",
			rel + "items/{tile}/thumbnail.png"},
		"parquet": {"tiles.parquet", "splits.parquet", "items.parquet"},
		"report":  {"report.html"},
		// The 3DCD quadruplet, the orthophotos under their epochs' years.
		"folders": {"folders/{split}/2010/{tile}.tif", "folders/{split}/2017/{tile}.tif", "folders/{split}/2D/{tile}.tif", "folders/{split}/3D/{tile}.tif"},
	}
	for kind, outputs := range want {
		p, err := plugins.NewPublisher(kind)
		if err != nil {
			t.Fatal(err)
		}
		if probs := p.Validate(); len(probs) != 0 {
			t.Errorf("%s defaults have problems %+v", kind, probs)
		}
		if got := p.Outputs(rp); !reflect.DeepEqual(got, outputs) {
			t.Errorf("%s outputs %v, want %v", kind, got, outputs)
		}
	}
	if _, err := plugins.NewPublisher("stak"); err == nil {
		t.Error("unknown publisher accepted")
	}
}

// TestSTACOutputsOfALargeRelease: beyond catalog.GroupAbove tiles the plan
// shows the grouped layout the publish writes.
func TestSTACOutputsOfALargeRelease(t *testing.T) {
	rel := "c/d/1.0.0/"
	for _, tc := range []struct {
		tiles int
		want  []string
	}{
		{catalog.GroupAbove, []string{rel + "items/{tile}/{tile}.json", rel + "items/{tile}/cd3d.tif"}},
		{catalog.GroupAbove + 1, []string{rel + "{split}/{block}/catalog.json", rel + "items/{block}/{tile}/{tile}.json", rel + "items/{block}/{tile}/cd3d.tif"}},
	} {
		rp := &plugins.ReleasePlan{Dataset: "d", Version: "1.0.0", Tiles: tc.tiles,
			Products: []plugins.Product{{Name: "cd3d", Kind: plugins.ElevationChange, DataType: "float32"}}}
		got := (&STAC{Catalog: "c"}).Outputs(rp)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%d tiles: outputs %v lack %s", tc.tiles, got, w)
			}
		}
		if grouped := tc.tiles > catalog.GroupAbove; grouped == slices.Contains(got, rel+"items/{tile}/{tile}.json") {
			t.Errorf("%d tiles: outputs %v", tc.tiles, got)
		}
	}
}

// TestPublishesPlaceholders: only what never reads a tile file's bytes may
// publish a merge whose products stayed on object storage.
func TestPublishesPlaceholders(t *testing.T) {
	tests := []struct {
		name string
		p    plugins.Publisher
		want bool
	}{
		{"catalog on object storage", &STAC{Catalog: "s3://bucket/datasets"}, true},
		{"catalog on disk", &STAC{Catalog: "catalog"}, false},
		{"statistics", &Parquet{Tiles: true, Items: true, Compression: "zstd"}, true},
		{"report", &Report{Path: "report.html"}, true},
		{"folders of files", &Folders{Path: "3dcd", Format: "png"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := plugins.PublishesPlaceholders(tc.p); got != tc.want {
				t.Errorf("PublishesPlaceholders = %v, want %v", got, tc.want)
			}
		})
	}
}
