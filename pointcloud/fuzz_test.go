package pointcloud

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
	"github.com/cdflow/cdflow/pointcloud/internal/laz/lazenc"
)

// fuzzMaxChunkPoints bounds the work per fuzz input: a mutated header can
// legitimately ask for millions of points per chunk.
const fuzzMaxChunkPoints = 1 << 18

// exerciseBounded is exercise with bounded work: chunks claiming more than
// fuzzMaxChunkPoints are skipped, and decoding must finish in time.
func exerciseBounded(t *testing.T, data []byte) {
	f, err := OpenReader(bytesReader(data), int64(len(data)), "fuzz.laz")
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("Open error %v is not a *Error", err)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = f.CRS()
	var recs *Records
	for i := 0; i < f.NumChunks(); i++ {
		if f.Chunk(i).PointCount > fuzzMaxChunkPoints {
			continue
		}
		recs, err = f.ReadChunk(ctx, i, recs)
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("chunk %d: decoding hangs", i)
		}
		if err == nil {
			for j := 0; j < recs.Len(); j++ {
				_ = recs.Point(j)
			}
		}
	}
	if f.COPC() != nil {
		nodes, err := f.COPCNodes(ctx, COPCQuery{})
		if err != nil {
			return
		}
		for _, n := range nodes {
			if n.PointCount <= fuzzMaxChunkPoints {
				if _, err := f.ReadNode(ctx, n, nil); errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("node %v: decoding hangs", n.Key)
				}
			}
		}
	}
}

func FuzzOpen(f *testing.F) {
	for _, name := range []string{"lazrs-point10.laz", "lazrs-point-time-color.laz", "lazrs-extra-bytes.laz", "1.2-with-color.copc.laz", "test1_4.las", "lazrs-point10.las"} {
		b := readLidar(f, name)
		f.Add(b)
		for _, cut := range []int{227, 400, len(b) / 3, len(b) - 20} {
			f.Add(b[:cut])
		}
	}
	// A generated format 8 LAZ with extra bytes and four scanner
	// channels reaches the layered decoders the real files do not.
	bmx := readLidar(f, "autzen-bmx-2010.las")
	f.Add(writeLAZ(f, derivedLAS(f, bmx, 8, 41, withExtra(38, to8multi)), lazSpec{layered: true, chunks: []int{300, 529}, variable: true}))
	f.Fuzz(func(t *testing.T, data []byte) {
		exerciseBounded(t, data)
	})
}

// chunkConfigs are the item lists FuzzDecode feeds chunk bytes to.
var chunkConfigs = []*LASzipInfo{
	{Compressor: CompressorPointwiseChunked, Items: []LASzipItem{{ItemPoint10, 20, 2}}},
	{Compressor: CompressorPointwiseChunked, Items: []LASzipItem{{ItemPoint10, 20, 2}, {ItemGPSTime11, 8, 2}, {ItemRGB12, 6, 2}}},
	{Compressor: CompressorPointwiseChunked, Items: []LASzipItem{{ItemPoint10, 20, 2}, {ItemGPSTime11, 8, 2}, {ItemRGB12, 6, 2}, {ItemByte, 27, 2}}},
	{Compressor: CompressorLayeredChunked, Items: []LASzipItem{{ItemPoint14, 30, 3}, {ItemRGB14, 6, 3}}},
	{Compressor: CompressorLayeredChunked, Items: []LASzipItem{{ItemPoint14, 30, 3}, {ItemRGBNIR14, 8, 3}, {ItemByte14, 3, 3}}},
	{Compressor: CompressorLayeredChunked, Items: []LASzipItem{{ItemPoint14, 30, 4}, {ItemRGB14, 6, 4}, {ItemByte14, 2, 4}}},
}

func recLenOf(z *LASzipInfo) int {
	n := 0
	for _, it := range z.Items {
		n += int(it.Size)
	}
	return n
}

// FuzzDecode feeds chunk bytes straight to the item decoders, past the
// header checks that stop most FuzzOpen mutations.
func FuzzDecode(f *testing.F) {
	ctx := context.Background()
	for _, seed := range []struct {
		file string
		cfg  uint8
	}{{"lazrs-point10.laz", 0}, {"lazrs-point-time-color.laz", 1}, {"lazrs-extra-bytes.laz", 2}, {"1.2-with-color.copc.laz", 3}} {
		fl := mustOpen(f, lidarFile(f, seed.file))
		for i := 0; i < min(fl.NumChunks(), 3); i++ {
			c := fl.Chunk(i)
			data := readLidar(f, seed.file)[c.Offset : c.Offset+c.ByteSize]
			f.Add(data, seed.cfg, uint16(c.PointCount))
		}
	}
	bmx := readLidar(f, "autzen-bmx-2010.las")
	for cfg, conv := range map[uint8]func(int, []byte, []byte){
		4: withExtra(38, to8multi),
		5: func(i int, old, rec []byte) { to8multi(i, old, rec); clear(rec[36:]); rec[36], rec[37] = byte(i), 9 },
	} {
		z := chunkConfigs[cfg]
		las := derivedLAS(f, bmx, 8, recLenOf(z), conv)
		off := int(binary.LittleEndian.Uint32(las[96:]))
		recs := las[off : off+400*recLenOf(z)]
		f.Add(lazenc.LayeredChunk(lazItems(z.Items), recLenOf(z), recs), cfg, uint16(400))
	}
	// One decoder for all inputs, as a worker's Records keeps one: models
	// recycled after a failed chunk must come back pristine.
	var dec laz.Decoder
	f.Fuzz(func(t *testing.T, data []byte, cfg uint8, count uint16) {
		z := chunkConfigs[int(cfg)%len(chunkConfigs)]
		out, err := dec.Decode(ctx, z.codec(recLenOf(z)), data, uint64(count), nil)
		if err == nil && len(out) != int(count)*recLenOf(z) {
			t.Fatalf("decoded %d bytes for %d records of %d", len(out), count, recLenOf(z))
		}
	})
}
