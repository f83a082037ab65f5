package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func eval(t *testing.T, dir, src string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return expr.Value(&hcl.EvalContext{Functions: Functions(dir)})
}

func TestFunctions(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a/1.tif", "a/2.tif", "a/x.txt", "b/3.tif"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("text of "+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "bin"), []byte{0xff, 0xfe}, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		src  string
		want cty.Value
		err  string
	}{
		{src: `glob("a/*.tif")`, want: cty.ListVal([]cty.Value{cty.StringVal("a/1.tif"), cty.StringVal("a/2.tif")})},
		{src: `glob("*/*.tif")`, want: cty.ListVal([]cty.Value{cty.StringVal("a/1.tif"), cty.StringVal("a/2.tif"), cty.StringVal("b/3.tif")})},
		{src: `glob("c/*.tif")`, want: cty.ListValEmpty(cty.String)},
		{src: `glob("[")`, err: "bad pattern"},
		{src: `file("a/x.txt")`, want: cty.StringVal("text of a/x.txt\n")},
		{src: `trimspace(file("b/3.tif"))`, want: cty.StringVal("text of b/3.tif")},
		{src: `file("nope.txt")`, err: "no such file"},
		{src: `file("a")`, err: "not a regular file"},
		{src: `file("bin")`, err: "not UTF-8"},
		{src: `upper(format("%s-%d", "a", 3))`, want: cty.StringVal("A-3")},
		{src: `max(1, 5, 2) + abs(-1) + min(4, 3)`, want: cty.NumberIntVal(9)},
		{src: `join(",", concat(["a"], ["b"]))`, want: cty.StringVal("a,b")},
		{src: `length(range(4))`, want: cty.NumberIntVal(4)},
		{src: `tonumber("2.5")`, want: cty.NumberFloatVal(2.5)},
		{src: `lower("ABC")`, want: cty.StringVal("abc")},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, diags := eval(t, dir, tt.src)
			if tt.err != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.err) {
					t.Fatalf("got %#v, %v; want an error containing %q", got, diags, tt.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if !got.RawEquals(tt.want) {
				t.Errorf("= %#v, want %#v", got, tt.want)
			}
		})
	}
}

// file() and glob() read the workflow's tree and the allowed folders only,
// symbolic links followed.
func TestFunctionsConfined(t *testing.T) {
	root := t.TempDir()
	dir, outside := filepath.Join(root, "wf"), filepath.Join(root, "secret")
	for _, d := range []string{dir, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "key.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "key.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src   string
		allow []string
		err   string
	}{
		{src: `file("../secret/key.txt")`, err: "outside the workflow's folder"},
		{src: `file("` + filepath.Join(outside, "key.txt") + `")`, err: "outside the workflow's folder"},
		{src: `file("link.txt")`, err: "outside the workflow's folder"},
		{src: `glob("../secret/*.txt")`, err: "outside the workflow's folder"},
		{src: `file("../secret/key.txt")`, allow: []string{outside}},
		{src: `length(glob("../secret/*.txt"))`, allow: []string{outside}},
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(tc.src), "test.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		_, diags = expr.Value(&hcl.EvalContext{Functions: Functions(dir, tc.allow...)})
		switch {
		case tc.err == "" && diags.HasErrors():
			t.Errorf("%s allowed %v: %v", tc.src, tc.allow, diags)
		case tc.err != "" && (!diags.HasErrors() || !strings.Contains(diags.Error(), tc.err)):
			t.Errorf("%s: %v, want %q", tc.src, diags, tc.err)
		}
	}
}
