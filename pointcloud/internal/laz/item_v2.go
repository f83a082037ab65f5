package laz

import (
	"encoding/binary"

	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
)

// Point-wise (LASzip compressor 1 and 2) item decoders, version 2:
// POINT10, GPSTIME11, RGB12 and BYTE. Each keeps the previous record's
// values and decodes the next one as differences from them.

type pointwiseItem interface {
	size() int
	first(raw []byte) // the chunk's first record, stored raw
	decode(d *arith.Decoder, out []byte)
}

type point10v2 struct {
	x, y, z   int32
	intensity uint16
	bits      uint8 // return number, number of returns, scan direction, edge
	class     uint8
	scanAngle uint8
	userData  uint8
	sourceID  uint16

	lastIntensity [16]uint16
	xMedian       [16]Median5
	yMedian       [16]Median5
	lastHeight    [8]int32

	changed    *arith.Model
	scanAngleM [2]*arith.Model
	bitByte    [256]*arith.Model
	classM     [256]*arith.Model
	userDataM  [256]*arith.Model

	icIntensity, icSourceID, icDX, icDY, icZ *arith.IntDecoder
	arena                                    *arith.Arena
}

func newPoint10v2(a *arith.Arena) *point10v2 {
	p := &point10v2{
		arena:       a,
		changed:     a.Get(64),
		icIntensity: a.IntDecoder(16, 4),
		icSourceID:  a.IntDecoder(16, 1),
		icDX:        a.IntDecoder(32, 2),
		icDY:        a.IntDecoder(32, 22),
		icZ:         a.IntDecoder(32, 20),
	}
	for i := range p.xMedian {
		p.xMedian[i] = NewMedian5()
		p.yMedian[i] = NewMedian5()
	}
	return p
}

func (p *point10v2) size() int { return 20 }

func (p *point10v2) first(raw []byte) {
	le := binary.LittleEndian
	p.x = int32(le.Uint32(raw[0:]))
	p.y = int32(le.Uint32(raw[4:]))
	p.z = int32(le.Uint32(raw[8:]))
	// LASzip predicts the second record's intensity from 0, not from the
	// first record.
	p.intensity = 0
	p.bits = raw[14]
	p.class = raw[15]
	p.scanAngle = raw[16]
	p.userData = raw[17]
	p.sourceID = le.Uint16(raw[18:])
}

func (p *point10v2) decode(d *arith.Decoder, out []byte) {
	v, l := d.State()
	d.SetState(p.decodeState(d, out, v, l))
}

// decodeState is decode on a caller-held coder state: it passes the
// state from symbol to symbol in registers (see arith.Decoder.State), and
// updates the medians after the last symbol, so that no call in between
// makes the state live across it.
func (p *point10v2) decodeState(d *arith.Decoder, out []byte, v, l uint32) (uint32, uint32) {
	changed, v, l := d.Symbol(p.changed, v, l)
	var m, lv uint8
	var n uint8
	if changed != 0 {
		var u uint32
		if changed&32 != 0 {
			u, v, l = d.Symbol(p.arena.Lazy(&p.bitByte[p.bits], 256), v, l)
			p.bits = uint8(u)
		}
		r := p.bits & 7
		n = (p.bits >> 3) & 7
		m = NumberReturnMap[n][r]
		lv = NumberReturnLevel[n][r]
		if changed&16 != 0 {
			ctx := uint32(m)
			if ctx > 3 {
				ctx = 3
			}
			var i int32
			i, v, l = p.icIntensity.DecodeState(d, v, l, int32(p.lastIntensity[m]), ctx)
			p.intensity = uint16(i)
			p.lastIntensity[m] = p.intensity
		} else {
			p.intensity = p.lastIntensity[m]
		}
		if changed&8 != 0 {
			u, v, l = d.Symbol(p.arena.Lazy(&p.classM[p.class], 256), v, l)
			p.class = uint8(u)
		}
		if changed&4 != 0 {
			dir := (p.bits >> 6) & 1
			u, v, l = d.Symbol(p.arena.Lazy(&p.scanAngleM[dir], 256), v, l)
			p.scanAngle += uint8(u)
		}
		if changed&2 != 0 {
			u, v, l = d.Symbol(p.arena.Lazy(&p.userDataM[p.userData], 256), v, l)
			p.userData = uint8(u)
		}
		if changed&1 != 0 {
			var i int32
			i, v, l = p.icSourceID.DecodeState(d, v, l, int32(p.sourceID), 0)
			p.sourceID = uint16(i)
		}
	} else {
		r := p.bits & 7
		n = (p.bits >> 3) & 7
		m = NumberReturnMap[n][r]
		lv = NumberReturnLevel[n][r]
	}
	one := uint32(0)
	if n == 1 {
		one = 1
	}
	dx, v, l := p.icDX.DecodeState(d, v, l, p.xMedian[m].Get(), one)
	p.x += dx

	k := p.icDX.K()
	ctx := one + 20
	if k < 20 {
		ctx = one + k&^1
	}
	dy, v, l := p.icDY.DecodeState(d, v, l, p.yMedian[m].Get(), ctx)
	p.y += dy

	k = (p.icDX.K() + p.icDY.K()) / 2
	ctx = one + 18
	if k < 18 {
		ctx = one + k&^1
	}
	p.z, v, l = p.icZ.DecodeState(d, v, l, p.lastHeight[lv], ctx)
	p.lastHeight[lv] = p.z
	p.xMedian[m].Add(dx)
	p.yMedian[m].Add(dy)

	le := binary.LittleEndian
	_ = out[19]
	le.PutUint32(out[0:], uint32(p.x))
	le.PutUint32(out[4:], uint32(p.y))
	le.PutUint32(out[8:], uint32(p.z))
	le.PutUint16(out[12:], p.intensity)
	out[14] = p.bits
	out[15] = p.class
	out[16] = p.scanAngle
	out[17] = p.userData
	le.PutUint16(out[18:], p.sourceID)
	return v, l
}

// Code points of the GPS time models (shared with the test encoder).
const (
	GPSMulti          = 500
	GPSMultiMinus     = -10
	GPSMultiUnchanged = GPSMulti - GPSMultiMinus + 1
	GPSMultiCodeFull  = GPSMulti - GPSMultiMinus + 2
	GPSMultiTotal     = GPSMulti - GPSMultiMinus + 6
	// maxSequenceSwitches bounds the "switch to another time sequence"
	// codes decoded for one record: a valid stream switches at most once.
	maxSequenceSwitches = 4
)

// gps11v2 decodes GPS times as up to four interleaved sequences of
// doubles whose bit patterns advance by predictable integer steps.
type gps11v2 struct {
	multi, zeroDiff *arith.Model
	ic              *arith.IntDecoder
	last, next      int
	times           [4]int64
	diffs           [4]int32
	extreme         [4]int32
}

func newGPS11v2(a *arith.Arena) *gps11v2 {
	return &gps11v2{
		multi:    a.Get(GPSMultiTotal),
		zeroDiff: a.Get(6),
		ic:       a.IntDecoder(32, 9),
	}
}

func (g *gps11v2) size() int { return 8 }

func (g *gps11v2) first(raw []byte) {
	g.times[0] = int64(binary.LittleEndian.Uint64(raw))
}

func (g *gps11v2) decode(d *arith.Decoder, out []byte) {
	v, l := d.State()
	d.SetState(g.decodeState(d, out, v, l))
}

// decodeState is decode on a caller-held coder state (see
// arith.Decoder.State).
func (g *gps11v2) decodeState(d *arith.Decoder, out []byte, v, l uint32) (uint32, uint32) {
	for try := 0; ; try++ {
		if try > maxSequenceSwitches {
			d.SetCorrupt()
			break
		}
		var done bool
		if done, v, l = g.decodeOnce(d, v, l); done {
			break
		}
	}
	binary.LittleEndian.PutUint64(out, uint64(g.times[g.last]))
	return v, l
}

// decodeOnce returns false when the stream switched sequence and the
// record must be decoded again relative to the new one. It passes the
// coder state in registers (see arith.Decoder.State).
func (g *gps11v2) decodeOnce(d *arith.Decoder, v, l uint32) (bool, uint32, uint32) {
	last := g.last
	var u uint32
	if g.diffs[last] == 0 {
		u, v, l = d.Symbol(g.zeroDiff, v, l)
		multi := int32(u)
		switch {
		case multi == 1:
			g.diffs[last], v, l = g.ic.DecodeState(d, v, l, 0, 0)
			g.times[last] += int64(g.diffs[last])
			g.extreme[last] = 0
		case multi == 2:
			d.SetState(v, l)
			g.fullTime(d)
			v, l = d.State()
		case multi > 2:
			g.last = (last + int(multi) - 2) & 3
			return false, v, l
		}
		return true, v, l
	}
	u, v, l = d.Symbol(g.multi, v, l)
	multi := int32(u)
	switch {
	case multi == 1:
		var diff int32
		diff, v, l = g.ic.DecodeState(d, v, l, g.diffs[last], 1)
		g.times[last] += int64(diff)
		g.extreme[last] = 0
	case multi < GPSMultiUnchanged:
		var diff int32
		switch {
		case multi == 0:
			diff, v, l = g.ic.DecodeState(d, v, l, 0, 7)
			g.bumpExtreme(diff)
		case multi < GPSMulti:
			ctx := uint32(2)
			if multi >= 10 {
				ctx = 3
			}
			diff, v, l = g.ic.DecodeState(d, v, l, multi*g.diffs[last], ctx)
		case multi == GPSMulti:
			diff, v, l = g.ic.DecodeState(d, v, l, multi*g.diffs[last], 4)
			g.bumpExtreme(diff)
		default:
			multi = GPSMulti - multi
			if multi > GPSMultiMinus {
				diff, v, l = g.ic.DecodeState(d, v, l, multi*g.diffs[last], 5)
			} else {
				diff, v, l = g.ic.DecodeState(d, v, l, GPSMultiMinus*g.diffs[last], 6)
				g.bumpExtreme(diff)
			}
		}
		g.times[last] += int64(diff)
	case multi == GPSMultiCodeFull:
		d.SetState(v, l)
		g.fullTime(d)
		v, l = d.State()
	case multi > GPSMultiCodeFull:
		g.last = (last + int(multi) - GPSMultiCodeFull) & 3
		return false, v, l
	}
	return true, v, l
}

// bumpExtreme adopts diff as the sequence's step once it was seen
// repeatedly as an outlier.
func (g *gps11v2) bumpExtreme(diff int32) {
	g.extreme[g.last]++
	if g.extreme[g.last] > 3 {
		g.diffs[g.last] = diff
		g.extreme[g.last] = 0
	}
}

// fullTime starts a new sequence with a time sent in full.
func (g *gps11v2) fullTime(d *arith.Decoder) {
	g.next = (g.next + 1) & 3
	hi := g.ic.Decode(d, int32(g.times[g.last]>>32), 8)
	g.times[g.next] = int64(hi)<<32 | int64(d.ReadInt())
	g.last = g.next
	g.diffs[g.last] = 0
	g.extreme[g.last] = 0
}

// RGBModels are the models of one RGB decoder (RGB12 v2 and the layered
// RGB14/RGBNIR14 v3 use the same scheme).
type RGBModels struct {
	Used *arith.Model
	Diff [6]*arith.Model
}

// NewRGBModels takes the models from a (nil allocates).
func NewRGBModels(a *arith.Arena) RGBModels {
	m := RGBModels{Used: a.Get(128)}
	for i := range m.Diff {
		m.Diff[i] = a.Get(256)
	}
	return m
}

// ClampU8 clamps a predicted colour byte to [0, 255]. min and max
// compile to conditional moves, which cost less than the branches when
// clamping is frequent (saturated colours).
func ClampU8(v int32) int32 { return min(max(v, 0), 255) }

// decodeRGB decodes one colour relative to last. Bits of the first
// symbol say which bytes changed; green and blue are predicted from red's
// change unless bit 6 says the colour is grey.
func decodeRGB(d *arith.Decoder, m *RGBModels, last [3]uint16) [3]uint16 {
	v, l := d.State()
	c, v, l := decodeRGBState(d, m, last, v, l)
	d.SetState(v, l)
	return c
}

// decodeRGBState is decodeRGB on a caller-held coder state: its up to
// seven symbols pass the state in registers (see arith.Decoder.State).
func decodeRGBState(d *arith.Decoder, m *RGBModels, last [3]uint16, v, l uint32) ([3]uint16, uint32, uint32) {
	sym, v, l := d.Symbol(m.Used, v, l)
	var c [3]uint16
	var u uint32
	if sym&1 != 0 {
		u, v, l = d.Symbol(m.Diff[0], v, l)
		c[0] = uint16(uint8(u + uint32(last[0]&0xFF)))
	} else {
		c[0] = last[0] & 0xFF
	}
	if sym&2 != 0 {
		u, v, l = d.Symbol(m.Diff[1], v, l)
		c[0] |= uint16(uint8(u+uint32(last[0]>>8))) << 8
	} else {
		c[0] |= last[0] & 0xFF00
	}
	if sym&64 == 0 {
		c[1], c[2] = c[0], c[0]
		return c, v, l
	}
	diff := int32(c[0]&0xFF) - int32(last[0]&0xFF)
	if sym&4 != 0 {
		u, v, l = d.Symbol(m.Diff[2], v, l)
		c[1] = uint16(uint8(u + uint32(ClampU8(diff+int32(last[1]&0xFF)))))
	} else {
		c[1] = last[1] & 0xFF
	}
	if sym&16 != 0 {
		u, v, l = d.Symbol(m.Diff[4], v, l)
		diff = (diff + int32(c[1]&0xFF) - int32(last[1]&0xFF)) / 2
		c[2] = uint16(uint8(u + uint32(ClampU8(diff+int32(last[2]&0xFF)))))
	} else {
		c[2] = last[2] & 0xFF
	}
	diff = int32(c[0]>>8) - int32(last[0]>>8)
	if sym&8 != 0 {
		u, v, l = d.Symbol(m.Diff[3], v, l)
		c[1] |= uint16(uint8(u+uint32(ClampU8(diff+int32(last[1]>>8))))) << 8
	} else {
		c[1] |= last[1] & 0xFF00
	}
	if sym&32 != 0 {
		u, v, l = d.Symbol(m.Diff[5], v, l)
		diff = (diff + int32(c[1]>>8) - int32(last[1]>>8)) / 2
		c[2] |= uint16(uint8(u+uint32(ClampU8(diff+int32(last[2]>>8))))) << 8
	} else {
		c[2] |= last[2] & 0xFF00
	}
	return c, v, l
}

// GetRGB reads three little-endian uint16.
func GetRGB(b []byte) [3]uint16 {
	le := binary.LittleEndian
	return [3]uint16{le.Uint16(b), le.Uint16(b[2:]), le.Uint16(b[4:])}
}

func putRGB(b []byte, c [3]uint16) {
	le := binary.LittleEndian
	le.PutUint16(b, c[0])
	le.PutUint16(b[2:], c[1])
	le.PutUint16(b[4:], c[2])
}

type rgb12v2 struct {
	m    RGBModels
	last [3]uint16
}

func newRGB12v2(a *arith.Arena) *rgb12v2 { return &rgb12v2{m: NewRGBModels(a)} }

func (r *rgb12v2) size() int        { return 6 }
func (r *rgb12v2) first(raw []byte) { r.last = GetRGB(raw) }
func (r *rgb12v2) decode(d *arith.Decoder, out []byte) {
	r.last = decodeRGB(d, &r.m, r.last)
	putRGB(out, r.last)
}

// decodeState is decode on a caller-held coder state (see
// arith.Decoder.State).
func (r *rgb12v2) decodeState(d *arith.Decoder, out []byte, v, l uint32) (uint32, uint32) {
	r.last, v, l = decodeRGBState(d, &r.m, r.last, v, l)
	putRGB(out, r.last)
	return v, l
}

// bytev2 decodes extra bytes, each as a difference to its previous value.
type bytev2 struct {
	models []*arith.Model
	last   []byte
	arena  *arith.Arena
}

func newBytev2(n int, a *arith.Arena) *bytev2 {
	return &bytev2{models: make([]*arith.Model, n), last: make([]byte, n), arena: a}
}

func (b *bytev2) size() int        { return len(b.last) }
func (b *bytev2) first(raw []byte) { copy(b.last, raw) }
func (b *bytev2) decode(d *arith.Decoder, out []byte) {
	for i := range b.last {
		b.last[i] += uint8(d.DecodeSymbol(b.arena.Lazy(&b.models[i], 256)))
	}
	copy(out, b.last)
}
