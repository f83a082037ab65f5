package pointcloud

import (
	"bytes"
	"context"
	"math"
	"slices"
	"sort"
	"testing"
)

// copcKey is what survives the README's format 3 -> 7 conversion: the
// coordinates on the COPC file's integer grid, GPS time, colour, and the
// attributes whose meaning is the same in both formats.
type copcKey struct {
	x, y, z                int64
	gps                    float64
	r, g, b                uint16
	intensity              uint16
	ret, nret, class, user uint8
	source                 uint16
}

func keyCmp(a, b copcKey) int {
	for _, d := range []int64{a.x - b.x, a.y - b.y, a.z - b.z} {
		if d != 0 {
			return int(max(-1, min(1, d)))
		}
	}
	if a.gps != b.gps {
		if a.gps < b.gps {
			return -1
		}
		return 1
	}
	for _, d := range []int{int(a.r) - int(b.r), int(a.g) - int(b.g), int(a.b) - int(b.b), int(a.intensity) - int(b.intensity),
		int(a.ret) - int(b.ret), int(a.nret) - int(b.nret), int(a.class) - int(b.class), int(a.user) - int(b.user), int(a.source) - int(b.source)} {
		if d != 0 {
			return d
		}
	}
	return 0
}

// keysOf converts records to keys on the integer grid of (scale, offset).
func keysOf(r *Records, scale, offset [3]float64) []copcKey {
	out := make([]copcKey, r.Len())
	for i := range out {
		p := r.Point(i)
		out[i] = copcKey{
			x: int64(math.Round((p.X - offset[0]) / scale[0])), y: int64(math.Round((p.Y - offset[1]) / scale[1])), z: int64(math.Round((p.Z - offset[2]) / scale[2])),
			gps: p.GPSTime, r: p.Red, g: p.Green, b: p.Blue, intensity: p.Intensity,
			ret: p.ReturnNumber, nret: p.NumberOfReturns, class: p.Classification, user: p.UserData, source: p.PointSourceID,
		}
	}
	slices.SortFunc(out, keyCmp)
	return out
}

func TestCOPCMatchesTwin(t *testing.T) {
	ctx := context.Background()
	copc := mustOpen(t, lidarFile(t, "1.2-with-color.copc.laz"))
	las := mustOpen(t, lidarFile(t, "1.2-with-color.las"))
	hc := copc.Header()
	if hc.PointFormat != 7 || hc.PointCount != 1065 || copc.COPC() == nil {
		t.Fatalf("COPC header: format %d count %d info %v", hc.PointFormat, hc.PointCount, copc.COPC())
	}
	a, err := copc.ReadAll(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := las.ReadAll(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	ka, kb := keysOf(a, hc.Scale, hc.Offset), keysOf(b, hc.Scale, hc.Offset)
	if len(ka) != len(kb) {
		t.Fatalf("COPC has %d points, twin %d", len(ka), len(kb))
	}
	for i := range ka {
		if ka[i] != kb[i] {
			t.Fatalf("sorted point %d differs:\ncopc %+v\nlas  %+v", i, ka[i], kb[i])
		}
	}

	// The octree nodes, decoded one by one, hold the same points.
	nodes, err := copc.COPCNodes(ctx, COPCQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != copc.NumChunks() {
		t.Fatalf("%d nodes with points, %d chunks", len(nodes), copc.NumChunks())
	}
	total := int64(0)
	for _, n := range nodes {
		if n.Chunk < 0 {
			t.Fatalf("node %v matches no chunk", n.Key)
		}
		total += n.PointCount
	}
	if total != 1065 {
		t.Fatalf("nodes hold %d points, want 1065", total)
	}
}

func TestCOPCBoxQuery(t *testing.T) {
	ctx := context.Background()
	f := mustOpen(t, lidarFile(t, "1.2-with-color.copc.laz"))
	all, err := f.ReadAll(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	allNodes, err := f.COPCNodes(ctx, COPCQuery{})
	if err != nil {
		t.Fatal(err)
	}
	h := f.Header()
	w, hgt := h.Max[0]-h.Min[0], h.Max[1]-h.Min[1]
	boxes := map[string]Box{
		"south-west quarter": {h.Min[0], h.Min[1], h.Min[0] + w/2, h.Min[1] + hgt/2},
		"small centre":       {h.Min[0] + 0.4*w, h.Min[1] + 0.4*hgt, h.Min[0] + 0.6*w, h.Min[1] + 0.6*hgt},
		"east strip":         {h.Min[0] + 0.8*w, h.Min[1], h.Max[0], h.Max[1]},
	}
	for name, box := range boxes {
		t.Run(name, func(t *testing.T) {
			var want [][]byte
			for i := 0; i < all.Len(); i++ {
				if x, y, _ := all.XYZ(i); box.Contains(x, y) {
					want = append(want, all.Raw(i))
				}
			}
			if len(want) == 0 {
				t.Fatal("test box holds no points")
			}
			nodes, err := f.COPCNodes(ctx, COPCQuery{Box: box})
			if err != nil {
				t.Fatal(err)
			}
			if len(nodes) == 0 || len(nodes) >= len(allNodes) {
				t.Fatalf("query touched %d of %d nodes", len(nodes), len(allNodes))
			}
			pts, err := f.ReadBox(ctx, box, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]byte
			for _, p := range pts {
				if !box.Contains(p.X, p.Y) {
					t.Fatalf("point %v,%v outside box", p.X, p.Y)
				}
			}
			// Compare as sets of raw records, through the nodes read.
			for _, n := range nodes {
				r, err := f.ReadNode(ctx, n, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < r.Len(); i++ {
					if x, y, _ := r.XYZ(i); box.Contains(x, y) {
						got = append(got, r.Raw(i))
					}
				}
			}
			sort.Slice(want, func(i, j int) bool { return bytes.Compare(want[i], want[j]) < 0 })
			sort.Slice(got, func(i, j int) bool { return bytes.Compare(got[i], got[j]) < 0 })
			if len(got) != len(want) || len(pts) != len(want) {
				t.Fatalf("box query gave %d records (%d points), full decode %d", len(got), len(pts), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("record %d differs", i)
				}
			}
			t.Logf("%d points in %d of %d nodes", len(want), len(nodes), len(allNodes))
		})
	}

	// Depth and resolution limits return coarser subsets.
	root, err := f.COPCNodes(ctx, COPCQuery{Depth: 1})
	if err != nil || len(root) != 1 || root[0].Key != (VoxelKey{}) {
		t.Fatalf("Depth 1 gave %v, %v", root, err)
	}
	coarse, err := f.COPCNodes(ctx, COPCQuery{Resolution: f.COPC().Spacing / 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range coarse {
		if n.Key.Level > 1 {
			t.Fatalf("resolution spacing/2 returned level %d", n.Key.Level)
		}
	}
}
