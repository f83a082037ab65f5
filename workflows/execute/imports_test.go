package execute_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/cdflow/cdflow"

// deps lists the packages pkg depends on, itself included, from go list.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", module+"/"+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// The executor and the release stage run any registered step and publisher
// through the plugin interfaces alone: adding a step is one package and one
// registration, and nothing here changes. The layers below the plugins
// know neither the plugins nor the workflow layer.
func TestImports(t *testing.T) {
	tests := []struct {
		pkg       string
		forbidden []string // import path prefixes
	}{
		{"workflows/execute", []string{module + "/plugins/"}},
		{"workflows/release", []string{module + "/plugins/"}},
		{"workflows/plans", []string{module + "/plugins/", module + "/workflows/execute"}},
		{"workflows/shard", []string{module + "/plugins/"}},
		{"workflows", []string{module + "/plugins/", module + "/workflows/execute", module + "/workflows/release"}},
		{"plugins", []string{module + "/plugins/", module + "/workflows"}},
		{"raster", []string{module + "/plugins", module + "/workflows", module + "/catalog"}},
		{"catalog", []string{module + "/plugins", module + "/workflows"}},
		{"schema", []string{module + "/plugins", module + "/workflows", module + "/catalog", module + "/stac"}},
		{"stac", []string{module + "/plugins", module + "/workflows", module + "/catalog"}},
		{"synth", []string{module + "/plugins", module + "/workflows"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			for _, d := range deps(t, tt.pkg) {
				for _, f := range tt.forbidden {
					if strings.HasPrefix(d, f) {
						t.Errorf("%s depends on %s", tt.pkg, d)
					}
				}
			}
		})
	}
	// One GDAL wrapper: only the raster package binds godal.
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			if imp == "github.com/airbusgeo/godal" && f[0] != module+"/raster" {
				t.Errorf("%s imports godal; go through package raster", f[0])
			}
		}
	}
}
