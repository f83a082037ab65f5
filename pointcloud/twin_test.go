package pointcloud

import (
	"bytes"
	"context"
	"testing"
)

var twins = []string{
	"autzen_trim",
	"lazrs-point10",
	"lazrs-point-time",
	"lazrs-point-color",
	"lazrs-point-time-color",
	"lazrs-extra-bytes",
}

// TestLAZTwins decodes each LAZ file and compares every record, byte for
// byte and in order, with its uncompressed twin.
func TestLAZTwins(t *testing.T) {
	ctx := context.Background()
	for _, name := range twins {
		t.Run(name, func(t *testing.T) {
			laz := mustOpen(t, lidarFile(t, name+".laz"))
			las := mustOpen(t, lidarFile(t, name+".las"))
			hz, hs := laz.Header(), las.Header()
			if !hz.Compressed || hs.Compressed {
				t.Fatalf("compressed flags: laz %v las %v", hz.Compressed, hs.Compressed)
			}
			if hz.PointCount != hs.PointCount || hz.PointFormat != hs.PointFormat || hz.PointRecordLength != hs.PointRecordLength {
				t.Fatalf("headers disagree: laz count %d format %d len %d, las count %d format %d len %d",
					hz.PointCount, hz.PointFormat, hz.PointRecordLength, hs.PointCount, hs.PointFormat, hs.PointRecordLength)
			}
			if hz.Scale != hs.Scale || hz.Offset != hs.Offset || hz.Min != hs.Min || hz.Max != hs.Max {
				t.Fatalf("scale/offset/bounds disagree: laz %v %v %v %v, las %v %v %v %v", hz.Scale, hz.Offset, hz.Min, hz.Max, hs.Scale, hs.Offset, hs.Min, hs.Max)
			}
			for _, workers := range []int{1, 2} {
				a, err := laz.ReadAll(ctx, workers)
				if err != nil {
					t.Fatalf("ReadAll(laz, %d): %v", workers, err)
				}
				b, err := las.ReadAll(ctx, workers)
				if err != nil {
					t.Fatalf("ReadAll(las): %v", err)
				}
				if uint64(a.Len()) != hz.PointCount || b.Len() != a.Len() {
					t.Fatalf("decoded %d laz and %d las records, header says %d", a.Len(), b.Len(), hz.PointCount)
				}
				for i := 0; i < a.Len(); i++ {
					if !bytes.Equal(a.Raw(i), b.Raw(i)) {
						t.Fatalf("record %d differs:\nlaz %x\nlas %x", i, a.Raw(i), b.Raw(i))
					}
				}
			}
			// The sequential iterator yields the same records.
			b, _ := las.ReadAll(ctx, 1)
			i := 0
			for rec, err := range laz.Records(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(rec, b.Raw(i)) {
					t.Fatalf("Records(): record %d differs", i)
				}
				i++
			}
			if i != b.Len() {
				t.Fatalf("Records() yielded %d records, want %d", i, b.Len())
			}
		})
	}
}
