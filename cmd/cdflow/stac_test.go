package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStacValidateCommand(t *testing.T) {
	tmp := t.TempDir()
	valid := filepath.Join("testdata", "stac", "valid")

	// broken: the fixture with cdflow's "val" where ml-aoi wants "validate".
	broken := filepath.Join(tmp, "broken")
	if err := os.CopyFS(broken, os.DirFS(valid)); err != nil {
		t.Fatal(err)
	}
	item := filepath.Join(broken, "demo", "tile", "tile.json")
	data, err := os.ReadFile(item)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(item, bytes.Replace(data, []byte(`"ml-aoi:split": "validate"`), []byte(`"ml-aoi:split": "val"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    []string // the stdout lines, each as a prefix
		stderrHas string
	}{
		{
			name:   "valid catalog file",
			args:   []string{"stac", "validate", filepath.Join(valid, "catalog.json")},
			code:   exitOK,
			stdout: []string{"3 objects, 0 invalid"},
		},
		{
			name:   "valid folder, schemas given",
			args:   []string{"stac", "validate", valid, "--schemas", sharedSchemas(t)},
			code:   exitOK,
			stdout: []string{"3 objects, 0 invalid"},
		},
		{
			name: "broken item",
			args: []string{"stac", "validate", broken},
			code: exitFailure,
			stdout: []string{
				item + ": https://stac-extensions.github.io/ml-aoi/v0.2.0/schema.json#/definitions/fields/properties/ml-aoi:split/enum: at /properties/ml-aoi:split: value must be one of",
				"3 objects, 1 invalid",
			},
		},
		{name: "missing catalog", args: []string{"stac", "validate", filepath.Join(tmp, "nowhere")}, code: exitFailure, stderrHas: "nowhere"},
		{name: "missing schema folder", args: []string{"stac", "validate", "--schemas", filepath.Join(tmp, "schemas"), valid}, code: exitFailure, stderrHas: "does not exist"},
		{name: "no path", args: []string{"stac", "validate"}, code: exitUsage, stderrHas: "one catalog path"},
		{name: "two paths", args: []string{"stac", "validate", valid, valid}, code: exitUsage, stderrHas: "got 2 arguments"},
		{name: "bad flag", args: []string{"stac", "validate", "--strict", valid}, code: exitUsage, stderrHas: "-strict"},
		{name: "validate help", args: []string{"stac", "validate", "-h"}, code: exitOK, stderrHas: "Usage: cdflow stac validate [flags] PATH"},
		{name: "no subcommand", args: []string{"stac"}, code: exitUsage, stderrHas: "validate"},
		{name: "unknown subcommand", args: []string{"stac", "publish"}, code: exitUsage, stderrHas: `unknown stac command "publish"`},
		{name: "stac help", args: []string{"stac", "help"}, code: exitOK, stdout: []string{"Usage: cdflow stac", "", "Commands:", "  validate", "  browser-config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout: %s; stderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			if tt.stderrHas != "" && !strings.Contains(stderr.String(), tt.stderrHas) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.stderrHas)
			}
			if tt.stdout == nil {
				return
			}
			lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
			if len(lines) != len(tt.stdout) {
				t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(tt.stdout), stdout.String())
			}
			for i, want := range tt.stdout {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("stdout line %d = %q, want prefix %q", i+1, lines[i], want)
				}
			}
		})
	}
}

// TestStacValidateUnchecked: an object whose schema cannot be loaded (an
// extension the offline folder lacks) is counted as not checked, not as
// invalid; the schema is named once however many objects list it, and the
// command exits 3, not 0 (nothing was shown valid) nor 1 (nothing invalid).
func TestStacValidateUnchecked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "catalog")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "stac", "valid"))); err != nil {
		t.Fatal(err)
	}
	item := filepath.Join(dir, "demo", "tile", "tile.json")
	data, err := os.ReadFile(item)
	if err != nil {
		t.Fatal(err)
	}
	const sat = "https://stac-extensions.github.io/sat/v1.0.0/schema.json"
	edited := bytes.Replace(data, []byte(`"stac_extensions": [`), []byte(`"stac_extensions": ["`+sat+`", `), 1)
	if bytes.Equal(edited, data) {
		t.Fatal("the fixture item lists no stac_extensions")
	}
	if err := os.WriteFile(item, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	// A second item listing the same extension.
	second := filepath.Join(dir, "demo", "tile2", "tile2.json")
	if err := os.MkdirAll(filepath.Dir(second), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(second, bytes.Replace(edited, []byte(`"id": "tile"`), []byte(`"id": "tile2"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	coll := filepath.Join(dir, "demo", "collection.json")
	cdata, err := os.ReadFile(coll)
	if err != nil {
		t.Fatal(err)
	}
	link := []byte(`"href": "tile/tile.json",`)
	cedited := bytes.Replace(cdata, link, []byte(`"href": "tile2/tile2.json", "rel": "item", "type": "application/geo+json"}, {`+string(link)), 1)
	if bytes.Equal(cedited, cdata) {
		t.Fatal("the fixture collection does not link tile/tile.json")
	}
	if err := os.WriteFile(coll, cedited, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := Main([]string{"stac", "validate", "--schemas", sharedSchemas(t), dir}, &stdout, &stderr)
	if code != exitUnchecked {
		t.Fatalf("exit %d, want %d; stdout: %s; stderr: %s", code, exitUnchecked, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout has %d lines, want 2:\n%s", len(lines), stdout.String())
	}
	if !strings.HasPrefix(lines[0], item+": schema: cannot load "+sat) && !strings.HasPrefix(lines[0], second+": schema: cannot load "+sat) {
		t.Errorf("problem line %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "4 objects, 0 invalid, 2 not checked: a schema could not be loaded") {
		t.Errorf("summary %q", lines[1])
	}
}

// sharedSchemas is the offline schema folder the default lookup finds.
func sharedSchemas(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CDFLOW_STAC_SCHEMAS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "stac-schemas")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("offline STAC schemas not found (%v): set CDFLOW_STAC_SCHEMAS", err)
	}
	return dir
}
