package threshold

import (
	"math"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/plugins"
)

func ptr(f float64) *float64 { return &f }

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Config)
		attrs []string // attributes with a problem, in order
	}{
		{"defaults", func(*Config) {}, nil},
		{"3dcd", func(c *Config) { c.MinAbs, c.MinArea, c.OpeningRadius = 1, 20, 1 }, nil},
		{"zero turns off", func(c *Config) { c.MinAbs, c.MinArea = 0, 0 }, nil},
		{"negative min_abs", func(c *Config) { c.MinAbs = -0.5 }, []string{"min_abs"}},
		{"negative min_area", func(c *Config) { c.MinArea = -1 }, []string{"min_area"}},
		{"negative opening", func(c *Config) { c.OpeningRadius = -1 }, []string{"opening_radius"}},
		{"all negative", func(c *Config) { c.MinAbs, c.MinArea, c.OpeningRadius = -1, -1, -1 }, []string{"min_abs", "min_area", "opening_radius"}},
		{"empty review field", func(c *Config) { c.ReviewField = "" }, []string{"review_field"}},
		{"sampling", func(c *Config) { c.SamplingRadius = 1 }, nil},
		{"negative sampling", func(c *Config) { c.SamplingRadius = -1 }, []string{"sampling_radius"}},
		{"edge fraction", func(c *Config) { c.EdgeFraction = 0.5 }, nil},
		{"edge fraction 1", func(c *Config) { c.EdgeFraction = 1 }, []string{"edge_fraction"}},
		{"negative slender width", func(c *Config) { c.SlenderWidth = -3 }, []string{"slender_width"}},
		{"vegetation ok", func(c *Config) { c.Vegetation = &Vegetation{Index: "vari", Max: ptr(0.2)} }, nil},
		{"vegetation default index", func(c *Config) { c.Vegetation = &Vegetation{} }, nil},
		{"vegetation bad index", func(c *Config) { c.Vegetation = &Vegetation{Index: "ndvi"} }, []string{"vegetation.index"}},
		{"vegetation bad max", func(c *Config) { c.Vegetation = &Vegetation{Max: ptr(5)} }, []string{"vegetation.max"}},
		{"points defaults", func(c *Config) { c.Points = &Points{} }, nil},
		{"points set", func(c *Config) { c.Points = &Points{MinBuilding: ptr(0.3), MaxMulti: ptr(0.7)} }, nil},
		{"points building only", func(c *Config) { c.Points = &Points{MaxMulti: ptr(1)} }, nil},
		{"points min_building above 1", func(c *Config) { c.Points = &Points{MinBuilding: ptr(1.5)} }, []string{"points.min_building"}},
		{"points negative max_multi", func(c *Config) { c.Points = &Points{MaxMulti: ptr(-0.1)} }, []string{"points.max_multi"}},
		{"points NaN", func(c *Config) { c.Points = &Points{MinBuilding: ptr(math.NaN())} }, []string{"points.min_building"}},
		{"points both off", func(c *Config) { c.Points = &Points{MinBuilding: ptr(0), MaxMulti: ptr(1)} }, []string{"points"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			tt.edit(&s.Cfg)
			var got []string
			for _, p := range s.Validate() {
				got = append(got, p.Attribute)
				if p.Summary == "" || p.Detail == "" {
					t.Errorf("problem without summary or fix: %+v", p)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.attrs, ",") {
				t.Errorf("problems on %v, want %v", got, tt.attrs)
			}
		})
	}
}

func TestOutputs(t *testing.T) {
	dh := plugins.Product{Name: "dh", Kind: plugins.ElevationDifference, Resolution: 1, DataType: "float32", Bands: 1}
	ortho := plugins.Product{Kind: plugins.Orthophoto, Resolution: 0.5}
	dsm := plugins.Product{Kind: plugins.DSM, Resolution: 1}
	tests := []struct {
		name       string
		vegetation bool
		sampling   int
		in         map[string]plugins.Product
		problem    string // attribute of the expected problem
		warning    bool
	}{
		{"plain", false, 0, map[string]plugins.Product{"input": dh}, "", false},
		{"vegetation with orthophotos", true, 0, map[string]plugins.Product{"input": dh, "ortho_t0": ortho, "ortho_t1": ortho}, "", false},
		{"vegetation without orthophotos", true, 0, map[string]plugins.Product{"input": dh}, "vegetation", false},
		{"vegetation with one orthophoto", true, 0, map[string]plugins.Product{"input": dh, "ortho_t0": ortho}, "vegetation", false},
		{"orthophotos without vegetation", false, 0, map[string]plugins.Product{"input": dh, "ortho_t1": ortho}, "ortho_t1", true},
		{"sampling with DSMs", false, 1, map[string]plugins.Product{"input": dh, "dsm_t0": dsm, "dsm_t1": dsm}, "", false},
		{"sampling without DSMs", false, 1, map[string]plugins.Product{"input": dh, "dsm_t0": dsm}, "sampling_radius", false},
		{"DSMs without sampling", false, 0, map[string]plugins.Product{"input": dh, "dsm_t1": dsm}, "dsm_t1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			if tt.vegetation {
				s.Cfg.Vegetation = &Vegetation{}
			}
			s.Cfg.SamplingRadius = tt.sampling
			out, problems := s.Outputs(tt.in)
			want := plugins.Product{Kind: plugins.ElevationChange, Resolution: 1, DataType: "float32", Bands: 1}
			if len(out) != 1 || out[0] != want {
				t.Errorf("outputs = %+v, want [%+v]", out, want)
			}
			switch {
			case tt.problem == "" && len(problems) > 0:
				t.Errorf("unexpected problems %+v", problems)
			case tt.problem != "" && (len(problems) != 1 || problems[0].Attribute != tt.problem || problems[0].Warning != tt.warning):
				t.Errorf("problems = %+v, want one on %s (warning %v)", problems, tt.problem, tt.warning)
			}
		})
	}
}

func TestInputsAcceptOnlyDifferences(t *testing.T) {
	in := New().Inputs()[0]
	if in.Name != "input" || !in.Required || !in.Accepts(plugins.ElevationDifference) || in.Accepts(plugins.DSM) || in.Accepts(plugins.ElevationChange) {
		t.Errorf("input = %+v", in)
	}
}

func TestOutputsPointFilter(t *testing.T) {
	dh := plugins.Product{Name: "dh", Kind: plugins.ElevationDifference, Resolution: 1, DataType: "float32", Bands: 1}
	f0 := plugins.Product{Name: "dsm_t0_points", Kind: plugins.PointFeatures, Resolution: 1, Bands: 2, Epoch: plugins.T0}
	f1 := plugins.Product{Name: "dsm_t1_points", Kind: plugins.PointFeatures, Resolution: 1, Bands: 2, Epoch: plugins.T1}
	coarse := f1
	coarse.Resolution = 2
	tests := []struct {
		name     string
		points   bool
		in       map[string]plugins.Product
		problems []string // attribute and, after a colon, "warning" for each problem
	}{
		{"filter with both features", true, map[string]plugins.Product{"input": dh, "features_t0": f0, "features_t1": f1}, nil},
		{"filter without features", true, map[string]plugins.Product{"input": dh}, []string{"points"}},
		{"filter with one epoch", true, map[string]plugins.Product{"input": dh, "features_t1": f1}, []string{"points"}},
		{"features without filter", false, map[string]plugins.Product{"input": dh, "features_t0": f0, "features_t1": f1}, []string{"features_t0:warning"}},
		{"later features without filter", false, map[string]plugins.Product{"input": dh, "features_t1": f1}, []string{"features_t1:warning"}},
		{"epochs swapped", true, map[string]plugins.Product{"input": dh, "features_t0": f1, "features_t1": f0}, []string{"features_t0", "features_t1"}},
		{"another resolution", true, map[string]plugins.Product{"input": dh, "features_t0": f0, "features_t1": coarse}, []string{"features_t1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			if tt.points {
				s.Cfg.Points = &Points{}
			}
			_, problems := s.Outputs(tt.in)
			var got []string
			for _, p := range problems {
				a := p.Attribute
				if p.Warning {
					a += ":warning"
				}
				got = append(got, a)
				if p.Summary == "" || p.Detail == "" {
					t.Errorf("problem without summary or fix: %+v", p)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.problems, ",") {
				t.Errorf("problems on %v, want %v (%+v)", got, tt.problems, problems)
			}
		})
	}
}

func TestFeatureInputsAcceptOnlyPointFeatures(t *testing.T) {
	for _, in := range New().Inputs() {
		if in.Name != "features_t0" && in.Name != "features_t1" {
			continue
		}
		if in.Required || !in.Accepts(plugins.PointFeatures) || in.Accepts(plugins.DSM) {
			t.Errorf("input = %+v", in)
		}
	}
}

func TestPointsDefaults(t *testing.T) {
	p := &Points{}
	if p.Building() != DefaultMinBuilding || p.Multi() != DefaultMaxMulti {
		t.Errorf("defaults %g, %g", p.Building(), p.Multi())
	}
	p = &Points{MinBuilding: ptr(0.2), MaxMulti: ptr(0.9)}
	if p.Building() != 0.2 || p.Multi() != 0.9 {
		t.Errorf("set %g, %g", p.Building(), p.Multi())
	}
}
