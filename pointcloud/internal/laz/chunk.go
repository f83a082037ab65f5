package laz

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
)

// growBlock is how many records the output grows by at a time: memory
// follows the points actually decoded, never a count the file claims.
const growBlock = 4096

// maxPreallocRatio is the largest decoded/compressed size ratio for which
// a chunk's records are reserved up front.
const maxPreallocRatio = 64

func newPointwiseItems(c *Codec, a *arith.Arena) []pointwiseItem {
	items := make([]pointwiseItem, len(c.Items))
	for i, it := range c.Items {
		switch it.Type {
		case ItemPoint10:
			items[i] = newPoint10v2(a)
		case ItemGPSTime11:
			items[i] = newGPS11v2(a)
		case ItemRGB12:
			items[i] = newRGB12v2(a)
		default: // ItemByte, checked by the caller
			items[i] = newBytev2(int(it.Size), a)
		}
	}
	return items
}

func newLayeredItems(c *Codec, a *arith.Arena) []layeredItem {
	items := make([]layeredItem, len(c.Items))
	for i, it := range c.Items {
		v4 := it.Version == 4
		switch it.Type {
		case ItemPoint14:
			items[i] = &point14v3{v4: v4, arena: a}
		case ItemRGB14:
			items[i] = &rgb14v3{v4: v4, arena: a}
		case ItemRGBNIR14:
			items[i] = &rgb14v3{nir: true, v4: v4, arena: a}
		default: // ItemByte14
			b := newByte14v3(int(it.Size), a)
			b.v4 = v4
			items[i] = b
		}
	}
	return items
}

// decodeChunk is Decoder.Decode with models from arena, recycled first
// (nil allocates).
func decodeChunk(ctx context.Context, c *Codec, data []byte, count uint64, out []byte, arena *arith.Arena) ([]byte, error) {
	if arena != nil {
		arena.Recycle()
	}
	recLen := c.RecordLen
	if count == 0 {
		return out, nil
	}
	if len(data) < recLen {
		return out, fmt.Errorf("%w: chunk has %d bytes, its first record needs %d", ErrTruncated, len(data), recLen)
	}
	if uint64(len(data)) < count/MaxPointsPerByte {
		return out, fmt.Errorf("%w: %d points cannot fit in %d bytes", ErrCountMismatch, count, len(data))
	}
	// Real LAZ compresses 5–15×: reserve all records at once when the
	// claim is plausible for the chunk's size, else grow as points come.
	if count*uint64(recLen) <= maxPreallocRatio*uint64(len(data)) {
		out = slices.Grow(out, int(count)*recLen)
	} else {
		out = slices.Grow(out, int(min(count, growBlock))*recLen)
	}
	out = append(out, data[:recLen]...)
	if c.Layered {
		return decodeLayered(ctx, newLayeredItems(c, arena), recLen, data, count, out)
	}
	return decodePointwise(ctx, newPointwiseItems(c, arena), recLen, data, count, out)
}

// extend makes room for one more record, growing by blocks.
func extend(out []byte, recLen int, remaining uint64) []byte {
	if len(out)+recLen > cap(out) {
		out = slices.Grow(out, int(min(remaining, growBlock))*recLen)
	}
	return out[:len(out)+recLen]
}

func decodePointwise(ctx context.Context, items []pointwiseItem, recLen int, data []byte, count uint64, out []byte) ([]byte, error) {
	first := out[len(out)-recLen:]
	off := 0
	for _, it := range items {
		it.first(first[off : off+it.size()])
		off += it.size()
	}
	var dec arith.Decoder
	dec.Init(data[recLen:])
	if p, g, c, ok := standardItems(items); ok {
		return decodeStandard(ctx, p, g, c, &dec, recLen, count, out)
	}
	for i := uint64(1); i < count; i++ {
		if i%growBlock == 0 && ctx.Err() != nil {
			return out, ctx.Err()
		}
		out = extend(out, recLen, count-i)
		rec := out[len(out)-recLen:]
		off := 0
		for _, it := range items {
			n := it.size()
			it.decode(&dec, rec[off:off+n])
			off += n
		}
		if dec.Failed() {
			return out[:len(out)-recLen], streamErr(&dec, i, count)
		}
	}
	return out, nil
}

// standardItems recognises the items of point formats 0–3: POINT10,
// then GPSTIME11, RGB12 or both in that order (g, c nil when absent).
func standardItems(items []pointwiseItem) (p *point10v2, g *gps11v2, c *rgb12v2, ok bool) {
	p, ok = items[0].(*point10v2)
	rest := items[1:]
	if len(rest) > 0 {
		if g, ok = rest[0].(*gps11v2); ok {
			rest = rest[1:]
		}
	}
	if len(rest) > 0 {
		if c, ok = rest[0].(*rgb12v2); ok {
			rest = rest[1:]
		}
	}
	return p, g, c, p != nil && len(rest) == 0
}

// decodeStandard is decodePointwise's loop for standardItems, with
// direct calls: dispatching two interface calls per item and point cost
// several percent of the decoding time. The coder state passes from item
// to item in registers (see arith.Decoder.State).
func decodeStandard(ctx context.Context, p *point10v2, g *gps11v2, c *rgb12v2, dec *arith.Decoder, recLen int, count uint64, out []byte) ([]byte, error) {
	v, l := dec.State()
	for i := uint64(1); i < count; i++ {
		if i%growBlock == 0 && ctx.Err() != nil {
			return out, ctx.Err()
		}
		out = extend(out, recLen, count-i)
		rec := out[len(out)-recLen:]
		v, l = p.decodeState(dec, rec[:20], v, l)
		off := 20
		if g != nil {
			v, l = g.decodeState(dec, rec[20:28], v, l)
			off = 28
		}
		if c != nil {
			v, l = c.decodeState(dec, rec[off:off+6], v, l)
		}
		if dec.Failed() {
			return out[:len(out)-recLen], streamErr(dec, i, count)
		}
	}
	dec.SetState(v, l)
	return out, nil
}

func streamErr(d *arith.Decoder, i, count uint64) error {
	if d.Overrun() {
		return fmt.Errorf("%w: compressed data ends at point %d of %d", ErrCountMismatch, i, count)
	}
	return fmt.Errorf("%w: invalid arithmetic code at point %d of %d", ErrCorrupt, i, count)
}

func decodeLayered(ctx context.Context, items []layeredItem, recLen int, data []byte, count uint64, out []byte) ([]byte, error) {
	first := out[len(out)-recLen:]
	context := 0
	off := 0
	for _, it := range items {
		it.first(first[off:off+it.size()], &context)
		off += it.size()
	}
	pos := recLen
	le := binary.LittleEndian
	if pos+4 > len(data) {
		return out, fmt.Errorf("%w: chunk ends before its point count", ErrTruncated)
	}
	if n := le.Uint32(data[pos:]); uint64(n) != count {
		return out, fmt.Errorf("%w: chunk says it holds %d points, the index says %d", ErrCountMismatch, n, count)
	}
	pos += 4
	var sizes [][]int
	for _, it := range items {
		s := make([]int, it.numLayers())
		for j := range s {
			if pos+4 > len(data) {
				return out, fmt.Errorf("%w: chunk ends inside its layer sizes", ErrTruncated)
			}
			s[j] = int(le.Uint32(data[pos:]))
			pos += 4
		}
		sizes = append(sizes, s)
	}
	for k, it := range items {
		layers := make([][]byte, len(sizes[k]))
		for j, n := range sizes[k] {
			if n < 0 || n > len(data)-pos {
				return out, fmt.Errorf("%w: layer %d of item %d needs %d bytes, chunk has %d left", ErrTruncated, j, k, n, len(data)-pos)
			}
			layers[j] = data[pos : pos+n]
			pos += n
		}
		it.setLayers(layers)
	}
	for i := uint64(1); i < count; i++ {
		if i%growBlock == 0 && ctx.Err() != nil {
			return out, ctx.Err()
		}
		out = extend(out, recLen, count-i)
		rec := out[len(out)-recLen:]
		context = 0 // as LASzip: only POINT14 can set it
		off := 0
		for _, it := range items {
			n := it.size()
			it.decode(rec[off:off+n], &context)
			off += n
		}
		for _, it := range items {
			if it.failed() {
				return out[:len(out)-recLen], fmt.Errorf("%w: a layer's compressed data ends or is invalid at point %d of %d", ErrCountMismatch, i, count)
			}
		}
	}
	return out, nil
}
