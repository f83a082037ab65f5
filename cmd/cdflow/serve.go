package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/cdflow/cdflow/serve"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "serve a catalog folder over HTTP for STAC Browser (CORS, ranges, read-only)",
		run:     runServe,
	})
}

func runServe(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "serve", "DIR",
		"Serves the catalog folder DIR (e.g. OUT/catalog) over HTTP for browsing:\n"+
			"read-only, with CORS headers so the hosted STAC Browser can read it, byte\n"+
			"ranges for the COGs and STAC's media types. Prints the URL to open. Stops on\n"+
			"Ctrl-C.")
	addr := fs.String("addr", "127.0.0.1:8000", "listen on `HOST:PORT` (port 0 picks a free one)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(env, "serve takes one folder (got %d arguments)", fs.NArg())
	}
	dir := fs.Arg(0)
	if filepath.Base(dir) == "catalog.json" {
		dir = filepath.Dir(dir)
	}
	h, err := serve.Handler(dir)
	if err != nil {
		return fail(env, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "catalog.json")); err != nil {
		fmt.Fprintf(env.stderr, "cdflow: note: %s holds no catalog.json; serving its files anyway\n", dir)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(env, fmt.Errorf("serve: %w; choose another address with --addr", err))
	}
	url := "http://" + ln.Addr().String() + "/catalog.json"
	fmt.Fprintf(env.stdout, "serving %s at %s\n", dir, url)
	fmt.Fprintf(env.stdout, "open it in STAC Browser: %s\n", serve.BrowserURL(url))
	fmt.Fprintf(env.stdout, "(the map needs the catalog's CRSs: cdflow stac browser-config %s)\n", dir)
	fmt.Fprintln(env.stdout, "press Ctrl-C to stop")
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fail(env, fmt.Errorf("serve: %w", err))
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fail(env, fmt.Errorf("serve: %w", err))
		}
		return exitOK
	}
}
