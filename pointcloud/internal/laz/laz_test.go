package laz_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
	"github.com/cdflow/cdflow/pointcloud/internal/laz/lazenc"
)

// These tests need no files: they code synthetic records. Real LAZ files
// (and the twins proving byte identity) are tested in package pointcloud.

var (
	pointwise = &laz.Codec{Items: []laz.Item{{laz.ItemPoint10, 20, 2}, {laz.ItemGPSTime11, 8, 2}, {laz.ItemRGB12, 6, 2}, {laz.ItemByte, 3, 2}}, RecordLen: 37}
	layered   = &laz.Codec{Layered: true, Items: []laz.Item{{laz.ItemPoint14, 30, 3}, {laz.ItemRGBNIR14, 8, 3}, {laz.ItemByte14, 3, 3}}, RecordLen: 41}
	layeredV4 = &laz.Codec{Layered: true, Items: []laz.Item{{laz.ItemPoint14, 30, 4}, {laz.ItemRGB14, 6, 4}}, RecordLen: 36}
)

// records makes n plausible records for c: coordinates walking, returns
// cycling, GPS time rising, colours drifting, scanner channels switching
// (layered), one extra byte constant.
func records(c *laz.Codec, n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	le := binary.LittleEndian
	out := make([]byte, n*c.RecordLen)
	x, y, z, t := int32(1000), int32(-5000), int32(300), 3e5
	for i := range n {
		rec := out[i*c.RecordLen : (i+1)*c.RecordLen]
		x += int32(r.IntN(41)) - 20
		y += int32(r.IntN(41)) - 10
		z += int32(r.IntN(9)) - 4
		if r.IntN(3) > 0 {
			t += r.Float64() * 1e-4
		}
		le.PutUint32(rec, uint32(x))
		le.PutUint32(rec[4:], uint32(y))
		le.PutUint32(rec[8:], uint32(z))
		le.PutUint16(rec[12:], uint16(200+r.IntN(50)))
		nr := 1 + r.IntN(4)
		rn := 1 + i%nr
		off := 20
		if !c.Layered {
			rec[14] = byte(rn | nr<<3 | (i/7%2)<<6)
			rec[15] = byte(2 + r.IntN(3))
			rec[16] = byte(int8(r.IntN(30) - 15))
			rec[17] = byte(i / 100)
			le.PutUint16(rec[18:], uint16(7+i/500))
		} else {
			rec[14] = byte(rn | nr<<4)
			rec[15] = byte((i/50%3+i/1000)%4)<<4 | byte(i/9%2)<<6
			rec[16] = byte(2 + r.IntN(3))
			rec[17] = byte(i / 100)
			le.PutUint16(rec[18:], uint16(r.IntN(3000)-1500))
			le.PutUint16(rec[20:], uint16(7+i/500))
			off = 22
		}
		le.PutUint64(rec[off:], math.Float64bits(t))
		off += 8
		for k := 0; k < 3; k++ {
			le.PutUint16(rec[off+2*k:], uint16(30000+i*k+r.IntN(100)))
		}
		off += 6
		if c.Layered && c.Items[1].Type == laz.ItemRGBNIR14 {
			le.PutUint16(rec[off:], uint16(i*3))
			off += 2
		}
		if off+3 <= len(rec) {
			rec[off], rec[off+1], rec[off+2] = byte(i%7), byte(r.IntN(2)), 42
		}
	}
	return out
}

func encode(c *laz.Codec, recs []byte) []byte {
	if c.Layered {
		return lazenc.LayeredChunk(c.Items, c.RecordLen, recs)
	}
	return lazenc.PointwiseChunk(c.Items, c.RecordLen, recs)
}

// TestDecodeRoundTrip decodes encoded chunks with one Decoder (models
// recycled between chunks) and compares every byte.
func TestDecodeRoundTrip(t *testing.T) {
	ctx := context.Background()
	var dec laz.Decoder
	for name, c := range map[string]*laz.Codec{"pointwise": pointwise, "layered": layered, "layered-v4": layeredV4} {
		for _, n := range []int{1, 2, 5000} {
			want := records(c, n, uint64(n))
			got, err := dec.Decode(ctx, c, encode(c, want), uint64(n), nil)
			if err != nil {
				t.Fatalf("%s, %d points: %v", name, n, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s, %d points: records differ", name, n)
			}
		}
	}
}

// TestDecodeErrors checks each refusal's sentinel and message, and that
// the Decoder decodes correctly after a failure.
func TestDecodeErrors(t *testing.T) {
	ctx := context.Background()
	pw := encode(pointwise, records(pointwise, 500, 1))
	ly := encode(layered, records(layered, 500, 2))
	countAt := layered.RecordLen // the layered chunk's point count
	patched := func(b []byte, off int, v uint32) []byte {
		b = bytes.Clone(b)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	cases := []struct {
		name  string
		c     *laz.Codec
		data  []byte
		count uint64
		want  error
		msg   string
	}{
		{"short", pointwise, pw[:20], 500, laz.ErrTruncated, "chunk has 20 bytes, its first record needs 37"},
		{"dense", pointwise, pw[:40], 1 << 30, laz.ErrCountMismatch, "1073741824 points cannot fit in 40 bytes"},
		{"pointwise-cut", pointwise, pw[:len(pw)/2], 500, laz.ErrCountMismatch, "compressed data ends at point"},
		{"pointwise-more", pointwise, pw, 600, laz.ErrCountMismatch, "of 600"},
		{"layered-no-count", layered, ly[:countAt+2], 500, laz.ErrTruncated, "chunk ends before its point count"},
		{"layered-count", layered, patched(ly, countAt, 499), 500, laz.ErrCountMismatch, "chunk says it holds 499 points, the index says 500"},
		{"layered-sizes", layered, ly[:countAt+4+10], 500, laz.ErrTruncated, "chunk ends inside its layer sizes"},
		{"layered-layer", layered, patched(ly, countAt+4, 1<<30), 500, laz.ErrTruncated, "layer 0 of item 0 needs 1073741824 bytes"},
		{"layered-cut", layered, ly[:len(ly)-200], 500, laz.ErrTruncated, "layer"},
		{"layered-garbled", layered, patched(ly, countAt+4+4*13, 0xFFFFFFFF), 500, laz.ErrTruncated, "layer"},
	}
	var dec laz.Decoder
	for _, k := range cases {
		if _, err := dec.Decode(ctx, k.c, k.data, k.count, nil); !errors.Is(err, k.want) || !strings.Contains(err.Error(), k.msg) {
			t.Errorf("%s: error %v, want %v with %q", k.name, err, k.want, k.msg)
		}
		want := records(k.c, 500, 9)
		if got, err := dec.Decode(ctx, k.c, encode(k.c, want), 500, nil); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: decoding after the failure: %v", k.name, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := dec.Decode(cctx, layered, encode(layered, records(layered, 5000, 3)), 5000, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}
