package pointcloud

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// exercise opens data as a file called name and decodes everything it
// can: all chunks and, for COPC, all nodes. It returns the first error.
func exercise(name string, data []byte) error {
	f, err := OpenReader(bytes.NewReader(data), int64(len(data)), name)
	if err != nil {
		return err
	}
	ctx := context.Background()
	_ = f.Header()
	_, _ = f.CRS()
	var recs *Records
	for i := 0; i < f.NumChunks(); i++ {
		if recs, err = f.ReadChunk(ctx, i, recs); err != nil {
			return err
		}
		for j := 0; j < recs.Len(); j++ {
			_ = recs.Point(j)
		}
	}
	if f.COPC() != nil {
		nodes, err := f.COPCNodes(ctx, COPCQuery{})
		if err != nil {
			return err
		}
		for _, n := range nodes {
			if _, err := f.ReadNode(ctx, n, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

func readLidar(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(lidarFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutate returns a copy of b changed by fn.
func mutate(b []byte, fn func([]byte) []byte) []byte {
	return fn(append([]byte(nil), b...))
}

func put32(off int, v uint32) func([]byte) []byte {
	return func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b }
}

func put64(off int, v uint64) func([]byte) []byte {
	return func(b []byte) []byte { binary.LittleEndian.PutUint64(b[off:], v); return b }
}

// laszipVLRData finds the data offset of the LASzip VLR in a LAZ file.
func laszipVLRData(t testing.TB, b []byte) int {
	t.Helper()
	f, err := OpenReader(bytes.NewReader(b), int64(len(b)), "probe")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range f.VLRs() {
		if v.UserID == "laszip encoded" {
			return int(v.Offset)
		}
	}
	t.Fatal("no LASzip VLR")
	return 0
}

func TestBadFiles(t *testing.T) {
	autzen := readLidar(t, "autzen_trim.laz")
	pt := readLidar(t, "lazrs-point-time-color.laz")
	copc := readLidar(t, "1.2-with-color.copc.laz")
	las14 := readLidar(t, "autzen_trim_7.las")
	las12 := readLidar(t, "lazrs-point10.las")

	zipAutzen := laszipVLRData(t, autzen)
	zipCOPC := laszipVLRData(t, copc)
	copcFile, _ := OpenReader(bytes.NewReader(copc), int64(len(copc)), "probe")
	copcChunk3 := copcFile.Chunk(3)
	autzenFile, _ := OpenReader(bytes.NewReader(autzen), int64(len(autzen)), "probe")
	autzenTable := int(binary.LittleEndian.Uint64(autzen[autzenFile.Header().PointDataOffset:]))
	hierOff := int(copcFile.COPC().RootHierOffset)

	type badCase struct {
		name  string
		data  []byte
		want  error  // sentinel the error must match
		chunk string // "chunk N" the message must contain, if any
	}
	var cases []badCase
	for _, src := range []struct {
		name string
		data []byte
	}{{"autzen_trim.laz", autzen}, {"point-time-color.laz", pt}, {"copc.laz", copc}, {"autzen_trim_7.las", las14}, {"point10.las", las12}} {
		for _, cut := range []int{0, 3, 100, 226, 300, 374, len(src.data) / 2, len(src.data) - 9, len(src.data) - 1} {
			if cut >= len(src.data) {
				continue
			}
			cases = append(cases, badCase{name: "truncated-" + src.name + "-" + strconv.Itoa(cut), data: src.data[:cut]})
		}
	}
	cases = append(cases,
		badCase{name: "signature", data: mutate(autzen, func(b []byte) []byte { copy(b, "LASG"); return b }), want: ErrNotLAS},
		badCase{name: "signature-las", data: mutate(las14, func(b []byte) []byte { b[0] = 0; return b }), want: ErrNotLAS},
		badCase{name: "item-version", data: mutate(autzen, func(b []byte) []byte { b[zipAutzen+34+4] = 1; return b }), want: ErrUnsupported},
		badCase{name: "item-version-layered", data: mutate(copc, func(b []byte) []byte { b[zipCOPC+34+4] = 9; return b }), want: ErrUnsupported},
		badCase{name: "item-type", data: mutate(autzen, func(b []byte) []byte { b[zipAutzen+34+6] = 9; return b }), want: ErrUnsupported},
		badCase{name: "compressor", data: mutate(autzen, func(b []byte) []byte { b[zipAutzen] = 7; return b }), want: ErrUnsupported},
		badCase{name: "chunk-table-garbled", data: mutate(autzen, func(b []byte) []byte {
			for i := autzenTable + 8; i < len(b); i++ {
				b[i] ^= 0x5A
			}
			return b
		})},
		badCase{name: "chunk-table-before-chunks", data: mutate(autzen, put64(int(autzenFile.Header().PointDataOffset), 100)), want: ErrCorrupt},
		badCase{name: "chunk-table-version", data: mutate(autzen, put32(autzenTable, 3)), want: ErrCorrupt},
		badCase{name: "chunk-table-count", data: mutate(autzen, put32(autzenTable+4, 1<<30)), want: ErrCorrupt},
		badCase{name: "chunk-table-offset", data: mutate(autzen, put64(int(autzenFile.Header().PointDataOffset), 1<<40)), want: ErrTruncated},
		// 5000 more points than chunk 2 holds: its stream ends early.
		badCase{name: "point-count-raised", data: mutate(autzen, put32(107, 115000)), want: ErrCountMismatch, chunk: "chunk 2"},
		badCase{name: "point-count-raised-las", data: mutate(las14, put64(247, 110001)), want: ErrTruncated},
		badCase{name: "point-count-lowered-laz", data: mutate(autzen, put32(107, 90000)), want: ErrCountMismatch},
		badCase{name: "copc-chunk-count", data: mutate(copc, put32(int(copcChunk3.Offset)+36, 5)), want: ErrCountMismatch, chunk: "chunk 3"},
		badCase{name: "copc-count-64", data: mutate(copc, put64(247, 2000)), want: ErrCountMismatch},
		badCase{name: "copc-hierarchy-node-count", data: mutate(copc, func(b []byte) []byte {
			// Every node claims 2^31-1 points: refused before decoding.
			for o := hierOff; o+32 <= hierOff+int(copcFile.COPC().RootHierSize); o += 32 {
				if int32(binary.LittleEndian.Uint32(b[o+28:])) > 0 {
					binary.LittleEndian.PutUint32(b[o+28:], 1<<31-1)
				}
			}
			return b
		}), want: ErrCountMismatch},
		badCase{name: "copc-hierarchy-offset", data: mutate(copc, func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[hierOff+16:], 1<<50)
			return b
		}), want: ErrTruncated},
		badCase{name: "chunk-bytes-zeroed", data: mutate(autzen, func(b []byte) []byte {
			sp := autzenFile.Chunk(1)
			clear(b[sp.Offset+sp.ByteSize/2 : sp.Offset+sp.ByteSize])
			return b
		})},
		badCase{name: "header-size", data: mutate(las14, func(b []byte) []byte { binary.LittleEndian.PutUint16(b[94:], 100); return b }), want: ErrCorrupt},
		badCase{name: "record-length", data: mutate(las14, func(b []byte) []byte { binary.LittleEndian.PutUint16(b[105:], 20); return b }), want: ErrCorrupt},
		badCase{name: "point-format", data: mutate(las14, func(b []byte) []byte { b[104] = 11; return b }), want: ErrUnsupported},
		badCase{name: "scale-zero", data: mutate(las14, put64(131, 0)), want: ErrCorrupt},
		badCase{name: "vlr-length", data: mutate(las14, func(b []byte) []byte { binary.LittleEndian.PutUint16(b[375+20:], 60000); return b }), want: ErrTruncated},
		badCase{name: "hostile-1e12-las", data: mutate(las14, put64(247, 1e12)), want: ErrTruncated},
		badCase{name: "hostile-1e12-copc", data: mutate(copc, put64(247, 1e12)), want: ErrCountMismatch},
		badCase{name: "hostile-4e9-laz", data: mutate(autzen, put32(107, 1<<32-1)), want: ErrCountMismatch},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "bad-" + c.name + ".laz"
			err := exercise(name, c.data)
			if err == nil {
				if c.name == "chunk-bytes-zeroed" {
					// Garbage in a chunk need not be detectable; it must
					// only not panic or hang.
					return
				}
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error %q does not name the file", err)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Path != name {
				t.Fatalf("error %v is not a *Error for %s", err, name)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("error %q does not match %v", err, c.want)
			}
			if c.chunk != "" && !strings.Contains(err.Error(), c.chunk+":") {
				t.Fatalf("error %q does not name %s", err, c.chunk)
			}
			t.Log(err)
		})
	}
}

// TestHostileHeaderMemory checks that headers claiming 10^12 points are
// refused without allocating for them.
func TestHostileHeaderMemory(t *testing.T) {
	for _, c := range []struct {
		file string
		off  int
	}{{"autzen_trim_7.las", 247}, {"1.2-with-color.copc.laz", 247}} {
		t.Run(c.file, func(t *testing.T) {
			data := mutate(readLidar(t, c.file), put64(c.off, 1e12))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			const runs = 5
			for i := 0; i < runs; i++ {
				if exercise(c.file, data) == nil {
					t.Fatal("hostile header accepted")
				}
			}
			runtime.ReadMemStats(&after)
			perRun := (after.TotalAlloc - before.TotalAlloc) / runs
			if perRun > 16<<20 {
				t.Fatalf("refusing a 10^12-point header allocated %d bytes per run", perRun)
			}
			t.Logf("%d bytes allocated per run", perRun)
		})
	}
}
