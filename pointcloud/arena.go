package pointcloud

// modelArena recycles a decoder's adaptive models from chunk to chunk.
// Every chunk starts its models afresh; building hundreds of them per
// chunk (allocation, then a pass over each distribution) dominated the
// decoding of small chunks such as COPC nodes. A recycled model is reset
// by copying a pristine template of the same size instead.
//
// A nil *modelArena allocates new models, so code without an arena works.
type modelArena struct {
	templates map[uint32]*symbolModel
	free      map[uint32][]*symbolModel
	used      []*symbolModel
}

func newModelArena() *modelArena {
	return &modelArena{templates: map[uint32]*symbolModel{}, free: map[uint32][]*symbolModel{}}
}

// recycle makes every model handed out so far available again; the
// decoders that used them must be discarded.
func (a *modelArena) recycle() {
	for _, m := range a.used {
		a.free[m.symbols] = append(a.free[m.symbols], m)
	}
	clear(a.used)
	a.used = a.used[:0]
}

// get returns a model over n symbols in its initial state.
func (a *modelArena) get(n uint32) *symbolModel {
	if a == nil {
		return newSymbolModel(n)
	}
	t := a.templates[n]
	if t == nil {
		t = newSymbolModel(n)
		a.templates[n] = t
	}
	var m *symbolModel
	if l := a.free[n]; len(l) > 0 {
		m = l[len(l)-1]
		a.free[n] = l[:len(l)-1]
		copy(m.distribution, t.distribution)
		copy(m.count, t.count)
		copy(m.table, t.table)
		dist, count, table := m.distribution, m.count, m.table
		*m = *t
		m.distribution, m.count, m.table = dist, count, table
	} else {
		m = t.clone()
	}
	a.used = append(a.used, m)
	return m
}

// lazy returns the model in slot, taking one from the arena on first use.
func (a *modelArena) lazy(slot **symbolModel, n uint32) *symbolModel {
	if *slot == nil {
		*slot = a.get(n)
	}
	return *slot
}

// intDecoder returns an integer decoder whose models come from a.
func (a *modelArena) intDecoder(bits, contexts uint32) *intDecoder {
	d := newIntDecoder(bits, contexts)
	d.arena = a
	return d
}
