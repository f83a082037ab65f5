package cgoheap

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestEnviron(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		want    []string
		changed bool
	}{
		{"no GODEBUG", []string{"A=1"}, []string{"A=1", "GODEBUG=invalidptr=0"}, true},
		{"empty GODEBUG", []string{"GODEBUG=", "A=1"}, []string{"GODEBUG=invalidptr=0", "A=1"}, true},
		{"other settings kept", []string{"GODEBUG=gctrace=1"}, []string{"GODEBUG=gctrace=1,invalidptr=0"}, true},
		{"already off", []string{"GODEBUG=invalidptr=0"}, []string{"GODEBUG=invalidptr=0"}, false},
		{"the user's choice stands", []string{"GODEBUG=gctrace=1,invalidptr=1"}, []string{"GODEBUG=gctrace=1,invalidptr=1"}, false},
		{"the first GODEBUG is the one read", []string{"GODEBUG=x=1", "GODEBUG=invalidptr=1"}, []string{"GODEBUG=x=1,invalidptr=0"}, true},
		{"a lookalike name", []string{"NOGODEBUG=invalidptr=1"}, []string{"NOGODEBUG=invalidptr=1", "GODEBUG=invalidptr=0"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.env)
			got, changed := Environ(in)
			if changed != tt.changed || !slices.Equal(got, tt.want) {
				t.Errorf("Environ(%q) = %q, %v; want %q, %v", tt.env, got, changed, tt.want, tt.changed)
			}
			if !slices.Equal(in, tt.env) {
				t.Errorf("Environ changed its argument to %q", in)
			}
		})
	}
}

// make builds through the workspace scripts/setup.sh writes, whose godal
// zeroes its C memory; go build without it links godal as published. A test
// binary's build info lists no modules, so a program is built as cdflow is.
func TestPatchedFollowsTheWorkspace(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "patched")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/patched").CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/patched: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	ws := os.Getenv("GOWORK")
	want := strings.HasSuffix(ws, filepath.Join(".build", "go.work"))
	if got := strings.TrimSpace(string(out)); got != strconv.FormatBool(want) {
		t.Errorf("Patched() = %s in a program built with GOWORK=%q; want %v (is %s replaced in .build/go.work?)", got, ws, want, Module)
	}
}

// The program under testdata/litter stores from Go over C memory holding a
// stale heap address, as godal does, while the collector marks: without
// the setting the runtime stops it, every time on this machine; through
// Reexec it runs to the end.
func TestReexecKeepsTheCollectorFromStopping(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "litter")
	build := exec.Command("go", "build", "-o", bin, "./testdata/litter")
	build.Env = append(os.Environ(), "GOWORK=off") // the program does not use godal: as published or not
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/litter: %v\n%s", err, out)
	}
	var env []string // without a GODEBUG of the caller's
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GODEBUG=") {
			env = append(env, kv)
		}
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := run()
	if err == nil || !strings.Contains(out, "found bad pointer in Go heap") {
		t.Fatalf("unprotected: want the runtime to stop on the stale word, got %v:\n%.2000s", err, out)
	}
	out, err = run("protected")
	if err != nil || !strings.Contains(out, "survived") || !strings.Contains(out, "GODEBUG="+Setting) {
		t.Fatalf("through Reexec: want it to survive under GODEBUG=%s, got %v:\n%.2000s", Setting, err, out)
	}
}

// Two make runs started together on a fresh checkout both run
// scripts/setup.sh; they must not undo each other's copy of godal or
// workspace file. The script runs on a copy of the module holding one
// package that imports godal, three at once, from a clean .build.
func TestSetupConcurrentFirstRuns(t *testing.T) {
	root := filepath.Join("..", "..")
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum", filepath.Join("scripts", "setup.sh")} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src := "package main\n\nimport \"github.com/airbusgeo/godal\"\n\nfunc main() { godal.RegisterAll() }\n"
	if err := os.MkdirAll(filepath.Join(dir, "cmd", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cmd", "x", "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		if err := os.RemoveAll(filepath.Join(dir, ".build")); err != nil {
			t.Fatal(err)
		}
		runs := make([]*exec.Cmd, 3)
		outs := make([]strings.Builder, len(runs))
		for i := range runs {
			runs[i] = exec.Command(filepath.Join(dir, "scripts", "setup.sh"))
			runs[i].Env = append(os.Environ(), "GOWORK=off")
			runs[i].Stdout, runs[i].Stderr = &outs[i], &outs[i]
			if err := runs[i].Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range runs {
			if err := c.Wait(); err != nil {
				t.Errorf("round %d: setup.sh run %d of %d started together: %v\n%s", round, i+1, len(runs), err, outs[i].String())
			}
		}
		ws, err := os.ReadFile(filepath.Join(dir, ".build", "go.work"))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		copies, err := filepath.Glob(filepath.Join(dir, ".build", "godal-*"))
		if err != nil {
			t.Fatal(err)
		}
		nested, _ := filepath.Glob(filepath.Join(dir, ".build", "godal-*", "godal-*"))
		if len(copies) != 1 || len(nested) != 0 || !strings.Contains(string(ws), "=> ./"+filepath.Base(copies[0])) {
			t.Fatalf("round %d: .build holds %v (nested %v) and a go.work of\n%s\nwant one copy of godal, named in the workspace", round, copies, nested, ws)
		}
		if _, err := os.Stat(filepath.Join(copies[0], ".cdflow-calloc")); err != nil {
			t.Fatalf("round %d: the copy of godal is not finished: %v", round, err)
		}
		build := exec.Command("go", "build", "-o", filepath.Join(dir, "x"), "./cmd/x")
		build.Dir = dir
		build.Env = append(os.Environ(), "GOWORK="+filepath.Join(dir, ".build", "go.work"))
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("round %d: go build through the workspace: %v\n%s", round, err, out)
		}
	}
}
