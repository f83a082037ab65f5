package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// startCPUProfile profiles the process into path until stop is called; the
// benchmark harness and `go tool pprof` read it.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// startMemProfile writes a heap profile to path whenever the live heap
// has grown by a tenth since the last one, so that the file ends up
// showing what was held near the peak rather than at exit.
func startMemProfile(path string) (stop func(), err error) {
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		return nil, fmt.Errorf("memory profile: %w", err)
	}
	done, finished := make(chan struct{}), make(chan struct{})
	var werr error
	go func() {
		defer close(finished)
		write := func() error {
			var buf bytes.Buffer
			if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
				return err
			}
			return os.WriteFile(path, buf.Bytes(), 0o644)
		}
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		var peak uint64
		for {
			select {
			case <-done:
				// A run shorter than a tick still leaves a profile.
				if peak == 0 {
					werr = write()
				}
				return
			case <-t.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc < peak+peak/10 {
				continue
			}
			peak = ms.HeapAlloc
			if werr = write(); werr != nil {
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		if werr != nil {
			fmt.Fprintf(os.Stderr, "cdflow: memory profile %s: %v\n", path, werr)
		}
	}, nil
}
