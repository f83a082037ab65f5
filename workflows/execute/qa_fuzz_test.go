package execute_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
)

// fuzzWorkflow reads two one-file DSMs, differences them and checks them.
const fuzzWorkflow = `
dataset "fuzz" {
  title   = "fuzz"
  license = "CC0-1.0"
  version = "1.0.0"
}
source "dsm" "t0" {
  files    = ["dsm_t0.tif"]
  datetime = "2010-07-01T00:00:00Z"
}
source "dsm" "t1" {
  files    = ["dsm_t1.tif"]
  datetime = "2017-07-01T00:00:00Z"
}
tiling { size = 64 }
step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}
step "qa" "check" {
  dsm_t0 = source.dsm.t0
  dsm_t1 = source.dsm.t1
  dh     = step.difference.dh
}
`

// maxAbsDH is the qa step's default max_abs_dh.
const maxAbsDH = 60

// fuzzDSM writes a 256×256 DSM at 1 m (town-like: ground, blocks, noise),
// tiled in 256×256 blocks and DEFLATE-compressed like the synthetic
// scene's, and returns its bytes.
func fuzzDSM(t testing.TB, path string) []byte {
	t.Helper()
	crs, err := raster.CRSFromEPSG(25830)
	if err != nil {
		t.Fatal(err)
	}
	const n = 256
	img := raster.NewImage[float32](raster.Grid{CRS: crs, GeoTransform: [6]float64{355000, 1, 0, 4610256, 0, -1}, Width: n, Height: n}, 1)
	img.NoData, img.HasNoData = -9999, true
	r := rand.New(rand.NewPCG(5, 5))
	for y := range n {
		for x := range n {
			z := 690 + 0.01*float64(x)
			if (x/24+y/24)%3 == 0 && x%24 > 4 && y%24 > 4 {
				z += 12
			}
			img.Bands[0][y*n+x] = float32(z + 0.1*r.NormFloat64())
		}
	}
	if err := raster.WriteGeoTIFF(context.Background(), path, img); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corrupt flips bytes of data (each three bytes of flips: a big-endian
// position and a mask to xor there) and cuts it to cut bytes when cut is
// shorter.
func corrupt(data, flips []byte, cut uint32) []byte {
	out := bytes.Clone(data)
	for i := 0; i+2 < len(flips); i += 3 {
		pos := (int(flips[i])<<8 | int(flips[i+1])) % len(out)
		out[pos] ^= flips[i+2]
	}
	if cut > 0 && int(cut) < len(out) {
		out = out[:cut]
	}
	return out
}

// FuzzCorruptGeoTIFF corrupts the later DSM's GeoTIFF and runs the read and
// QA path on it: never a panic or a hang; either a clear error naming the
// file (or the tile), or a run in which every tile the corruption spoiled
// carries a QA flag — a tile without one has a full, plausible ΔH.
func FuzzCorruptGeoTIFF(f *testing.F) {
	base := fuzzDSM(f, filepath.Join(f.TempDir(), "dsm.tif"))
	f.Add([]byte{}, uint32(0))                                   // intact
	f.Add([]byte{0, 0, 0xff, 0, 1, 0xff}, uint32(0))             // byte order mark
	f.Add([]byte{0, 2, 0x01}, uint32(0))                         // magic number
	f.Add([]byte{0, 4, 0x40}, uint32(0))                         // first IFD offset
	f.Add([]byte{0, 0x12, 0x01}, uint32(0))                      // an IFD entry's tag
	f.Add([]byte{0, 0x1e, 0x80}, uint32(0))                      // an IFD entry's value
	f.Add([]byte{0x10, 0, 0x55, 0x20, 0, 0xaa}, uint32(0))       // compressed pixels
	f.Add([]byte{}, uint32(len(base)/2))                         // truncated by half
	f.Add([]byte{}, uint32(len(base)-16))                        // last bytes lost
	f.Add([]byte{}, uint32(200))                                 // header only
	f.Add([]byte{0x30, 0x10, 0xff, 0x30, 0x11, 0xff}, uint32(0)) // pixels, late in the file
	f.Fuzz(func(t *testing.T, flips []byte, cut uint32) {
		dir := t.TempDir()
		data := corrupt(base, flips, cut)
		for name, b := range map[string][]byte{"dsm_t0.tif": base, "dsm_t1.tif": data, "workflow.hcl": []byte(fuzzWorkflow)} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		type outcome struct {
			res *execute.Result
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			w, diags := workflows.NewParser(nil).Load(filepath.Join(dir, "workflow.hcl"), workflows.InputValues{})
			if diags.HasErrors() {
				done <- outcome{err: diags}
				return
			}
			pl, diags := plans.New(ctx, w, plans.Options{})
			if diags.HasErrors() {
				done <- outcome{err: diags}
				return
			}
			res, err := execute.Run(ctx, pl, execute.Options{Out: filepath.Join(dir, "out"), Jobs: 2})
			done <- outcome{res, err}
		}()
		var o outcome
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 10*time.Second {
				t.Logf("slow: %s", d)
			}
		}()
		select {
		case o = <-done:
		case <-time.After(90 * time.Second):
			t.Fatal("the run hangs on the corrupt file")
		}
		if o.err != nil {
			msg := o.err.Error()
			if errors.Is(o.err, context.DeadlineExceeded) {
				t.Fatalf("the run took more than 30 s: %s", msg)
			}
			if !strings.Contains(msg, "dsm_t1") && !strings.Contains(msg, "source.dsm.t1") && !strings.Contains(msg, "tile ") {
				t.Fatalf("the error names neither the file, its source nor a tile: %s", msg)
			}
			t.Logf("error: %.200s", msg)
			return
		}
		flagged := 0
		for _, tr := range o.res.Tiles {
			if len(tr.Findings) > 0 {
				flagged++
				continue
			}
			dh, err := raster.ReadFile[float32](context.Background(), filepath.Join(dir, "out", tr.Products["dh"]))
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range dh.Bands[0] {
				if v == -9999 || math.IsNaN(float64(v)) || math.Abs(float64(v)) > maxAbsDH {
					t.Fatalf("tile %s has no QA flag but ΔH %g at pixel %d", tr.Tile.ID, v, i)
				}
			}
		}
		t.Logf("%d of %d tiles flagged", flagged, len(o.res.Tiles))
	})
}
