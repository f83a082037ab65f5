package arith

import "math"

// Encoder is the range encoder matching Decoder, sharing its models.
// Package lazenc writes LAZ with it; re-encoding real LASzip output byte
// for byte proves that encoder and decoder read the format as LASzip does.
type Encoder struct {
	out          []byte
	base, length uint32
}

// NewEncoder returns an encoder with no output yet.
func NewEncoder() *Encoder { return &Encoder{length: acMaxLength} }

func (e *Encoder) carry() {
	for i := len(e.out) - 1; i >= 0; i-- {
		if e.out[i] != 0xFF {
			e.out[i]++
			return
		}
		e.out[i] = 0
	}
}

func (e *Encoder) renorm() {
	for {
		e.out = append(e.out, byte(e.base>>24))
		e.base <<= 8
		e.length <<= 8
		if e.length >= acMinLength {
			return
		}
	}
}

// EncodeSymbol encodes sym with m and adapts m.
func (e *Encoder) EncodeSymbol(m *Model, sym uint32) {
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

// EncodeBit encodes bit with m and adapts m.
func (e *Encoder) EncodeBit(m *BitModel, bit uint32) {
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

// WriteBits writes the low bits (1..32) of sym raw.
func (e *Encoder) WriteBits(bits, sym uint32) {
	if bits > 19 {
		e.WriteShort(sym & 0xFFFF)
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

// WriteShort writes 16 raw bits.
func (e *Encoder) WriteShort(sym uint32) {
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

// WriteInt writes 32 raw bits, low half first.
func (e *Encoder) WriteInt(sym uint32) {
	e.WriteShort(sym & 0xFFFF)
	e.WriteShort(sym >> 16)
}

// Done flushes the encoder and returns the whole stream.
func (e *Encoder) Done() []byte {
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

// IntEncoder is the encoding side of IntDecoder.
type IntEncoder struct {
	d       IntDecoder // same models and parameters
	corrMax int32
}

// NewIntEncoder mirrors NewIntDecoder.
func NewIntEncoder(bits, contexts uint32) *IntEncoder {
	d := NewIntDecoder(bits, contexts)
	e := &IntEncoder{d: *d}
	if d.corrRange != 0 {
		e.corrMax = d.corrMin + int32(d.corrRange-1)
	} else {
		e.corrMax = math.MaxInt32
	}
	return e
}

// K mirrors IntDecoder.K.
func (ie *IntEncoder) K() uint32 { return ie.d.k }

// Encode encodes real as predicted by pred, using model context.
func (ie *IntEncoder) Encode(e *Encoder, pred, real int32, context uint32) {
	id := &ie.d
	c := real - pred
	if c < id.corrMin {
		c += int32(id.corrRange)
	} else if c > ie.corrMax {
		c -= int32(id.corrRange)
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
	id.k = k
	bm := id.bits[context]
	if bm == nil {
		bm = NewModel(id.corrBits + 1)
		id.bits[context] = bm
	}
	e.EncodeSymbol(bm, k)
	if k == 0 {
		e.EncodeBit(&id.corr0, uint32(c))
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
	cm := id.corr[k-1]
	if cm == nil {
		cm = NewModel(uint32(1) << min(k, id.bitsHigh))
		id.corr[k-1] = cm
	}
	if k <= id.bitsHigh {
		e.EncodeSymbol(cm, uint32(c))
	} else {
		k1 := k - id.bitsHigh
		low := uint32(c) & (uint32(1)<<k1 - 1)
		e.EncodeSymbol(cm, uint32(c)>>k1)
		e.WriteBits(k1, low)
	}
}
