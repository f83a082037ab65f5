package plugins

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ExternalSpec is a workflow's `plugin` block: a step kind served by a
// program outside cdflow's binary, in any language (see package
// plugins/external for the protocol).
type ExternalSpec struct {
	Name    string        // the step kind it provides
	Path    string        // the executable
	SHA256  string        // when set, the executable's checksum must be this (hex)
	Timeout time.Duration // how long the plugin may take over one tile
}

// ExternalLoader starts external plugins. Like a step, it registers itself
// from init (plugins/external does), so the workflow layer needs not know
// how plugins are run.
type ExternalLoader interface {
	// Load starts the plugin (or reuses the one already running for the
	// same spec), asks it to describe itself and returns a factory of its
	// steps. The error names the plugin and says what to do.
	Load(ctx context.Context, spec ExternalSpec) (Factory, error)
	// Close stops every plugin process it started.
	Close()
}

var external struct {
	mu     sync.Mutex
	loader ExternalLoader
}

// RegisterExternalLoader sets the loader of external plugins; a second
// one panics, like a duplicate step.
func RegisterExternalLoader(l ExternalLoader) {
	external.mu.Lock()
	defer external.mu.Unlock()
	if l == nil || external.loader != nil {
		panic("plugins: external loader registered twice or nil")
	}
	external.loader = l
}

// ErrNoExternalLoader is returned when no package that runs external
// plugins is linked in.
var ErrNoExternalLoader = errors.New("this cdflow binary cannot run external plugins (plugins/external is not linked in)")

// LoadExternal starts an external plugin through the registered loader.
func LoadExternal(ctx context.Context, spec ExternalSpec) (Factory, error) {
	external.mu.Lock()
	l := external.loader
	external.mu.Unlock()
	if l == nil {
		return nil, ErrNoExternalLoader
	}
	return l.Load(ctx, spec)
}

// CloseExternal stops every external plugin process; the CLI calls it on
// the way out, tests in a Cleanup.
func CloseExternal() {
	external.mu.Lock()
	l := external.loader
	external.mu.Unlock()
	if l != nil {
		l.Close()
	}
}
