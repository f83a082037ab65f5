package pointgrid

import (
	"context"
	"math"
	"testing"
)

// fuzzPoints decodes bytes into at most 64 points on a small 16×16 lattice
// (so collinear, cocircular and duplicate points are the rule), scaled and
// offset by the first byte; byte values ≥ 250 become special coordinates
// (NaN, ±Inf, huge, tiny) and make the set "hostile".
func fuzzPoints(data []byte) (p Points, scale, off float64, hostile bool) {
	if len(data) == 0 {
		return p, 1, 0, false
	}
	scales := []float64{1, 0.01, 0.37, 1e-6, 1e6, 0x1p-50}
	offs := []float64{0, offX, offY, -1e5}
	scale, off = scales[int(data[0])%len(scales)], offs[int(data[0])/len(scales)%len(offs)]
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e300, 1e-300, -1e300}
	coord := func(b byte) float64 {
		if b >= 250 {
			hostile = true
			return specials[int(b-250)%len(specials)]
		}
		return off + float64(b%16)*scale
	}
	data = data[1:]
	for k := 0; k+1 < len(data) && p.Len() < 64; k += 2 {
		p.X = append(p.X, coord(data[k]))
		p.Y = append(p.Y, coord(data[k+1]))
		p.Z = append(p.Z, float64(data[k]^data[k+1]))
	}
	return p, scale, off, hostile
}

// FuzzTIN: no input may panic; for sane coordinates the triangulation must
// also pass every Delaunay check, and every interpolated value must lie
// within the range of the z values.
func FuzzTIN(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6})
	f.Add([]byte{7, 0, 0, 15, 0, 0, 15, 15, 15, 5, 5, 5, 5, 10, 10})
	f.Add([]byte{13, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4})
	f.Add([]byte{2, 250, 1, 3, 251, 4, 4, 8, 2, 254, 255})
	f.Add([]byte{5, 1, 1, 1, 2, 2, 1, 2, 2, 1, 1, 9, 9, 9, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, scale, off, hostile := fuzzPoints(data)
		g := Grid{MinX: off, MaxY: off + 16*scale, Res: scale, Width: 16, Height: 16}
		if g.Validate() != nil {
			return
		}
		out, err := TIN(context.Background(), g, p, TINOptions{}, -1)
		if err != nil {
			t.Fatalf("TIN: %v", err)
		}
		if _, err := IDW(context.Background(), g, p, IDWOptions{Power: 2, Radius: 3 * scale, MaxPoints: 4}, -1); err != nil {
			t.Fatalf("IDW: %v", err)
		}
		if hostile {
			return
		}
		d, err := triangulate(context.Background(), p.X, p.Y)
		if err != nil {
			t.Fatal(err)
		}
		checkDelaunay(t, d, p.X, p.Y, true)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, z := range p.Z {
			lo, hi = min(lo, z), max(hi, z)
		}
		for i, v := range out {
			if v != -1 && (float64(v) < lo-1e-3 || float64(v) > hi+1e-3) {
				t.Fatalf("cell %d: %v outside the z range [%v, %v]", i, v, lo, hi)
			}
		}
	})
}
