package raster

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// benchImages are a tile's products as the 3DCD workflow makes them: an
// orthophoto at 0.5 m (400 × 400 × 3) and an elevation product at 1 m
// (200 × 200 float32), with texture so that compression has work to do.
func benchImages(b *testing.B) (*Image[uint8], *Image[float32]) {
	crs, err := CRSFromEPSG(25830)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	ortho := NewImage[uint8](NorthUp(crs, Extent{355000, 4610000, 355200, 4610200}, 0.5, 0.5), 3)
	for bd := range ortho.Bands {
		for i := range ortho.Bands[bd] {
			ortho.Bands[bd][i] = uint8(i%400/3 + (i/400)/5 + r.IntN(12) + 40*bd)
		}
	}
	dsm := NewImage[float32](NorthUp(crs, Extent{355000, 4610000, 355200, 4610200}, 1, 1), 1)
	dsm.NoData, dsm.HasNoData = -9999, true
	for i := range dsm.Bands[0] {
		dsm.Bands[0][i] = 690 + float32(i%200)*0.05 + float32(r.NormFloat64()*0.2)
	}
	return ortho, dsm
}

// BenchmarkWriteCOG writes one orthophoto and one elevation product.
func BenchmarkWriteCOG(b *testing.B) {
	ortho, dsm := benchImages(b)
	dir := b.TempDir()
	ctx := context.Background()
	b.SetBytes(int64(400*400*3 + 200*200*4))
	for b.Loop() {
		if err := WriteCOG(ctx, filepath.Join(dir, "t0.tif"), ortho); err != nil {
			b.Fatal(err)
		}
		if err := WriteCOG(ctx, filepath.Join(dir, "dsm.tif"), dsm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteQuicklook writes a 256 × 256 RGB quicklook as PNG and as
// JPEG.
func BenchmarkWriteQuicklook(b *testing.B) {
	ortho, _ := benchImages(b)
	crop, err := Crop(ortho, Extent{355000, 4610072, 355128, 4610200})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for _, f := range []struct {
		name  string
		write func(context.Context, string, *Image[uint8]) error
	}{{"PNG", WritePNG}, {"JPEG", WriteJPEG}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				if err := f.write(context.Background(), filepath.Join(dir, "q."+f.name), crop); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
