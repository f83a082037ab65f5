// Package sharedtest finds the shared test data (the real LiDAR files, the
// STAC schemas) that sits beside the repository, for the tests of any
// package: $CDFLOW_SHARED, else ../shared next to the module root. A
// missing folder or file fails the test, naming it and the variable: these
// files are what the tests prove the code against.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Env names the variable that points at the shared folder.
const Env = "CDFLOW_SHARED"

// Dir is the shared folder, absolute.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv(Env)
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			tb.Fatalf("shared test data: %v (set %s to the shared folder)", err, Env)
		}
		dir = filepath.Join(root, "..", "shared")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		tb.Fatalf("shared test data folder %s is missing (set %s to the shared folder): %v", abs, Env, err)
	}
	return abs
}

// LidarDir is the folder of real LiDAR files, data/lidar.
func LidarDir(tb testing.TB) string {
	tb.Helper()
	return existing(tb, filepath.Join(Dir(tb), "data", "lidar"))
}

// Lidar is one real LiDAR file of data/lidar.
func Lidar(tb testing.TB, name string) string {
	tb.Helper()
	return existing(tb, filepath.Join(LidarDir(tb), name))
}

func existing(tb testing.TB, p string) string {
	tb.Helper()
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared test data %s is missing (set %s to the shared folder): %v", p, Env, err)
	}
	return p
}

// moduleRoot is the folder holding go.mod, from the test's working folder
// (its package) upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
