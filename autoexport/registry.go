package autoexport

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// registry maps the names that may appear in an environment variable to
// the factories that build what they name. It is safe for concurrent use.
// Factories run outside its lock, so a factory may itself call
// NewMetricReader or register more names.
type registry[T any] struct {
	what string // "exporter" or "producer", for messages

	mu        sync.Mutex
	factories map[string]func(context.Context) (T, error)
}

func newRegistry[T any](what string) *registry[T] {
	return &registry[T]{what: what, factories: map[string]func(context.Context) (T, error){}}
}

// register adds name. A name registered twice, an empty name and a nil
// factory are programming errors found at start-up, so they panic (as the
// contrib package does for a duplicate) instead of surfacing later as an
// unknown name or a nil call.
func (r *registry[T]) register(name string, factory func(context.Context) (T, error)) {
	switch {
	case strings.TrimSpace(name) == "":
		panic(fmt.Sprintf("autoexport: cannot register a metric %s without a name", r.what))
	case factory == nil:
		panic(fmt.Sprintf("autoexport: metric %s %q registered with a nil factory", r.what, name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.factories[name]; dup {
		panic(fmt.Sprintf("autoexport: duplicate registration: metric %s %q is already registered", r.what, name))
	}
	r.factories[name] = factory
}

// lookup finds name as registered or, failing that, the only registered
// name equal to it ignoring case (the specification's values are
// case-insensitive). It returns the registered spelling.
func (r *registry[T]) lookup(name string) (string, func(context.Context) (T, error), bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.factories[name]; ok {
		return name, f, true
	}
	var found string
	for registered := range r.factories {
		if strings.EqualFold(registered, name) {
			if found != "" {
				return "", nil, false // ambiguous: only the exact spelling selects
			}
			found = registered
		}
	}
	if found == "" {
		return "", nil, false
	}
	return found, r.factories[found], true
}

// names lists the registered names, sorted, for error messages.
func (r *registry[T]) names() string {
	r.mu.Lock()
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	r.mu.Unlock()
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// splitList splits a comma-separated variable into its names, white space
// trimmed and empty entries (a trailing comma) dropped.
func splitList(raw string) []string {
	var names []string
	for n := range strings.SplitSeq(raw, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}
