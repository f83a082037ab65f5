package pointcloud

// intDecoder decodes integers as a corrector to a prediction: first the
// number k of significant bits of the correction (per context), then
// the correction itself, its high bits through an adaptive model and
// any remaining low bits raw.
type intDecoder struct {
	k         uint32
	corrBits  uint32
	bitsHigh  uint32
	corrRange uint32
	corrMin   int32
	bits      []*symbolModel // per context: k in [0, corrBits]
	corr0     bitModel
	corr      []*symbolModel // corr[k-1] for k in [1, corrBits]
	arena     *modelArena    // where models come from; nil allocates
}

func newIntDecoder(bits, contexts uint32) *intDecoder {
	d := &intDecoder{bitsHigh: 8}
	if bits != 0 && bits < 32 {
		d.corrBits = bits
		d.corrRange = 1 << bits
		d.corrMin = -int32(d.corrRange / 2)
	} else {
		d.corrBits = 32
		d.corrMin = -1 << 31
	}
	// Models are created on first use: a chunk touches few of them, and
	// small chunks (COPC nodes) would otherwise spend most of their time
	// building models.
	d.bits = make([]*symbolModel, contexts)
	d.corr0 = newBitModel()
	d.corr = make([]*symbolModel, d.corrBits)
	return d
}

func (id *intDecoder) decode(d *arithDecoder, pred int32, context uint32) int32 {
	bm := id.bits[context]
	if bm == nil {
		bm = id.arena.get(id.corrBits + 1)
		id.bits[context] = bm
	}
	k := d.decodeSymbol(bm)
	id.k = k
	var c int32
	switch {
	case k == 0:
		c = int32(d.decodeBit(&id.corr0))
	case k < 32:
		cm := id.corr[k-1]
		if cm == nil {
			cm = id.arena.get(uint32(1) << min(k, id.bitsHigh))
			id.corr[k-1] = cm
		}
		var u uint32
		if k <= id.bitsHigh {
			u = d.decodeSymbol(cm)
		} else {
			k1 := k - id.bitsHigh
			u = d.decodeSymbol(cm)<<k1 | d.readBits(k1)
		}
		c = int32(u)
		if u >= uint32(1)<<(k-1) {
			c++
		} else {
			c -= int32(uint32(1)<<k - 1)
		}
	default:
		c = id.corrMin
	}
	v := pred + c
	if id.corrRange != 0 {
		if v < 0 {
			v += int32(id.corrRange)
		} else if v >= int32(id.corrRange) {
			v -= int32(id.corrRange)
		}
	}
	return v
}

// median5 is LASzip's streaming median of the last five values.
type median5 struct {
	v    [5]int32
	high bool
}

func newMedian5() median5 { return median5{high: true} }

func (m *median5) get() int32 { return m.v[2] }

func (m *median5) add(x int32) {
	v := &m.v
	if m.high {
		if x < v[2] {
			v[4], v[3] = v[3], v[2]
			if x < v[0] {
				v[2], v[1], v[0] = v[1], v[0], x
			} else if x < v[1] {
				v[2], v[1] = v[1], x
			} else {
				v[2] = x
			}
		} else {
			if x < v[3] {
				v[4], v[3] = v[3], x
			} else {
				v[4] = x
			}
			m.high = false
		}
		return
	}
	if v[2] < x {
		v[0], v[1] = v[1], v[2]
		if v[4] < x {
			v[2], v[3], v[4] = v[3], v[4], x
		} else if v[3] < x {
			v[2], v[3] = v[3], x
		} else {
			v[2] = x
		}
	} else {
		if v[1] < x {
			v[0], v[1] = v[1], x
		} else {
			v[0] = x
		}
		m.high = true
	}
}
