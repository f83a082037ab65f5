package pointcloud

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
)

// COPCInfo is the COPC info VLR (user "copc", record 1).
type COPCInfo struct {
	Center         [3]float64
	HalfSize       float64 // half the root cube's edge
	Spacing        float64 // point spacing at the root level
	RootHierOffset uint64
	RootHierSize   uint64
	GPSTimeMin     float64
	GPSTimeMax     float64
}

func parseCOPCInfo(b []byte) (*COPCInfo, error) {
	if len(b) < 160 {
		return nil, fmt.Errorf("%w: COPC info VLR has %d bytes, need 160", ErrCorrupt, len(b))
	}
	le := binary.LittleEndian
	f := func(o int) float64 { return math.Float64frombits(le.Uint64(b[o:])) }
	c := &COPCInfo{
		Center:         [3]float64{f(0), f(8), f(16)},
		HalfSize:       f(24),
		Spacing:        f(32),
		RootHierOffset: le.Uint64(b[40:]),
		RootHierSize:   le.Uint64(b[48:]),
		GPSTimeMin:     f(56),
		GPSTimeMax:     f(64),
	}
	if !(c.HalfSize > 0) || math.IsInf(c.HalfSize, 0) {
		return nil, fmt.Errorf("%w: COPC half size %v", ErrCorrupt, c.HalfSize)
	}
	return c, nil
}

// COPC returns the COPC info of a COPC file, nil otherwise.
func (f *File) COPC() *COPCInfo { return f.copc }

// VoxelKey names an octree node: its level and integer position there.
type VoxelKey struct {
	Level, X, Y, Z int32
}

// COPCNode is an octree node that holds points.
type COPCNode struct {
	Key        VoxelKey
	Offset     int64 // file offset of its LAZ chunk
	ByteSize   int64
	PointCount int64
	Bounds     Box3 // the node's cube
	// Chunk is the node's index among File chunks, -1 if not found there.
	Chunk int
}

type copcEntry struct {
	key        VoxelKey
	offset     uint64
	byteSize   int32
	pointCount int32
}

const copcEntryLen = 32

// NodeBounds returns the cube of the octree node key.
func (c *COPCInfo) NodeBounds(k VoxelKey) Box3 {
	if k.Level < 0 || k.Level > 62 {
		return Box3{}
	}
	size := 2 * c.HalfSize / float64(int64(1)<<k.Level)
	var b Box3
	for i, v := range [3]int32{k.X, k.Y, k.Z} {
		b.Min[i] = c.Center[i] - c.HalfSize + float64(v)*size
		b.Max[i] = b.Min[i] + size
	}
	return b
}

// readPage returns the entries of the hierarchy page at off (cached).
func (f *File) readPage(off, size uint64) ([]copcEntry, error) {
	f.mu.Lock()
	e, ok := f.pages[int64(off)]
	f.mu.Unlock()
	if ok {
		return e, nil
	}
	if size%copcEntryLen != 0 || off > uint64(f.size) || size > uint64(f.size)-off {
		return nil, fmt.Errorf("%w: hierarchy page of %d bytes at %d does not fit the %d-byte file", ErrCorrupt, size, off, f.size)
	}
	b := make([]byte, size)
	if _, err := f.r.ReadAt(b, int64(off)); err != nil {
		return nil, fmt.Errorf("%w: hierarchy page at %d: %v", ErrTruncated, off, err)
	}
	le := binary.LittleEndian
	e = make([]copcEntry, size/copcEntryLen)
	for i := range e {
		p := b[i*copcEntryLen:]
		e[i] = copcEntry{
			key:        VoxelKey{int32(le.Uint32(p)), int32(le.Uint32(p[4:])), int32(le.Uint32(p[8:])), int32(le.Uint32(p[12:]))},
			offset:     le.Uint64(p[16:]),
			byteSize:   int32(le.Uint32(p[24:])),
			pointCount: int32(le.Uint32(p[28:])),
		}
	}
	f.mu.Lock()
	if f.pages == nil {
		f.pages = map[int64][]copcEntry{}
	}
	f.pages[int64(off)] = e
	f.mu.Unlock()
	return e, nil
}

// COPCQuery selects which nodes to return.
type COPCQuery struct {
	// Box restricts nodes to those whose cube meets it in 2D; a zero Box
	// means everything.
	Box Box
	// Depth, when > 0, returns only levels below it (1 = root only).
	Depth int
	// Resolution, when > 0, stops at the first level whose point spacing
	// (Spacing / 2^level) is at most Resolution.
	Resolution float64
}

func (q *COPCQuery) wantsLevel(c *COPCInfo, level int32) bool {
	if q.Depth > 0 && int(level) >= q.Depth {
		return false
	}
	if q.Resolution > 0 && level > 0 && c.Spacing/math.Ldexp(1, int(level)-1) <= q.Resolution {
		return false
	}
	return true
}

// COPCNodes returns the octree nodes with points that the query selects,
// reading only the hierarchy pages whose subtree meets the box.
func (f *File) COPCNodes(ctx context.Context, q COPCQuery) ([]COPCNode, error) {
	if f.copc == nil {
		return nil, fileErr(f.path, "query COPC hierarchy", fmt.Errorf("%w: not a COPC file", ErrUnsupported))
	}
	all := q.Box == (Box{})
	var out []COPCNode
	visited := map[uint64]bool{}
	type page struct{ off, size uint64 }
	stack := []page{{f.copc.RootHierOffset, f.copc.RootHierSize}}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if visited[p.off] {
			continue // a hostile hierarchy may loop
		}
		visited[p.off] = true
		entries, err := f.readPage(p.off, p.size)
		if err != nil {
			return nil, fileErr(f.path, "read COPC hierarchy", err)
		}
		for _, e := range entries {
			b := f.copc.NodeBounds(e.key)
			if !all && !b.XY().Intersects(q.Box) {
				continue
			}
			if !q.wantsLevel(f.copc, e.key.Level) {
				continue
			}
			switch {
			case e.pointCount == -1:
				stack = append(stack, page{e.offset, uint64(uint32(e.byteSize))})
			case e.pointCount > 0:
				out = append(out, COPCNode{Key: e.key, Offset: int64(e.offset), ByteSize: int64(e.byteSize),
					PointCount: int64(e.pointCount), Bounds: b, Chunk: f.chunkAt(int64(e.offset))})
			}
		}
	}
	return out, nil
}

// chunkAt finds the chunk starting at off by binary search.
func (f *File) chunkAt(off int64) int {
	lo, hi := 0, len(f.chunks)
	for lo < hi {
		m := (lo + hi) / 2
		if f.chunks[m].offset < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(f.chunks) && f.chunks[lo].offset == off {
		return lo
	}
	return -1
}

// ReadNode decodes the points of one COPC node into dst (reused when not
// nil).
func (f *File) ReadNode(ctx context.Context, n COPCNode, dst *Records) (*Records, error) {
	if n.PointCount < 0 || n.ByteSize < 0 {
		return nil, fileErr(f.path, "read COPC node", fmt.Errorf("%w: node %v has %d points in %d bytes", ErrCorrupt, n.Key, n.PointCount, n.ByteSize))
	}
	sp := chunkSpan{offset: n.Offset, size: n.ByteSize, count: uint64(n.PointCount)}
	rec, err := f.readSpan(ctx, sp, dst)
	if err != nil {
		return rec, chunkErr(f.path, n.Chunk, fmt.Sprintf("decode COPC node %d-%d-%d-%d", n.Key.Level, n.Key.X, n.Key.Y, n.Key.Z), err)
	}
	if n.Chunk >= 0 {
		f.setBounds(n.Chunk, rec.Bounds())
	}
	return rec, nil
}
