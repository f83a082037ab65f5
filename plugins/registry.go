package plugins

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
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
	// parent holds the kinds this registry adds to (With).
	parent *Registry
}

// With returns a registry holding r's kinds and one more step kind, for a
// workflow's own (external) plugins; r is unchanged. A kind r has already
// is an error.
func (r *Registry) With(name string, f Factory) (*Registry, error) {
	if _, err := r.NewStep(name); err == nil {
		return nil, fmt.Errorf("step kind %q exists already", name)
	}
	child := &Registry{steps: map[string]Factory{}, publishers: map[string]PublisherFactory{}, parent: r}
	var err error
	func() {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("%v", v)
			}
		}()
		child.Register(name, f)
	}()
	if err != nil {
		return nil, err
	}
	return child, nil
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

// Register adds a step kind; see the package-level Register. The factory
// is called once to check the step can be configured and run: a nil step,
// a configuration that is not a pointer to a struct of hcl-tagged fields,
// or inputs without a name or kind, or named like a configuration
// attribute, panic here rather than when a workflow uses the step.
func (r *Registry) Register(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	checkRegistration("step", name, f == nil, r.steps[name] != nil)
	if err := checkStep(f()); err != nil {
		panic(fmt.Sprintf("plugins: step %q cannot run: %v", name, err))
	}
	r.steps[name] = f
}

// RegisterPublisher adds a publisher kind; see the package-level
// RegisterPublisher. Its factory is checked like a step's.
func (r *Registry) RegisterPublisher(kind string, f PublisherFactory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	checkRegistration("publisher", kind, f == nil, r.publishers[kind] != nil)
	p := f()
	if p == nil {
		panic(fmt.Sprintf("plugins: publisher %q: the factory returns nil", kind))
	}
	if _, err := configAttributes(p.Config()); err != nil {
		panic(fmt.Sprintf("plugins: publisher %q cannot be configured: %v", kind, err))
	}
	r.publishers[kind] = f
}

// checkStep checks what the workflow layer and the executor will rely on.
func checkStep(s Step) error {
	if s == nil {
		return errors.New("the factory returns nil")
	}
	attrs, err := configAttributes(s.Config())
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, in := range s.Inputs() {
		switch {
		case !validName.MatchString(in.Name):
			return fmt.Errorf("input %q is not an attribute name", in.Name)
		case seen[in.Name]:
			return fmt.Errorf("input %q declared twice", in.Name)
		case attrs[in.Name]:
			return fmt.Errorf("input %q is also a configuration attribute", in.Name)
		case len(in.Kinds) == 0:
			return fmt.Errorf("input %q accepts no kind of product", in.Name)
		}
		seen[in.Name] = true
	}
	return nil
}

// configAttributes returns the attribute and block names of a configuration
// struct, from its hcl tags; every exported field must have one.
func configAttributes(cfg any) (map[string]bool, error) {
	v := reflect.ValueOf(cfg)
	if cfg == nil || v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("Config() returns %T, want a non-nil pointer to a struct", cfg)
	}
	t := v.Elem().Type()
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, ok := f.Tag.Lookup("hcl")
		name, _, _ := strings.Cut(tag, ",")
		if !ok || name == "" {
			return nil, fmt.Errorf("configuration field %s has no hcl tag", f.Name)
		}
		out[name] = true
	}
	return out, nil
}

// NewStep makes a step of the named kind. An unknown name is an
// *UnknownError suggesting the closest registered name.
func (r *Registry) NewStep(name string) (Step, error) {
	r.mu.RLock()
	f := r.steps[name]
	r.mu.RUnlock()
	if f == nil && r.parent != nil {
		if s, err := r.parent.NewStep(name); err == nil {
			return s, nil
		}
	}
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
	if f == nil && r.parent != nil {
		return r.parent.NewPublisher(kind)
	}
	if f == nil {
		return nil, &UnknownError{What: "publisher", Name: kind, Suggestion: Suggest(kind, r.Publishers())}
	}
	return f(), nil
}

// Steps returns the registered step names, sorted.
func (r *Registry) Steps() []string {
	r.mu.RLock()
	names := slices.Sorted(maps.Keys(r.steps))
	r.mu.RUnlock()
	if r.parent != nil {
		names = append(names, r.parent.Steps()...)
		slices.Sort(names)
	}
	return names
}

// Publishers returns the registered publisher kinds, sorted.
func (r *Registry) Publishers() []string {
	if r.parent != nil {
		return r.parent.Publishers()
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.publishers))
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
