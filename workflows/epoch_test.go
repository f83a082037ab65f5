package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/plugins"
)

// Every raster source has an epoch: its epoch attribute, else the order of
// the datetimes of its kind, else the order of the blocks; the products
// of a step take the epoch all their inputs share.
func TestEpochs(t *testing.T) {
	tests := []struct {
		name    string
		sources string
		want    map[string]plugins.Epoch // source name → epoch
		err     string                   // or the error
	}{
		{"datetimes decide", `
source "dsm" "a" {
  files    = ["../data/dsm_t1/*.tif"]
  datetime = "2017-07-01"
}
source "dsm" "b" {
  files    = ["../data/dsm_t0/*.tif"]
  datetime = "2010-07-01"
}`, map[string]plugins.Epoch{"a": plugins.T1, "b": plugins.T0}, ""},
		{"declaration order without datetimes", `
source "dsm" "a" { files = ["../data/dsm_t0/*.tif"] }
source "dsm" "b" { files = ["../data/dsm_t1/*.tif"] }`, map[string]plugins.Epoch{"a": plugins.T0, "b": plugins.T1}, ""},
		{"explicit epoch wins over the lack of datetimes", `
source "dsm" "a" {
  files = ["../data/dsm_t1/*.tif"]
  epoch = "t1"
}
source "dsm" "b" { files = ["../data/dsm_t0/*.tif"] }`, map[string]plugins.Epoch{"a": plugins.T1, "b": plugins.T0}, ""},
		{"explicit epochs against the datetimes", `
source "dsm" "a" {
  files    = ["../data/dsm_t1/*.tif"]
  datetime = "2017-07-01"
  epoch    = "t0"
}
source "dsm" "b" {
  files    = ["../data/dsm_t0/*.tif"]
  datetime = "2010-07-01"
}`, nil, "source.dsm.b is epoch t1 but dated 2010-07-01, before source.dsm.a (epoch t0, 2017-07-01)"},
		{"names against the datetimes", `
source "dsm" "t0" {
  files    = ["../data/dsm_t1/*.tif"]
  datetime = "2017-07-01"
}
source "dsm" "t1" {
  files    = ["../data/dsm_t0/*.tif"]
  datetime = "2010-07-01"
}`, nil, "source.dsm.t0 is dated 2017-07-01, which makes it epoch t1, not t0 as its name says"},
		{"one explicit, the other takes the rest", `
source "dsm" "a" { files = ["../data/dsm_t0/*.tif"] }
source "dsm" "b" {
  files = ["../data/dsm_t1/*.tif"]
  epoch = "t0"
}`, map[string]plugins.Epoch{"a": plugins.T1, "b": plugins.T0}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := []string{"a"}
			if strings.Contains(tt.sources, `source "dsm" "t0"`) {
				names = []string{"t0"}
			}
			data, err := filepath.Abs(filepath.Join("testdata", "data"))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "epochs.hcl")
			wf := `dataset "d" { version = "1.0.0" }` + strings.ReplaceAll(tt.sources, "../data", data) + `
tiling { size = 200 }
step "resample" "ra" {
  input      = source.dsm.` + names[0] + `
  resolution = 2
}
publish "stac" "catalog" { products = ["ra"] }
split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
`
			if err := os.WriteFile(path, []byte(wf), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.err != "" {
				_, diags := NewParser(nil).Load(path, InputValues{})
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.err) {
					t.Fatalf("diagnostics %v, want %q", diags, tt.err)
				}
				return
			}
			w := mustLoad(t, path, InputValues{})
			for _, s := range w.Sources {
				if s.Epoch != tt.want[s.Name] {
					t.Errorf("source %s: epoch %q, want %q", s.Name, s.Epoch, tt.want[s.Name])
				}
			}
			for _, pr := range w.Products() {
				want := plugins.NoEpoch
				switch pr.Product.Name {
				case "ra": // a resample of a alone
					want = tt.want["a"]
				}
				if pr.Product.Epoch != want {
					t.Errorf("product %s: epoch %q, want %q", pr.Product.Name, pr.Product.Epoch, want)
				}
			}
		})
	}
}
