// Package arith is LASzip's entropy coder (after Amir Said's FastAC): a
// 32-bit range decoder with adaptive symbol and bit models, the integer
// corrector built on them, and the matching encoder (package lazenc
// writes LAZ with it).
//
// Corrupt input never panics: reads past the end yield zeros and set
// Overrun, impossible states set the corrupt flag; callers check Failed.
package arith

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

const (
	acMinLength   = 0x01000000
	acMaxLength   = 0xFFFFFFFF
	dmLengthShift = 15
	dmMaxCount    = 1 << dmLengthShift
	bmLengthShift = 13
	bmMaxCount    = 1 << bmLengthShift
)

// Decoder is a range decoder over one byte stream.
type Decoder struct {
	buf     []byte
	pos     int
	value   uint32
	length  uint32
	overrun bool
	corrupt bool
}

// Init starts decoding buf: the first four bytes prime the value.
func (d *Decoder) Init(buf []byte) {
	d.buf, d.pos = buf, 0
	d.overrun, d.corrupt = false, false
	d.length = acMaxLength
	d.value = uint32(d.next())<<24 | uint32(d.next())<<16 | uint32(d.next())<<8 | uint32(d.next())
}

// Failed reports whether the stream ran out or was found invalid.
func (d *Decoder) Failed() bool { return d.overrun || d.corrupt }

// Overrun reports whether decoding read past the end of the stream.
func (d *Decoder) Overrun() bool { return d.overrun }

// SetCorrupt marks the stream invalid: for callers that find a decoded
// value impossible.
func (d *Decoder) SetCorrupt() { d.corrupt = true }

func (d *Decoder) next() byte {
	if d.pos < len(d.buf) {
		b := d.buf[d.pos]
		d.pos++
		return b
	}
	d.overrun = true
	return 0
}

// refillSlow renormalizes a caller-held coder state (see decode) where
// the callers' inline fast path cannot: near the end of the stream, or
// for corrupt input. Kept out of line so the callers stay small.
//
//go:noinline
func (d *Decoder) refillSlow(value, length uint32) (uint32, uint32) {
	if length == 0 {
		// Only reachable with corrupt input; keep the loop finite.
		d.corrupt = true
		return value, acMinLength
	}
	for length < acMinLength {
		var b byte
		if d.pos < len(d.buf) {
			b = d.buf[d.pos]
			d.pos++
		} else {
			d.overrun = true
		}
		value = value<<8 | uint32(b)
		length <<= 8
	}
	return value, length
}

// shiftIn renormalizes a nonzero length below acMinLength: it shifts
// length and value left by whole bytes until length reaches acMinLength,
// filling value from b (at least four bytes ahead; only the first three
// can be used), and returns how many bytes it took. It has no branches:
// how many bytes a symbol takes is unpredictable. Being on the decoder's
// critical path it also avoids a leading-zero count's fix-ups: both
// values are shifted as one 64-bit word, right by r = 24 - (bits to take).
func shiftIn(value, length uint32, b []byte) (v, l uint32, n int) {
	// The index of length's top bit masked to a multiple of 8 is r: 24
	// when length >= 2^24 (nothing to do), 16 from 2^16, 8 from 2^8, else
	// 0. (Len64 compiles to fewer instructions than Len32.)
	r := uint32(bits.Len64(uint64(length))-1) & 24
	w := uint64(binary.BigEndian.Uint32(b)) >> 8
	v = uint32((uint64(value)<<24 | w) >> r)
	l = uint32(uint64(length) << 24 >> r)
	return v, l, int(3 - r>>3)
}

// Model is an adaptive model over n symbols. Its distribution and counts
// are uint16 (distribution values are at most 2^15, counts stay below
// 2^16): decoding is bound by loads from many models (a format 3 chunk
// uses over 150, most of 256 symbols), so their cache footprint counts.
type Model struct {
	distribution []uint16 // n+1 entries: the last, 0xFFFF, stops the decoder's search
	count        []uint16
	// syms maps dv>>tableShift (dv = value/length, see DecodeSymbol) to
	// the symbol at the bucket's middle, from which the decoder searches;
	// bounds holds that symbol's distribution interval, dist[sym] |
	// dist[sym+1]<<16, so the decoder needs no second load in a row
	// (table, then distribution) on its critical path. Every model has a
	// table: a division and a load beat a multiply-compare chain even
	// over 3 symbols.
	//
	// Finer tables make the search after the look-up step less often
	// (a mispredicted branch costs about as much as decoding a symbol),
	// but the tables of the many large models then fall out of cache,
	// which costs more: models of up to 16 symbols get 2–4 entries per
	// symbol, larger ones 1–2, and none more than 256 entries (the
	// 516-symbol GPS model, about one per two symbols). Bounds and
	// symbols in separate arrays (6 bytes an entry, not 8) also measured
	// faster.
	bounds      []uint32
	syms        []uint16
	mem         []uint16 // distribution, count and syms in one allocation
	symbols     uint32
	lastSymbol  uint32
	totalCount  uint32
	updateCycle uint32
	untilUpdate uint32
	tableShift  uint32
	// dvLimit bounds dv; at or above it the stream is corrupt (value
	// past length). For models over more than 16 symbols it is where
	// LASzip's own table ends, which is where it reports corruption;
	// smaller models never did, so theirs is only a clamp.
	dvLimit uint32
	strict  bool // dv >= dvLimit marks the stream corrupt
}

// maxDV exceeds every dv of a valid stream: value < length, and length
// >= 2^24 so length>>15 >= 2^9, hence dv < 2^15*(1+2^-9) < 2^15+2^6.
const maxDV = 1<<dmLengthShift + 1<<6

// NewModel returns a model over n symbols (2 <= n <= 2^11) in its
// initial state.
func NewModel(n uint32) *Model {
	m := &Model{symbols: n, lastSymbol: n - 1, dvLimit: maxDV}
	if n > 16 {
		// LASzip's table has 2^lb entries, lb the smallest >= 3 with
		// n <= 2^(lb+2), and flags dv at or past entry 2^lb+1.
		lb := uint32(3)
		for n > 1<<(lb+2) {
			lb++
		}
		m.dvLimit = (1<<lb + 1) << (dmLengthShift - lb)
		m.strict = true
	}
	// n <= 2^tbits < 2n, or 2n <= 2^tbits < 4n for tiny models.
	tbits := uint32(bits.Len32(n - 1))
	if n <= 16 {
		tbits++
	}
	tbits = min(tbits, 8)
	m.tableShift = dmLengthShift - tbits
	m.bounds = make([]uint32, (m.dvLimit-1)>>m.tableShift+1)
	m.setMem(make([]uint16, 2*n+1+uint32(len(m.bounds))))
	m.distribution[n] = 0xFFFF
	for i := range m.count {
		m.count[i] = 1
	}
	m.updateCycle = n
	m.update()
	m.updateCycle = (n + 6) >> 1
	m.untilUpdate = m.updateCycle
	return m
}

// setMem carves the distribution, count and syms out of mem: one
// allocation keeps models cheap to create and a model's arrays close.
func (m *Model) setMem(mem []uint16) {
	n := m.symbols
	m.mem = mem
	m.distribution = mem[: n+1 : n+1]
	m.count = mem[n+1 : 2*n+1 : 2*n+1]
	m.syms = mem[2*n+1:]
}

// clone copies a model, arrays included.
func (m *Model) clone() *Model {
	c := *m
	c.bounds = slices.Clone(m.bounds)
	c.setMem(slices.Clone(m.mem))
	return &c
}

// reset puts m back in the state of t, a model of as many symbols.
func (m *Model) reset(t *Model) {
	bounds, mem := m.bounds, m.mem
	copy(bounds, t.bounds)
	copy(mem, t.mem)
	*m = *t
	m.bounds = bounds
	m.setMem(mem)
}

func (m *Model) update() {
	m.totalCount += m.updateCycle
	if m.totalCount > dmMaxCount {
		m.totalCount = 0
		for i := range m.count {
			m.count[i] = (m.count[i] + 1) >> 1
			m.totalCount += uint32(m.count[i])
		}
	}
	scale := uint32(0x80000000) / m.totalCount
	sum := uint32(0)
	table := m.bounds
	shift := m.tableShift & 31
	dist := m.distribution
	count := m.count[:len(dist)-1]
	// Entry j holds the symbol at its bucket's middle, mid = j<<shift +
	// half: where a bucket holds two symbols that is the one covering
	// more of it, so the decoder's search steps half as often as from
	// the bucket's first symbol. The symbol is the last k with dist[k] <=
	// mid: the number of symbols whose first entry (the first whose
	// middle is at or past dist[k]) is at or before j, less one.
	// Counting first entries then summing runs without a branch per
	// symbol; filling runs of entries symbol by symbol mispredicted at
	// every run's end.
	clear(table)
	half := uint32(1) << shift >> 1
	for k, c := range count {
		d := (scale * sum) >> (31 - dmLengthShift)
		dist[k] = uint16(d)
		sum += uint32(c)
		j := (max(d, half) - half + (1<<shift - 1)) >> shift
		if j < uint32(len(table)) {
			table[j]++
		}
	}
	acc := uint32(0)
	syms := m.syms[:len(table)]
	for j, c := range table {
		acc += c
		k := acc - 1 // table[0] counted symbol 0, so acc >= 1
		if k >= uint32(len(dist))-1 {
			k = uint32(len(dist)) - 2 // unreachable
		}
		table[j] = uint32(dist[k]) | uint32(dist[k+1])<<16
		syms[j] = uint16(k)
	}
	m.updateCycle = (5 * m.updateCycle) >> 2
	if max := (m.symbols + 6) << 3; m.updateCycle > max {
		m.updateCycle = max
	}
	m.untilUpdate = m.updateCycle
}

// DecodeSymbol decodes one symbol of m and adapts m.
func (d *Decoder) DecodeSymbol(m *Model) (sym uint32) {
	sym, d.value, d.length = d.decode(m, d.value, d.length)
	return
}

// State returns the coder state for a run of Symbol calls; SetState
// stores it back. Between the two, d's own copy is stale. Passing the
// state from call to call in registers spares each symbol a store and a
// reload on the decoder's critical path.
func (d *Decoder) State() (value, length uint32) { return d.value, d.length }

// SetState stores the state a run of Symbol calls returned.
func (d *Decoder) SetState(value, length uint32) { d.value, d.length = value, length }

// Symbol is DecodeSymbol on a caller-held state (see State).
func (d *Decoder) Symbol(m *Model, value, length uint32) (sym, v, l uint32) {
	return d.decode(m, value, length)
}

// decode is DecodeSymbol on a coder state (value, length) that the caller
// holds: passed and returned in registers, it spares consecutive symbols a
// store and reload of the state, which lie on the decoder's critical path.
// d.value and d.length are stale until the caller stores the state back.
func (d *Decoder) decode(m *Model, value, length uint32) (sym, v, l uint32) {
	y := length
	length >>= dmLengthShift
	dv := value / length
	if dv >= m.dvLimit {
		// Only reachable with corrupt input: keep the look-up in range.
		d.corrupt = d.corrupt || m.strict
		dv = m.dvLimit - 1
	}
	table := m.bounds
	t := dv >> (m.tableShift & 31) // the mask spares Go's shift-overflow code
	if t >= uint32(len(table)) {
		t = uint32(len(table)) - 1 // unreachable: the table reaches dvLimit
	}
	e := table[t]
	sym = uint32(m.syms[t]) // a load in parallel: sym is off the critical path
	lo, hi := e&0xFFFF, e>>16
	if dv < lo || hi <= dv {
		// The bucket spans several symbols and dv is outside the middle
		// one's interval. dist strictly increases from dist[0] = 0 to
		// dist[n] = 0xFFFF, which exceeds every dv, so this stops at the
		// symbol whose interval holds dv. With one to four table entries
		// per symbol it is rare, so this branch mostly predicts.
		dist := m.distribution
		for sym > 0 && sym < uint32(len(dist)) && uint32(dist[sym]) > dv {
			sym--
		}
		for sym+1 < uint32(len(dist)) && uint32(dist[sym+1]) <= dv {
			sym++
		}
		if sym+1 < uint32(len(dist)) {
			lo, hi = uint32(dist[sym]), uint32(dist[sym+1])
		}
	}
	x := lo * length
	// hi is 0xFFFF for the last symbol only, whose interval ends at the
	// full length.
	if hi != 0xFFFF {
		y = hi * length
	}
	value -= x
	length = y - x
	if p, b := d.pos, d.buf; length != 0 && p >= 0 && p < len(b)-3 {
		// Renormalization's usual case, inline: a call costs more than
		// the work, and a method holding it is over Go's inlining budget,
		// so bit and raw repeat it. (This form of the test proves
		// b[p:p+4] in bounds.)
		var n int
		value, length, n = shiftIn(value, length, b[p:])
		d.pos = p + n
	} else {
		value, length = d.refillSlow(value, length)
	}
	m.count[sym]++
	m.untilUpdate--
	if m.untilUpdate == 0 {
		m.update()
	}
	return sym, value, length
}

// BitModel is an adaptive binary model.
type BitModel struct {
	bit0Count, bitCount, bit0Prob, untilUpdate, updateCycle uint32
}

// NewBitModel returns a bit model in its initial state.
func NewBitModel() BitModel {
	return BitModel{bit0Count: 1, bitCount: 2, bit0Prob: 1 << (bmLengthShift - 1), untilUpdate: 4, updateCycle: 4}
}

func (m *BitModel) update() {
	m.bitCount += m.updateCycle
	if m.bitCount > bmMaxCount {
		m.bitCount = (m.bitCount + 1) >> 1
		m.bit0Count = (m.bit0Count + 1) >> 1
		if m.bit0Count == m.bitCount {
			m.bitCount++
		}
	}
	scale := uint32(0x80000000) / m.bitCount
	m.bit0Prob = (m.bit0Count * scale) >> (31 - bmLengthShift)
	m.updateCycle = (5 * m.updateCycle) >> 2
	if m.updateCycle > 64 {
		m.updateCycle = 64
	}
	m.untilUpdate = m.updateCycle
}

// DecodeBit decodes one bit of m and adapts m.
func (d *Decoder) DecodeBit(m *BitModel) (bit uint32) {
	bit, d.value, d.length = d.bit(m, d.value, d.length)
	return
}

// bit is DecodeBit on a caller-held coder state (see decode).
func (d *Decoder) bit(m *BitModel, value, length uint32) (bit, v, l uint32) {
	x := m.bit0Prob * (length >> bmLengthShift)
	// Selects rather than branches: many bits are coin tosses.
	v, l = value-x, length-x
	if value >= x {
		bit = 1
	}
	if bit == 0 {
		v, l = value, x
	}
	m.bit0Count += 1 - bit
	value, length = v, l
	if p, b := d.pos, d.buf; length != 0 && p >= 0 && p < len(b)-3 {
		// Renormalization's usual case, inline: a call costs more than
		// the work.
		var n int
		value, length, n = shiftIn(value, length, b[p:])
		d.pos = p + n
	} else {
		value, length = d.refillSlow(value, length)
	}
	m.untilUpdate--
	if m.untilUpdate == 0 {
		m.update()
	}
	return bit, value, length
}

// ReadBits reads 1..32 raw (equiprobable) bits.
func (d *Decoder) ReadBits(bits uint32) uint32 {
	if bits > 19 {
		lo := d.ReadShort()
		hi := d.ReadBits(bits-16) << 16
		return hi | lo
	}
	var sym uint32
	sym, d.value, d.length = d.raw(bits, d.value, d.length)
	return sym
}

// raw is ReadBits for 1..19 bits on a caller-held coder state (see
// decode).
func (d *Decoder) raw(bits, value, length uint32) (sym, v, l uint32) {
	length >>= bits & 31
	sym = value / length
	value -= length * sym
	if p, b := d.pos, d.buf; length != 0 && p >= 0 && p < len(b)-3 {
		// Renormalization's usual case, inline: a call costs more than
		// the work.
		var n int
		value, length, n = shiftIn(value, length, b[p:])
		d.pos = p + n
	} else {
		value, length = d.refillSlow(value, length)
	}
	return sym, value, length
}

// ReadShort reads 16 raw bits.
func (d *Decoder) ReadShort() uint32 {
	var sym uint32
	sym, d.value, d.length = d.raw(16, d.value, d.length)
	return sym & 0xFFFF
}

// ReadInt reads 32 raw bits, low half first.
func (d *Decoder) ReadInt() uint32 {
	lo := d.ReadShort()
	hi := d.ReadShort()
	return hi<<16 | lo
}
