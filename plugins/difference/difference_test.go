package difference

import (
	"testing"

	"github.com/cdflow/cdflow/plugins"
)

func TestOutputs(t *testing.T) {
	one, two := 1.0, 2.0
	dsm := func(name string, res float64) plugins.Product {
		return plugins.Product{Name: name, Kind: plugins.DSM, Resolution: res, DataType: "float32", Bands: 1, FromSource: true}
	}
	tests := []struct {
		name     string
		res      *float64
		before   plugins.Product
		after    plugins.Product
		wantRes  float64
		products []string
		problem  bool
	}{
		{"coarser of the two", nil, dsm("dsm_t0", 1), dsm("dsm_t1", 2), 2, []string{"", "dsm_t0", "dsm_t1"}, false},
		{"unknown before plan", nil, dsm("dsm_t0", 0), dsm("dsm_t1", 0), 0, []string{"", "dsm_t0", "dsm_t1"}, false},
		{"declared", &one, dsm("dsm_t0", 2), dsm("dsm_t1", 10), 1, []string{"", "dsm_t0", "dsm_t1"}, false},
		{"from steps: no windows", &two, plugins.Product{Name: "r0", Kind: plugins.DSM}, plugins.Product{Name: "r1", Kind: plugins.DSM}, 2, []string{""}, false},
		{"same DSM twice", nil, dsm("dsm_t0", 1), dsm("dsm_t0", 1), 1, []string{"", "dsm_t0"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Step{Cfg: Config{Resolution: tt.res}}
			out, problems := s.Outputs(map[string]plugins.Product{"before": tt.before, "after": tt.after})
			if (len(problems) > 0) != tt.problem {
				t.Errorf("problems = %+v, want problem %v", problems, tt.problem)
			}
			var names []string
			for _, o := range out {
				names = append(names, o.Name)
				if o.Resolution != tt.wantRes || o.DataType != "float32" {
					t.Errorf("product %+v, want resolution %g float32", o, tt.wantRes)
				}
			}
			if len(names) != len(tt.products) {
				t.Fatalf("products %v, want %v", names, tt.products)
			}
			for i := range names {
				if names[i] != tt.products[i] {
					t.Errorf("products %v, want %v", names, tt.products)
				}
			}
			if out[0].Kind != plugins.ElevationDifference {
				t.Errorf("main product kind %s", out[0].Kind)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	neg := -1.0
	tests := []struct {
		name string
		cfg  Config
		n    int
	}{
		{"defaults", Config{}, 0},
		{"bilinear", Config{Method: "bilinear"}, 0},
		{"bad method", Config{Method: "linear"}, 1},
		{"negative resolution", Config{Resolution: &neg}, 1},
	}
	for _, tt := range tests {
		if got := (&Step{Cfg: tt.cfg}).Validate(); len(got) != tt.n {
			t.Errorf("%s: problems %+v, want %d", tt.name, got, tt.n)
		}
	}
}
