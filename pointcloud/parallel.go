package pointcloud

import (
	"context"
	"runtime"
	"sync"
)

// ForEachChunk decodes the given chunks (all when chunks is nil) on
// workers goroutines (GOMAXPROCS when <= 0) and calls fn for each, from
// those goroutines, in no particular order. recs is reused after fn
// returns: copy what must outlive the call. The first error stops the
// work and is returned.
func (f *File) ForEachChunk(ctx context.Context, workers int, chunks []int, fn func(chunk int, recs *Records) error) error {
	if chunks == nil {
		chunks = make([]int, len(f.chunks))
		for i := range chunks {
			chunks[i] = i
		}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(chunks))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var recs *Records
			for i := range jobs {
				var err error
				if recs, err = f.ReadChunk(ctx, i, recs); err == nil {
					err = fn(i, recs)
				}
				if err != nil {
					fail(err)
				}
			}
		}()
	}
feed:
	for _, i := range chunks {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// ReadAll decodes every record of the file, in file order, using workers
// goroutines.
func (f *File) ReadAll(ctx context.Context, workers int) (*Records, error) {
	parts := make([][]byte, len(f.chunks))
	err := f.ForEachChunk(ctx, workers, nil, func(i int, r *Records) error {
		parts[i] = append([]byte(nil), r.Data...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := f.newRecords(nil)
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	out.Data = make([]byte, 0, total)
	for _, p := range parts {
		out.Data = append(out.Data, p...)
	}
	return out, nil
}

// BuildIndex decodes every chunk whose bounds are not known yet, so that
// ChunksIntersecting can then skip chunks without decoding them.
func (f *File) BuildIndex(ctx context.Context, workers int) error {
	var todo []int
	f.mu.Lock()
	for i, k := range f.known {
		if !k {
			todo = append(todo, i)
		}
	}
	f.mu.Unlock()
	if len(todo) == 0 {
		return nil
	}
	return f.ForEachChunk(ctx, workers, todo, func(int, *Records) error { return nil })
}

// ChunksIntersecting returns the chunks that may hold points inside box:
// those whose bounds meet it or are not known yet.
func (f *File) ChunksIntersecting(box Box) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for i := range f.chunks {
		if !f.known[i] || f.bounds[i].XY().Intersects(box) {
			out = append(out, i)
		}
	}
	return out
}

// ReadBox returns the typed points inside box (inclusive) for which
// filter (when not nil) returns true. COPC files read only the octree
// nodes meeting the box; other files skip chunks whose bounds are known
// not to meet it (see BuildIndex).
func (f *File) ReadBox(ctx context.Context, box Box, filter func(*Point) bool) ([]Point, error) {
	var (
		mu  sync.Mutex
		out []Point
	)
	collect := func(r *Records) {
		var local []Point
		var p Point
		for i, n := 0, r.Len(); i < n; i++ {
			x, y, _ := r.XYZ(i)
			if !box.Contains(x, y) {
				continue
			}
			r.PointInto(i, &p)
			if filter != nil && !filter(&p) {
				continue
			}
			// ExtraBytes must not alias a reused buffer.
			p.ExtraBytes = append([]byte(nil), p.ExtraBytes...)
			local = append(local, p)
		}
		mu.Lock()
		out = append(out, local...)
		mu.Unlock()
	}
	if f.copc != nil {
		nodes, err := f.COPCNodes(ctx, COPCQuery{Box: box})
		if err != nil {
			return nil, err
		}
		// Nodes are chunks: decode those found in the chunk table in
		// parallel, any others one by one.
		var chunks []int
		for _, n := range nodes {
			if n.Chunk >= 0 {
				chunks = append(chunks, n.Chunk)
				continue
			}
			r, err := f.ReadNode(ctx, n, nil)
			if err != nil {
				return nil, err
			}
			collect(r)
		}
		if len(chunks) == 0 {
			return out, nil
		}
		err = f.ForEachChunk(ctx, 0, chunks, func(_ int, r *Records) error {
			collect(r)
			return nil
		})
		return out, err
	}
	err := f.ForEachChunk(ctx, 0, f.ChunksIntersecting(box), func(_ int, r *Records) error {
		collect(r)
		return nil
	})
	return out, err
}
