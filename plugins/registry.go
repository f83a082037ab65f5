package plugins

import (
	"fmt"
	"regexp"
	"sort"
	"sync"

	"github.com/agext/levenshtein"
)

// Registry maps step names to factories and publisher kinds to theirs.
// The package keeps a Default registry that init functions register into;
// tests make their own with NewRegistry.
type Registry struct {
	mu         sync.RWMutex
	steps      map[string]Factory
	publishers map[string]PublisherFactory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{steps: map[string]Factory{}, publishers: map[string]PublisherFactory{}}
}

// Default is the registry the built-in steps register into from init.
var Default = NewRegistry()

// Register adds a step kind to the Default registry. It panics on an empty
// or malformed name, a nil factory or a name already taken, so a bad plugin
// set fails at start-up rather than at run time.
func Register(name string, f Factory) { Default.Register(name, f) }

// RegisterPublisher adds a publisher kind to the Default registry; it panics
// like Register.
func RegisterPublisher(kind string, f PublisherFactory) { Default.RegisterPublisher(kind, f) }

// NewStep makes a step of the named kind from the Default registry.
func NewStep(name string) (Step, error) { return Default.NewStep(name) }

// NewPublisher makes a publisher of the named kind from the Default registry.
func NewPublisher(kind string) (Publisher, error) { return Default.NewPublisher(kind) }

// validName is what step and publisher names look like: they appear in
// workflow addresses (step.<name>.x), so they must be HCL identifiers.
var validName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func checkRegistration(what, name string, isNil bool, taken bool) {
	switch {
	case name == "":
		panic(fmt.Sprintf("plugins: %s registered with an empty name", what))
	case !validName.MatchString(name):
		panic(fmt.Sprintf("plugins: %s name %q must be lower case letters, digits and underscores, starting with a letter", what, name))
	case isNil:
		panic(fmt.Sprintf("plugins: %s %q registered with a nil factory", what, name))
	case taken:
		panic(fmt.Sprintf("plugins: %s %q registered twice", what, name))
	}
}

// Register adds a step kind; see the package-level Register.
func (r *Registry) Register(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	checkRegistration("step", name, f == nil, r.steps[name] != nil)
	r.steps[name] = f
}

// RegisterPublisher adds a publisher kind; see the package-level RegisterPublisher.
func (r *Registry) RegisterPublisher(kind string, f PublisherFactory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	checkRegistration("publisher", kind, f == nil, r.publishers[kind] != nil)
	r.publishers[kind] = f
}

// NewStep makes a step of the named kind. An unknown name is an
// *UnknownError suggesting the closest registered name.
func (r *Registry) NewStep(name string) (Step, error) {
	r.mu.RLock()
	f := r.steps[name]
	r.mu.RUnlock()
	if f == nil {
		return nil, &UnknownError{What: "step", Name: name, Suggestion: Suggest(name, r.Steps())}
	}
	return f(), nil
}

// NewPublisher makes a publisher of the named kind, or returns an *UnknownError.
func (r *Registry) NewPublisher(kind string) (Publisher, error) {
	r.mu.RLock()
	f := r.publishers[kind]
	r.mu.RUnlock()
	if f == nil {
		return nil, &UnknownError{What: "publisher", Name: kind, Suggestion: Suggest(kind, r.Publishers())}
	}
	return f(), nil
}

// Steps returns the registered step names, sorted.
func (r *Registry) Steps() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return sortedKeys(r.steps)
}

// Publishers returns the registered publisher kinds, sorted.
func (r *Registry) Publishers() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return sortedKeys(r.publishers)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// UnknownError is returned for a step or publisher name nobody registered.
type UnknownError struct {
	What       string // "step" or "publisher"
	Name       string
	Suggestion string // the closest registered name, or ""
}

func (e *UnknownError) Error() string {
	if e.Suggestion != "" {
		return fmt.Sprintf("unknown %s %q; did you mean %q?", e.What, e.Name, e.Suggestion)
	}
	return fmt.Sprintf("unknown %s %q", e.What, e.Name)
}

// Suggest returns the candidate closest to given by edit distance, or ""
// when none is close enough to be a plausible typo.
func Suggest(given string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		d := levenshtein.Distance(given, c, nil)
		if d < 3 && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}
