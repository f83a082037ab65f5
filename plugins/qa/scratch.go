package qa

import "sync"

// A tile's checks key and mark a few million orthophoto pixels: their
// scratch buffers are reused between tiles rather than allocated, faulted
// in and cleared anew for each. A sync.Pool would not do: the collector
// empties it every other cycle, and a run collects every few tiles.
var (
	keyBufs  freeList[uint32]
	boolBufs freeList[bool]
)

// freeList keeps a few buffers for reuse; a worker holds at most two at once.
type freeList[T any] struct {
	mu   sync.Mutex
	free [][]T
}

const maxFree = 16

// get returns n values: as left by their last user when reused.
func (f *freeList[T]) get(n int) []T {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.free) - 1; i >= 0; i-- {
		if b := f.free[i]; cap(b) >= n {
			f.free = append(f.free[:i], f.free[i+1:]...)
			return b[:n]
		}
	}
	return make([]T, n)
}

func (f *freeList[T]) put(b []T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.free) < maxFree {
		f.free = append(f.free, b)
	}
}

// getKeys returns n keys of any value.
func getKeys(n int) []uint32 { return keyBufs.get(n) }

func putKeys(k []uint32) { keyBufs.put(k) }

// getBools returns n values, all false.
func getBools(n int) []bool {
	b := boolBufs.get(n)
	clear(b)
	return b
}

func putBools(b []bool) { boolBufs.put(b) }
