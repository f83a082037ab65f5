package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress reports a long command's progress: a bar with the rate and the
// time left, redrawn in place on a terminal; plain lines (about every 10 %)
// otherwise, for logs. It serves run and merge (as execute.Events) and
// synth (Step).
type progress struct {
	w       io.Writer
	tty     bool
	verb    string // run, merge, synth: the prefix of plain lines
	unit    string // tiles, files
	mu      sync.Mutex
	start   time.Time
	planned bool
	bar     *progressbar.ProgressBar
	logged  int
}

func newProgress(w io.Writer, tty bool, verb, unit string) *progress {
	return &progress{w: w, tty: tty, verb: verb, unit: unit, start: time.Now()}
}

// Planned starts the count (and the clock: planning is not work done).
func (p *progress) Planned(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start = time.Now()
	p.plan(total)
}

func (p *progress) plan(total int) {
	p.planned = true
	if p.tty {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.verb),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(p.unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
		)
		return
	}
	fmt.Fprintf(p.w, "%s: %d %s to process\n", p.verb, total, p.unit)
}

// TileDone counts one more done of total.
func (p *progress) TileDone(_ string, done, total int) { p.Step(done, total) }

// Step says done of total are finished.
func (p *progress) Step(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.planned {
		p.plan(total)
	}
	if p.bar != nil {
		_ = p.bar.Set(done) // a bar that cannot draw is no reason to stop
		return
	}
	// A tenth, rounded up: ten lines at most, also for a count below 20.
	if step := max(1, (total+9)/10); done == total || done-p.logged >= step {
		p.logged = done
		rate := float64(done) / max(time.Since(p.start).Seconds(), 1e-9)
		fmt.Fprintf(p.w, "%s: %d/%d %s done (%.1f %s/s)\n", p.verb, done, total, p.unit, rate, p.unit)
	}
}
