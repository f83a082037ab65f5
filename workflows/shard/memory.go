package shard

import "fmt"

// What a merge needs of memory grows with its tiles: it holds each tile's
// row's fixed-size part, its subset and its catalog entry until the release
// is published (the rest of each row is held on disk). Measured by running
// `cdflow merge` of the release-stage simulation (bench/scale) into an
// empty catalog, in a cgroup whose memory limit was lowered run by run
// (docs/scale.md): 10⁴ tiles finished within 120 MiB and were killed in
// 96; 10⁵ tiles finished within 320 MiB and were killed in 256. 10⁶ tiles
// peaked at 2 409 MiB of RSS without a limit. The Go heap is held to three
// quarters of a limit (memlimit), which is why the merge fits in less
// than it takes without one.
const (
	mergeBase    = 96 << 20
	mergePerTile = 2 << 10
)

// MergeMemory is about the memory, in bytes, a merge of tiles needs to
// finish without being killed for want of it: the least measured to do so,
// rounded up.
func MergeMemory(tiles int) int64 {
	return mergeBase + mergePerTile*int64(max(tiles, 0))
}

// MemoryShort is a warning when avail bytes, the memory the merge of tiles
// may use, are less than MergeMemory; by names what sets avail
// (memlimit.ByCgroup, memlimit.BySlurm, or "" for the machine's memory).
// It is "" when they are enough or unknown (0). A process killed for want
// of memory says nothing: the warning is what a job's log shows of the
// cause.
func MemoryShort(tiles int, avail int64, by string) string {
	need := MergeMemory(tiles)
	if avail <= 0 || avail >= need {
		return ""
	}
	what, fix := "this machine has "+size(avail), "run it on a machine with at least "+size(need)
	if by != "" {
		what = "this process may use " + size(avail) + " (" + by + ")"
		fix = "give it at least " + size(need) + " (Slurm: examples/slurm/submit.sh -M, or sbatch --mem; Kubernetes: the merge container's memory limit)"
	}
	return fmt.Sprintf("a merge of %d tiles needs about %s of memory, and %s: it is likely to be killed for want of memory, without a message; %s. docs/scale.md gives the memory per tile",
		tiles, size(need), what, fix)
}

// size writes bytes as Slurm and Kubernetes take them: MiB below a GiB,
// else GiB to a tenth, rounded up so that what it names is enough.
func size(b int64) string {
	const mib, gib = 1 << 20, 1 << 30
	if b < gib {
		return fmt.Sprintf("%d MiB", (b+mib-1)/mib)
	}
	return fmt.Sprintf("%.1f GiB", float64((b*10+gib-1)/gib)/10)
}
