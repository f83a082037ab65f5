package laz

// Median5 is LASzip's streaming median of the last five values.
type Median5 struct {
	v    [5]int32
	high bool
}

// NewMedian5 returns the median of five zeros.
func NewMedian5() Median5 { return Median5{high: true} }

// Get is the current median.
func (m *Median5) Get() int32 { return m.v[2] }

// Add drops the largest of the five values, or the smallest once a value
// went in at or above the median (until one goes in at or below it), and
// inserts x in order: LASzip's cheap stand-in for a running median. It
// runs twice per point, so it selects with min and max, which compile to
// CMOV: branches on the comparisons mispredict.
func (m *Median5) Add(x int32) {
	v := &m.v
	var o int
	if !m.high {
		o = 1
	}
	a := (*[4]int32)(v[o : o+4])
	a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
	mid := v[2]
	v[0] = min(a0, x)
	v[1] = max(a0, min(a1, x))
	v[2] = max(a1, min(a2, x))
	v[3] = max(a2, min(a3, x))
	v[4] = max(a3, x)
	// High again when x went below the median (or onto it, when low).
	m.high = int64(x) < int64(mid)+int64(o)
}
