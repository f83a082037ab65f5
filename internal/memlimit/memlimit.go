// Package memlimit gives the Go heap a soft limit from the memory the
// process may use: the container's cgroup limit or the Slurm job's
// memory, else the machine's RAM.
//
// Without one the heap grows to twice what is live before the garbage
// collector runs, so a merge whose live heap is half a pod's memory limit
// is killed for want of memory it never needed; with one the collector
// works harder only near the limit.
package memlimit

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// Share is the part of the available memory the Go heap is held under: the
// rest is GDAL's block cache, the C libraries and the page cache.
const Share = 0.75

// Set sets the heap's soft limit to Share of Available("/"), unless
// GOMEMLIMIT already set one (then the runtime applied it), and returns
// the limit in bytes (0 when none was set).
func Set() int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	avail := Available("/")
	if avail <= 0 {
		return 0
	}
	limit := int64(float64(avail) * Share)
	debug.SetMemoryLimit(limit)
	return limit
}

// Available is the memory the process may use, in bytes, read under root
// (the file system root, a parameter for tests): the smallest of the
// machine's MemTotal, the cgroup v2 or v1 limit of the process's cgroup
// and the memory of the Slurm job it runs in; 0 when none can be read.
func Available(root string) int64 {
	n, _ := Limit(root)
	return n
}

// What sets the memory Limit finds, for a message about running short.
const (
	ByMachine = ""                          // the machine's memory
	ByCgroup  = "its cgroup's memory limit" // a container's, or a Slurm job's where Slurm uses cgroups
	BySlurm   = "its Slurm job's memory"    // sbatch --mem or --mem-per-cpu, which Slurm may enforce without cgroups
)

// Limit is Available and what sets it (ByMachine, ByCgroup or BySlurm).
func Limit(root string) (n int64, by string) {
	return limit(root, os.Getenv)
}

func limit(root string, getenv func(string) string) (n int64, by string) {
	n = memTotal(filepath.Join(root, "proc/meminfo"))
	lower := func(l int64, what string) {
		if l > 0 && (n <= 0 || l < n) {
			n, by = l, what
		}
	}
	for _, l := range cgroupLimits(root) {
		lower(l, ByCgroup)
	}
	lower(slurmMemory(getenv), BySlurm)
	return n, by
}

// slurmMemory is the memory of the Slurm job the process runs in, in
// bytes, from what sbatch sets in its environment (in MB):
// SLURM_MEM_PER_NODE for --mem, SLURM_MEM_PER_CPU times
// SLURM_CPUS_ON_NODE for --mem-per-cpu; 0 outside a job or without either.
// Where Slurm enforces memory by sampling the job's use rather than by a
// cgroup, this is the only limit the process can see.
func slurmMemory(getenv func(string) string) int64 {
	mb := func(name string) int64 {
		v, err := strconv.ParseInt(strings.TrimSpace(getenv(name)), 10, 64)
		if err != nil || v <= 0 || v >= 1<<40 { // over an exabyte: no limit
			return 0
		}
		return v
	}
	if n := mb("SLURM_MEM_PER_NODE"); n > 0 {
		return n << 20
	}
	if n, cpus := mb("SLURM_MEM_PER_CPU"), mb("SLURM_CPUS_ON_NODE"); n > 0 && cpus > 0 && cpus < 1<<20 && n*cpus < 1<<40 {
		return n * cpus << 20
	}
	return 0
}

func memTotal(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// MemTotal:       24683784 kB
		fields := strings.Fields(s.Text())
		if len(fields) == 3 && fields[0] == "MemTotal:" && fields[2] == "kB" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil && kb > 0 {
				return kb * 1024
			}
		}
	}
	return 0
}

// cgroupLimits are the memory limits of the process's cgroups: v2's
// memory.max and v1's memory.limit_in_bytes, for the process's own cgroup
// path (as /proc/self/cgroup names it) and, since a container usually
// sees its own cgroup mounted at the root, the mount's root.
func cgroupLimits(root string) []int64 {
	var v1, v2 []string
	if b, err := os.ReadFile(filepath.Join(root, "proc/self/cgroup")); err == nil {
		for _, line := range bytes.Split(b, []byte("\n")) {
			// hierarchy-ID:controller-list:cgroup-path
			parts := strings.SplitN(string(line), ":", 3)
			if len(parts) != 3 {
				continue
			}
			switch {
			case parts[0] == "0" && parts[1] == "":
				v2 = append(v2, parts[2])
			case hasController(parts[1], "memory"):
				v1 = append(v1, parts[2])
			}
		}
	}
	var out []int64
	for _, p := range append(v2, "/") {
		out = append(out, readLimit(filepath.Join(root, "sys/fs/cgroup", p, "memory.max")))
	}
	for _, p := range append(v1, "/") {
		out = append(out, readLimit(filepath.Join(root, "sys/fs/cgroup/memory", p, "memory.limit_in_bytes")))
	}
	return out
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readLimit reads a cgroup limit file: 0 for "max", for v1's "no limit"
// (a number near 2⁶³) and when it cannot be read.
func readLimit(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	s := strings.TrimSpace(string(b))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= 1<<60 {
		return 0
	}
	return n
}
