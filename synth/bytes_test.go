package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSameBytesOutOfOrder: the promise "the same flags give the same bytes"
// holds whatever order the workers finish their blocks in. Each run is a
// child process, so it can have a 1 MB GDAL block cache (GDAL reads the size
// once per process): tiles leave the cache while the scene is being made, as
// they do in a large scene, instead of all at the end in tile order. The
// runs hold back opposite halves of the blocks, so their blocks finish in
// different orders.
func TestSameBytesOutOfOrder(t *testing.T) {
	if out := os.Getenv("CDFLOW_SYNTH_BYTES_OUT"); out != "" {
		slow, err := strconv.Atoi(os.Getenv("CDFLOW_SYNTH_BYTES_SLOW"))
		if err != nil {
			t.Fatal(err)
		}
		blockMadeHook = func(b block) {
			if (b.si+b.bi)%2 == slow {
				time.Sleep(300 * time.Millisecond)
			}
		}
		defer func() { blockMadeHook = nil }()
		// Two sheets of 300 m, each cut into four blocks.
		opt := Options{Out: out, ExtentKm: [2]float64{0.6, 0.3}, SheetKm: 0.3, Seed: 7}
		if _, err := Generate(context.Background(), opt); err != nil {
			t.Fatal(err)
		}
		return
	}
	var sums [2]map[string]string
	var dirs [2]string
	for run := range 2 {
		out := filepath.Join(t.TempDir(), "scene")
		dirs[run] = out
		cmd := exec.Command(os.Args[0], "-test.run=^TestSameBytesOutOfOrder$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			"CDFLOW_SYNTH_BYTES_OUT="+out,
			"CDFLOW_SYNTH_BYTES_SLOW="+strconv.Itoa(run),
			"GDAL_CACHEMAX=1",
			"GOMAXPROCS=2",
		)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, b)
		}
		sums[run] = treeSums(t, out)
	}
	a, b := sums[0], sums[1]
	if len(a) < 15 || len(a) != len(b) {
		t.Fatalf("runs wrote %d and %d files", len(a), len(b))
	}
	for name, sum := range a {
		if b[name] != sum {
			t.Errorf("%s differs between two runs with the same flags (sha256 %.12s, %.12s)%s", name, sum, b[name], pixelsDiffer(dirs[0], dirs[1], name))
		}
	}
}

// pixelsDiffer says, for a GeoTIFF whose bytes differ, whether its pixels
// do too (GDAL's checksums of each band), or only its layout.
func pixelsDiffer(dir0, dir1, name string) string {
	if filepath.Ext(name) != ".tif" {
		return ""
	}
	var sums [2]string
	for i, dir := range []string{dir0, dir1} {
		out, err := exec.Command("gdalinfo", "-checksum", "-nomd", "-nofl", filepath.Join(dir, filepath.FromSlash(name))).CombinedOutput()
		if err != nil {
			return fmt.Sprintf("; gdalinfo: %v", err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "Checksum=") {
				sums[i] += strings.TrimSpace(line) + " "
			}
		}
	}
	if sums[0] == sums[1] {
		return "; the pixels are the same (" + sums[0] + ")"
	}
	return "; the pixels differ: " + sums[0] + "against " + sums[1]
}

// treeSums returns the sha256 of every file under dir.
func treeSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	for name, data := range readTree(t, dir) {
		h := sha256.Sum256(data)
		sums[name] = hex.EncodeToString(h[:])
	}
	return sums
}
