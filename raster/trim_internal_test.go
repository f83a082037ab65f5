package raster

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestDueTrim(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name  string
		r, at int64
		want  bool
	}{
		{"first look", 300 * mib, 0, true},
		{"resident memory unknown", 0, 300 * mib, true},
		{"grown less than the slack", 300*mib + trimSlack - 1, 300 * mib, false},
		{"grown by the slack exactly", 300*mib + trimSlack, 300 * mib, false},
		{"grown past the slack", 300*mib + trimSlack + 1, 300 * mib, true},
		{"shrunk since the last trim", 200 * mib, 300 * mib, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dueTrim(tc.r, tc.at); got != tc.want {
				t.Errorf("dueTrim(%d, %d) = %v, want %v", tc.r, tc.at, got, tc.want)
			}
		})
	}
}

// TestResident compares resident with the kernel's VmRSS, read the other
// way: the page size and the field must be right for them to agree.
func TestResident(t *testing.T) {
	// Touch 64 MiB so both reads see a sizeable figure.
	buf := make([]byte, 64<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	got := resident()
	want := vmRSS(t)
	if got <= 0 || got < want*9/10 || got > want*11/10 {
		t.Errorf("resident() = %d bytes, /proc/self/status VmRSS %d bytes", got, want)
	}
	if got < int64(len(buf)) {
		t.Errorf("resident() = %d bytes, below the %d bytes just touched", got, len(buf))
	}
	runtime.KeepAlive(buf)
}

func vmRSS(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
