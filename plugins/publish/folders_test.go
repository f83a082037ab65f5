package publish

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cdflow/cdflow/plugins"
)

// layout picks the folder names: 3DCD's years, 2D and 3D, or the 3DCD
// README's custom-dataset t1, t2, 2dcd and 3dcd; anything else is a
// problem that names both.
func TestFoldersLayout(t *testing.T) {
	for _, tt := range []struct {
		layout string
		ok     bool
	}{{"3dcd", true}, {"custom", true}, {"", true}, {"custon", false}, {"3DCD", false}, {"t1", false}} {
		probs := (&Folders{Path: "f", Format: "tif", Layout: tt.layout}).Validate()
		if tt.ok != (len(probs) == 0) {
			t.Errorf("layout %q: problems %+v", tt.layout, probs)
			continue
		}
		if !tt.ok {
			if p := probs[0]; p.Attribute != "layout" || !strings.Contains(p.Detail, `"custom"`) || !strings.Contains(p.Detail, "2dcd") {
				t.Errorf("layout %q: problem %+v", tt.layout, p)
			}
		}
	}
	if l := (&Folders{}).Config().(*Folders).Layout; l != "3dcd" {
		t.Errorf("default layout %q", l)
	}
	if p := (&Folders{Path: "f", Format: "tif", Layout: "custon"}).Validate(); len(p) != 1 || !strings.Contains(p[0].Detail, `did you mean "custom"`) {
		t.Errorf("no suggestion: %+v", p)
	}

	rp := &plugins.ReleasePlan{
		Products: []plugins.Product{
			{Name: "t0", Kind: plugins.Orthophoto, Epoch: plugins.T0, DataType: "uint8"},
			{Name: "t1", Kind: plugins.Orthophoto, Epoch: plugins.T1, DataType: "uint8"},
			{Name: "dh", Kind: plugins.ElevationDifference, DataType: "float32"},
			{Name: "cd3d", Kind: plugins.ElevationChange, DataType: "float32"},
			{Name: "cd2d", Kind: plugins.ChangeMask, DataType: "uint8"},
		},
		Start: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2017, 7, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, tt := range []struct {
		p    Folders
		want []string
	}{
		{Folders{Path: "f", Format: "tif", Layout: "custom"}, []string{"f/{split}/t1/{tile}.tif", "f/{split}/t2/{tile}.tif", "f/{split}/2dcd/{tile}.tif", "f/{split}/3dcd/{tile}.tif"}},
		{Folders{Path: "f", Format: "png", Layout: "custom", ProductList: []string{"t1", "cd3d", "dh"}}, []string{"f/{split}/t2/{tile}.png", "f/{split}/3dcd/{tile}.tif", "f/{split}/dh/{tile}.tif"}},
		{Folders{Path: "f", Format: "png", Layout: "3dcd"}, []string{"f/{split}/2010/{tile}.png", "f/{split}/2017/{tile}.png", "f/{split}/2D/{tile}.png", "f/{split}/3D/{tile}.tif"}},
	} {
		if got := tt.p.Outputs(rp); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %s %v: outputs %v, want %v", tt.p.Layout, tt.p.Format, tt.p.ProductList, got, tt.want)
		}
	}

	// A product named as another's folder would overwrite its files.
	clashing := append(rp.Products, plugins.Product{Name: "t2", Kind: plugins.Orthophoto, Epoch: plugins.T1, DataType: "uint8"})
	p := Folders{Path: "f", Format: "tif", Layout: "custom", ProductList: []string{"t0", "t1", "t2"}}
	names := p.names(epochYears(rp.Start, rp.End))
	if err := p.clash(clashing, names); err == nil || !strings.Contains(err.Error(), `"t1" and "t2"`) {
		t.Errorf("clash: %v", err)
	}
	p.Layout = "3dcd"
	if err := p.clash(clashing, p.names(epochYears(rp.Start, rp.End))); err != nil {
		t.Errorf("no clash in the 3dcd layout: %v", err)
	}
}
