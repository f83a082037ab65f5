package arith

// Arena recycles a decoder's adaptive models from chunk to chunk.
// Every chunk starts its models afresh; building hundreds of them per
// chunk (allocation, then a pass over each distribution) dominated the
// decoding of small chunks such as COPC nodes. A recycled model is reset
// by copying a pristine template of the same size instead.
//
// A nil *Arena allocates new models, so code without an arena works.
type Arena struct {
	templates map[uint32]*Model
	free      map[uint32][]*Model
	used      []*Model
}

// NewArena returns an empty arena.
func NewArena() *Arena {
	return &Arena{templates: map[uint32]*Model{}, free: map[uint32][]*Model{}}
}

// Recycle makes every model handed out so far available again; the
// decoders that used them must be discarded.
func (a *Arena) Recycle() {
	for _, m := range a.used {
		a.free[m.symbols] = append(a.free[m.symbols], m)
	}
	clear(a.used)
	a.used = a.used[:0]
}

// Get returns a model over n symbols in its initial state.
func (a *Arena) Get(n uint32) *Model {
	if a == nil {
		return NewModel(n)
	}
	t := a.templates[n]
	if t == nil {
		t = NewModel(n)
		a.templates[n] = t
	}
	var m *Model
	if l := a.free[n]; len(l) > 0 {
		m = l[len(l)-1]
		a.free[n] = l[:len(l)-1]
		m.reset(t)
	} else {
		m = t.clone()
	}
	a.used = append(a.used, m)
	return m
}

// Lazy returns the model in slot, taking one from the arena on first use.
func (a *Arena) Lazy(slot **Model, n uint32) *Model {
	if *slot == nil {
		*slot = a.Get(n)
	}
	return *slot
}

// IntDecoder returns an integer decoder whose models come from a.
func (a *Arena) IntDecoder(bits, contexts uint32) *IntDecoder {
	d := NewIntDecoder(bits, contexts)
	d.arena = a
	return d
}
