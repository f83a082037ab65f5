package plugins_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

type fakeStep struct {
	cfg struct {
		N int `hcl:"n,optional"`
	}
	inputs []plugins.Input
}

func (f *fakeStep) Inputs() []plugins.Input     { return f.inputs }
func (f *fakeStep) Config() any                 { return &f.cfg }
func (f *fakeStep) Validate() []plugins.Problem { return nil }
func (f *fakeStep) Outputs(map[string]plugins.Product) ([]plugins.Product, []plugins.Problem) {
	return []plugins.Product{{Kind: plugins.DSM}}, nil
}

func (f *fakeStep) RunTile(context.Context, *plugins.Tile, map[string]plugins.TileInput, []plugins.Product) error {
	return nil
}

func newFake() plugins.Step { return &fakeStep{} }

// A step the workflow layer could not configure, or whose inputs the
// executor could not bind, is refused when it registers.
func TestRegisterChecksTheStep(t *testing.T) {
	dsm := []plugins.Kind{plugins.DSM}
	tests := []struct {
		name    string
		factory plugins.Factory
		want    string
	}{
		{"nil step", func() plugins.Step { return nil }, "returns nil"},
		{"config not a pointer", func() plugins.Step { return &badConfig{cfg: 3} }, "want a non-nil pointer to a struct"},
		{"config nil pointer", func() plugins.Step { return &badConfig{cfg: (*struct{})(nil)} }, "want a non-nil pointer to a struct"},
		{"field without tag", func() plugins.Step { return &badConfig{cfg: &struct{ N int }{}} }, "field N has no hcl tag"},
		{"input without name", func() plugins.Step { return &fakeStep{inputs: []plugins.Input{{Kinds: dsm}}} }, `input "" is not an attribute name`},
		{"input twice", func() plugins.Step {
			return &fakeStep{inputs: []plugins.Input{{Name: "a", Kinds: dsm}, {Name: "a", Kinds: dsm}}}
		}, `input "a" declared twice`},
		{"input is an attribute", func() plugins.Step { return &fakeStep{inputs: []plugins.Input{{Name: "n", Kinds: dsm}}} }, "also a configuration attribute"},
		{"input of no kind", func() plugins.Step { return &fakeStep{inputs: []plugins.Input{{Name: "a"}}} }, "accepts no kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := plugins.NewRegistry()
			defer func() {
				v := recover()
				s, _ := v.(string)
				if !strings.Contains(s, "cannot run") || !strings.Contains(s, tt.want) {
					t.Errorf("panic %v, want it to say the step cannot run: %s", v, tt.want)
				}
			}()
			r.Register("bad", tt.factory)
		})
	}
	r := plugins.NewRegistry()
	r.Register("good", func() plugins.Step { return &fakeStep{inputs: []plugins.Input{{Name: "input", Kinds: dsm}}} })
}

type badConfig struct {
	fakeStep
	cfg any
}

func (b *badConfig) Config() any { return b.cfg }

type fakePublisher struct {
	cfg struct {
		Path string `hcl:"path,optional"`
	}
}

func (p *fakePublisher) Config() any                                               { return &p.cfg }
func (p *fakePublisher) Validate() []plugins.Problem                               { return nil }
func (p *fakePublisher) Outputs(*plugins.ReleasePlan) []string                     { return nil }
func (p *fakePublisher) Publish(context.Context, *plugins.Release) (string, error) { return "", nil }

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
	f := func() plugins.Publisher { return &fakePublisher{} }
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
