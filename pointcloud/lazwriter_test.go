package pointcloud

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"testing"

	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
	"github.com/cdflow/cdflow/pointcloud/internal/laz/lazenc"
)

// itemsFor lists the LASzip items LASzip itself uses for a point format.
func itemsFor(format uint8, extra int, layered bool) []LASzipItem {
	var items []LASzipItem
	if !layered {
		items = []LASzipItem{{ItemPoint10, 20, 2}}
		lay := layoutOf(format)
		if lay.gps >= 0 {
			items = append(items, LASzipItem{ItemGPSTime11, 8, 2})
		}
		if lay.rgb >= 0 {
			items = append(items, LASzipItem{ItemRGB12, 6, 2})
		}
		if extra > 0 {
			items = append(items, LASzipItem{ItemByte, uint16(extra), 2})
		}
		return items
	}
	items = []LASzipItem{{ItemPoint14, 30, 3}}
	switch format {
	case 7:
		items = append(items, LASzipItem{ItemRGB14, 6, 3})
	case 8:
		items = append(items, LASzipItem{ItemRGBNIR14, 8, 3})
	}
	if extra > 0 {
		items = append(items, LASzipItem{ItemByte14, uint16(extra), 3})
	}
	return items
}

// lazSpec says how to compress: chunk sizes (all but the last must be
// equal for fixed chunking) and whether to write a variable chunk table.
type lazSpec struct {
	layered  bool
	chunks   []int // points per chunk
	variable bool
	version  uint16 // item version override (4 for v4 layered), 0 = default
	single   bool   // compressor 1: one stream, no chunk table
}

// writeLAZ compresses the LAS file held in src. Header and VLRs are copied,
// EVLRs dropped.
func writeLAZ(t testing.TB, src []byte, spec lazSpec) []byte {
	t.Helper()
	f, err := OpenReader(bytes.NewReader(src), int64(len(src)), "src")
	if err != nil {
		t.Fatal(err)
	}
	h := f.Header()
	all, err := f.ReadAll(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	items := itemsFor(h.PointFormat, h.ExtraBytes(), spec.layered)
	if spec.version != 0 {
		for i := range items {
			items[i].Version = spec.version
		}
	}
	le := binary.LittleEndian
	chunkSize := uint32(0xFFFFFFFF)
	if !spec.variable {
		chunkSize = uint32(spec.chunks[0])
	}
	var vlr []byte
	vlr = le.AppendUint16(vlr, 0)
	var user [16]byte
	copy(user[:], "laszip encoded")
	vlr = append(vlr, user[:]...)
	vlr = le.AppendUint16(vlr, 22204)
	zipLen := 34 + 6*len(items)
	vlr = le.AppendUint16(vlr, uint16(zipLen))
	vlr = append(vlr, make([]byte, 32)...)
	compressor := uint16(CompressorPointwiseChunked)
	if spec.single {
		compressor = CompressorPointwise
	}
	if spec.layered {
		compressor = CompressorLayeredChunked
	}
	vlr = le.AppendUint16(vlr, compressor)
	vlr = le.AppendUint16(vlr, 0)
	vlr = append(vlr, 3, 4)
	vlr = le.AppendUint16(vlr, 0)
	vlr = le.AppendUint32(vlr, 0)
	vlr = le.AppendUint32(vlr, chunkSize)
	vlr = le.AppendUint64(vlr, math.MaxUint64)
	vlr = le.AppendUint64(vlr, math.MaxUint64)
	vlr = le.AppendUint16(vlr, uint16(len(items)))
	for _, it := range items {
		vlr = le.AppendUint16(vlr, it.Type)
		vlr = le.AppendUint16(vlr, it.Size)
		vlr = le.AppendUint16(vlr, it.Version)
	}
	vlrEnd := int(h.HeaderSize)
	for _, v := range f.VLRs() {
		if !v.Extended {
			vlrEnd = int(v.Offset) + len(v.Data)
		}
	}
	out := append([]byte(nil), src[:vlrEnd]...)
	out = append(out, vlr...)
	out = append(out, src[vlrEnd:h.PointDataOffset]...)
	out[104] |= 0x80
	le.PutUint32(out[96:], h.PointDataOffset+uint32(len(vlr)))
	le.PutUint32(out[100:], h.NumberOfVLRs+1)
	if h.VersionMinor >= 4 {
		le.PutUint64(out[235:], 0)
		le.PutUint32(out[243:], 0)
	}
	tablePos := len(out)
	if !spec.single {
		out = append(out, make([]byte, 8)...)
	}
	var sizes []int
	rl := int(h.PointRecordLength)
	first := 0
	for _, n := range spec.chunks {
		recs := all.Data[first*rl : (first+n)*rl]
		first += n
		var c []byte
		if spec.layered {
			c = lazenc.LayeredChunk(lazItems(items), rl, recs)
		} else {
			c = lazenc.PointwiseChunk(lazItems(items), rl, recs)
		}
		out = append(out, c...)
		sizes = append(sizes, len(c))
	}
	if first != all.Len() {
		t.Fatalf("chunks hold %d points, file %d", first, all.Len())
	}
	if spec.single {
		return out
	}
	le.PutUint64(out[tablePos:], uint64(len(out)))
	out = le.AppendUint32(out, 0)
	out = le.AppendUint32(out, uint32(len(sizes)))
	e := arith.NewEncoder()
	ic := arith.NewIntEncoder(32, 2)
	prevN, prevS := int32(0), int32(0)
	for i, s := range sizes {
		if spec.variable {
			ic.Encode(e, prevN, int32(spec.chunks[i]), 0)
			prevN = int32(spec.chunks[i])
		}
		ic.Encode(e, prevS, int32(s), 1)
		prevS = int32(s)
	}
	return append(out, e.Done()...)
}

func fixedChunks(total, size int) []int {
	var c []int
	for total > 0 {
		n := min(size, total)
		c = append(c, n)
		total -= n
	}
	return c
}

// TestEncoderReproducesRealLAZ re-encodes the twins' LAS records and the
// COPC nodes' decoded points: the bytes must equal the real files'
// chunks, written by laz-rs, LASzip and laz-perf.
func TestEncoderReproducesRealLAZ(t *testing.T) {
	ctx := context.Background()
	for _, name := range twins {
		t.Run(name, func(t *testing.T) {
			real := readLidar(t, name+".laz")
			rf := mustOpen(t, lidarFile(t, name+".laz"))
			las, err := mustOpen(t, lidarFile(t, name+".las")).ReadAll(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			h := rf.Header()
			z := rf.LASzip()
			for i := 0; i < rf.NumChunks(); i++ {
				c := rf.Chunk(i)
				recs := las.Data[int(c.FirstPoint)*las.RecordLen : int(c.FirstPoint+c.PointCount)*las.RecordLen]
				got := lazenc.PointwiseChunk(lazItems(z.Items), int(h.PointRecordLength), recs)
				want := real[c.Offset : c.Offset+c.ByteSize]
				if !bytes.Equal(got, want) {
					t.Fatalf("chunk %d: re-encoded %d bytes differ from the real %d bytes (first difference at %d)", i, len(got), len(want), firstDiff(got, want))
				}
			}
		})
	}
	t.Run("copc", func(t *testing.T) {
		real := readLidar(t, "1.2-with-color.copc.laz")
		f := mustOpen(t, lidarFile(t, "1.2-with-color.copc.laz"))
		for i := 0; i < f.NumChunks(); i++ {
			r, err := f.ReadChunk(ctx, i, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := f.Chunk(i)
			got := lazenc.LayeredChunk(lazItems(f.LASzip().Items), r.RecordLen, r.Data)
			want := real[c.Offset : c.Offset+c.ByteSize]
			if !bytes.Equal(got, want) {
				t.Fatalf("chunk %d: re-encoded %d bytes differ from the real %d bytes (first difference at %d)", i, len(got), len(want), firstDiff(got, want))
			}
		}
	})
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
