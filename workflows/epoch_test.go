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
	}{
		{"datetimes decide", `
source "dsm" "a" {
  files    = ["../data/dsm_t1/*.tif"]
  datetime = "2017-07-01"
}
source "dsm" "b" {
  files    = ["../data/dsm_t0/*.tif"]
  datetime = "2010-07-01"
}`, map[string]plugins.Epoch{"a": plugins.T1, "b": plugins.T0}},
		{"declaration order without datetimes", `
source "dsm" "a" { files = ["../data/dsm_t0/*.tif"] }
source "dsm" "b" { files = ["../data/dsm_t1/*.tif"] }`, map[string]plugins.Epoch{"a": plugins.T0, "b": plugins.T1}},
		{"explicit epoch wins over datetimes", `
source "dsm" "a" {
  files    = ["../data/dsm_t1/*.tif"]
  datetime = "2017-07-01"
  epoch    = "t0"
}
source "dsm" "b" {
  files    = ["../data/dsm_t0/*.tif"]
  datetime = "2010-07-01"
}`, map[string]plugins.Epoch{"a": plugins.T0, "b": plugins.T1}},
		{"one explicit, the other takes the rest", `
source "dsm" "a" { files = ["../data/dsm_t0/*.tif"] }
source "dsm" "b" {
  files = ["../data/dsm_t1/*.tif"]
  epoch = "t0"
}`, map[string]plugins.Epoch{"a": plugins.T1, "b": plugins.T0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := filepath.Abs(filepath.Join("testdata", "data"))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "epochs.hcl")
			wf := `dataset "d" { version = "1.0.0" }` + strings.ReplaceAll(tt.sources, "../data", data) + `
tiling { size = 200 }
step "difference" "dh" {
  before = source.dsm.a
  after  = source.dsm.b
}
step "resample" "ra" {
  input      = source.dsm.a
  resolution = 2
}
publish "stac" "catalog" { products = ["dh", "ra"] }
`
			if err := os.WriteFile(path, []byte(wf), 0o644); err != nil {
				t.Fatal(err)
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
				case "dsm_a":
					want = tt.want["a"]
				case "dsm_b":
					want = tt.want["b"]
				}
				if pr.Product.Epoch != want {
					t.Errorf("product %s: epoch %q, want %q", pr.Product.Name, pr.Product.Epoch, want)
				}
			}
		})
	}
}
