package resample

import (
	"testing"

	"github.com/cdflow/cdflow/plugins"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		attrs []string
	}{
		{"3dcd", Config{Resolution: 0.5, Method: "average"}, nil},
		{"nearest", Config{Resolution: 2, Method: "nearest"}, nil},
		{"zero resolution", Config{Resolution: 0, Method: "average"}, []string{"resolution"}},
		{"negative resolution", Config{Resolution: -1, Method: "average"}, []string{"resolution"}},
		{"unknown method", Config{Resolution: 1, Method: "avg"}, []string{"method"}},
		{"both", Config{Resolution: -1, Method: ""}, []string{"resolution", "method"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Step{Cfg: tt.cfg}
			var got []string
			for _, p := range s.Validate() {
				got = append(got, p.Attribute)
			}
			if len(got) != len(tt.attrs) {
				t.Fatalf("problems on %v, want %v", got, tt.attrs)
			}
			for i := range got {
				if got[i] != tt.attrs[i] {
					t.Errorf("problems on %v, want %v", got, tt.attrs)
				}
			}
		})
	}
	if New().Cfg.Method != "average" {
		t.Error("default method is not average")
	}
}

func TestOutputsKeepKind(t *testing.T) {
	for _, k := range []plugins.Kind{plugins.Orthophoto, plugins.DSM} {
		s := &Step{Cfg: Config{Resolution: 0.5, Method: "average"}}
		out, p := s.Outputs(map[string]plugins.Product{"input": {Kind: k, Resolution: 0.25, DataType: "uint8", Bands: 3}})
		want := plugins.Product{Kind: k, Resolution: 0.5, DataType: "uint8", Bands: 3}
		if len(p) != 0 || len(out) != 1 || out[0] != want {
			t.Errorf("%s: outputs %+v problems %+v", k, out, p)
		}
	}
}
