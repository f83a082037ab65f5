package pointcloud

// A LASzip encoder, for tests and benchmarks only: it turns real LAS
// files into LAZ files of any point format (the lidar folder has real LAZ
// only for formats 0–3 and 7), and re-encoding real LASzip output byte
// for byte proves encoder and decoder read the format the same way.

import (
	"encoding/binary"
	"math"
)

type arithEncoder struct {
	out          []byte
	base, length uint32
}

func newArithEncoder() *arithEncoder { return &arithEncoder{length: acMaxLength} }

func (e *arithEncoder) carry() {
	for i := len(e.out) - 1; i >= 0; i-- {
		if e.out[i] != 0xFF {
			e.out[i]++
			return
		}
		e.out[i] = 0
	}
}

func (e *arithEncoder) renorm() {
	for {
		e.out = append(e.out, byte(e.base>>24))
		e.base <<= 8
		e.length <<= 8
		if e.length >= acMinLength {
			return
		}
	}
}

func (e *arithEncoder) encodeSymbol(m *symbolModel, sym uint32) {
	init := e.base
	if sym == m.lastSymbol {
		x := uint32(m.distribution[sym]) * (e.length >> dmLengthShift)
		e.base += x
		e.length -= x
	} else {
		e.length >>= dmLengthShift
		x := uint32(m.distribution[sym]) * e.length
		e.base += x
		e.length = uint32(m.distribution[sym+1])*e.length - x
	}
	if init > e.base {
		e.carry()
	}
	if e.length < acMinLength {
		e.renorm()
	}
	m.count[sym]++
	m.untilUpdate--
	if m.untilUpdate == 0 {
		m.update()
	}
}

func (e *arithEncoder) encodeBit(m *bitModel, bit uint32) {
	x := m.bit0Prob * (e.length >> bmLengthShift)
	if bit == 0 {
		e.length = x
		m.bit0Count++
	} else {
		init := e.base
		e.base += x
		e.length -= x
		if init > e.base {
			e.carry()
		}
	}
	if e.length < acMinLength {
		e.renorm()
	}
	m.untilUpdate--
	if m.untilUpdate == 0 {
		m.update()
	}
}

func (e *arithEncoder) writeBits(bits, sym uint32) {
	if bits > 19 {
		e.writeShort(sym & 0xFFFF)
		sym >>= 16
		bits -= 16
	}
	init := e.base
	e.length >>= bits
	e.base += sym * e.length
	if init > e.base {
		e.carry()
	}
	if e.length < acMinLength {
		e.renorm()
	}
}

func (e *arithEncoder) writeShort(sym uint32) {
	init := e.base
	e.length >>= 16
	e.base += sym * e.length
	if init > e.base {
		e.carry()
	}
	if e.length < acMinLength {
		e.renorm()
	}
}

func (e *arithEncoder) writeInt(sym uint32) {
	e.writeShort(sym & 0xFFFF)
	e.writeShort(sym >> 16)
}

func (e *arithEncoder) done() []byte {
	init := e.base
	another := true
	if e.length > 2*acMinLength {
		e.base += acMinLength
		e.length = acMinLength >> 1
	} else {
		e.base += acMinLength >> 1
		e.length = acMinLength >> 9
		another = false
	}
	if init > e.base {
		e.carry()
	}
	e.renorm()
	e.out = append(e.out, 0, 0)
	if another {
		e.out = append(e.out, 0)
	}
	return e.out
}

type intEncoder struct {
	intDecoder // same models and parameters
	corrMax    int32
}

func newIntEncoder(bits, contexts uint32) *intEncoder {
	d := newIntDecoder(bits, contexts)
	e := &intEncoder{intDecoder: *d}
	if d.corrRange != 0 {
		e.corrMax = d.corrMin + int32(d.corrRange-1)
	} else {
		e.corrMax = math.MaxInt32
	}
	return e
}

func (ie *intEncoder) encode(e *arithEncoder, pred, real int32, context uint32) {
	c := real - pred
	if c < ie.corrMin {
		c += int32(ie.corrRange)
	} else if c > ie.corrMax {
		c -= int32(ie.corrRange)
	}
	var c1 uint32
	if c <= 0 {
		c1 = uint32(-c)
	} else {
		c1 = uint32(c - 1)
	}
	k := uint32(0)
	for c1 != 0 {
		c1 >>= 1
		k++
	}
	ie.k = k
	bm := ie.bits[context]
	if bm == nil {
		bm = newSymbolModel(ie.corrBits + 1)
		ie.bits[context] = bm
	}
	e.encodeSymbol(bm, k)
	if k == 0 {
		e.encodeBit(&ie.corr0, uint32(c))
		return
	}
	if k >= 32 {
		return
	}
	if c >= 0 {
		c--
	} else {
		c += int32(uint32(1)<<k - 1)
	}
	cm := ie.corr[k-1]
	if cm == nil {
		cm = newSymbolModel(uint32(1) << min(k, ie.bitsHigh))
		ie.corr[k-1] = cm
	}
	if k <= ie.bitsHigh {
		e.encodeSymbol(cm, uint32(c))
	} else {
		k1 := k - ie.bitsHigh
		low := uint32(c) & (uint32(1)<<k1 - 1)
		e.encodeSymbol(cm, uint32(c)>>k1)
		e.writeBits(k1, low)
	}
}

// gpsEncoder encodes GPS times for GPSTIME11 v2 (v2 true) and POINT14.
type gpsEncoder struct {
	v2              bool
	multi, zeroDiff *symbolModel
	ic              *intEncoder
	last, next      int
	times           [4]int64
	diffs           [4]int32
	extreme         [4]int32
}

func newGPSEncoder(v2 bool, first int64) *gpsEncoder {
	g := &gpsEncoder{v2: v2, ic: newIntEncoder(32, 9)}
	if v2 {
		g.multi, g.zeroDiff = newSymbolModel(gpsMultiTotal), newSymbolModel(6)
	} else {
		g.multi, g.zeroDiff = newSymbolModel(gps14Total), newSymbolModel(5)
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

func (g *gpsEncoder) encode(e *arithEncoder, t int64) {
	codeFull := int32(gps14CodeFull)
	zeroDiffOne, zeroDiffFull, zeroDiffSwitch := uint32(0), uint32(1), uint32(1)
	if g.v2 {
		codeFull = gpsMultiCodeFull
		zeroDiffOne, zeroDiffFull, zeroDiffSwitch = 1, 2, 2
	}
	last := g.last
	if g.diffs[last] == 0 {
		if g.v2 && t == g.times[last] {
			e.encodeSymbol(g.zeroDiff, 0)
			return
		}
		d64 := t - g.times[last]
		if fits32(d64) {
			e.encodeSymbol(g.zeroDiff, zeroDiffOne)
			g.ic.encode(e, 0, int32(d64), 0)
			g.diffs[last] = int32(d64)
			g.extreme[last] = 0
		} else {
			for i := 1; i < 4; i++ {
				if fits32(t - g.times[(last+i)&3]) {
					e.encodeSymbol(g.zeroDiff, uint32(i)+zeroDiffSwitch)
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
		e.encodeSymbol(g.multi, gpsMultiUnchanged)
		return
	}
	d64 := t - g.times[last]
	if !fits32(d64) {
		for i := 1; i < 4; i++ {
			if fits32(t - g.times[(last+i)&3]) {
				e.encodeSymbol(g.multi, uint32(codeFull)+uint32(i))
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
		e.encodeSymbol(g.multi, 1)
		g.ic.encode(e, g.diffs[last], diff, 1)
		g.extreme[last] = 0
	case multi > 0 && multi < gpsMulti:
		e.encodeSymbol(g.multi, uint32(multi))
		ctx := uint32(2)
		if multi >= 10 {
			ctx = 3
		}
		g.ic.encode(e, multi*g.diffs[last], diff, ctx)
	case multi > 0:
		e.encodeSymbol(g.multi, gpsMulti)
		g.ic.encode(e, gpsMulti*g.diffs[last], diff, 4)
		g.bump(diff)
	case multi < 0 && multi > gpsMultiMinus:
		e.encodeSymbol(g.multi, uint32(gpsMulti-multi))
		g.ic.encode(e, multi*g.diffs[last], diff, 5)
	case multi < 0:
		e.encodeSymbol(g.multi, uint32(gpsMulti-gpsMultiMinus))
		g.ic.encode(e, gpsMultiMinus*g.diffs[last], diff, 6)
		g.bump(diff)
	default:
		e.encodeSymbol(g.multi, 0)
		g.ic.encode(e, 0, diff, 7)
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

func (g *gpsEncoder) full(e *arithEncoder, t int64, sym uint32, m *symbolModel) {
	e.encodeSymbol(m, sym)
	g.ic.encode(e, int32(g.times[g.last]>>32), int32(t>>32), 8)
	e.writeInt(uint32(t))
	g.next = (g.next + 1) & 3
	g.last = g.next
	g.diffs[g.last] = 0
	g.extreme[g.last] = 0
}

func encodeRGB(e *arithEncoder, m *rgbModels, last, cur [3]uint16) {
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
	e.encodeSymbol(m.used, sym)
	var dl, dh int32
	if sym&1 != 0 {
		dl = lo(cur[0]) - lo(last[0])
		e.encodeSymbol(m.diff[0], uint32(uint8(dl)))
	}
	if sym&2 != 0 {
		dh = hi(cur[0]) - hi(last[0])
		e.encodeSymbol(m.diff[1], uint32(uint8(dh)))
	}
	if sym&64 == 0 {
		return
	}
	if sym&4 != 0 {
		e.encodeSymbol(m.diff[2], uint32(uint8(lo(cur[1])-clampU8(dl+lo(last[1])))))
	}
	if sym&16 != 0 {
		dl = (dl + lo(cur[1]) - lo(last[1])) / 2
		e.encodeSymbol(m.diff[4], uint32(uint8(lo(cur[2])-clampU8(dl+lo(last[2])))))
	}
	if sym&8 != 0 {
		e.encodeSymbol(m.diff[3], uint32(uint8(hi(cur[1])-clampU8(dh+hi(last[1])))))
	}
	if sym&32 != 0 {
		dh = (dh + hi(cur[1]) - hi(last[1])) / 2
		e.encodeSymbol(m.diff[5], uint32(uint8(hi(cur[2])-clampU8(dh+hi(last[2])))))
	}
}

// ---- point-wise items (version 2) ----

type pwEncoder interface {
	first(raw []byte)
	encode(e *arithEncoder, raw []byte)
}

type point10Enc struct {
	last          [20]byte
	lastIntensity [16]uint16
	xMedian       [16]median5
	yMedian       [16]median5
	lastHeight    [8]int32
	changed       *symbolModel
	scanAngle     [2]*symbolModel
	bitByte       [256]*symbolModel
	class         [256]*symbolModel
	userData      [256]*symbolModel
	icIntensity   *intEncoder
	icSourceID    *intEncoder
	icDX          *intEncoder
	icDY          *intEncoder
	icZ           *intEncoder
}

func newPoint10Enc() *point10Enc {
	p := &point10Enc{changed: newSymbolModel(64), icIntensity: newIntEncoder(16, 4), icSourceID: newIntEncoder(16, 1),
		icDX: newIntEncoder(32, 2), icDY: newIntEncoder(32, 22), icZ: newIntEncoder(32, 20)}
	for i := range p.xMedian {
		p.xMedian[i], p.yMedian[i] = newMedian5(), newMedian5()
	}
	return p
}

func (p *point10Enc) first(raw []byte) { copy(p.last[:], raw) }

func (p *point10Enc) encode(e *arithEncoder, raw []byte) {
	le := binary.LittleEndian
	last := p.last[:]
	bits := raw[14]
	r, n := bits&7, (bits>>3)&7
	m, l := numberReturnMap[n][r], numberReturnLevel[n][r]
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
	e.encodeSymbol(p.changed, changed)
	if changed&32 != 0 {
		e.encodeSymbol(lazy(&p.bitByte[last[14]], 256), uint32(bits))
	}
	if changed&16 != 0 {
		p.icIntensity.encode(e, int32(p.lastIntensity[m]), int32(intensity), uint32(min(m, 3)))
		p.lastIntensity[m] = intensity
	}
	if changed&8 != 0 {
		e.encodeSymbol(lazy(&p.class[last[15]], 256), uint32(raw[15]))
	}
	if changed&4 != 0 {
		e.encodeSymbol(lazy(&p.scanAngle[(bits>>6)&1], 256), uint32(raw[16]-last[16]))
	}
	if changed&2 != 0 {
		e.encodeSymbol(lazy(&p.userData[last[17]], 256), uint32(raw[17]))
	}
	if changed&1 != 0 {
		p.icSourceID.encode(e, int32(le.Uint16(last[18:])), int32(le.Uint16(raw[18:])), 0)
	}
	one := uint32(0)
	if n == 1 {
		one = 1
	}
	diff := int32(le.Uint32(raw)) - int32(le.Uint32(last))
	p.icDX.encode(e, p.xMedian[m].get(), diff, one)
	p.xMedian[m].add(diff)
	k := p.icDX.k
	ctx := one + 20
	if k < 20 {
		ctx = one + k&^1
	}
	diff = int32(le.Uint32(raw[4:])) - int32(le.Uint32(last[4:]))
	p.icDY.encode(e, p.yMedian[m].get(), diff, ctx)
	p.yMedian[m].add(diff)
	k = (p.icDX.k + p.icDY.k) / 2
	ctx = one + 18
	if k < 18 {
		ctx = one + k&^1
	}
	z := int32(le.Uint32(raw[8:]))
	p.icZ.encode(e, p.lastHeight[l], z, ctx)
	p.lastHeight[l] = z
	copy(p.last[:], raw)
}

type gps11Enc struct{ g *gpsEncoder }

func (g *gps11Enc) first(raw []byte) {
	g.g = newGPSEncoder(true, int64(binary.LittleEndian.Uint64(raw)))
}
func (g *gps11Enc) encode(e *arithEncoder, raw []byte) {
	g.g.encode(e, int64(binary.LittleEndian.Uint64(raw)))
}

type rgb12Enc struct {
	m    rgbModels
	last [3]uint16
}

func (r *rgb12Enc) first(raw []byte) { r.m, r.last = newRGBModels(nil), getRGB(raw) }
func (r *rgb12Enc) encode(e *arithEncoder, raw []byte) {
	cur := getRGB(raw)
	encodeRGB(e, &r.m, r.last, cur)
	r.last = cur
}

type byteEnc struct {
	models []*symbolModel
	last   []byte
}

func (b *byteEnc) first(raw []byte) {
	b.last = append([]byte(nil), raw...)
	b.models = make([]*symbolModel, len(raw))
}
func (b *byteEnc) encode(e *arithEncoder, raw []byte) {
	for i := range raw {
		e.encodeSymbol(lazy(&b.models[i], 256), uint32(raw[i]-b.last[i]))
	}
	copy(b.last, raw)
}

func encodePointwiseChunk(items []LASzipItem, recLen int, recs []byte) []byte {
	out := append([]byte(nil), recs[:recLen]...)
	var encs []pwEncoder
	for _, it := range items {
		switch it.Type {
		case ItemPoint10:
			encs = append(encs, newPoint10Enc())
		case ItemGPSTime11:
			encs = append(encs, &gps11Enc{})
		case ItemRGB12:
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
	e := newArithEncoder()
	for p := recLen; p < len(recs); p += recLen {
		off := p
		for i, it := range items {
			encs[i].encode(e, recs[off:off+int(it.Size)])
			off += int(it.Size)
		}
	}
	return append(out, e.done()...)
}
