package hcldecode

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

type inner struct {
	Index string   `hcl:"index,optional"`
	Max   *float64 `hcl:"max,optional"`
}

type config struct {
	Resolution float64  `hcl:"resolution"`
	Method     string   `hcl:"method,optional"`
	Radius     int      `hcl:"radius,optional"`
	Names      []string `hcl:"names,optional"`
	Opt        *float64 `hcl:"opt,optional"`
	Inner      *inner   `hcl:"inner,block"`
	Many       []inner  `hcl:"many,block"`
	Untagged   string
}

func decode(t *testing.T, src string) (*config, hcl.Diagnostics) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := &config{Method: "average", Radius: 2}
	return c, DecodeStruct(f.Body, nil, c)
}

func TestDecodeStruct(t *testing.T) {
	two := 2.0
	tests := []struct {
		name string
		src  string
		want config
		err  string
	}{
		{name: "defaults kept", src: "resolution = 0.5\n", want: config{Resolution: 0.5, Method: "average", Radius: 2}},
		{name: "all", src: "resolution = 1\nmethod = \"bilinear\"\nradius = 3\nnames = [\"a\"]\nopt = 2\ninner {\n  index = \"vari\"\n}\nmany {}\nmany {\n  max = 2\n}\n",
			want: config{Resolution: 1, Method: "bilinear", Radius: 3, Names: []string{"a"}, Opt: &two, Inner: &inner{Index: "vari"}, Many: []inner{{}, {Max: &two}}}},
		{name: "null optional pointer", src: "resolution = 1\nopt = null\n", want: config{Resolution: 1, Method: "average", Radius: 2}},
		{name: "missing required", src: "method = \"x\"\n", err: `The argument "resolution" is required`},
		{name: "wrong type", src: "resolution = \"fine\"\n", err: "resolution must be a number"},
		{name: "fraction into int", src: "resolution = 1\nradius = 1.5\n", err: "radius must be a number"},
		{name: "unknown attribute", src: "resolution = 1\nmetod = \"x\"\n", err: `Did you mean "method"?`},
		{name: "duplicate block", src: "resolution = 1\ninner {}\ninner {}\n", err: "Only one inner block is allowed here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := decode(t, tt.src)
			if tt.err != "" {
				text := ""
				for _, d := range diags {
					text += d.Summary + ": " + d.Detail + "\n"
				}
				if !strings.Contains(text, tt.err) {
					t.Fatalf("diags %q, want %q", text, tt.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("decoded %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestConfigMap(t *testing.T) {
	two := 2.0
	c := &config{Resolution: 0.5, Method: "average", Inner: &inner{Index: "exg", Max: &two}}
	got := ConfigMap(c)
	want := map[string]any{
		"resolution": 0.5, "method": "average", "radius": 0, "names": nil, "opt": nil,
		"inner": map[string]any{"index": "exg", "max": 2.0}, "many": nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ConfigMap = %#v\nwant %#v", got, want)
	}
}
