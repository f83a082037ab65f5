package lazenc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
	"github.com/cdflow/cdflow/pointcloud/internal/laz/lazenc"
)

// The item lists LASzip writes for point formats 0–3 (point-wise, v2)
// and 6–8 (layered, v3), plus v4 and extra-byte variants.
var codecs = map[string]*laz.Codec{
	"format0":      {Items: []laz.Item{item(laz.ItemPoint10, 20, 2)}, RecordLen: 20},
	"format1":      {Items: []laz.Item{item(laz.ItemPoint10, 20, 2), item(laz.ItemGPSTime11, 8, 2)}, RecordLen: 28},
	"format2":      {Items: []laz.Item{item(laz.ItemPoint10, 20, 2), item(laz.ItemRGB12, 6, 2)}, RecordLen: 26},
	"format3":      {Items: []laz.Item{item(laz.ItemPoint10, 20, 2), item(laz.ItemGPSTime11, 8, 2), item(laz.ItemRGB12, 6, 2)}, RecordLen: 34},
	"format3+5":    {Items: []laz.Item{item(laz.ItemPoint10, 20, 2), item(laz.ItemGPSTime11, 8, 2), item(laz.ItemRGB12, 6, 2), item(laz.ItemByte, 5, 2)}, RecordLen: 39},
	"format6":      {Layered: true, Items: []laz.Item{item(laz.ItemPoint14, 30, 3)}, RecordLen: 30},
	"format7":      {Layered: true, Items: []laz.Item{item(laz.ItemPoint14, 30, 3), item(laz.ItemRGB14, 6, 3)}, RecordLen: 36},
	"format8":      {Layered: true, Items: []laz.Item{item(laz.ItemPoint14, 30, 3), item(laz.ItemRGBNIR14, 8, 3)}, RecordLen: 38},
	"format8+3":    {Layered: true, Items: []laz.Item{item(laz.ItemPoint14, 30, 3), item(laz.ItemRGBNIR14, 8, 3), item(laz.ItemByte14, 3, 3)}, RecordLen: 41},
	"format8-v4+2": {Layered: true, Items: []laz.Item{item(laz.ItemPoint14, 30, 4), item(laz.ItemRGBNIR14, 8, 4), item(laz.ItemByte14, 2, 4)}, RecordLen: 40},
}

func item(typ, size, version uint16) laz.Item {
	return laz.Item{Type: typ, Size: size, Version: version}
}

func encode(c *laz.Codec, recs []byte) []byte {
	if c.Layered {
		return lazenc.LayeredChunk(c.Items, c.RecordLen, recs)
	}
	return lazenc.PointwiseChunk(c.Items, c.RecordLen, recs)
}

// generators make n records of recLen bytes, each stressing other
// branches of the item coders than real surveys do.
var generators = map[string]func(r *rand.Rand, n, recLen int) []byte{
	// Every byte random: every field changes at every point, return
	// numbers above the number of returns, scanner channels jumping,
	// GPS times of any bit pattern (NaN, infinities, huge jumps).
	"random": func(r *rand.Rand, n, recLen int) []byte {
		b := make([]byte, n*recLen)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	},
	// Identical records: nothing ever changes.
	"constant": func(r *rand.Rand, n, recLen int) []byte {
		one := make([]byte, recLen)
		for i := range one {
			one[i] = byte(r.Uint32())
		}
		return bytes.Repeat(one, n)
	},
	// Coordinates at the int32 extremes, alternating: the largest
	// corrections the integer compressor has to wrap.
	"extremes": func(r *rand.Rand, n, recLen int) []byte {
		le := binary.LittleEndian
		b := make([]byte, n*recLen)
		vals := []int32{math.MinInt32, math.MaxInt32, 0, -1, 1, math.MinInt32 + 1}
		for i := range n {
			rec := b[i*recLen:]
			for k := 0; k < 3; k++ {
				le.PutUint32(rec[4*k:], uint32(vals[r.IntN(len(vals))]))
			}
			le.PutUint16(rec[12:], uint16(vals[r.IntN(len(vals))]))
			for k := 14; k < recLen; k++ {
				if r.IntN(4) == 0 {
					rec[k] = 0xFF
				}
			}
		}
		return b
	},
	// Plausible survey data with runs: GPS times mostly rising by small
	// steps, sometimes repeating, sometimes jumping by weeks; colours
	// and channels changing in runs.
	"runs": func(r *rand.Rand, n, recLen int) []byte {
		le := binary.LittleEndian
		b := make([]byte, n*recLen)
		x, y, z, t := int32(0), int32(0), int32(0), 1e8
		var prev []byte
		for i := range n {
			rec := b[i*recLen : (i+1)*recLen]
			if prev != nil && r.IntN(5) == 0 {
				copy(rec, prev)
			} else {
				for k := range rec {
					rec[k] = byte(r.IntN(3))
				}
			}
			x += int32(r.NormFloat64() * 300)
			y += int32(r.NormFloat64() * 300)
			z += int32(r.NormFloat64() * 30)
			switch r.IntN(20) {
			case 0:
				t += float64(r.IntN(1e6))
			case 1, 2:
			default:
				t += r.Float64() * 1e-5
			}
			le.PutUint32(rec, uint32(x))
			le.PutUint32(rec[4:], uint32(y))
			le.PutUint32(rec[8:], uint32(z))
			nr := 1 + r.IntN(5)
			if recLen >= 30 && r.IntN(8) == 0 { // layered: channel switch
				rec[15] = rec[15]&^0x30 | byte(r.IntN(4))<<4
			}
			rec[14] = byte(1+r.IntN(nr)) | byte(nr)<<3&0x38
			off := 20
			if recLen >= 30 && (len(rec) == 30 || len(rec) >= 36) {
				off = 22
			}
			if off+8 <= len(rec) {
				le.PutUint64(rec[off:], math.Float64bits(t))
			}
			prev = rec
		}
		return b
	},
}

// TestRoundTrip encodes records of every kind with every item list and
// chunk size, decodes them with package laz and compares every byte.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	var dec laz.Decoder
	for cname, c := range codecs {
		for gname, gen := range generators {
			for _, n := range []int{1, 2, 3, 17, 4000} {
				r := rand.New(rand.NewPCG(uint64(n), uint64(len(cname)+len(gname))))
				want := gen(r, n, c.RecordLen)
				data := encode(c, want)
				if again := encode(c, want); !bytes.Equal(data, again) {
					t.Fatalf("%s/%s/%d: encoding is not deterministic", cname, gname, n)
				}
				got, err := dec.Decode(ctx, c, data, uint64(n), nil)
				if err != nil {
					t.Fatalf("%s/%s/%d points: %v", cname, gname, n, err)
				}
				if !bytes.Equal(got, want) {
					for i := 0; i < n; i++ {
						g, w := got[i*c.RecordLen:(i+1)*c.RecordLen], want[i*c.RecordLen:(i+1)*c.RecordLen]
						if !bytes.Equal(g, w) {
							t.Fatalf("%s/%s/%d points: record %d differs:\ngot  %x\nwant %x", cname, gname, n, i, g, w)
						}
					}
				}
			}
		}
	}
}

// TestChunkTable decodes encoded chunk tables as pointcloud reads them.
func TestChunkTable(t *testing.T) {
	cases := []struct {
		name          string
		sizes, counts []int
	}{
		{"empty", nil, nil},
		{"fixed", []int{123456, 99000, 7, 1 << 30}, nil},
		{"variable", []int{1, 2, 3, 400000}, []int{50000, 1, 0x7FFFFFFF, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := lazenc.ChunkTable(c.sizes, c.counts)
			le := binary.LittleEndian
			if v, n := le.Uint32(b), le.Uint32(b[4:]); v != 0 || int(n) != len(c.sizes) {
				t.Fatalf("version %d, %d chunks; want 0, %d", v, n, len(c.sizes))
			}
			var d arith.Decoder
			d.Init(b[8:])
			ic := arith.NewIntDecoder(32, 2)
			var pn, ps int32
			for i := range c.sizes {
				if c.counts != nil {
					pn = ic.Decode(&d, pn, 0)
					if int(pn) != c.counts[i] {
						t.Fatalf("chunk %d: count %d, want %d", i, pn, c.counts[i])
					}
				}
				ps = ic.Decode(&d, ps, 1)
				if int(ps) != c.sizes[i] {
					t.Fatalf("chunk %d: size %d, want %d", i, ps, c.sizes[i])
				}
			}
			if d.Failed() {
				t.Fatal("decoder ran out of data")
			}
		})
	}
}
