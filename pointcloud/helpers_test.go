package pointcloud

import (
	"github.com/cdflow/cdflow/internal/sharedtest"

	"bytes"
	"strings"
	"testing"
)

// lidarDir is the folder of real LiDAR test files: they prove the decoder.
func lidarDir(t testing.TB) string { return sharedtest.LidarDir(t) }

func lidarFile(t testing.TB, name string) string { return sharedtest.Lidar(t, name) }

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
