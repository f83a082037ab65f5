package pointcloud

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lidarDir returns the folder of real LiDAR test files: $CDFLOW_SHARED
// (the shared folder) or ../shared from the repository root. A missing
// folder fails the test: these files are what prove the decoder.
func lidarDir(t testing.TB) string {
	t.Helper()
	shared := os.Getenv("CDFLOW_SHARED")
	if shared == "" {
		shared = filepath.Join("..", "..", "shared")
	}
	dir := filepath.Join(shared, "data", "lidar")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		abs, _ := filepath.Abs(dir)
		t.Fatalf("LiDAR test data folder %s is missing (set CDFLOW_SHARED to the shared folder): %v", abs, err)
	}
	return dir
}

func lidarFile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(lidarDir(t), name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("LiDAR test file %s is missing: %v", p, err)
	}
	return p
}

func mustOpen(t testing.TB, path string) *File {
	t.Helper()
	f, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
