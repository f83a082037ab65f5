// Package cgoheap keeps Go's garbage collector from stopping the process on
// stale words in C memory that godal stores pointers over.
//
// godal (v0.0.18) allocates the context of every call it makes into GDAL,
// and its arrays of options, with C.malloc, then stores pointers into them
// from Go (createCGOContext, sliceToCStringArray). While the collector
// marks, every such store goes through the write barrier, which also reads
// the word being overwritten, and malloc hands back whatever the memory's
// previous owner left there. When that word falls inside the Go heap on a
// span no longer in use, the runtime stops with "found bad pointer in Go
// heap". cgo's documentation names the case: C memory that Go stores
// pointers into must be zeroed first, and godal does not zero it. Go 1.26
// places the heap at a random base, often a few tens of GiB up, where two
// small integers side by side read as a heap address: a test run stopped on
// 0x400000006.
//
// make builds against a copy of godal whose two allocations are made with
// calloc (scripts/setup.sh writes it, and a Go workspace that replaces the
// module, into .build). A program that links godal as published (cdflow
// or a plugin on the SDK, built by go build or go install) re-executes
// itself with GODEBUG=invalidptr=0 (Reexec), which has the collector skip
// a stale word that falls on a span no longer in use: the crash seen,
// though not one that falls on a free slot of a span in use, which the
// collector then reports as a pointer to a free object.
package cgoheap

import (
	"os"
	"runtime/debug"
	"strings"
	"syscall"
)

// Module is the module whose C memory the workspace zeroes.
const Module = "github.com/airbusgeo/godal"

// Patched reports whether the running program was built against a
// replacement of Module, as make's workspace builds it.
func Patched() bool {
	_, replaced := linked()
	return replaced
}

// linked says whether the running program's build info lists Module, and
// whether replaced. Test binaries list no modules.
func linked() (listed, replaced bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false, false
	}
	for _, d := range bi.Deps {
		if d.Path == Module {
			return true, d.Replace != nil
		}
	}
	return false, false
}

// Setting is the GODEBUG setting a program that links godal as published
// runs under.
const Setting = "invalidptr=0"

// Environ returns env with Setting added to GODEBUG, and whether it had to
// add it. An environment whose GODEBUG already sets invalidptr, to any
// value, is left as it is.
func Environ(env []string) ([]string, bool) {
	out := make([]string, 0, len(env)+1)
	found := false
	for _, kv := range env {
		v, ok := strings.CutPrefix(kv, "GODEBUG=")
		if !ok {
			out = append(out, kv)
			continue
		}
		if found {
			continue // the runtime reads the first GODEBUG only
		}
		found = true
		for s := range strings.SplitSeq(v, ",") {
			if strings.HasPrefix(strings.TrimSpace(s), "invalidptr=") {
				return env, false
			}
		}
		if v == "" {
			kv = "GODEBUG=" + Setting
		} else {
			kv = "GODEBUG=" + v + "," + Setting
		}
		out = append(out, kv)
	}
	if !found {
		out = append(out, "GODEBUG="+Setting)
	}
	return out, true
}

// Reexec replaces a program that links godal as published with the same
// program, arguments and environment plus Setting, unless the environment
// chooses invalidptr already: the runtime reads it only at start-up. It
// returns when nothing needed doing, or when the program cannot be
// re-executed (no /proc), and the process then goes on as it is.
func Reexec() {
	if listed, replaced := linked(); !listed || replaced {
		return
	}
	env, changed := Environ(os.Environ())
	if !changed {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, env)
}
