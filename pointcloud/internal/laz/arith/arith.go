// Package arith is LASzip's entropy coder (after Amir Said's FastAC): a
// 32-bit range decoder with adaptive symbol and bit models, the integer
// corrector built on them, and the matching encoder (package lazenc
// writes LAZ with it).
//
// Corrupt input never panics: reads past the end yield zeros and set
// Overrun, impossible states set the corrupt flag; callers check Failed.
package arith

import "math/bits"

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

func (d *Decoder) renorm() {
	// Fast path: at most three bytes are needed and usually available.
	if p := d.pos; d.length != 0 && p+3 <= len(d.buf) {
		s, w := shiftIn(d.length, d.buf[p:p+3])
		d.value, d.length = d.value<<(s&31)|w, d.length<<(s&31)
		d.pos = p + int(s>>3)
		return
	}
	if d.length == 0 {
		// Only reachable with corrupt input; keep the loop finite.
		d.corrupt = true
		d.length = acMinLength
		return
	}
	for d.length < acMinLength {
		var b byte
		if d.pos < len(d.buf) {
			b = d.buf[d.pos]
			d.pos++
		} else {
			d.overrun = true
		}
		d.value = d.value<<8 | uint32(b)
		d.length <<= 8
	}
}

// shiftIn returns by how many bits (0, 8, 16 or 24) a nonzero length
// must grow to reach acMinLength, and the bytes of b that fill them. It
// has no branches: how many bytes a symbol takes is unpredictable.
func shiftIn(length uint32, b []byte) (s, w uint32) {
	s = uint32(bits.LeadingZeros32(length)) &^ 7
	w = uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	return s, w >> ((24 - s) & 31)
}

// Model is an adaptive model over n symbols. Its arrays hold
// uint16 (distribution values are at most 2^15, counts stay below 2^16,
// table entries below n <= 2^11): half the cache footprint of uint32
// speeds decoding, which is bound by loads from many models.
type Model struct {
	distribution []uint16 // n+1 entries: the last, 0xFFFF, stops the decoder's search
	count        []uint16
	// table maps dv>>tableShift (dv = value/length, see DecodeSymbol) to
	// the symbol of the bucket's lowest dv, a lower bound for the bucket.
	// It is finer than LASzip's (2–4 entries per symbol, not 1/4–1/2):
	// the decoded symbol is defined by the distribution alone, and with
	// fine buckets the search after the look-up almost never steps, so
	// its branch predicts well. Every model has one: a division and two
	// loads beat a multiply-compare chain even over 3 symbols.
	table       []uint16
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
	tbits := uint32(bits.Len32(n-1)) + 1 // 2n <= 2^tbits < 4n
	tbits = min(tbits, 10)               // 516-symbol GPS model: 1024
	m.tableShift = dmLengthShift - tbits
	m.table = make([]uint16, (m.dvLimit-1)>>m.tableShift+1)
	// One allocation for both arrays keeps models cheap to create.
	buf := make([]uint16, 2*n+1)
	m.distribution, m.count = buf[:n+1:n+1], buf[n+1:]
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

// clone copies a model, arrays included.
func (m *Model) clone() *Model {
	c := *m
	n := len(m.count)
	buf := make([]uint16, 2*n+1+len(m.table))
	c.distribution, c.count, c.table = buf[:n+1:n+1], buf[n+1:2*n+1:2*n+1], buf[2*n+1:]
	copy(c.distribution, m.distribution)
	copy(c.count, m.count)
	copy(c.table, m.table)
	return &c
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
	table := m.table
	shift := m.tableShift & 31
	j := 0 // next table entry to fill
	dist := m.distribution[:len(m.count)]
	for k, c := range m.count {
		d := (scale * sum) >> (31 - dmLengthShift)
		dist[k] = uint16(d)
		sum += uint32(c)
		// Entries whose lowest dv, j<<shift, is at or above d start
		// in symbol k or later: up to there they belong to k-1.
		end := min(int((d+(1<<shift)-1)>>shift), len(table))
		for ; j < end; j++ {
			table[j] = uint16(k - 1)
		}
	}
	for ; j < len(table); j++ {
		table[j] = uint16(len(m.count) - 1)
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
	table := m.table
	t := dv >> (m.tableShift & 31) // the mask spares Go's shift-overflow code
	if t >= uint32(len(table)) {
		t = uint32(len(table)) - 1 // unreachable: the table reaches dvLimit
	}
	sym = uint32(table[t])
	dist := m.distribution
	// dist strictly increases and dist[n] = 0xFFFF exceeds every dv, so
	// this stops at the symbol whose interval holds dv. With two to four
	// table entries per symbol it rarely steps, so its branch predicts.
	for sym+1 < uint32(len(dist)) && uint32(dist[sym+1]) <= dv {
		sym++
	}
	x := uint32(dist[sym]) * length
	if sym != m.lastSymbol {
		y = uint32(dist[sym+1]) * length
	}
	value -= x
	length = y - x
	if p := d.pos; length != 0 && p+3 <= len(d.buf) {
		// renorm's fast path, inline: a call costs more than the work.
		s, w := shiftIn(length, d.buf[p:p+3])
		value, length = value<<(s&31)|w, length<<(s&31)
		d.pos = p + int(s>>3)
	} else if length < acMinLength {
		d.value, d.length = value, length
		d.renorm()
		value, length = d.value, d.length
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
func (d *Decoder) DecodeBit(m *BitModel) uint32 {
	x := m.bit0Prob * (d.length >> bmLengthShift)
	var sym uint32
	if d.value < x {
		d.length = x
		m.bit0Count++
	} else {
		d.value -= x
		d.length -= x
		sym = 1
	}
	if d.length < acMinLength {
		d.renorm()
	}
	m.untilUpdate--
	if m.untilUpdate == 0 {
		m.update()
	}
	return sym
}

// ReadBits reads 1..32 raw (equiprobable) bits.
func (d *Decoder) ReadBits(bits uint32) uint32 {
	if bits > 19 {
		lo := d.ReadShort()
		hi := d.ReadBits(bits-16) << 16
		return hi | lo
	}
	d.length >>= bits
	sym := d.value / d.length
	d.value -= d.length * sym
	if d.length < acMinLength {
		d.renorm()
	}
	return sym
}

// ReadShort reads 16 raw bits.
func (d *Decoder) ReadShort() uint32 {
	d.length >>= 16
	sym := d.value / d.length
	d.value -= d.length * sym
	if d.length < acMinLength {
		d.renorm()
	}
	return sym & 0xFFFF
}

// ReadInt reads 32 raw bits, low half first.
func (d *Decoder) ReadInt() uint32 {
	lo := d.ReadShort()
	hi := d.ReadShort()
	return hi<<16 | lo
}
