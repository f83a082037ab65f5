package execute

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads GOGC's current setting.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestRaiseGC(t *testing.T) {
	t.Setenv("GOGC", "")
	orig := gcPercent()
	defer debug.SetGCPercent(orig)
	a := raiseGC()
	if p := gcPercent(); p != tileGCPercent {
		t.Fatalf("during a run GOGC is %d, want %d", p, tileGCPercent)
	}
	b := raiseGC()
	a()
	a() // twice: counted once
	if p := gcPercent(); p != tileGCPercent {
		t.Errorf("with a second run still going GOGC is %d, want %d", p, tileGCPercent)
	}
	b()
	if p := gcPercent(); p != orig {
		t.Errorf("after both runs GOGC is %d, want the %d before", p, orig)
	}

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	c := raiseGC()
	if p := gcPercent(); p != 150 {
		t.Errorf("with GOGC=150 in the environment a run set %d", p)
	}
	c()
	if p := gcPercent(); p != 150 {
		t.Errorf("with GOGC=150 in the environment, after the run: %d", p)
	}
}
