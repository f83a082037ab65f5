package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSynthCommand(t *testing.T) {
	tmp := t.TempDir()
	foreign := filepath.Join(tmp, "foreign")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // prefixes of the stdout lines, in order
		stderrHas  string
		wantOutput bool
	}{
		{
			name: "ok",
			args: []string{"synth", "--out", filepath.Join(tmp, "s"), "--extent-km", "0.2x0.2", "--sheet-km", "0.1", "--seed", "3", "--defects", "missing,bias=0.3", "--preview"},
			code: exitOK,
			stdout: []string{
				"scene    EPSG:25830, 0.2×0.2 km at E 355000 N 4610000, seed 3",
				"sheets   4 of 0.1 km",
				"files    31 in ",
				"changed  ",
				"changes  ",
				"lidar t0 ",
				"lidar t1 ",
				"defects  missing,bias=0.3",
			},
			wantOutput: true,
		},
		{name: "help", args: []string{"synth", "-h"}, code: exitOK, stderrHas: "-extent-km WxH"},
		{name: "no out", args: []string{"synth"}, code: exitUsage, stderrHas: "needs --out"},
		{name: "bad extent", args: []string{"synth", "--out", filepath.Join(tmp, "x"), "--extent-km", "2"}, code: exitUsage, stderrHas: "--extent-km"},
		{name: "bad defects", args: []string{"synth", "--out", filepath.Join(tmp, "x"), "--defects", "holes"}, code: exitUsage, stderrHas: `unknown defect "holes"`},
		{name: "bad sheet", args: []string{"synth", "--out", filepath.Join(tmp, "x"), "--sheet-km", "-1"}, code: exitUsage, stderrHas: "--sheet-km"},
		{name: "argument", args: []string{"synth", "--out", filepath.Join(tmp, "x"), "extra"}, code: exitUsage, stderrHas: "no arguments"},
		{name: "foreign dir", args: []string{"synth", "--out", foreign, "--extent-km", "0.2x0.2"}, code: exitFailure, stderrHas: "not empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			if tt.stderrHas != "" && !strings.Contains(stderr.String(), tt.stderrHas) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.stderrHas)
			}
			if code != exitOK && strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
				t.Errorf("error is not one line: %q", stderr.String())
			}
			if !tt.wantOutput {
				return
			}
			lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
			if len(lines) != len(tt.stdout) {
				t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(tt.stdout), stdout.String())
			}
			for i, prefix := range tt.stdout {
				if !strings.HasPrefix(lines[i], prefix) {
					t.Errorf("line %d = %q, want prefix %q", i+1, lines[i], prefix)
				}
			}
			// Not a terminal: plain progress lines only, ending with all files done.
			for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				if !strings.HasPrefix(l, "synth: ") {
					t.Errorf("stderr line %q is not progress", l)
				}
			}
			if !strings.Contains(stderr.String(), "blocks done") {
				t.Errorf("no progress on stderr: %q", stderr.String())
			}
		})
	}
}
