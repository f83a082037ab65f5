package pointgrid

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// autzenPath is a real airborne LiDAR survey (829 points, LAS 1.4, format 7,
// international feet) from the project's shared test data.
const autzenPath = "/work/shared/data/lidar/autzen-bmx-2010.las"

// readLAS reads the x, y, z of an uncompressed LAS file: just enough of the
// header (offsets per the LAS 1.4 specification) to scale the integer
// coordinates of each point record.
func readLAS(tb testing.TB, path string) Points {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("reading LAS test data %s (the shared data folder must be present): %v", path, err)
	}
	if len(b) < 227 || string(b[:4]) != "LASF" {
		tb.Fatalf("%s is not a LAS file", path)
	}
	le := binary.LittleEndian
	f64 := func(off int) float64 { return math.Float64frombits(le.Uint64(b[off:])) }
	dataOff := int(le.Uint32(b[96:]))
	recLen := int(le.Uint16(b[105:]))
	n := int(le.Uint32(b[107:]))
	if b[25] >= 4 && len(b) >= 255 { // LAS 1.4: 64-bit count, legacy may be 0
		n = int(le.Uint64(b[247:]))
	}
	sx, sy, sz := f64(131), f64(139), f64(147)
	ox, oy, oz := f64(155), f64(163), f64(171)
	if recLen < 12 || dataOff+n*recLen > len(b) {
		tb.Fatalf("%s: %d records of %d bytes at %d exceed the file (%d bytes)", path, n, recLen, dataOff, len(b))
	}
	p := Points{X: make([]float64, n), Y: make([]float64, n), Z: make([]float64, n)}
	for i := range n {
		r := b[dataOff+i*recLen:]
		p.X[i] = float64(int32(le.Uint32(r[0:])))*sx + ox
		p.Y[i] = float64(int32(le.Uint32(r[4:])))*sy + oy
		p.Z[i] = float64(int32(le.Uint32(r[8:])))*sz + oz
	}
	return p
}

func TestReadLAS(t *testing.T) {
	p := readLAS(t, autzenPath)
	if p.Len() != 829 {
		t.Fatalf("%d points, want 829", p.Len())
	}
	// Ranges from the data folder's README.
	for i := range p.X {
		if p.X[i] < 194472 || p.X[i] > 194507 || p.Y[i] < 259222 || p.Y[i] > 259265 || p.Z[i] < 422 || p.Z[i] > 435 {
			t.Fatalf("point %d (%v, %v, %v) outside the documented extent", i, p.X[i], p.Y[i], p.Z[i])
		}
	}
}
