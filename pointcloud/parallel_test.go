package pointcloud

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestForEachChunkConcurrent proves chunks are decoded on several
// goroutines at once: the callback for one chunk waits until a second
// chunk has been decoded concurrently. (Timing-based speed-ups are left
// to the benchmarks: this machine's cores are shared.)
func TestForEachChunkConcurrent(t *testing.T) {
	f := mustOpen(t, lidarFile(t, "autzen_trim.laz"))
	var mu sync.Mutex
	inside := 0
	both := make(chan struct{})
	var once sync.Once
	err := f.ForEachChunk(context.Background(), 2, nil, func(i int, r *Records) error {
		if uint64(r.Len()) != f.Chunk(i).PointCount {
			return errors.New("wrong record count")
		}
		mu.Lock()
		inside++
		if inside == 2 {
			once.Do(func() { close(both) })
		}
		mu.Unlock()
		select {
		case <-both:
		case <-time.After(20 * time.Second):
			return errors.New("no second chunk was decoded while the first was held")
		}
		mu.Lock()
		inside--
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < f.NumChunks(); i++ {
		if !f.Chunk(i).BoundsKnown {
			t.Fatalf("chunk %d bounds not recorded", i)
		}
	}
}

func TestForEachChunkErrors(t *testing.T) {
	f := mustOpen(t, lidarFile(t, "autzen_trim.laz"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.ForEachChunk(ctx, 2, nil, func(int, *Records) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	stop := errors.New("stop")
	if err := f.ForEachChunk(context.Background(), 2, nil, func(int, *Records) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("callback error: %v", err)
	}
	if _, err := f.ReadChunk(context.Background(), 99, nil); err == nil {
		t.Fatal("chunk 99 of 3 read without error")
	}
}
