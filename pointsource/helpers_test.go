package pointsource

import (
	"github.com/cdflow/cdflow/internal/sharedtest"

	"cmp"
	"context"
	"encoding/binary"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/cdflow/cdflow/pointcloud"
)

// lidarDir is the folder of real LiDAR files: they prove the binning.
func lidarDir(t testing.TB) string { return sharedtest.LidarDir(t) }

// lidarFile is one real LiDAR file.
func lidarFile(t testing.TB, name string) string { return sharedtest.Lidar(t, name) }

// synth is a point of a hand-built record: integer coordinates, class,
// return number and count, and the LAS 1.4 classification flags (bit 0
// synthetic, 1 key-point, 2 withheld, 3 overlap) whatever the layout.
type synth struct {
	X, Y, Z       int32
	Class         uint8
	Ret, N        uint8
	Flags         uint8
	ScanDir, Edge bool
	Channel       uint8 // extended layouts only
}

// encodeRecord builds the raw record of p in point format f by the LAS
// specification (1.4 R15, tables 7–17), independently of the reader.
func encodeRecord(f uint8, p synth) []byte {
	b := make([]byte, pointcloud.BaseRecordLen(f))
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(p.X))
	le.PutUint32(b[4:], uint32(p.Y))
	le.PutUint32(b[8:], uint32(p.Z))
	le.PutUint16(b[12:], 1234) // intensity
	bit := func(v bool, n uint) byte {
		if v {
			return 1 << n
		}
		return 0
	}
	if f >= 6 {
		// Byte 14: return number bits 0–3, number of returns bits 4–7.
		b[14] = p.Ret&15 | p.N<<4
		// Byte 15: classification flags bits 0–3, scanner channel 4–5,
		// scan direction 6, edge of flight line 7.
		b[15] = p.Flags&15 | (p.Channel&3)<<4 | bit(p.ScanDir, 6) | bit(p.Edge, 7)
		b[16] = p.Class
		b[17] = 9                    // user data
		le.PutUint16(b[18:], 0xFFF0) // scan angle
		le.PutUint16(b[20:], 77)     // point source ID
	} else {
		// Byte 14: return number bits 0–2, number of returns 3–5, scan
		// direction 6, edge of flight line 7.
		b[14] = p.Ret&7 | (p.N&7)<<3 | bit(p.ScanDir, 6) | bit(p.Edge, 7)
		// Byte 15: class bits 0–4, synthetic 5, key-point 6, withheld 7.
		b[15] = p.Class&31 | (p.Flags&7)<<5
		b[16] = 0xF6 // scan angle rank −10
		b[17] = 9
		le.PutUint16(b[18:], 77)
	}
	return b
}

// lasOptions are the header fields writeLAS takes.
type lasOptions struct {
	Scale, Offset [3]float64
	// Bounds overrides the header's min/max (x, y, z min then max) when set.
	Bounds *[6]float64
}

// writeLAS writes an uncompressed LAS file without VLRs holding pts in
// point format f: a LAS 1.2 header for formats 0–3, 1.3 for 4–5, 1.4 for
// 6–10.
func writeLAS(t testing.TB, path string, f uint8, pts []synth, o lasOptions) {
	t.Helper()
	minor, hsize := byte(2), 227
	switch {
	case f >= 6:
		minor, hsize = 4, 375
	case f >= 4:
		minor, hsize = 3, 235
	}
	rl := pointcloud.BaseRecordLen(f)
	h := make([]byte, hsize)
	le := binary.LittleEndian
	copy(h, "LASF")
	h[24], h[25] = 1, minor
	copy(h[26:], "cdflow test")
	copy(h[58:], "pointsource test")
	le.PutUint16(h[94:], uint16(hsize))
	le.PutUint32(h[96:], uint32(hsize))
	h[104] = f
	le.PutUint16(h[105:], uint16(rl))
	if f < 6 {
		le.PutUint32(h[107:], uint32(len(pts)))
	}
	lo := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
	hi := [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		for k, v := range [3]int32{p.X, p.Y, p.Z} {
			w := float64(v)*o.Scale[k] + o.Offset[k]
			lo[k], hi[k] = min(lo[k], w), max(hi[k], w)
		}
	}
	if o.Bounds != nil {
		b := *o.Bounds
		lo, hi = [3]float64{b[0], b[1], b[2]}, [3]float64{b[3], b[4], b[5]}
	}
	for k := range 3 {
		le.PutUint64(h[131+8*k:], math.Float64bits(o.Scale[k]))
		le.PutUint64(h[155+8*k:], math.Float64bits(o.Offset[k]))
		le.PutUint64(h[179+16*k:], math.Float64bits(hi[k]))
		le.PutUint64(h[187+16*k:], math.Float64bits(lo[k]))
	}
	if f >= 6 {
		le.PutUint64(h[247:], uint64(len(pts)))
	}
	data := h
	for _, p := range pts {
		data = append(data, encodeRecord(f, p)...)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// xyz is one binned point.
type xyz struct{ X, Y, Z float64 }

func (p *Points) triples() []xyz {
	out := make([]xyz, p.Len())
	for i := range out {
		out[i] = xyz{p.X[i], p.Y[i], p.Z[i]}
	}
	return out
}

func sortXYZ(v []xyz) []xyz {
	v = slices.Clone(v)
	slices.SortFunc(v, func(a, b xyz) int {
		return cmp.Or(cmp.Compare(a.X, b.X), cmp.Compare(a.Y, b.Y), cmp.Compare(a.Z, b.Z))
	})
	return v
}

// rule is what a filter should keep, stated independently of Filter.
type rule struct {
	keep, exclude []int
	returns       Returns
}

// wants says whether a point passes the rule: withheld points never; the
// class must be in keep (when keep is set) and not in exclude; first
// returns are return number 1 (or 0, unset: a single return), last returns
// have a return number at least the number of returns (0 unset counts).
func (r rule) wants(class, ret, n uint8, withheld bool) bool {
	if withheld {
		return false
	}
	if len(r.keep) > 0 && !slices.Contains(r.keep, int(class)) {
		return false
	}
	if slices.Contains(r.exclude, int(class)) {
		return false
	}
	switch r.returns {
	case FirstReturns:
		return ret == 0 || ret == 1
	case LastReturns:
		return ret >= n
	}
	return true
}

func (r rule) filter(t testing.TB) Filter {
	t.Helper()
	f, err := NewFilter(r.keep, r.exclude, r.returns)
	if err != nil {
		t.Fatalf("NewFilter(%v, %v, %v): %v", r.keep, r.exclude, r.returns, err)
	}
	return f
}

// decodeAll decodes every point of a file, in file order.
func decodeAll(t testing.TB, path string) []pointcloud.Point {
	t.Helper()
	f, err := pointcloud.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pts []pointcloud.Point
	for p, err := range f.Points(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		p.ExtraBytes = nil
		pts = append(pts, p)
	}
	return pts
}
