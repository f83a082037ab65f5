package raster

// #cgo LDFLAGS: -ldl
// #include <dlfcn.h>
// #include <stddef.h>
//
// // trimHeap calls glibc's malloc_trim when the C library has one (musl
// // has not: it returns unused memory by itself).
// static void trimHeap(void) {
// 	static int (*trim)(size_t) = 0;
// 	static int looked = 0;
// 	if (!looked) {
// 		trim = (int (*)(size_t))dlsym(RTLD_DEFAULT, "malloc_trim");
// 		looked = 1;
// 	}
// 	if (trim) trim(0);
// }
import "C"

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

// GDAL allocates and frees its block-cache blocks and its per-file write
// buffers from whichever thread runs the call, so they churn through
// glibc's per-thread arenas, which keep freed pages: a run's resident
// memory then grows with the work done (a 20 km² run ended 60 % above a
// 4 km² one) rather than staying at what is live (the block cache and the
// tiles in flight). A trim returns the free pages, but it is not free: it
// advises the kernel away from each free chunk (about 800 madvise calls,
// each flushing the other CPUs' TLBs), and each page returned faults in
// again when the heap reuses it. Trimming every 64 files written cost a
// 20 km² run 53 000 madvise calls and 350 000 page faults. So the heap is
// trimmed when resident memory has grown trimSlack above what it was
// after the last trim, which bounds it by what is live plus the slack.
const (
	checkEvery = 16       // files written between looks at resident memory
	trimSlack  = 64 << 20 // growth that triggers a trim: GDAL's block cache on 2 CPUs
)

var (
	written   atomic.Int64
	trimMu    sync.Mutex
	trimmedAt int64 // resident bytes after the last trim; 0 before the first
)

// wroteFile counts a written file and, every checkEvery, trims the C heap
// when resident memory has grown trimSlack since the last trim.
func wroteFile() {
	if written.Add(1)%checkEvery != 0 || !trimMu.TryLock() {
		return
	}
	defer trimMu.Unlock()
	if !dueTrim(resident(), trimmedAt) {
		return
	}
	C.trimHeap()
	trimmedAt = resident()
}

// dueTrim says whether the C heap is due a trim at r resident bytes, at
// being what was resident after the last trim; either is 0 when unknown
// (before the first trim, or without /proc).
func dueTrim(r, at int64) bool { return r <= 0 || at <= 0 || r > at+trimSlack }

// resident is the process's resident memory in bytes, or 0 where
// /proc/self/statm cannot be read: then every look trims, as the heap
// cannot be bounded otherwise.
func resident() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
