package workflows

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

func TestCheckSource(t *testing.T) {
	nest := func(n int) []byte {
		return []byte("x = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n")
	}
	tests := []struct {
		name    string
		src     []byte
		summary string // "" when the file passes
		line    int    // the diagnostic's line, when it has a subject
	}{
		{"empty", nil, "", 0},
		{"nesting at the limit", nest(MaxNesting), "", 0},
		{"nesting one over", nest(MaxNesting + 1), "Nesting too deep", 1},
		{"nesting on line 3", append([]byte("# a\n# b\n"), nest(MaxNesting+5)...), "Nesting too deep", 3},
		{"closers do not go negative", []byte(strings.Repeat("]", 500) + string(nest(MaxNesting))), "", 0},
		{"deep braces and parentheses", []byte(strings.Repeat("{(", 51)), "Nesting too deep", 1},
		{"a NUL byte", []byte("dataset \"a\" {\x00}"), "Not a workflow file", 0},
		{"invalid UTF-8", []byte("dataset \"\xff\" {}"), "Not a workflow file", 0},
		{"at the size limit", bytes.Repeat([]byte("#"), MaxFileSize), "", 0},
		{"one byte over", bytes.Repeat([]byte("#"), MaxFileSize+1), "Workflow file too large", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diags := checkSource("w.hcl", tc.src)
			if tc.summary == "" {
				if len(diags) != 0 {
					t.Fatalf("refused: %v", diags)
				}
				return
			}
			if len(diags) != 1 || diags[0].Summary != tc.summary || diags[0].Severity != hcl.DiagError {
				t.Fatalf("got %v, want one error %q", diags, tc.summary)
			}
			if d := diags[0]; tc.line > 0 && (d.Subject == nil || d.Subject.Start.Line != tc.line) {
				t.Errorf("subject %v, want line %d", d.Subject, tc.line)
			}
		})
	}
}

// fuzzBase is a valid workflow the fuzz targets below grow.
func fuzzBase(f *testing.F) []byte {
	b, err := os.ReadFile("testdata/valid/full.hcl")
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzDecodeDepth nests an expression in a valid workflow to any depth,
// with any brackets: loading never crashes, and refuses the file with one
// diagnostic exactly when the nesting passes MaxNesting.
func FuzzDecodeDepth(f *testing.F) {
	base := fuzzBase(f)
	for _, s := range []struct {
		depth uint16
		kind  byte
		inner string
	}{{3, 0, `"a"`}, {100, 0, "1"}, {101, 1, ""}, {60000, 0, ""}, {150, 2, "var.seed"}, {99, 3, "x"}} {
		f.Add(s.depth, s.kind, s.inner)
	}
	kinds := []struct {
		open, close string
		levels      int
	}{{"[", "]", 1}, {"(", ")", 1}, {"{a = ", "}", 1}, {"[(", ")]", 2}}
	f.Fuzz(func(t *testing.T, depth uint16, kind byte, inner string) {
		k := kinds[int(kind)%len(kinds)]
		// inner is kept free of anything that nests or opens a string or
		// comment, so the depth is known (the dataset block's 1 + ours),
		// and of binary data, refused before any nesting.
		inner = strings.Map(func(r rune) rune {
			if r == 0 || r == utf8.RuneError || strings.ContainsRune("[](){}\"'#/<\n\r\\$%", r) {
				return -1
			}
			return r
		}, inner)
		levels := 1 + int(depth)*k.levels
		expr := strings.Repeat(k.open, int(depth)) + inner + strings.Repeat(k.close, int(depth))
		src := bytes.Replace(base, []byte(`keywords    = ["a", "b"]`), []byte("keywords    = "+expr), 1)
		p := NewParser(nil)
		p.AllowPaths = []string{"testdata/data"}
		w, diags := p.LoadSource("testdata/valid/fuzz.hcl", src, InputValues{})
		if diags.HasErrors() != (w == nil) {
			t.Fatalf("errors %v but workflow %v", diags.HasErrors(), w != nil)
		}
		deep := len(diags) == 1 && diags[0].Summary == "Nesting too deep"
		if (levels > MaxNesting) != deep {
			t.Errorf("%d levels of %q: %v", levels, k.open, diags)
		}
	})
}

// FuzzDecodeSize pads a valid workflow with comments or blank lines to any
// size up to twice the limit: a file is refused as too large exactly when
// it passes MaxFileSize, and loads otherwise.
func FuzzDecodeSize(f *testing.F) {
	base := fuzzBase(f)
	for _, n := range []uint32{0, 1000, MaxFileSize - uint32(len(base)), MaxFileSize - uint32(len(base)) + 1, 2 * MaxFileSize} {
		f.Add(n, false)
		f.Add(n, true)
	}
	f.Fuzz(func(t *testing.T, n uint32, blank bool) {
		n %= 2*MaxFileSize + 1
		pad := bytes.Repeat([]byte("#"), int(n))
		if blank {
			pad = bytes.Repeat([]byte("\n"), int(n))
		}
		if !blank && n > 0 {
			pad[len(pad)-1] = '\n'
		}
		src := append(pad, base...)
		p := NewParser(nil)
		p.AllowPaths = []string{"testdata/data"}
		w, diags := p.LoadSource("testdata/valid/fuzz.hcl", src, InputValues{})
		tooLarge := len(diags) == 1 && diags[0].Summary == "Workflow file too large"
		if (len(src) > MaxFileSize) != tooLarge {
			t.Fatalf("%d bytes: %v", len(src), diags)
		}
		if !tooLarge && w == nil {
			t.Fatalf("%d bytes of a valid workflow refused: %v", len(src), diags)
		}
	})
}

// BenchmarkLocals loads workflows of n chained locals (each refers to the
// one before): the time per local stays flat as n grows.
func BenchmarkLocals(b *testing.B) {
	base, err := os.ReadFile("testdata/valid/full.hcl")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 8000, 30000} {
		var sb strings.Builder
		sb.WriteString("locals {\n  l0 = 1\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&sb, "  l%d = local.l%d + 1\n", i, i-1)
		}
		sb.WriteString("}\n")
		src := append([]byte(sb.String()), base...)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				p := NewParser(nil)
				p.AllowPaths = []string{"testdata/data"}
				if _, diags := p.LoadSource("testdata/valid/locals.hcl", src, InputValues{}); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/local")
		})
	}
}
