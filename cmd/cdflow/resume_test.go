package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cdflow/cdflow/synth"
)

var processedLine = regexp.MustCompile(`processed (\d+) tiles in [0-9.]+s, (\d+) more finished by an earlier run`)

// runCounts runs cdflow in-process and returns how many tiles it processed
// and how many it took from an earlier run.
func runCounts(t *testing.T, args ...string) (processed, cached int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := Main(append([]string{"run", "-j", "2"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("cdflow run: exit %d\n%s", code, stderr.String())
	}
	m := processedLine.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no tile counts in:\n%s", stdout.String())
	}
	processed, _ = strconv.Atoi(m[1])
	cached, _ = strconv.Atoi(m[2])
	return processed, cached
}

func finishedTiles(t *testing.T, out string) int {
	files, _ := filepath.Glob(filepath.Join(out, "run", "tiles", "*", "manifest.json"))
	return len(files)
}

// TestKillAndResume kills `cdflow run` with SIGKILL at random moments (seeded)
// and reruns it: the rerun processes only the tiles the killed run had not
// finished, and the release is byte-identical to an uninterrupted run's.
func TestKillAndResume(t *testing.T) {
	scene := filepath.Join(t.TempDir(), "scene")
	if _, err := synth.Generate(context.Background(), synth.Options{Out: scene, ExtentKm: [2]float64{0.6, 0.6}, SheetKm: 0.3, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	wf := filepath.Join(scene, "workflow.hcl")
	ref := filepath.Join(t.TempDir(), "ref")
	start := time.Now()
	if p, c := runCounts(t, wf, "--out", ref); p != 9 || c != 0 {
		t.Fatalf("uninterrupted run processed %d, cached %d; want 9, 0", p, c)
	}
	full := time.Since(start)
	// Rerunning a finished run processes nothing.
	if p, c := runCounts(t, wf, "--out", ref); p != 0 || c != 9 {
		t.Fatalf("second run processed %d, cached %d; want 0, 9", p, c)
	}

	rng := rand.New(rand.NewPCG(2026, 11))
	partial := 0
	for trial := 0; trial < 10; trial++ {
		out := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command(os.Args[0], "run", "-j", "2", wf, "--out", out)
		cmd.Env = append(os.Environ(), asMainEnv+"=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A third of the kills land after the tiles, in the split or the publish.
		wait := time.Duration(rng.Int64N(int64(full) * 3 / 2))
		time.Sleep(wait)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		finished := finishedTiles(t, out)
		if finished < 9 {
			partial++
		}
		processed, cached := runCounts(t, wf, "--out", out)
		if cached != finished || processed != 9-finished {
			t.Errorf("trial %d (killed after %v): %d tiles were finished, the rerun processed %d and took %d", trial, wait.Round(time.Millisecond), finished, processed, cached)
		}
		if diff, err := exec.Command("diff", "-r", filepath.Join(ref, "catalog"), filepath.Join(out, "catalog")).CombinedOutput(); err != nil {
			t.Errorf("trial %d (killed after %v): the release differs from an uninterrupted run's:\n%s", trial, wait.Round(time.Millisecond), diff)
		}
		t.Logf("trial %d: killed after %v with %d of 9 tiles finished", trial, wait.Round(time.Millisecond), finished)
	}
	if partial < 3 {
		t.Errorf("only %d of 10 kills interrupted the tiles; the kill points do not cover the run", partial)
	}
}
