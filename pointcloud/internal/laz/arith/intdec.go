package arith

// IntDecoder decodes integers as a corrector to a prediction: first the
// number k of significant bits of the correction (per context), then
// the correction itself, its high bits through an adaptive model and
// any remaining low bits raw.
type IntDecoder struct {
	k         uint32
	corrBits  uint32
	bitsHigh  uint32
	corrRange uint32
	corrMin   int32
	bits      []*Model // per context: k in [0, corrBits]
	corr0     BitModel
	corr      [32]*Model // corr[k-1] for k in [1, corrBits]; inline saves a load
	arena     *Arena     // where models come from; nil allocates
}

// NewIntDecoder returns a corrector for values of bits bits (32 for
// int32) with contexts model contexts.
func NewIntDecoder(bits, contexts uint32) *IntDecoder {
	d := &IntDecoder{bitsHigh: 8}
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
	d.bits = make([]*Model, contexts)
	d.corr0 = NewBitModel()
	return d
}

// K is the number of significant bits of the last decoded correction;
// LASzip derives the contexts of later values from it.
func (id *IntDecoder) K() uint32 { return id.k }

// Decode decodes the value predicted as pred, using model context.
func (id *IntDecoder) Decode(d *Decoder, pred int32, context uint32) (v int32) {
	v, d.value, d.length = id.DecodeState(d, d.value, d.length, pred, context)
	return
}

// DecodeState is Decode on a caller-held coder state (see
// Decoder.State).
func (id *IntDecoder) DecodeState(d *Decoder, value, length uint32, pred int32, context uint32) (int32, uint32, uint32) {
	bm := id.bits[context]
	if bm == nil {
		bm = id.arena.Get(id.corrBits + 1)
		id.bits[context] = bm
	}
	// The coder state stays in registers from one step to the next.
	k, value, length := d.decode(bm, value, length)
	id.k = k
	var c int32
	switch {
	case k == 0:
		var b uint32
		b, value, length = d.bit(&id.corr0, value, length)
		c = int32(b)
	case k < 32:
		cm := id.corr[k-1]
		if cm == nil {
			cm = id.arena.Get(uint32(1) << min(k, id.bitsHigh))
			id.corr[k-1] = cm
		}
		var u uint32
		u, value, length = d.decode(cm, value, length)
		if k > id.bitsHigh {
			k1 := k - id.bitsHigh
			var lo uint32
			if k1 <= 19 {
				lo, value, length = d.raw(k1, value, length)
			} else {
				d.value, d.length = value, length
				lo = d.ReadBits(k1)
				value, length = d.value, d.length
			}
			u = u<<k1 | lo
		}
		// u codes c+2^k-1 for negative c, else c-1. Selecting without a
		// branch: the sign of a correction is a coin toss.
		neg := uint32(int32(u-uint32(1)<<(k-1)) >> 31)
		c = int32(u + 1 - neg&(uint32(1)<<k))
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
	return v, value, length
}
