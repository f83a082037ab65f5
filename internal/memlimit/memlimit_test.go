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
		env   map[string]string
		want  int64
		by    string // what sets the limit
	}{
		{"nothing readable", nil, nil, 0, ByMachine},
		{"machine only", map[string]string{"proc/meminfo": meminfo}, nil, 8 * gib, ByMachine},
		{"v2 limit of the process's cgroup", map[string]string{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": "0::/kubepods/pod1/c1\n",
			"sys/fs/cgroup/kubepods/pod1/c1/memory.max": "2147483648\n",
		}, nil, 2 * gib, ByCgroup},
		{"v2 limit at the namespace's root", map[string]string{
			"proc/meminfo":             meminfo,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "3221225472\n",
		}, nil, 3 * gib, ByCgroup},
		{"v2 without a limit", map[string]string{
			"proc/meminfo":             meminfo,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "max\n",
		}, nil, 8 * gib, ByMachine},
		{"v1 limit", map[string]string{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": "9:cpu,cpuacct:/\n4:memory:/docker/abc\n",
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "1073741824\n",
		}, nil, gib, ByCgroup},
		{"v1 without a limit", map[string]string{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": "4:memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
		}, nil, 8 * gib, ByMachine},
		{"a limit above the machine's memory", map[string]string{
			"proc/meminfo":             meminfo,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "68719476736\n",
		}, nil, 8 * gib, ByMachine},
		{"a limit on a machine without meminfo", map[string]string{
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "1073741824\n",
		}, nil, gib, ByCgroup},
		{"garbage", map[string]string{
			"proc/meminfo":             "MemTotal: lots\n",
			"proc/self/cgroup":         "nonsense\n0::/\n",
			"sys/fs/cgroup/memory.max": "-5\n",
		}, nil, 0, ByMachine},
		{"a Slurm job's --mem", map[string]string{"proc/meminfo": meminfo},
			map[string]string{"SLURM_MEM_PER_NODE": "2048", "SLURM_CPUS_ON_NODE": "4"}, 2 * gib, BySlurm},
		{"a Slurm job's --mem-per-cpu", map[string]string{"proc/meminfo": meminfo},
			map[string]string{"SLURM_MEM_PER_CPU": "512", "SLURM_CPUS_ON_NODE": "4"}, 2 * gib, BySlurm},
		{"a Slurm job's --mem-per-cpu without its CPUs", map[string]string{"proc/meminfo": meminfo},
			map[string]string{"SLURM_MEM_PER_CPU": "512"}, 8 * gib, ByMachine},
		{"a Slurm job with more memory than the machine", map[string]string{"proc/meminfo": meminfo},
			map[string]string{"SLURM_MEM_PER_NODE": "65536"}, 8 * gib, ByMachine},
		{"a Slurm job in a smaller cgroup", map[string]string{
			"proc/meminfo":             meminfo,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "1073741824\n",
		}, map[string]string{"SLURM_MEM_PER_NODE": "2048"}, gib, ByCgroup},
		{"a Slurm job under its cgroup's limit", map[string]string{
			"proc/meminfo":             meminfo,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "3221225472\n",
		}, map[string]string{"SLURM_MEM_PER_NODE": "2048"}, 2 * gib, BySlurm},
		{"Slurm's variables garbled", map[string]string{"proc/meminfo": meminfo},
			map[string]string{"SLURM_MEM_PER_NODE": "2G", "SLURM_MEM_PER_CPU": "-1", "SLURM_CPUS_ON_NODE": "4"}, 8 * gib, ByMachine},
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
			if got, by := limit(root, func(k string) string { return tt.env[k] }); got != tt.want || by != tt.by {
				t.Errorf("limit = %d, %q; want %d, %q", got, by, tt.want, tt.by)
			}
			if tt.env == nil {
				for _, k := range []string{"SLURM_MEM_PER_NODE", "SLURM_MEM_PER_CPU", "SLURM_CPUS_ON_NODE"} {
					t.Setenv(k, "")
				}
				if got := Available(root); got != tt.want {
					t.Errorf("Available = %d, want %d", got, tt.want)
				}
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
