package main

import (
	"github.com/cdflow/cdflow/internal/sharedtest"

	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const pointWorkflow = `
dataset "autzen" {
  title   = "Autzen DSM"
  license = "CC0-1.0"
  version = "1.0.0"
}
source "pointcloud" "t0" {
  files    = ["lidar/*.laz"]
  datetime = "2010-01-01"
}
tiling {
  size   = 250
  origin = [0, 0]
}
step "rasterize" "dsm" {
  input      = source.pointcloud.t0
  resolution = 5
  max_edge   = 30
}
split {
  ratios = { train = 0.7, test = 0.3 }
}
publish "stac" "catalog" {}
`

// vlrs calls fn with the offset of each VLR header of a LAS 1.2 file.
func vlrs(t *testing.T, b []byte, fn func(off int, user string, id uint16)) {
	t.Helper()
	off := int(binary.LittleEndian.Uint16(b[94:]))
	n := int(binary.LittleEndian.Uint32(b[100:]))
	for range n {
		user := string(bytes.TrimRight(b[off+2:off+18], "\x00"))
		fn(off, user, binary.LittleEndian.Uint16(b[off+18:]))
		off += 54 + int(binary.LittleEndian.Uint16(b[off+20:]))
	}
}

// TestPointCloudRelease runs the point-cloud workflow and then breaks its
// LAZ file in each way a delivery can be broken: the run stops with exit
// code 1 and a message naming the file and what to do, and the release
// published before stays as it was.
func TestPointCloudRelease(t *testing.T) {
	base := filepath.Join(t.TempDir(), "scene")
	if err := os.MkdirAll(filepath.Join(base, "lidar"), 0o755); err != nil {
		t.Fatal(err)
	}
	laz, err := os.ReadFile(sharedtest.Lidar(t, "autzen_trim.laz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "lidar", "autzen.laz"), laz, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "workflow.hcl"), []byte(pointWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	wf, out := filepath.Join(base, "workflow.hcl"), filepath.Join(base, "out")
	code, _, msg := runIn(t, "run", "-j", "2", wf, "--out", out)
	if code != 0 {
		t.Fatalf("good point cloud: exit %d\n%s", code, msg)
	}
	// What the run says it starts after the tiles: the split only where
	// the workflow has one (a workflow that only computes the products).
	if !regexp.MustCompile(`(?m)^statistics and split of [1-9][0-9]* tiles$`).MatchString(msg) {
		t.Errorf("run with a split block does not announce the split:\n%s", msg)
	}
	noSplit := filepath.Join(base, "nosplit", "workflow.hcl")
	if err := os.MkdirAll(filepath.Dir(noSplit), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "lidar"), filepath.Join(base, "nosplit", "lidar")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(noSplit, []byte(regexp.MustCompile(`(?s)split \{.*?\n\}\npublish .*`).ReplaceAllString(pointWorkflow, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, msg := runIn(t, "run", "-j", "2", noSplit, "--out", filepath.Join(base, "nosplit", "out")); code != 0 || !regexp.MustCompile(`(?m)^statistics of [1-9][0-9]* tiles$`).MatchString(msg) {
		t.Errorf("run without a split block: exit %d, want it to announce the statistics alone:\n%s", code, msg)
	}
	t.Setenv("CDFLOW_STAC_SCHEMAS", filepath.Join(sharedtest.Dir(t), "stac-schemas"))
	if code, stdout, msg := runIn(t, "stac", "validate", filepath.Join(out, "catalog")); code != 0 {
		t.Fatalf("stac validate: exit %d\n%s%s", code, stdout, msg)
	}
	items, _ := filepath.Glob(filepath.Join(out, "catalog", "autzen", "1.0.0", "items", "*", "*.json"))
	if len(items) == 0 {
		t.Fatal("no items published")
	}
	for _, it := range items {
		b, err := os.ReadFile(it)
		if err != nil {
			t.Fatal(err)
		}
		if want := "source.pointcloud.t0 read 110000 points from autzen.laz, keeping without classes 7, 18"; !strings.Contains(string(b), want) {
			t.Errorf("%s: the lineage does not say %q", filepath.Base(it), want)
		}
	}

	tests := []struct {
		name    string
		breakIt func(b []byte) []byte
		want    []string
	}{
		{"not a LAS file", func(b []byte) []byte { return []byte("x,y,z\n1,2,3\n") },
			[]string{"autzen.laz", "not a LAS/LAZ file"}},
		{"a truncated header", func(b []byte) []byte { return b[:150] },
			[]string{"autzen.laz", "truncated"}},
		{"truncated points", func(b []byte) []byte { return b[:len(b)*6/10] },
			[]string{"autzen.laz", "truncated"}},
		{"an unsupported compressor", func(b []byte) []byte {
			vlrs(t, b, func(off int, user string, id uint16) {
				if user == "laszip encoded" && id == 22204 {
					binary.LittleEndian.PutUint16(b[off+54:], 7)
				}
			})
			return b
		}, []string{"autzen.laz", "unsupported", "compressor"}},
		{"more points declared than stored", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[107:], binary.LittleEndian.Uint32(b[107:])+5000)
			return b
		}, []string{"autzen.laz", "chunk 2", "point count disagrees", "download it again"}},
		{"no CRS", func(b []byte) []byte {
			vlrs(t, b, func(off int, user string, id uint16) {
				if user == "LASF_Projection" {
					copy(b[off+2:], "LASF_Nothing\x00\x00\x00")
				}
			})
			return b
		}, []string{"autzen.laz", "no coordinate reference system", "set crs in the source block"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "scene")
			copyTree(t, base, dir)
			editWorkflow(t, dir, `version = "1.0.0"`, fmt.Sprintf(`version = "1.1.%d"`, i))
			os.RemoveAll(filepath.Join(dir, "out", "run"))
			f := filepath.Join(dir, "lidar", "autzen.laz")
			if err := os.WriteFile(f, tc.breakIt(bytes.Clone(laz)), 0o644); err != nil {
				t.Fatal(err)
			}
			catalogDir := filepath.Join(dir, "out", "catalog")
			before := treeListing(t, catalogDir)
			code, _, msg := runIn(t, "run", "-j", "2", filepath.Join(dir, "workflow.hcl"), "--out", filepath.Join(dir, "out"))
			if code != exitFailure {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", code, msg)
			}
			t.Logf("stderr: %s", firstLines(msg, 8))
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, firstLines(msg, 20))
				}
			}
			if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", msg)
			}
			sameTree(t, before, treeListing(t, catalogDir))
		})
	}
}
