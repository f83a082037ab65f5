package changemask

import (
	"testing"

	"github.com/cdflow/cdflow/plugins"
)

func TestOutputsAndClasses(t *testing.T) {
	half, zero := 0.5, 0.0
	tests := []struct {
		name     string
		cfg      Config
		wantRes  float64
		classes  int
		problems int
	}{
		{"input resolution", Config{}, 1, 2, 0},
		{"3dcd", Config{Resolution: &half}, 0.5, 2, 0},
		{"signed", Config{Signed: true}, 1, 3, 0},
		{"zero resolution", Config{Resolution: &zero}, 0, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Step{Cfg: tt.cfg}
			if p := s.Validate(); len(p) != tt.problems {
				t.Errorf("problems %+v, want %d", p, tt.problems)
			}
			out, _ := s.Outputs(map[string]plugins.Product{"input": {Kind: plugins.ElevationChange, Resolution: 1}})
			want := plugins.Product{Kind: plugins.ChangeMask, Resolution: tt.wantRes, DataType: "uint8", Bands: 1}
			if len(out) != 1 || out[0] != want {
				t.Errorf("outputs %+v, want %+v", out, want)
			}
			if got := len(s.Classes()); got != tt.classes {
				t.Errorf("%d classes, want %d", got, tt.classes)
			}
		})
	}
	if in := New().Inputs()[0]; !in.Accepts(plugins.ElevationChange) || in.Accepts(plugins.ElevationDifference) {
		t.Errorf("input accepts %v", in.Kinds)
	}
}
