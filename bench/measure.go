package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sample is one measured run of a tool.
type sample struct {
	Wall, User, Sys float64 // seconds
	MaxRSSMB        float64 // the largest resident set of the process tree's processes, MiB
	// TilesPhase is cdflow's own "processed N tiles in Xs" (tiles,
	// statistics, split), so publishing's share is visible; 0 otherwise.
	TilesPhase float64
	Load       float64 // the 1-minute load average when the run ended
}

// measure runs a command and reads its resources from the kernel's
// accounting of the child (wait4), which includes every descendant it
// waited for: CPU times add up, the peak RSS is the largest single one.
func measure(ctx context.Context, dir string, name string, args ...string) (sample, string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// Every tool starts with nothing of the runs before left to write to
	// the disk: their outputs are kept until the harness ends (see
	// setAside), and writing them back during the next run would charge it.
	syscall.Sync()
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start).Seconds()
	if err != nil {
		return sample{}, "", fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(errb.String(), 2000))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return sample{}, "", fmt.Errorf("%s: no resource usage from the kernel", name)
	}
	s := sample{
		Wall:     wall,
		User:     tv(ru.Utime),
		Sys:      tv(ru.Stime),
		MaxRSSMB: float64(ru.Maxrss) / 1024, // KiB on Linux
		Load:     loadAverage(),
	}
	return s, out.String(), nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

var processedRE = regexp.MustCompile(`processed (\d+) tiles in ([0-9.]+)s`)

// tilesPhase reads cdflow run's own timing of its tiles from its output.
func tilesPhase(stdout string) float64 {
	m := processedRE.FindStringSubmatch(stdout)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[2], 64)
	return v
}

// loadAverage is the 1-minute load average (0 when unknown): the harness
// records it because other processes on the machine inflate wall times.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Measurement is a tool's figures on one scene: medians over the runs,
// extrapolated to every tile when the tool ran on a sample.
type Measurement struct {
	Tool          string    `json:"tool"`
	Runs          int       `json:"runs"`
	Tiles         int       `json:"tiles"`          // tiles of the scene
	MeasuredTiles int       `json:"measured_tiles"` // tiles the tool processed
	Extrapolated  bool      `json:"extrapolated"`   // times scaled by tiles / measured_tiles
	WallS         float64   `json:"wall_s"`
	CPUS          float64   `json:"cpu_s"` // user + system
	UserS         float64   `json:"user_s"`
	SysS          float64   `json:"sys_s"`
	MaxRSSMB      float64   `json:"max_rss_mib"`
	TilesPerS     float64   `json:"tiles_per_s"`
	SourceMBPerS  float64   `json:"source_mb_per_s"`
	TilesPhaseS   float64   `json:"tiles_phase_s,omitempty"`
	WallRunsS     []float64 `json:"wall_runs_s"`
	LoadAverage   float64   `json:"load_average"` // median 1-minute load at the end of the runs
}

// summarize takes the median of each figure over the runs and scales the
// times from the measured tiles to all of them.
func summarize(tool string, runs []sample, tiles, measured int, sourceMB float64) Measurement {
	var wall, cpu, user, sys, rss, phase, load []float64
	for _, r := range runs {
		wall = append(wall, r.Wall)
		cpu = append(cpu, r.User+r.Sys)
		user = append(user, r.User)
		sys = append(sys, r.Sys)
		rss = append(rss, r.MaxRSSMB)
		phase = append(phase, r.TilesPhase)
		load = append(load, r.Load)
	}
	scale := 1.0
	if measured > 0 && measured < tiles {
		scale = float64(tiles) / float64(measured)
	}
	m := Measurement{
		Tool: tool, Runs: len(runs), Tiles: tiles, MeasuredTiles: measured, Extrapolated: scale != 1,
		WallS: median(wall) * scale, CPUS: median(cpu) * scale, UserS: median(user) * scale, SysS: median(sys) * scale,
		MaxRSSMB: median(rss), TilesPhaseS: median(phase) * scale, WallRunsS: wall,
		LoadAverage: median(load),
	}
	if m.WallS > 0 {
		m.TilesPerS = float64(tiles) / m.WallS
		m.SourceMBPerS = sourceMB / m.WallS
	}
	return m
}
