// Package buildinfo holds the software version recorded in every release's
// lineage. It is a constant, not a build time, so that rebuilding a release
// with the same binary gives byte-identical output.
package buildinfo

// version may be overridden at link time:
// go build -ldflags "-X github.com/cdflow/cdflow/internal/buildinfo.version=1.2.3".
var version = "0.1.0-dev"

// Version returns cdflow's version string.
func Version() string { return version }
