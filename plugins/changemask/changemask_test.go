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
		{"aligned", Config{Align: AlignOrthophoto}, 1, 2, 0},
		{"dsm alignment", Config{Align: AlignDSM}, 1, 2, 0},
		{"misspelt alignment", Config{Align: "orthophotos"}, 1, 2, 1},
		{"refined", Config{Align: AlignOrthophoto, RefineRadius: 3}, 1, 2, 0},
		{"refined without alignment", Config{RefineRadius: 3}, 1, 2, 1},
		{"negative refinement", Config{Align: AlignOrthophoto, RefineRadius: -1}, 1, 2, 1},
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

func TestAlignInputs(t *testing.T) {
	ch := plugins.Product{Kind: plugins.ElevationChange, Resolution: 1}
	dsm, ortho := plugins.Product{Kind: plugins.DSM, Resolution: 1}, plugins.Product{Kind: plugins.Orthophoto, Resolution: 0.5}
	all := map[string]plugins.Product{"input": ch, "dsm_t0": dsm, "dsm_t1": dsm, "ortho_t0": ortho, "ortho_t1": ortho}
	tests := []struct {
		name    string
		align   string
		drop    string // input left out
		attr    string // attribute of the one problem expected, "" for none
		warning bool
	}{
		{"aligned with all inputs", AlignOrthophoto, "", "", false},
		{"aligned without ortho_t1", AlignOrthophoto, "ortho_t1", "align", false},
		{"inputs without alignment", "", "dsm_t0", "dsm_t1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string]plugins.Product{}
			for k, v := range all {
				if k != tt.drop {
					in[k] = v
				}
			}
			s := &Step{Cfg: Config{Align: tt.align}}
			_, problems := s.Outputs(in)
			if tt.attr == "" {
				if len(problems) != 0 {
					t.Errorf("problems %+v", problems)
				}
				return
			}
			if len(problems) == 0 || problems[0].Attribute != tt.attr || problems[0].Warning != tt.warning {
				t.Errorf("problems %+v, want first on %s (warning %v)", problems, tt.attr, tt.warning)
			}
		})
	}
	if h := (&Step{Cfg: Config{Align: AlignOrthophoto}}).Halo(1); h < 15 {
		t.Errorf("aligned halo %g m: a 45 m building leaning 0.45 needs 21 m", h)
	}
	if h := New().Halo(1); h != 0 {
		t.Errorf("unaligned halo %g", h)
	}
}
