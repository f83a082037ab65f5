package plugins_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

type fakeStep struct{ cfg struct{ N int } }

func (f *fakeStep) Inputs() []plugins.Input     { return nil }
func (f *fakeStep) Config() any                 { return &f.cfg }
func (f *fakeStep) Validate() []plugins.Problem { return nil }
func (f *fakeStep) Outputs(map[string]plugins.Product) ([]plugins.Product, []plugins.Problem) {
	return []plugins.Product{{Kind: plugins.DSM}}, nil
}

func newFake() plugins.Step { return &fakeStep{} }

func TestRegisterPanics(t *testing.T) {
	tests := []struct {
		name    string
		regName string
		factory plugins.Factory
		want    string
	}{
		{"empty name", "", newFake, "empty name"},
		{"upper case", "Threshold", newFake, "lower case"},
		{"dash", "change-mask", newFake, "lower case"},
		{"nil factory", "fake2", nil, "nil factory"},
		{"duplicate", "fake", newFake, "registered twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := plugins.NewRegistry()
			r.Register("fake", newFake)
			defer func() {
				v := recover()
				if v == nil {
					t.Fatal("Register did not panic")
				}
				if s, _ := v.(string); !strings.Contains(s, tt.want) {
					t.Errorf("panic %q, want it to mention %q", v, tt.want)
				}
			}()
			r.Register(tt.regName, tt.factory)
		})
	}
}

func TestRegisterPublisherPanicsOnDuplicate(t *testing.T) {
	r := plugins.NewRegistry()
	f := func() plugins.Publisher { return nil }
	r.RegisterPublisher("stac", f)
	defer func() {
		if recover() == nil {
			t.Fatal("RegisterPublisher did not panic on a duplicate")
		}
	}()
	r.RegisterPublisher("stac", f)
}

func TestNewStep(t *testing.T) {
	r := plugins.NewRegistry()
	r.Register("threshold", newFake)
	r.Register("difference", newFake)
	if s, err := r.NewStep("threshold"); err != nil || s == nil {
		t.Fatalf("NewStep(threshold) = %v, %v", s, err)
	}
	a, _ := r.NewStep("threshold")
	b, _ := r.NewStep("threshold")
	if a == b {
		t.Error("NewStep returned the same step twice; each block needs its own")
	}
	tests := []struct {
		name, suggestion, msg string
	}{
		{"treshold", "threshold", `unknown step "treshold"; did you mean "threshold"?`},
		{"diference", "difference", `unknown step "diference"; did you mean "difference"?`},
		{"stac", "", `unknown step "stac"`},
	}
	for _, tt := range tests {
		_, err := r.NewStep(tt.name)
		var u *plugins.UnknownError
		if !errors.As(err, &u) {
			t.Fatalf("NewStep(%q) error = %v, want *UnknownError", tt.name, err)
		}
		if u.Suggestion != tt.suggestion || err.Error() != tt.msg {
			t.Errorf("NewStep(%q) = %q (suggestion %q), want %q", tt.name, err, u.Suggestion, tt.msg)
		}
	}
	if got := r.Steps(); strings.Join(got, ",") != "difference,threshold" {
		t.Errorf("Steps() = %v", got)
	}
}

// The package registry holds nothing until step packages are imported:
// this test package imports none.
func TestDefaultRegistryStartsEmpty(t *testing.T) {
	if got := plugins.Default.Steps(); len(got) != 0 {
		t.Errorf("Default.Steps() = %v, want none without imports", got)
	}
	if _, err := plugins.NewStep("threshold"); err == nil {
		t.Error("NewStep(threshold) succeeded without the threshold package")
	}
}

func TestResamplingMethodsAreGDALs(t *testing.T) {
	for _, m := range plugins.ResamplingMethods {
		if !raster.ValidMethod(m, true) {
			t.Errorf("%q is not a method the raster layer's warp accepts", m)
		}
		if p := plugins.CheckMethod("method", m); p != nil {
			t.Errorf("CheckMethod(%q) = %v", m, p)
		}
	}
	p := plugins.CheckMethod("method", "bilinar")
	if len(p) != 1 || p[0].Attribute != "method" || !strings.Contains(p[0].Detail, `did you mean "bilinear"?`) {
		t.Errorf("CheckMethod(bilinar) = %+v", p)
	}
}

func TestMultipleOf(t *testing.T) {
	tests := []struct {
		size, res float64
		want      bool
	}{
		{200, 0.5, true}, {200, 0.25, true}, {200, 1, true}, {200, 0.3, false},
		{200, 200, true}, {200, 400, false}, {200, 0, false}, {0, 1, false},
		{200, 0.1, true}, {1000, 2.5, true}, {200, 0.15, false}, {200, -1, false},
	}
	for _, tt := range tests {
		if got := plugins.MultipleOf(tt.size, tt.res); got != tt.want {
			t.Errorf("MultipleOf(%g, %g) = %v, want %v", tt.size, tt.res, got, tt.want)
		}
	}
}

func TestInputDescribe(t *testing.T) {
	in := plugins.Input{Kinds: []plugins.Kind{plugins.Orthophoto, plugins.DSM, plugins.Vector}}
	if got := in.Describe(); got != "an orthophoto, a DSM or a vector source" {
		t.Errorf("Describe() = %q", got)
	}
	if !in.Accepts(plugins.DSM) || in.Accepts(plugins.ChangeMask) {
		t.Error("Accepts is wrong")
	}
}
