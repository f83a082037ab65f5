// Command cdflow builds 2D and 3D change-detection datasets from two epochs of
// aerial orthophotos and DSMs, and publishes each release as a STAC catalog.
//
// The command stays thin: each subcommand parses its flags, calls a package and
// renders the result. Exit codes: 0 ok, 1 failure, 2 usage, 3 (stac
// validate) not everything could be checked.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/cdflow/cdflow/internal/cgoheap"
	"github.com/cdflow/cdflow/internal/memlimit"
	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// Exit codes shared by every subcommand.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	// exitUnchecked: stac validate found nothing invalid but could not
	// check everything (a schema could not be loaded).
	exitUnchecked = 3
)

// command is one subcommand. run returns the process exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cmdEnv, args []string) int
}

// cmdEnv carries the process's streams so tests can run commands in-process.
type cmdEnv struct {
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

var commands = map[string]*command{}

// register adds a subcommand; each lives in its own file and registers from init.
func register(c *command) {
	if c.name == "" || commands[c.name] != nil {
		panic("cdflow: bad or duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	// Built without make's zeroing copy of godal, the process starts
	// again with GODEBUG=invalidptr=0 (see cgoheap).
	cgoheap.Reexec()
	// A soft heap limit from the pod's or machine's memory: see memlimit.
	memlimit.Set()
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs cdflow with the given arguments and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &cmdEnv{stdout: stdout, stderr: stderr, getenv: os.Getenv}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			if c := commands[args[1]]; c != nil {
				return c.run(ctx, env, []string{"-h"})
			}
		}
		usage(stdout)
		return exitOK
	}
	c := commands[args[0]]
	if c == nil {
		fmt.Fprintf(stderr, "cdflow: unknown command %q; run 'cdflow help' for the list\n", args[0])
		return exitUsage
	}
	if err := raster.CheckEnv(env.getenv); err != nil {
		fmt.Fprintf(stderr, "cdflow: %v\n", err)
		return exitFailure
	}
	// External plugin processes end with the command, whatever its outcome.
	defer plugins.CloseExternal()
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "cdflow builds change-detection datasets from two epochs of aerial data.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: cdflow <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'cdflow <command> -h' for a command's flags.")
}

// newFlagSet returns a flag set that prints its usage to env.stderr and never exits.
func newFlagSet(env *cmdEnv, name, argsUsage, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("cdflow "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cdflow %s [flags] %s\n\n%s\n", name, argsUsage, description)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args; it returns (exit code, false) when the caller must stop:
// exitOK after -h, exitUsage after a bad flag.
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	// Allow flags after positional arguments, as users type them.
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(io.Discard)
				return exitOK, false
			}
			return exitUsage, false
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
		if len(rest) > 0 && rest[0] == "--" {
			pos = append(pos, rest[1:]...)
			break
		}
	}
	// Re-parse with positionals only so fs.Args() returns them.
	_ = fs.Parse(append([]string{"--"}, pos...))
	return exitOK, true
}

// fail prints one clear error line and returns exitFailure.
func fail(env *cmdEnv, err error) int {
	msg := objstore.UserNames(strings.TrimSpace(err.Error()))
	msg = strings.ReplaceAll(msg, "\n", "; ")
	fmt.Fprintf(env.stderr, "cdflow: %s\n", msg)
	return exitFailure
}

// usageError prints a usage problem and returns exitUsage.
func usageError(env *cmdEnv, format string, a ...any) int {
	fmt.Fprintf(env.stderr, "cdflow: "+format+"\n", a...)
	return exitUsage
}
