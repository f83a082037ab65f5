package lazenc

import (
	"encoding/binary"
	"math"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
)

// Point-wise item encoders (version 2), mirroring laz/item_v2.go.

// gpsEncoder encodes GPS times for GPSTIME11 v2 (v2 true) and POINT14.
type gpsEncoder struct {
	v2              bool
	multi, zeroDiff *arith.Model
	ic              *arith.IntEncoder
	last, next      int
	times           [4]int64
	diffs           [4]int32
	extreme         [4]int32
}

func newGPSEncoder(v2 bool, first int64) *gpsEncoder {
	g := &gpsEncoder{v2: v2, ic: arith.NewIntEncoder(32, 9)}
	if v2 {
		g.multi, g.zeroDiff = arith.NewModel(laz.GPSMultiTotal), arith.NewModel(6)
	} else {
		g.multi, g.zeroDiff = arith.NewModel(laz.GPS14Total), arith.NewModel(5)
	}
	g.times[0] = first
	return g
}

func fits32(v int64) bool { return v == int64(int32(v)) }

func quantize(f float32) int32 {
	// Saturate like LASzip's reference encoders rather than wrap.
	if f >= math.MaxInt32 {
		return math.MaxInt32
	}
	if f <= math.MinInt32 {
		return math.MinInt32
	}
	if f >= 0 {
		return int32(f + 0.5)
	}
	return int32(f - 0.5)
}

func (g *gpsEncoder) encode(e *arith.Encoder, t int64) {
	codeFull := int32(laz.GPS14CodeFull)
	zeroDiffOne, zeroDiffFull, zeroDiffSwitch := uint32(0), uint32(1), uint32(1)
	if g.v2 {
		codeFull = laz.GPSMultiCodeFull
		zeroDiffOne, zeroDiffFull, zeroDiffSwitch = 1, 2, 2
	}
	last := g.last
	if g.diffs[last] == 0 {
		if g.v2 && t == g.times[last] {
			e.EncodeSymbol(g.zeroDiff, 0)
			return
		}
		d64 := t - g.times[last]
		if fits32(d64) {
			e.EncodeSymbol(g.zeroDiff, zeroDiffOne)
			g.ic.Encode(e, 0, int32(d64), 0)
			g.diffs[last] = int32(d64)
			g.extreme[last] = 0
		} else {
			for i := 1; i < 4; i++ {
				if fits32(t - g.times[(last+i)&3]) {
					e.EncodeSymbol(g.zeroDiff, uint32(i)+zeroDiffSwitch)
					g.last = (last + i) & 3
					g.encode(e, t)
					return
				}
			}
			g.full(e, t, zeroDiffFull, g.zeroDiff)
		}
		g.times[g.last] = t
		return
	}
	if g.v2 && t == g.times[last] {
		e.EncodeSymbol(g.multi, laz.GPSMultiUnchanged)
		return
	}
	d64 := t - g.times[last]
	if !fits32(d64) {
		for i := 1; i < 4; i++ {
			if fits32(t - g.times[(last+i)&3]) {
				e.EncodeSymbol(g.multi, uint32(codeFull)+uint32(i))
				g.last = (last + i) & 3
				g.encode(e, t)
				return
			}
		}
		g.full(e, t, uint32(codeFull), g.multi)
		g.times[g.last] = t
		return
	}
	diff := int32(d64)
	multi := quantize(float32(diff) / float32(g.diffs[last]))
	switch {
	case multi == 1:
		e.EncodeSymbol(g.multi, 1)
		g.ic.Encode(e, g.diffs[last], diff, 1)
		g.extreme[last] = 0
	case multi > 0 && multi < laz.GPSMulti:
		e.EncodeSymbol(g.multi, uint32(multi))
		ctx := uint32(2)
		if multi >= 10 {
			ctx = 3
		}
		g.ic.Encode(e, multi*g.diffs[last], diff, ctx)
	case multi > 0:
		e.EncodeSymbol(g.multi, laz.GPSMulti)
		g.ic.Encode(e, laz.GPSMulti*g.diffs[last], diff, 4)
		g.bump(diff)
	case multi < 0 && multi > laz.GPSMultiMinus:
		e.EncodeSymbol(g.multi, uint32(laz.GPSMulti-multi))
		g.ic.Encode(e, multi*g.diffs[last], diff, 5)
	case multi < 0:
		e.EncodeSymbol(g.multi, uint32(laz.GPSMulti-laz.GPSMultiMinus))
		g.ic.Encode(e, laz.GPSMultiMinus*g.diffs[last], diff, 6)
		g.bump(diff)
	default:
		e.EncodeSymbol(g.multi, 0)
		g.ic.Encode(e, 0, diff, 7)
		g.bump(diff)
	}
	g.times[last] = t
}

func (g *gpsEncoder) bump(diff int32) {
	g.extreme[g.last]++
	if g.extreme[g.last] > 3 {
		g.diffs[g.last] = diff
		g.extreme[g.last] = 0
	}
}

func (g *gpsEncoder) full(e *arith.Encoder, t int64, sym uint32, m *arith.Model) {
	e.EncodeSymbol(m, sym)
	g.ic.Encode(e, int32(g.times[g.last]>>32), int32(t>>32), 8)
	e.WriteInt(uint32(t))
	g.next = (g.next + 1) & 3
	g.last = g.next
	g.diffs[g.last] = 0
	g.extreme[g.last] = 0
}

func encodeRGB(e *arith.Encoder, m *laz.RGBModels, last, cur [3]uint16) {
	lo := func(v uint16) int32 { return int32(v & 0xFF) }
	hi := func(v uint16) int32 { return int32(v >> 8) }
	var sym uint32
	for i, c := range cur {
		if lo(c) != lo(last[i]) {
			sym |= 1 << (2 * i)
		}
		if hi(c) != hi(last[i]) {
			sym |= 2 << (2 * i)
		}
	}
	if cur[0] != cur[1] || cur[0] != cur[2] {
		sym |= 64
	}
	e.EncodeSymbol(m.Used, sym)
	var dl, dh int32
	if sym&1 != 0 {
		dl = lo(cur[0]) - lo(last[0])
		e.EncodeSymbol(m.Diff[0], uint32(uint8(dl)))
	}
	if sym&2 != 0 {
		dh = hi(cur[0]) - hi(last[0])
		e.EncodeSymbol(m.Diff[1], uint32(uint8(dh)))
	}
	if sym&64 == 0 {
		return
	}
	if sym&4 != 0 {
		e.EncodeSymbol(m.Diff[2], uint32(uint8(lo(cur[1])-laz.ClampU8(dl+lo(last[1])))))
	}
	if sym&16 != 0 {
		dl = (dl + lo(cur[1]) - lo(last[1])) / 2
		e.EncodeSymbol(m.Diff[4], uint32(uint8(lo(cur[2])-laz.ClampU8(dl+lo(last[2])))))
	}
	if sym&8 != 0 {
		e.EncodeSymbol(m.Diff[3], uint32(uint8(hi(cur[1])-laz.ClampU8(dh+hi(last[1])))))
	}
	if sym&32 != 0 {
		dh = (dh + hi(cur[1]) - hi(last[1])) / 2
		e.EncodeSymbol(m.Diff[5], uint32(uint8(hi(cur[2])-laz.ClampU8(dh+hi(last[2])))))
	}
}

// ---- point-wise items (version 2) ----

type pwEncoder interface {
	first(raw []byte)
	encode(e *arith.Encoder, raw []byte)
}

type point10Enc struct {
	last          [20]byte
	lastIntensity [16]uint16
	xMedian       [16]laz.Median5
	yMedian       [16]laz.Median5
	lastHeight    [8]int32
	changed       *arith.Model
	scanAngle     [2]*arith.Model
	bitByte       [256]*arith.Model
	class         [256]*arith.Model
	userData      [256]*arith.Model
	icIntensity   *arith.IntEncoder
	icSourceID    *arith.IntEncoder
	icDX          *arith.IntEncoder
	icDY          *arith.IntEncoder
	icZ           *arith.IntEncoder
}

func newPoint10Enc() *point10Enc {
	p := &point10Enc{changed: arith.NewModel(64), icIntensity: arith.NewIntEncoder(16, 4), icSourceID: arith.NewIntEncoder(16, 1),
		icDX: arith.NewIntEncoder(32, 2), icDY: arith.NewIntEncoder(32, 22), icZ: arith.NewIntEncoder(32, 20)}
	for i := range p.xMedian {
		p.xMedian[i], p.yMedian[i] = laz.NewMedian5(), laz.NewMedian5()
	}
	return p
}

func (p *point10Enc) first(raw []byte) { copy(p.last[:], raw) }

func (p *point10Enc) encode(e *arith.Encoder, raw []byte) {
	le := binary.LittleEndian
	last := p.last[:]
	bits := raw[14]
	r, n := bits&7, (bits>>3)&7
	m, l := laz.NumberReturnMap[n][r], laz.NumberReturnLevel[n][r]
	intensity := le.Uint16(raw[12:])
	var changed uint32
	if bits != last[14] {
		changed |= 32
	}
	if intensity != p.lastIntensity[m] {
		changed |= 16
	}
	if raw[15] != last[15] {
		changed |= 8
	}
	if raw[16] != last[16] {
		changed |= 4
	}
	if raw[17] != last[17] {
		changed |= 2
	}
	if le.Uint16(raw[18:]) != le.Uint16(last[18:]) {
		changed |= 1
	}
	e.EncodeSymbol(p.changed, changed)
	if changed&32 != 0 {
		e.EncodeSymbol(lazy(&p.bitByte[last[14]], 256), uint32(bits))
	}
	if changed&16 != 0 {
		p.icIntensity.Encode(e, int32(p.lastIntensity[m]), int32(intensity), uint32(min(m, 3)))
		p.lastIntensity[m] = intensity
	}
	if changed&8 != 0 {
		e.EncodeSymbol(lazy(&p.class[last[15]], 256), uint32(raw[15]))
	}
	if changed&4 != 0 {
		e.EncodeSymbol(lazy(&p.scanAngle[(bits>>6)&1], 256), uint32(raw[16]-last[16]))
	}
	if changed&2 != 0 {
		e.EncodeSymbol(lazy(&p.userData[last[17]], 256), uint32(raw[17]))
	}
	if changed&1 != 0 {
		p.icSourceID.Encode(e, int32(le.Uint16(last[18:])), int32(le.Uint16(raw[18:])), 0)
	}
	one := uint32(0)
	if n == 1 {
		one = 1
	}
	diff := int32(le.Uint32(raw)) - int32(le.Uint32(last))
	p.icDX.Encode(e, p.xMedian[m].Get(), diff, one)
	p.xMedian[m].Add(diff)
	k := p.icDX.K()
	ctx := one + 20
	if k < 20 {
		ctx = one + k&^1
	}
	diff = int32(le.Uint32(raw[4:])) - int32(le.Uint32(last[4:]))
	p.icDY.Encode(e, p.yMedian[m].Get(), diff, ctx)
	p.yMedian[m].Add(diff)
	k = (p.icDX.K() + p.icDY.K()) / 2
	ctx = one + 18
	if k < 18 {
		ctx = one + k&^1
	}
	z := int32(le.Uint32(raw[8:]))
	p.icZ.Encode(e, p.lastHeight[l], z, ctx)
	p.lastHeight[l] = z
	copy(p.last[:], raw)
}

type gps11Enc struct{ g *gpsEncoder }

func (g *gps11Enc) first(raw []byte) {
	g.g = newGPSEncoder(true, int64(binary.LittleEndian.Uint64(raw)))
}
func (g *gps11Enc) encode(e *arith.Encoder, raw []byte) {
	g.g.encode(e, int64(binary.LittleEndian.Uint64(raw)))
}

type rgb12Enc struct {
	m    laz.RGBModels
	last [3]uint16
}

func (r *rgb12Enc) first(raw []byte) { r.m, r.last = laz.NewRGBModels(nil), laz.GetRGB(raw) }
func (r *rgb12Enc) encode(e *arith.Encoder, raw []byte) {
	cur := laz.GetRGB(raw)
	encodeRGB(e, &r.m, r.last, cur)
	r.last = cur
}

type byteEnc struct {
	models []*arith.Model
	last   []byte
}

func (b *byteEnc) first(raw []byte) {
	b.last = append([]byte(nil), raw...)
	b.models = make([]*arith.Model, len(raw))
}
func (b *byteEnc) encode(e *arith.Encoder, raw []byte) {
	for i := range raw {
		e.EncodeSymbol(lazy(&b.models[i], 256), uint32(raw[i]-b.last[i]))
	}
	copy(b.last, raw)
}

// PointwiseChunk compresses recs (records of recLen bytes) into one chunk
// of compressor 1 or 2 with the version 2 items.
func PointwiseChunk(items []laz.Item, recLen int, recs []byte) []byte {
	out := append([]byte(nil), recs[:recLen]...)
	var encs []pwEncoder
	for _, it := range items {
		switch it.Type {
		case laz.ItemPoint10:
			encs = append(encs, newPoint10Enc())
		case laz.ItemGPSTime11:
			encs = append(encs, &gps11Enc{})
		case laz.ItemRGB12:
			encs = append(encs, &rgb12Enc{})
		default:
			encs = append(encs, &byteEnc{})
		}
	}
	off := 0
	for i, it := range items {
		encs[i].first(recs[off : off+int(it.Size)])
		off += int(it.Size)
	}
	e := arith.NewEncoder()
	for p := recLen; p < len(recs); p += recLen {
		off := p
		for i, it := range items {
			encs[i].encode(e, recs[off:off+int(it.Size)])
			off += int(it.Size)
		}
	}
	return append(out, e.Done()...)
}
