package synth

import (
	"context"
	"strings"
	"testing"
)

func TestParseDefects(t *testing.T) {
	tests := []struct {
		in      string
		want    Defects
		wantErr string
	}{
		{in: "", want: Defects{}},
		{in: "none", want: Defects{}},
		{in: "stripes", want: Defects{Stripes: true}},
		{in: "stripes,corrupt,missing,bias=0.3,shift=0.5", want: Defects{Stripes: true, Corrupt: true, Missing: true, Bias: 0.3, Shift: 0.5}},
		{in: " missing , bias ", want: Defects{Missing: true, Bias: defaultBias}},
		{in: "shift", want: Defects{Shift: defaultShift}},
		{in: "bias=-1.5,shift=-2", want: Defects{Bias: -1.5, Shift: -2}},
		{in: "stripes,stripes", wantErr: "given twice"},
		{in: "holes", wantErr: `unknown defect "holes"`},
		{in: "bias=abc", wantErr: "not a number"},
		{in: "bias=NaN", wantErr: "not a number"},
		{in: "shift=0", wantErr: "non-zero"},
		{in: "shift=51", wantErr: "at most 50"},
		{in: "corrupt=1", wantErr: "takes no value"},
		{in: "stripes,,missing", wantErr: "empty item"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDefects(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDefects(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDefects(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseDefects(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			back, err := ParseDefects(got.String())
			if err != nil || back != got {
				t.Fatalf("round trip of %q through %q gave %+v, %v", tt.in, got.String(), back, err)
			}
		})
	}
}

func FuzzParseDefects(f *testing.F) {
	for _, s := range []string{"", "none", "stripes,corrupt,missing,bias=0.3,shift=0.5", "bias=1e3", "shift=-0.25", "x=y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDefects(s)
		if err != nil {
			return
		}
		back, err := ParseDefects(d.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", d.String(), s, err)
		}
		if back != d {
			t.Fatalf("round trip of %q: %+v then %+v", s, d, back)
		}
	})
}

func TestParseExtent(t *testing.T) {
	tests := []struct {
		in   string
		want [2]float64
		ok   bool
	}{
		{"2x2", [2]float64{2, 2}, true},
		{"4X5", [2]float64{4, 5}, true},
		{" 0.4x0.2 ", [2]float64{0.4, 0.2}, true},
		{"2", [2]float64{}, false},
		{"2x", [2]float64{}, false},
		{"-1x2", [2]float64{}, false},
		{"0x2", [2]float64{}, false},
		{"infx1", [2]float64{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseExtent(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseExtent(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

// TestGenerateRejects checks that bad options fail before anything is written.
func TestGenerateRejects(t *testing.T) {
	tests := []struct {
		name    string
		opt     func(dir string) Options
		wantErr string
	}{
		{"no out", func(string) Options { o := DefaultOptions(""); return o }, "no output directory"},
		{"fractional metre", func(d string) Options { o := DefaultOptions(d); o.ExtentKm = [2]float64{0.4005, 0.4}; return o }, "whole number of metres"},
		{"sheet too small", func(d string) Options { o := DefaultOptions(d); o.SheetKm = 0.02; return o }, "at least"},
		{"too large", func(d string) Options { o := DefaultOptions(d); o.ExtentKm = [2]float64{30, 1}; return o }, "at most"},
		{"defects need sheets", func(d string) Options {
			o := DefaultOptions(d)
			o.ExtentKm, o.SheetKm = [2]float64{0.2, 0.2}, 0.2
			o.Defects = Defects{Missing: true, Corrupt: true}
			return o
		}, "need 2 sheets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir() + "/out"
			_, err := Generate(context.Background(), tt.opt(dir))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Generate error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
