package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestProgress drives the reporter as run does: on a terminal a bar with
// the count, the rate and the time left, redrawn in place; otherwise
// plain lines about every 10 %, ending with the total.
func TestProgress(t *testing.T) {
	var tty, log bytes.Buffer
	for _, p := range []*progress{newProgress(&tty, true, "run", "tiles"), newProgress(&log, false, "run", "tiles")} {
		p.Planned(40)
		for i := 1; i <= 40; i++ {
			p.TileDone("t", i, 40)
		}
	}
	bar := tty.String()
	for _, want := range []string{"\r", "run", "100%", "(40/40", "tiles/s"} {
		if !strings.Contains(bar, want) {
			t.Errorf("terminal output lacks %q: %q", want, bar)
		}
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 11 || lines[0] != "run: 40 tiles to process" || !strings.HasPrefix(lines[10], "run: 40/40 tiles done (") {
		t.Errorf("plain output %q, want a start line and ten progress lines ending at 40/40", lines)
	}
	if strings.Contains(log.String(), "\r") {
		t.Error("plain output redraws in place")
	}
}

// TestProgressLines counts the plain lines of small and large counts: a
// line about every 10 %, never more than ten, the last at the total.
func TestProgressLines(t *testing.T) {
	for _, tc := range []struct{ total, lines int }{{1, 1}, {5, 5}, {17, 9}, {25, 9}, {40, 10}, {1001, 10}} {
		var log bytes.Buffer
		p := newProgress(&log, false, "publish", "items")
		p.Planned(tc.total)
		for i := 1; i <= tc.total; i++ {
			p.Step(i, tc.total)
		}
		lines := strings.Split(strings.TrimSpace(log.String()), "\n")[1:]
		if len(lines) != tc.lines || !strings.HasPrefix(lines[len(lines)-1], fmt.Sprintf("publish: %d/%d items done (", tc.total, tc.total)) {
			t.Errorf("%d items: %d lines %q, want %d ending at the total", tc.total, len(lines), lines, tc.lines)
		}
	}
}
