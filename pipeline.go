package fastmeter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

// pipeline is one reader's view of a provider: the streams built for it,
// grouped by scope in creation order, and the callbacks to run before each
// collection. It is the source the reader collects from.
type pipeline struct {
	reader   Reader
	settings *readerSettings
	provider *providerConfig
	res      *resource.Resource

	mu     sync.Mutex // scopes, callbacks
	scopes []*scopeStreams
	byName map[instrumentation.Scope]*scopeStreams

	callbacks []*callbackEntry

	// collecting serialises collections: callbacks and the observable
	// streams they feed run one cycle at a time.
	collecting sync.Mutex
}

type scopeStreams struct {
	scope   instrumentation.Scope
	metrics []*metricStream
	// identities detects two streams of one name that disagree.
	identities map[string]streamIdentity
}

// metricStream is one stream as the pipeline reports it.
type metricStream struct {
	name, description, unit string
	collect                 func(*metricdata.Aggregation) int
}

type streamIdentity struct {
	name, description, unit string
	kind                    InstrumentKind
	number                  string
}

// callbackEntry is one registered callback; unregistering nils fn.
type callbackEntry struct {
	fn func(context.Context) error
}

func newPipeline(r Reader, cfg *providerConfig) *pipeline {
	return &pipeline{
		reader:   r,
		settings: r.settings(),
		provider: cfg,
		res:      cfg.res,
		byName:   map[instrumentation.Scope]*scopeStreams{},
	}
}

// addStream registers a stream for collection under scope, warning when
// another stream of the same (case-insensitive) name disagrees with it.
func (p *pipeline) addStream(scope instrumentation.Scope, id streamIdentity, collect func(*metricdata.Aggregation) int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ss := p.byName[scope]
	if ss == nil {
		ss = &scopeStreams{scope: scope, identities: map[string]streamIdentity{}}
		p.byName[scope] = ss
		p.scopes = append(p.scopes, ss)
	}
	key := strings.ToLower(id.name)
	if prev, ok := ss.identities[key]; ok && prev != id {
		otel.Handle(fmt.Errorf("fastmeter: duplicate metric stream %q in scope %q: first registered as %s, now as %s; both streams are kept and exported, which the backend may reject or merge — rename one with a View",
			id.name, scope.Name, prev.describe(), id.describe()))
	} else if !ok {
		ss.identities[key] = id
	}
	ss.metrics = append(ss.metrics, &metricStream{name: id.name, description: id.description, unit: id.unit, collect: collect})
}

func (id streamIdentity) describe() string {
	return fmt.Sprintf("{name %q, kind %v, unit %q, description %q, %s}", id.name, id.kind, id.unit, id.description, id.number)
}

func (p *pipeline) addCallback(fn func(context.Context) error) *callbackEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := &callbackEntry{fn: fn}
	p.callbacks = append(p.callbacks, e)
	return e
}

func (p *pipeline) removeCallback(e *callbackEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, c := range p.callbacks {
		if c == e {
			p.callbacks = append(p.callbacks[:i], p.callbacks[i+1:]...)
			return
		}
	}
}

// produce runs the callbacks and collects every stream into rm, reusing its
// slices. Streams without points are left out.
func (p *pipeline) produce(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	p.collecting.Lock()
	defer p.collecting.Unlock()

	p.mu.Lock()
	callbacks := append([]*callbackEntry(nil), p.callbacks...)
	scopes := append([]*scopeStreams(nil), p.scopes...)
	p.mu.Unlock()

	var errs error
	for _, cb := range callbacks {
		if err := ctx.Err(); err != nil {
			return errors.Join(errs, err)
		}
		if err := runCallback(ctx, cb.fn); err != nil {
			errs = errors.Join(errs, err)
		}
	}

	rm.Resource = p.res
	scopeOut := rm.ScopeMetrics[:0]
	for _, ss := range scopes {
		p.mu.Lock()
		metrics := ss.metrics[:len(ss.metrics):len(ss.metrics)]
		p.mu.Unlock()
		scopeOut = growScopes(scopeOut)
		sm := &scopeOut[len(scopeOut)-1]
		sm.Scope = ss.scope
		out := sm.Metrics[:0]
		for _, ms := range metrics {
			out = growMetrics(out)
			m := &out[len(out)-1]
			if ms.collect(&m.Data) == 0 {
				out = out[:len(out)-1]
				continue
			}
			m.Name, m.Description, m.Unit = ms.name, ms.description, ms.unit
		}
		sm.Metrics = out
		if len(out) == 0 {
			scopeOut = scopeOut[:len(scopeOut)-1]
		}
	}
	rm.ScopeMetrics = scopeOut
	return errs
}

// runCallback calls a user callback, turning a panic into an error so one
// broken callback cannot take the collection (and the other callbacks'
// data) down with it.
func runCallback(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fastmeter: a metric callback panicked: %v", r)
		}
	}()
	return fn(ctx)
}

func growScopes(s []metricdata.ScopeMetrics) []metricdata.ScopeMetrics {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	return append(s, metricdata.ScopeMetrics{})
}

func growMetrics(s []metricdata.Metrics) []metricdata.Metrics {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	return append(s, metricdata.Metrics{})
}
