package als

import (
	"testing"
	"time"
)

func TestGPSTime(t *testing.T) {
	// 2017-01-01 00:00 UTC is GPS second 1 167 264 018 (18 leap seconds).
	if got := AdjustedGPSTime(time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)); got != 167264018 {
		t.Fatalf("adjusted GPS time %v", got)
	}
	s, err := NewSurvey(1, 0, 3000, 3000, flatGround, DefaultParams(0))
	if err != nil {
		t.Fatal(err)
	}
	st := s.Strips()
	if len(st) < 2 {
		t.Fatalf("%d strips over 3 km", len(st))
	}
	for i, sp := range st {
		if !(sp.End > sp.Start) || (i > 0 && sp.Start <= st[i-1].End) {
			t.Fatalf("strip %d times %v–%v after %v", i, sp.Start, sp.End, st[i-1].End)
		}
		if i > 0 && sp.Heading == st[i-1].Heading {
			t.Fatalf("strips %d and %d flown the same way", i-1, i)
		}
	}
	// 2010: GPS−UTC was 15 s.
	want := float64(time.Date(2010, 8, 10, 9, 30, 0, 0, time.UTC).Sub(gpsEpoch)/time.Second) + 15 - 1e9
	if st[0].Start != want {
		t.Fatalf("first strip starts at %v, want %v", st[0].Start, want)
	}
}
