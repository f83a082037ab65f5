package pointcloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	b   []byte
	pos int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := m.pos + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	copy(m.b[m.pos:], p)
	m.pos += int64(len(p))
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += m.pos
	case io.SeekEnd:
		off += int64(len(m.b))
	}
	if off < 0 {
		return 0, errors.New("negative position")
	}
	m.pos = off
	return off, nil
}

func (m *memFile) reset() { m.b, m.pos = m.b[:0], 0 }

// failingFile fails every write once limit bytes were written.
type failingFile struct {
	memFile
	limit int
}

func (f *failingFile) Write(p []byte) (int, error) {
	if len(f.b)+len(p) > f.limit {
		return 0, errors.New("disk full")
	}
	return f.memFile.Write(p)
}

var writeFormats = []uint8{0, 1, 2, 3, 6, 7, 8}

// randomPoints makes n points using every field format f stores, over
// its whole range (coordinates up to the int32 limits); fields the
// format lacks are zero and the Has flags set as the reader sets them,
// so that reading back must give exactly these points.
func randomPoints(f uint8, n int, o WriterOptions, seed uint64) []Point {
	r := rand.New(rand.NewPCG(seed, uint64(f)))
	lay := layoutOf(f)
	pts := make([]Point, n)
	raws := []int32{math.MinInt32, math.MaxInt32, 0, -1}
	for i := range pts {
		p := &pts[i]
		for k, dst := range []*int32{&p.RawX, &p.RawY, &p.RawZ} {
			v := int32(r.IntN(2e8) - 1e8)
			if i < len(raws)*3 {
				v = raws[(i+k)%len(raws)]
			}
			*dst = v
		}
		p.X = float64(p.RawX)*o.Scale[0] + o.Offset[0]
		p.Y = float64(p.RawY)*o.Scale[1] + o.Offset[1]
		p.Z = float64(p.RawZ)*o.Scale[2] + o.Offset[2]
		p.Intensity = uint16(r.Uint32())
		p.UserData = uint8(r.Uint32())
		p.PointSourceID = uint16(r.Uint32())
		p.ScanDirection, p.EdgeOfFlightLine = r.IntN(2) == 1, r.IntN(2) == 1
		if lay.extended {
			p.ReturnNumber, p.NumberOfReturns = uint8(r.IntN(16)), uint8(r.IntN(16))
			p.Classification = uint8(r.Uint32())
			p.ClassificationFlags = uint8(r.IntN(16))
			p.ScannerChannel = uint8(r.IntN(4))
			p.ScanAngle = float64(int16(r.Uint32())) * 0.006
		} else {
			p.ReturnNumber, p.NumberOfReturns = uint8(r.IntN(8)), uint8(r.IntN(8))
			p.Classification = uint8(r.IntN(32))
			p.ClassificationFlags = uint8(r.IntN(8))
			p.ScanAngle = float64(int8(r.Uint32()))
		}
		p.HasGPSTime, p.HasRGB, p.HasNIR = lay.gps >= 0, lay.rgb >= 0, lay.nir >= 0
		if p.HasGPSTime {
			p.GPSTime = 3e8 + float64(i)*1e-5 + r.Float64()
			if i%1000 == 7 {
				p.GPSTime = -r.NormFloat64() * 1e12
			}
		}
		if p.HasRGB {
			p.Red, p.Green, p.Blue = uint16(r.Uint32()), uint16(r.Uint32()), uint16(r.Uint32())
		}
		if p.HasNIR {
			p.NIR = uint16(r.Uint32())
		}
	}
	return pts
}

// writeAll writes pts with NewWriter and returns the file's bytes.
func writeAll(t testing.TB, o WriterOptions, pts []Point) []byte {
	t.Helper()
	var m memFile
	w, err := NewWriter(&m, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pts {
		if err := w.Write(&pts[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return m.b
}

func openBytes(t testing.TB, b []byte, name string) *File {
	t.Helper()
	f, err := OpenReader(bytes.NewReader(b), int64(len(b)), name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func readPoints(t testing.TB, f *File) []Point {
	t.Helper()
	recs, err := f.ReadAll(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	pts := make([]Point, recs.Len())
	for i := range pts {
		recs.PointInto(i, &pts[i])
		pts[i].ExtraBytes = nil
	}
	return pts
}

func diffPoints(t testing.TB, got, want []Point) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d points, wrote %d", len(got), len(want))
	}
	for i := range got {
		w := want[i]
		w.ExtraBytes = nil
		if !reflect.DeepEqual(got[i], w) {
			t.Fatalf("point %d:\ngot  %+v\nwant %+v", i, got[i], w)
		}
	}
}

// TestWriterRoundTrip writes random points of every format, as LAS and
// as LAZ, and reads them back: every field of every point, the header
// (version, format, counts by return, bounds, scale, offset, strings,
// dates, global encoding), the CRS, the LAZ chunking; writing twice gives
// the same bytes.
func TestWriterRoundTrip(t *testing.T) {
	const wkt = `PROJCS["NAD83 / Oregon GIC Lambert (ft)",GEOGCS["NAD83",DATUM["North_American_Datum_1983",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],UNIT["foot",0.3048],AUTHORITY["EPSG","2992"]]`
	n := LAZChunkPoints + 1017 // two LAZ chunks
	for _, format := range writeFormats {
		for _, compress := range []bool{false, true} {
			name := fmt.Sprintf("format%d/las", format)
			if compress {
				name = fmt.Sprintf("format%d/laz", format)
			}
			t.Run(name, func(t *testing.T) {
				o := WriterOptions{Format: format, Compress: compress, Scale: [3]float64{0.01, 0.001, 0.0025}, Offset: [3]float64{637000, 849000.5, -12},
					WKT: wkt, SystemID: "cdflow test", Software: "cdflow pointcloud writer", FileCreationDay: 45, FileCreationYear: 2024, StandardGPSTime: format == 6}
				pts := randomPoints(format, n, o, 1)
				b := writeAll(t, o, pts)
				if again := writeAll(t, o, pts); !bytes.Equal(b, again) {
					t.Fatalf("two writes differ at byte %d", firstDiff(b, again))
				}
				f := openBytes(t, b, name)
				diffPoints(t, readPoints(t, f), pts)

				h := f.Header()
				minor := uint8(2)
				if format >= 6 {
					minor = 4
				}
				if h.VersionMajor != 1 || h.VersionMinor != minor || h.PointFormat != format || h.Compressed != compress || int(h.PointRecordLength) != BaseRecordLen(format) {
					t.Errorf("header: version %d.%d format %d compressed %v record length %d", h.VersionMajor, h.VersionMinor, h.PointFormat, h.Compressed, h.PointRecordLength)
				}
				if h.SystemIdentifier != o.SystemID || h.GeneratingSoftware != o.Software || h.CreationDay != 45 || h.CreationYear != 2024 {
					t.Errorf("header strings/dates: %q %q %d %d", h.SystemIdentifier, h.GeneratingSoftware, h.CreationDay, h.CreationYear)
				}
				wantGE := uint16(0)
				if minor == 4 {
					wantGE = 16
				}
				if o.StandardGPSTime {
					wantGE |= 1
				}
				if h.GlobalEncoding != wantGE {
					t.Errorf("global encoding %#x, want %#x", h.GlobalEncoding, wantGE)
				}
				if h.Scale != o.Scale || h.Offset != o.Offset {
					t.Errorf("scale %v offset %v", h.Scale, h.Offset)
				}
				if h.PointCount != uint64(n) {
					t.Errorf("point count %d, want %d", h.PointCount, n)
				}
				var byReturn [15]uint64
				for _, p := range pts {
					if p.ReturnNumber >= 1 {
						byReturn[p.ReturnNumber-1]++
					}
				}
				if minor == 4 {
					if h.PointsByReturn != byReturn || h.LegacyPointCount != 0 || h.LegacyPointsByReturn != [5]uint32{} {
						t.Errorf("1.4 counts by return %v (want %v), legacy %d %v (want zero)", h.PointsByReturn, byReturn, h.LegacyPointCount, h.LegacyPointsByReturn)
					}
				} else {
					want := [5]uint32{}
					for i := range want {
						want[i] = uint32(byReturn[i])
					}
					if h.LegacyPointCount != uint32(n) || h.LegacyPointsByReturn != want {
						t.Errorf("legacy counts %d %v, want %d %v", h.LegacyPointCount, h.LegacyPointsByReturn, n, want)
					}
				}
				all, _ := f.ReadAll(context.Background(), 1)
				if bb := all.Bounds(); h.Min != bb.Min || h.Max != bb.Max {
					t.Errorf("header bounds %v %v, points' bounds %v %v", h.Min, h.Max, bb.Min, bb.Max)
				}
				if crs, err := f.CRS(); err != nil || crs.WKT != wkt {
					t.Errorf("CRS %q, %v", crs.WKT, err)
				}
				if compress {
					z := f.LASzip()
					wantComp := uint16(CompressorPointwiseChunked)
					if format >= 6 {
						wantComp = CompressorLayeredChunked
					}
					if z.Compressor != wantComp || z.ChunkSize != LAZChunkPoints || f.NumChunks() != 2 {
						t.Errorf("LASzip compressor %d chunk size %d, %d chunks", z.Compressor, z.ChunkSize, f.NumChunks())
					}
					// Compression must gain something even on random data.
					if len(b) >= n*BaseRecordLen(format) {
						t.Errorf("LAZ of %d bytes for %d bytes of records", len(b), n*BaseRecordLen(format))
					}
				}
			})
		}
	}
}

// TestWriterRealFiles reads real files, writes their points again with
// the same format, scale, offset and CRS (LAS and LAZ), and checks that
// every record reads back byte for byte, with the same header counts and
// bounds. autzen_trim.laz was written by LASzip with the same items and
// chunk size: the point data we write as LAZ must equal its bytes.
func TestWriterRealFiles(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"autzen_trim.las", "autzen_trim_7.las", "test1_4.las", "lazrs-point10.las", "lazrs-point-color.las", "lazrs-point-time.las"} {
		for _, compress := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/compress=%v", name, compress), func(t *testing.T) {
				src := mustOpen(t, lidarFile(t, name))
				h := src.Header()
				crs, err := src.CRS()
				if err != nil && !errors.Is(err, ErrNoCRS) {
					t.Fatal(err)
				}
				o := WriterOptions{Format: h.PointFormat, Compress: compress, Scale: h.Scale, Offset: h.Offset, WKT: crs.WKT,
					SystemID: h.SystemIdentifier, Software: h.GeneratingSoftware, FileCreationDay: h.CreationDay, FileCreationYear: h.CreationYear}
				want, err := src.ReadAll(ctx, 2)
				if err != nil {
					t.Fatal(err)
				}
				var m memFile
				w, err := NewWriter(&m, o)
				if err != nil {
					t.Fatal(err)
				}
				var p Point
				for i := 0; i < want.Len(); i++ {
					want.PointInto(i, &p)
					if err := w.Write(&p); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				f := openBytes(t, m.b, "rewritten")
				got, err := f.ReadAll(ctx, 2)
				if err != nil {
					t.Fatal(err)
				}
				if got.Len() != want.Len() {
					t.Fatalf("read %d records, wrote %d", got.Len(), want.Len())
				}
				for i := 0; i < got.Len(); i++ {
					if !bytes.Equal(got.Raw(i), want.Raw(i)) {
						t.Fatalf("record %d differs:\ngot  %x\nwant %x", i, got.Raw(i), want.Raw(i))
					}
				}
				gh := f.Header()
				if gh.PointCount != h.PointCount || gh.PointsByReturn != h.PointsByReturn {
					t.Errorf("header: count %d by return %v; source: %d %v", gh.PointCount, gh.PointsByReturn, h.PointCount, h.PointsByReturn)
				}
				// Our bounds are the points' exactly; the source writers'
				// agree to within a scale step (their own rounding).
				if bb := got.Bounds(); gh.Min != bb.Min || gh.Max != bb.Max {
					t.Errorf("header bounds %v %v, points' bounds %v %v", gh.Min, gh.Max, bb.Min, bb.Max)
				}
				for k := 0; k < 3; k++ {
					if math.Abs(gh.Min[k]-h.Min[k]) > h.Scale[k] || math.Abs(gh.Max[k]-h.Max[k]) > h.Scale[k] {
						t.Errorf("%c bounds %v…%v, source header %v…%v", "xyz"[k], gh.Min[k], gh.Max[k], h.Min[k], h.Max[k])
					}
				}
				if gc, _ := f.CRS(); gc.WKT != crs.WKT {
					t.Errorf("CRS %q, want %q", gc.WKT, crs.WKT)
				}
				if name == "autzen_trim.las" && compress {
					real := mustOpen(t, lidarFile(t, "autzen_trim.laz"))
					rb := readLidar(t, "autzen_trim.laz")
					mine := m.b[gh.PointDataOffset+8:]
					theirs := rb[real.Header().PointDataOffset+8:]
					if !bytes.Equal(mine, theirs) {
						t.Errorf("LAZ chunks and chunk table (%d bytes) differ from LASzip's (%d bytes) at byte %d", len(mine), len(theirs), firstDiff(mine, theirs))
					}
				}
				t.Logf("%d points, %d bytes", got.Len(), len(m.b))
			})
		}
	}
}

// TestWriterPointErrors writes one bad point between good ones: the error
// names the point and matches ErrOutOfRange, and the file holds the good
// points only.
func TestWriterPointErrors(t *testing.T) {
	cases := []struct {
		format uint8
		name   string
		bad    Point
		msg    string
	}{
		{3, "x-too-large", Point{X: 3e7}, "x = 3e+07 is outside"},
		{3, "y-too-small", Point{Y: -3e7}, "y = -3e+07 is outside"},
		{6, "z-nan", Point{Z: math.NaN()}, "z = NaN"},
		{1, "x-inf", Point{X: math.Inf(1)}, "x = +Inf"},
		{1, "return-number", Point{ReturnNumber: 8}, "return number 8"},
		{0, "number-of-returns", Point{NumberOfReturns: 9}, "number of returns 9"},
		{2, "class", Point{Classification: 32}, "classification 32"},
		{3, "overlap-flag", Point{ClassificationFlags: 8}, "overlap needs format 6–8"},
		{3, "scan-angle-legacy", Point{ScanAngle: 127.6}, "scan angle 127.6"},
		{3, "scan-angle-nan", Point{ScanAngle: math.NaN()}, "scan angle NaN"},
		{6, "return-number-14", Point{ReturnNumber: 16}, "return number 16"},
		{7, "number-of-returns-14", Point{NumberOfReturns: 200}, "number of returns 200"},
		{8, "flags-14", Point{ClassificationFlags: 16}, "classification flags 0x10"},
		{7, "channel", Point{ScannerChannel: 4}, "scanner channel 4"},
		{8, "scan-angle-14", Point{ScanAngle: 197}, "scan angle 197"},
	}
	for _, c := range cases {
		for _, compress := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/compress=%v", c.name, compress), func(t *testing.T) {
				o := WriterOptions{Format: c.format, Compress: compress}
				var m memFile
				w, err := NewWriter(&m, o)
				if err != nil {
					t.Fatal(err)
				}
				good := []Point{{X: 1, Y: 2, Z: 3, ReturnNumber: 1, NumberOfReturns: 1}, {X: 4, Y: 5, Z: 6, Classification: 2}}
				if err := w.Write(&good[0]); err != nil {
					t.Fatal(err)
				}
				err = w.Write(&c.bad)
				var pe *Error
				if !errors.Is(err, ErrOutOfRange) || !errors.As(err, &pe) || !strings.Contains(err.Error(), "write point 1 ") || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("error %v: want ErrOutOfRange naming point 1 and %q", err, c.msg)
				}
				if err := w.Write(&good[1]); err != nil {
					t.Fatalf("the writer is unusable after a bad point: %v", err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				pts := readPoints(t, openBytes(t, m.b, c.name))
				if len(pts) != 2 || pts[0].X != 1 || pts[1].Z != 6 || pts[1].Classification != 2 {
					t.Fatalf("read back %+v", pts)
				}
			})
		}
	}
}

// TestWriterOptionErrors checks that invalid options are refused before
// anything is written.
func TestWriterOptionErrors(t *testing.T) {
	cases := []struct {
		name string
		o    WriterOptions
		is   error
		msg  string
	}{
		{"wave-packets", WriterOptions{Format: 4}, ErrUnsupported, "point format 4 (wave packets)"},
		{"wave-packets-14", WriterOptions{Format: 10, Compress: true}, ErrUnsupported, "point format 10"},
		{"format-11", WriterOptions{Format: 11}, ErrUnsupported, "point format 11"},
		{"negative-scale", WriterOptions{Scale: [3]float64{0.01, -0.01, 0.01}}, nil, "y scale -0.01"},
		{"nan-scale", WriterOptions{Scale: [3]float64{math.NaN(), 0, 0}}, nil, "x scale NaN"},
		{"inf-offset", WriterOptions{Offset: [3]float64{0, 0, math.Inf(-1)}}, nil, "z offset -Inf"},
		{"system-id", WriterOptions{SystemID: strings.Repeat("s", 33)}, nil, "longer than 32 bytes"},
		{"software", WriterOptions{Software: strings.Repeat("s", 33)}, nil, "longer than 32 bytes"},
		{"wkt-nul", WriterOptions{WKT: "GEOGCS[\x00]"}, nil, "NUL byte at 7"},
		{"wkt-long", WriterOptions{WKT: strings.Repeat("W", 70000)}, nil, "does not fit a VLR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m memFile
			_, err := NewWriter(&m, c.o)
			if err == nil || (c.is != nil && !errors.Is(err, c.is)) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v, want %v with %q", err, c.is, c.msg)
			}
			if len(m.b) != 0 {
				t.Fatalf("%d bytes written", len(m.b))
			}
			dir := t.TempDir()
			if _, err := Create(filepath.Join(dir, "x.las"), c.o); err == nil {
				t.Fatal("Create accepted the options")
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Fatalf("Create left %d files", len(ents))
			}
		})
	}
}

// TestCreate checks that Create writes through a temporary file: nothing
// at the path until Close, then a file with a new file's mode equal to
// what NewWriter writes; Abort and failures leave nothing behind.
func TestCreate(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.laz")
			o := WriterOptions{Format: 7, Compress: compress, WKT: "LOCAL_CS[\"x\"]"}
			pts := randomPoints(7, 1000, WriterOptions{Scale: [3]float64{0.01, 0.01, 0.01}}, 2)
			w, err := Create(path, o)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Abort()
			for i := range pts {
				if err := w.Write(&pts[i]); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%s exists before Close: %v", path, err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 || ents[0].Name() != "out.laz" {
				t.Fatalf("folder holds %v", ents)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := writeAll(t, o, pts); !bytes.Equal(got, want) {
				t.Fatal("Create and NewWriter wrote different bytes")
			}
			diffPoints(t, readPoints(t, mustOpen(t, path)), pts)
			ref, err := os.Create(filepath.Join(dir, "ref"))
			if err != nil {
				t.Fatal(err)
			}
			ref.Close()
			st, _ := os.Stat(path)
			rst, _ := os.Stat(filepath.Join(dir, "ref"))
			if st.Mode().Perm() != rst.Mode().Perm() {
				t.Errorf("mode %v, a new file gets %v", st.Mode().Perm(), rst.Mode().Perm())
			}
			if err := w.Close(); err == nil {
				t.Error("second Close succeeded")
			}
			if err := w.Write(&pts[0]); err == nil {
				t.Error("Write after Close succeeded")
			}
		})
	}
	t.Run("abort", func(t *testing.T) {
		dir := t.TempDir()
		w, err := Create(filepath.Join(dir, "a.las"), WriterOptions{Format: 1})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(&Point{X: 1})
		w.Abort()
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Fatalf("Abort left %v", ents)
		}
		if err := w.Close(); err == nil {
			t.Error("Close after Abort succeeded")
		}
	})
	t.Run("missing-folder", func(t *testing.T) {
		_, err := Create(filepath.Join(t.TempDir(), "no", "a.las"), WriterOptions{})
		var pe *Error
		if !errors.Is(err, os.ErrNotExist) || !errors.As(err, &pe) {
			t.Fatalf("error %v", err)
		}
	})
}

// TestWriterUnfinished checks that output cut short is never taken for a
// complete file, and that an I/O failure is reported and sticks.
func TestWriterUnfinished(t *testing.T) {
	pts := randomPoints(3, 3*lasBatchPoints, WriterOptions{Scale: [3]float64{0.01, 0.01, 0.01}}, 3)
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			var m memFile
			w, err := NewWriter(&m, WriterOptions{Format: 3, Compress: compress})
			if err != nil {
				t.Fatal(err)
			}
			for i := range pts {
				if err := w.Write(&pts[i]); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := OpenReader(bytes.NewReader(m.b), int64(len(m.b)), "unfinished"); !errors.Is(err, ErrNotLAS) {
				t.Fatalf("unfinished output opens: %v", err)
			}
			w.Abort()
			if _, err := OpenReader(bytes.NewReader(m.b), int64(len(m.b)), "aborted"); !errors.Is(err, ErrNotLAS) {
				t.Fatalf("aborted output opens: %v", err)
			}

			ff := &failingFile{limit: 2000}
			w, err = NewWriter(ff, WriterOptions{Format: 3, Compress: compress})
			if err != nil {
				t.Fatal(err)
			}
			var werr error
			for i := range pts {
				if werr = w.Write(&pts[i]); werr != nil {
					break
				}
			}
			if !compress && (werr == nil || !strings.Contains(werr.Error(), "disk full")) {
				t.Fatalf("write error %v", werr)
			}
			if err := w.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Fatalf("Close: %v", err)
			}
			if err := w.Write(&pts[0]); err == nil {
				t.Fatal("Write after a failure succeeded")
			}
		})
	}
}

// TestWriterEdgeCases: no points; one point; exactly one full LAZ chunk;
// a writer starting mid-stream; default scale.
func TestWriterEdgeCases(t *testing.T) {
	for _, format := range []uint8{3, 7} {
		for _, compress := range []bool{false, true} {
			for _, n := range []int{0, 1, LAZChunkPoints} {
				t.Run(fmt.Sprintf("format%d/compress=%v/%d", format, compress, n), func(t *testing.T) {
					o := WriterOptions{Format: format, Compress: compress}
					pts := randomPoints(format, n, WriterOptions{Scale: [3]float64{0.01, 0.01, 0.01}}, 4)
					b := writeAll(t, o, pts)
					f := openBytes(t, b, "edge")
					if f.Header().Scale != [3]float64{0.01, 0.01, 0.01} {
						t.Errorf("default scale %v", f.Header().Scale)
					}
					diffPoints(t, readPoints(t, f), pts)
					if n == 0 && (f.Header().Min != [3]float64{} || f.Header().Max != [3]float64{}) {
						t.Errorf("empty file bounds %v %v", f.Header().Min, f.Header().Max)
					}
					// The same file written after 100 bytes of something else.
					m := memFile{b: bytes.Repeat([]byte{0xEE}, 100), pos: 100}
					w, err := NewWriter(&m, o)
					if err != nil {
						t.Fatal(err)
					}
					for i := range pts {
						if err := w.Write(&pts[i]); err != nil {
							t.Fatal(err)
						}
					}
					if err := w.Close(); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(m.b[100:], b) || m.pos != int64(len(m.b)) {
						t.Fatalf("written at offset 100: differs at %d, position %d of %d", firstDiff(m.b[100:], b), m.pos, len(m.b))
					}
				})
			}
		}
	}
}

// BenchmarkWrite writes autzen_trim's 110 000 points (formats 3 and 7,
// and 1 and 6 derived) to memory and reports points written per second.
func BenchmarkWrite(b *testing.B) {
	ctx := context.Background()
	for _, src := range []struct {
		file   string
		format uint8
	}{{"autzen_trim.las", 1}, {"autzen_trim.las", 3}, {"autzen_trim_7.las", 6}, {"autzen_trim_7.las", 7}} {
		f := mustOpen(b, lidarFile(b, src.file))
		recs, err := f.ReadAll(ctx, 2)
		if err != nil {
			b.Fatal(err)
		}
		pts := make([]Point, recs.Len())
		for i := range pts {
			recs.PointInto(i, &pts[i])
		}
		h := f.Header()
		for _, compress := range []bool{false, true} {
			kind := "LAS"
			if compress {
				kind = "LAZ"
			}
			b.Run(fmt.Sprintf("%s/format%d", kind, src.format), func(b *testing.B) {
				o := WriterOptions{Format: src.format, Compress: compress, Scale: h.Scale, Offset: h.Offset}
				var m memFile
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime()
				for range b.N {
					m.reset()
					w, err := NewWriter(&m, o)
					if err != nil {
						b.Fatal(err)
					}
					for i := range pts {
						if err := w.Write(&pts[i]); err != nil {
							b.Fatal(err)
						}
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
				reportRates(b, uint64(len(pts)), cpu0)
				b.ReportMetric(float64(len(m.b))/float64(len(pts)), "bytes/point")
			})
		}
	}
}
