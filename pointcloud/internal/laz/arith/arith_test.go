package arith

import (
	"math/rand/v2"
	"testing"
)

// op is one coding step of a round trip: which primitive, its model
// size or bit count, and the value.
type op struct {
	kind int // 0 symbol, 1 bit, 2 raw bits, 3 short, 4 int, 5 corrector
	n    uint32
	v    uint32
	pred int32
}

// script draws a mixed sequence of values, skewed so that the models
// adapt and rescale, with extremes for the corrector.
func script(r *rand.Rand, steps int) []op {
	sizes := []uint32{2, 5, 16, 17, 64, 256, 516, 2048}
	ops := make([]op, steps)
	for i := range ops {
		o := op{kind: r.IntN(6)}
		switch o.kind {
		case 0:
			o.n = sizes[r.IntN(len(sizes))]
			o.v = uint32(min(r.ExpFloat64()*3, float64(o.n-1)))
		case 1:
			o.v = uint32(r.IntN(5) / 4)
		case 2:
			o.n = 1 + uint32(r.IntN(32))
			o.v = r.Uint32() & uint32(1<<o.n-1)
		case 3:
			o.v = r.Uint32() & 0xFFFF
		case 4:
			o.v = r.Uint32()
		case 5:
			o.n = uint32(r.IntN(2)) // 0: 16-bit corrector, 1: 32-bit
			o.pred = int32(r.Uint32())
			switch r.IntN(4) {
			case 0:
				o.v = uint32(o.pred + int32(r.IntN(7)) - 3)
			case 1: // a correction of -2^31: the corrector's k = 32 case
				o.v = uint32(o.pred) + 1<<31
			default:
				o.v = r.Uint32()
			}
			if o.n == 0 {
				o.pred &= 0xFFFF
				o.v &= 0xFFFF
			}
		}
		ops[i] = o
	}
	return ops
}

// models holds one model per size and kind, so encoder and decoder adapt
// the same ones in the same order.
type models struct {
	sym  map[uint32]*Model
	bit  BitModel
	ints [2]*IntDecoder
}

func newModels(a *Arena) *models {
	return &models{sym: map[uint32]*Model{}, bit: NewBitModel(), ints: [2]*IntDecoder{a.IntDecoder(16, 3), a.IntDecoder(32, 3)}}
}

// TestRoundTrip encodes mixed sequences and decodes them back, with fresh
// models and with models recycled by an arena.
func TestRoundTrip(t *testing.T) {
	arena := NewArena()
	for seed := range uint64(20) {
		ops := script(rand.New(rand.NewPCG(seed, 7)), 5000)
		e := NewEncoder()
		em := map[uint32]*Model{}
		bit := NewBitModel()
		ints := [2]*IntEncoder{NewIntEncoder(16, 3), NewIntEncoder(32, 3)}
		ks := make([]uint32, len(ops)) // the corrector's K after each step
		for i, o := range ops {
			switch o.kind {
			case 0:
				if em[o.n] == nil {
					em[o.n] = NewModel(o.n)
				}
				e.EncodeSymbol(em[o.n], o.v)
			case 1:
				e.EncodeBit(&bit, o.v)
			case 2:
				e.WriteBits(o.n, o.v)
			case 3:
				e.WriteShort(o.v)
			case 4:
				e.WriteInt(o.v)
			case 5:
				ints[o.n].Encode(e, o.pred, int32(o.v), uint32(i%3))
				ks[i] = ints[o.n].K()
			}
		}
		stream := e.Done()
		for _, a := range []*Arena{nil, arena} {
			if a != nil {
				a.Recycle()
			}
			m := newModels(a)
			var d Decoder
			d.Init(stream)
			for i, o := range ops {
				var got uint32
				switch o.kind {
				case 0:
					if m.sym[o.n] == nil {
						m.sym[o.n] = a.Get(o.n)
					}
					got = d.DecodeSymbol(m.sym[o.n])
				case 1:
					got = d.DecodeBit(&m.bit)
				case 2:
					got = d.ReadBits(o.n)
				case 3:
					got = d.ReadShort()
				case 4:
					got = d.ReadInt()
				case 5:
					got = uint32(m.ints[o.n].Decode(&d, o.pred, uint32(i%3)))
					if k := m.ints[o.n].K(); k != ks[i] {
						t.Fatalf("seed %d: step %d: K %d, encoder's %d", seed, i, k, ks[i])
					}
				}
				if got != o.v {
					t.Fatalf("seed %d arena %v: step %d (kind %d, n %d): got %d, want %d", seed, a != nil, i, o.kind, o.n, got, o.v)
				}
			}
			if d.Failed() {
				t.Fatalf("seed %d: decoder failed on a valid stream", seed)
			}
		}
	}
}

// TestHostileStreams decodes garbage and cut streams: no panic, and a
// stream read past its end reports Overrun.
func TestHostileStreams(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		buf := make([]byte, r.IntN(64))
		for j := range buf {
			buf[j] = byte(r.Uint32())
		}
		if i%2 == 0 {
			clear(buf[len(buf)/2:])
		}
		var d Decoder
		d.Init(buf)
		m := newModels(nil)
		sym := NewModel(300)
		for k := 0; k < 500; k++ {
			d.DecodeSymbol(sym)
			d.DecodeBit(&m.bit)
			m.ints[1].Decode(&d, 0, uint32(k%3))
			d.ReadBits(uint32(1 + k%32))
		}
		if !d.Failed() || !d.Overrun() {
			t.Fatalf("input %d: 2000 decodes from %d bytes without overrun", i, len(buf))
		}
	}
}
