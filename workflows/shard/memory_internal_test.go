package shard

import (
	"strings"
	"testing"
)

const mib = 1 << 20

// TestMergeMemoryMeasured ties the estimate to the cgroup limits a merge of
// the release-stage simulation was run under (docs/scale.md): above the
// limits that killed it, within those it finished in.
func TestMergeMemoryMeasured(t *testing.T) {
	for _, m := range []struct {
		tiles          int
		killed, within int64
	}{
		{10_000, 96 * mib, 120 * mib},
		{100_000, 256 * mib, 320 * mib},
		{1_000_000, 0, 2409 * mib}, // its peak RSS without a limit
	} {
		if got := MergeMemory(m.tiles); got <= m.killed || got > m.within {
			t.Errorf("MergeMemory(%d) = %d MiB; measured: killed within %d MiB, finished within %d", m.tiles, got/mib, m.killed/mib, m.within/mib)
		}
	}
	if MergeMemory(2_000_000) <= MergeMemory(1_000_000) {
		t.Error("MergeMemory does not grow with the tiles")
	}
}

func TestMemoryShort(t *testing.T) {
	need := MergeMemory(100_000)
	tests := []struct {
		name  string
		tiles int
		avail int64
		by    string
		want  []string // "" for no warning
	}{
		{"unknown memory", 100_000, 0, "its cgroup's memory limit", nil},
		{"enough", 100_000, need, "its cgroup's memory limit", nil},
		{"plenty", 100, 512 * mib, "its cgroup's memory limit", nil},
		{"a cgroup's limit too low", 100_000, 256 * mib, "its cgroup's memory limit", []string{
			"a merge of 100000 tiles needs about " + size(need), "may use 256 MiB (its cgroup's memory limit)",
			"killed for want of memory", "give it at least " + size(need), "submit.sh -M", "sbatch --mem", "docs/scale.md"}},
		{"a Slurm job's memory too low", 100_000, 256 * mib, "its Slurm job's memory", []string{
			"may use 256 MiB (its Slurm job's memory)", "give it at least " + size(need), "sbatch --mem"}},
		{"a machine too small", 12_600_000, 24 << 30, "", []string{
			"a merge of 12600000 tiles needs about " + size(MergeMemory(12_600_000)), "this machine has 24.0 GiB",
			"run it on a machine with at least " + size(MergeMemory(12_600_000))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MemoryShort(tt.tiles, tt.avail, tt.by)
			if (got == "") != (tt.want == nil) {
				t.Fatalf("MemoryShort(%d, %d, %q) = %q, want a warning: %v", tt.tiles, tt.avail, tt.by, got, tt.want != nil)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("warning %q lacks %q", got, w)
				}
			}
		})
	}
}

func TestSize(t *testing.T) {
	for b, want := range map[int64]string{
		1:                "1 MiB",
		512 * mib:        "512 MiB",
		512*mib + 1:      "513 MiB",
		1 << 30:          "1.0 GiB",
		1<<30 + 1:        "1.1 GiB",
		3 << 29:          "1.5 GiB",
		36<<30 + 1<<20:   "36.1 GiB",
		(1 << 30) - 1024: "1024 MiB",
	} {
		if got := size(b); got != want {
			t.Errorf("size(%d) = %q, want %q", b, got, want)
		}
	}
}
