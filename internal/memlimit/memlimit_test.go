package memlimit

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

const gib = 1 << 30

func TestAvailable(t *testing.T) {
	meminfo := "MemTotal:        8388608 kB\nMemFree:         1000 kB\n" // 8 GiB
	tests := []struct {
		name  string
		files map[string]string
		want  int64
		// cgroup: the limit is a cgroup's, not the machine's memory.
		cgroup bool
	}{
		{"nothing readable", nil, 0, false},
		{"machine only", map[string]string{"proc/meminfo": meminfo}, 8 * gib, false},
		{"v2 limit of the process's cgroup", map[string]string{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": "0::/kubepods/pod1/c1\n",
			"sys/fs/cgroup/kubepods/pod1/c1/memory.max": "2147483648\n",
		}, 2 * gib, true},
		{"v2 limit at the namespace's root", map[string]string{
			"proc/meminfo":             meminfo,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "3221225472\n",
		}, 3 * gib, true},
		{"v2 without a limit", map[string]string{
			"proc/meminfo":             meminfo,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "max\n",
		}, 8 * gib, false},
		{"v1 limit", map[string]string{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": "9:cpu,cpuacct:/\n4:memory:/docker/abc\n",
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "1073741824\n",
		}, gib, true},
		{"v1 without a limit", map[string]string{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": "4:memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
		}, 8 * gib, false},
		{"a limit above the machine's memory", map[string]string{
			"proc/meminfo":             meminfo,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "68719476736\n",
		}, 8 * gib, false},
		{"a limit on a machine without meminfo", map[string]string{
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "1073741824\n",
		}, gib, true},
		{"garbage", map[string]string{
			"proc/meminfo":             "MemTotal: lots\n",
			"proc/self/cgroup":         "nonsense\n0::/\n",
			"sys/fs/cgroup/memory.max": "-5\n",
		}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, body := range tt.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := Available(root); got != tt.want {
				t.Errorf("Available = %d, want %d", got, tt.want)
			}
			if got, cgroup := Limit(root); got != tt.want || cgroup != tt.cgroup {
				t.Errorf("Limit = %d, %v; want %d, %v", got, cgroup, tt.want, tt.cgroup)
			}
		})
	}
}

func TestSet(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "")
	avail := Available("/")
	if avail <= 0 {
		t.Fatal("this machine's memory cannot be read from /proc/meminfo")
	}
	got := Set()
	if want := int64(float64(avail) * Share); got != want || debug.SetMemoryLimit(-1) != want {
		t.Errorf("Set = %d, runtime limit %d; want %d (%.2f of %d)", got, debug.SetMemoryLimit(-1), want, Share, avail)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "1GiB")
	if got := Set(); got != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set, Set = %d and changed the limit to %d; want it left alone", got, debug.SetMemoryLimit(-1))
	}
}
