package laz

import (
	"math/rand/v2"
	"testing"
)

// refMedian5 is LASzip's StreamingMedian5, transcribed branch for branch.
type refMedian5 struct {
	v    [5]int32
	high bool
}

func (m *refMedian5) add(x int32) {
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

// TestMedian5 checks the branch-free Median5 against LASzip's, on values
// with many ties and on extremes.
func TestMedian5(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, spread := range []int64{3, 100, 1 << 31} {
		m, ref := NewMedian5(), refMedian5{high: true}
		for i := range 100000 {
			x := int32(r.Int64N(2*spread) - spread)
			if i%97 == 0 {
				x = [2]int32{-1 << 31, 1<<31 - 1}[i%2]
			}
			m.Add(x)
			ref.add(x)
			if m.v != ref.v || m.high != ref.high || m.Get() != ref.v[2] {
				t.Fatalf("spread %d, step %d (x %d): %v %v, LASzip %v %v", spread, i, x, m.v, m.high, ref.v, ref.high)
			}
		}
	}
}
