package pointcloud

import (
	"context"
	"math"
	"testing"
)

// TestTypedFormats3And7 compares typed points of autzen_trim in point
// format 3 (LAZ) and in point format 7 (LAS 1.4): the same survey, the
// same record order, so every typed field must agree.
func TestTypedFormats3And7(t *testing.T) {
	ctx := context.Background()
	a, err := mustOpen(t, lidarFile(t, "autzen_trim.laz")).ReadAll(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := mustOpen(t, lidarFile(t, "autzen_trim_7.las")).ReadAll(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != b.Len() || a.Format != 3 || b.Format != 7 {
		t.Fatalf("%d points format %d vs %d points format %d", a.Len(), a.Format, b.Len(), b.Format)
	}
	for i := 0; i < a.Len(); i++ {
		p, q := a.Point(i), b.Point(i)
		if math.Abs(p.X-q.X) > 1e-6 || math.Abs(p.Y-q.Y) > 1e-6 || math.Abs(p.Z-q.Z) > 1e-6 {
			t.Fatalf("point %d: coordinates %v,%v,%v vs %v,%v,%v", i, p.X, p.Y, p.Z, q.X, q.Y, q.Z)
		}
		if p.Intensity != q.Intensity || p.ReturnNumber != q.ReturnNumber || p.NumberOfReturns != q.NumberOfReturns ||
			p.Classification != q.Classification || p.UserData != q.UserData || p.PointSourceID != q.PointSourceID ||
			p.GPSTime != q.GPSTime || p.Red != q.Red || p.Green != q.Green || p.Blue != q.Blue ||
			p.ScanDirection != q.ScanDirection || p.EdgeOfFlightLine != q.EdgeOfFlightLine {
			t.Fatalf("point %d differs:\nformat 3 %+v\nformat 7 %+v", i, p, q)
		}
		if math.Abs(p.ScanAngle-q.ScanAngle) > 0.006 {
			t.Fatalf("point %d: scan angle %v vs %v", i, p.ScanAngle, q.ScanAngle)
		}
		if !p.HasGPSTime || !p.HasRGB || p.HasNIR || !q.HasRGB || q.HasNIR {
			t.Fatalf("point %d: presence flags wrong", i)
		}
	}
}

// TestReadBoxChunkIndex checks ReadBox on LAZ and LAS against a filtered
// full decode, and that a built index lets a small box skip chunks.
func TestReadBoxChunkIndex(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"autzen_trim.laz", "autzen_trim_7.las"} {
		t.Run(name, func(t *testing.T) {
			f := mustOpen(t, lidarFile(t, name))
			all, err := f.ReadAll(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			// The first chunk's footprint, shrunk: other chunks may overlap
			// it, but not all of them.
			first, err := f.ReadChunk(ctx, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			fb := first.Bounds().XY()
			box := Box{fb.MinX, fb.MinY, fb.MinX + (fb.MaxX-fb.MinX)/4, fb.MinY + (fb.MaxY-fb.MinY)/4}
			if err := f.BuildIndex(ctx, 2); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < f.NumChunks(); i++ {
				if !f.Chunk(i).BoundsKnown {
					t.Fatalf("chunk %d bounds unknown after BuildIndex", i)
				}
			}
			far := Box{fb.MaxX + 1e4, fb.MaxY + 1e4, fb.MaxX + 2e4, fb.MaxY + 2e4}
			if c := f.ChunksIntersecting(far); len(c) != 0 {
				t.Fatalf("a box outside the data touches chunks %v", c)
			}
			touched := f.ChunksIntersecting(box)
			if len(touched) == 0 || len(touched) >= f.NumChunks() {
				t.Logf("box touches %d of %d chunks", len(touched), f.NumChunks())
			}
			isLast := func(p *Point) bool { return p.ReturnNumber == p.NumberOfReturns }
			got, err := f.ReadBox(ctx, box, isLast)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for i := 0; i < all.Len(); i++ {
				p := all.Point(i)
				if box.Contains(p.X, p.Y) && isLast(&p) {
					want++
				}
			}
			if want == 0 || len(got) != want {
				t.Fatalf("ReadBox gave %d points, full decode %d", len(got), want)
			}
			// Typed iteration sees every point once.
			n := 0
			for p, err := range f.Points(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				if x, y, z := all.XYZ(n); p.X != x || p.Y != y || p.Z != z {
					t.Fatalf("Points(): point %d differs", n)
				}
				n++
			}
			if n != all.Len() {
				t.Fatalf("Points() yielded %d, want %d", n, all.Len())
			}
		})
	}
}
