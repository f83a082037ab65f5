package pointcloud

import (
	"bytes"
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. Benchmarks report
// points per CPU-second next to points per second because this machine's
// two cores are shared: wall-clock rates drop when other work runs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportRates(b *testing.B, points uint64, cpu0 time.Duration) {
	total := float64(points) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "points/s")
	if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(total/cpu, "points/cpu-s")
	}
}

type benchCase struct {
	name string
	open func(b *testing.B) *File
}

func realFile(name string) func(b *testing.B) *File {
	return func(b *testing.B) *File { return mustOpen(b, lidarFile(b, name)) }
}

// generated compresses a LAS derived from a real one with the test
// encoder: the lidar folder has real LAZ only for formats 0–3 and 7, and
// only autzen_trim is large enough to amortize per-chunk set-up.
func generated(src string, format uint8, recLen int, conv func(int, []byte, []byte), layered bool) func(b *testing.B) *File {
	return func(b *testing.B) *File {
		las := derivedLAS(b, readLidar(b, src), format, recLen, conv)
		laz := writeLAZ(b, las, lazSpec{layered: layered, chunks: fixedChunks(110000, 50000)})
		f, err := OpenReader(bytes.NewReader(laz), int64(len(laz)), "generated")
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
}

func to7(_ int, old, rec []byte) { copy(rec, old[:36]) }

var benchCases = []benchCase{
	{"LAS/format1", realFile("lazrs-point-time.las")},
	{"LAS/format3", realFile("autzen_trim.las")},
	{"LAS/format6", realFile("test1_4.las")},
	{"LAS/format7", realFile("autzen_trim_7.las")},
	{"LAZ/format0-real-1065pts", realFile("lazrs-point10.laz")},
	{"LAZ/format1-real-1065pts", realFile("lazrs-point-time.laz")},
	{"LAZ/format2-real-1065pts", realFile("lazrs-point-color.laz")},
	{"LAZ/format3-real-1065pts", realFile("lazrs-point-time-color.laz")},
	{"LAZ/format3-real-autzen", realFile("autzen_trim.laz")},
	{"LAZ/format3-real-extrabytes", realFile("lazrs-extra-bytes.laz")},
	{"LAZ/format7-real-copc-16pts-nodes", realFile("1.2-with-color.copc.laz")},
	{"LAZ/format0-gen-autzen", generated("autzen_trim.las", 0, 20, to0, false)},
	{"LAZ/format1-gen-autzen", generated("autzen_trim.las", 1, 28, to1, false)},
	{"LAZ/format2-gen-autzen", generated("autzen_trim.las", 2, 26, to2, false)},
	{"LAZ/format6-gen-autzen", generated("autzen_trim_7.las", 6, 30, to6, true)},
	{"LAZ/format7-gen-autzen", generated("autzen_trim_7.las", 7, 36, to7, true)},
	{"LAZ/format8-gen-autzen", generated("autzen_trim_7.las", 8, 38, to8multi, true)},
}

// BenchmarkDecode decodes whole files chunk by chunk on one goroutine and
// reports points decoded per second (per core).
func BenchmarkDecode(b *testing.B) {
	ctx := context.Background()
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			f := bc.open(b)
			n := f.Header().PointCount
			var recs *Records
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				for i := 0; i < f.NumChunks(); i++ {
					var err error
					if recs, err = f.ReadChunk(ctx, i, recs); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportRates(b, n, cpu0)
		})
	}
}

// BenchmarkParallel decodes chunk-parallel with ForEachChunk. The autzen
// files have three chunks (50 000, 50 000 and 10 000 points), so two
// goroutines can at best finish in 60/110 of the time of one.
func BenchmarkParallel(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []benchCase{
		{"LAZ/format3-real-autzen", realFile("autzen_trim.laz")},
		{"LAZ/format1-gen-autzen", generated("autzen_trim.las", 1, 28, to1, false)},
		{"LAZ/format7-gen-autzen", generated("autzen_trim_7.las", 7, 36, to7, true)},
		{"LAS/format7", realFile("autzen_trim_7.las")},
	} {
		for _, workers := range []int{1, 2} {
			b.Run(bc.name+"/goroutines="+strconv.Itoa(workers), func(b *testing.B) {
				f := bc.open(b)
				n := f.Header().PointCount
				b.ResetTimer()
				cpu0 := cpuTime()
				for range b.N {
					if err := f.ForEachChunk(ctx, workers, nil, func(int, *Records) error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
				reportRates(b, n, cpu0)
			})
		}
	}
}
