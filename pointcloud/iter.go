package pointcloud

import (
	"context"
	"iter"
)

// Records iterates over every raw record in file order, decoding one
// chunk at a time. The yielded slice is only valid until the next one.
func (f *File) Records(ctx context.Context) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		var recs *Records
		for c := range f.chunks {
			var err error
			if recs, err = f.ReadChunk(ctx, c, recs); err != nil {
				yield(nil, err)
				return
			}
			for i, n := 0, recs.Len(); i < n; i++ {
				if !yield(recs.Raw(i), nil) {
					return
				}
			}
		}
	}
}

// Points iterates over every typed point in file order. The Point's
// ExtraBytes are only valid until the next one.
func (f *File) Points(ctx context.Context) iter.Seq2[Point, error] {
	return func(yield func(Point, error) bool) {
		var recs *Records
		for c := range f.chunks {
			var err error
			if recs, err = f.ReadChunk(ctx, c, recs); err != nil {
				yield(Point{}, err)
				return
			}
			for i, n := 0, recs.Len(); i < n; i++ {
				if !yield(recs.Point(i), nil) {
					return
				}
			}
		}
	}
}
