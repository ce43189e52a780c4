package fastmeter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fastmeter/fastmeter/internal/globallog"
	"github.com/fastmeter/fastmeter/internal/selfobs"
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
	// shared holds every stream by identity, so identical streams are
	// built once (see buildStreams).
	shared map[sharedKey]any
	// gates are the meters' enabled switches (meter_config.go).
	gates  []*meterGate
	gateOf map[instrumentation.Scope]*meterGate

	// collecting serialises collections: callbacks and the observable
	// streams they feed run one cycle at a time. It is a one-slot channel
	// rather than a mutex so that waiting for it honours the collection's
	// context (see lockCollection).
	collecting chan struct{}
	// lastScopes and lastOwned remember which ScopeMetrics slots of the
	// caller's ResourceMetrics this pipeline filled last time (the rest
	// came from Producers), so storage a Producer handed over is never
	// reused and overwritten. Guarded by collecting.
	lastScopes *metricdata.ScopeMetrics
	lastOwned  int
}

type scopeStreams struct {
	scope   instrumentation.Scope
	metrics []*metricStream
	// identities detects two streams of one name that disagree.
	identities map[string]streamIdentity
	// gate is the scope's meter's switch: a disabled meter's streams are
	// not collected (meter_config.go).
	gate *meterGate
}

// metricStream is one stream as the pipeline reports it.
type metricStream struct {
	name, description, unit string
	kind                    InstrumentKind
	collect                 func(*metricdata.Aggregation) int
	// stream is the aggregate stream itself, which callback entries name
	// in their feeds; filter is the reader's MetricFilter verdict.
	stream any
	filter streamFilterState
}

type streamIdentity struct {
	name, description, unit string
	kind                    InstrumentKind
	number                  string
}

func newPipeline(r Reader, cfg *providerConfig) *pipeline {
	return &pipeline{
		reader:     r,
		settings:   r.settings(),
		provider:   cfg,
		res:        cfg.res,
		byName:     map[instrumentation.Scope]*scopeStreams{},
		shared:     map[sharedKey]any{},
		collecting: make(chan struct{}, 1),
	}
}

// sharedKey identifies a stream within a pipeline: its scope, identity
// (the name compared case-insensitively) and aggregation.
type sharedKey struct {
	scope       instrumentation.Scope
	id          streamIdentity
	aggregation string
}

// sharedStream returns the stream with this identity and aggregation,
// creating and registering it for collection on first use.
func (p *pipeline) sharedStream(scope instrumentation.Scope, id streamIdentity, agg Aggregation, create func() any) any {
	key := sharedKey{scope: scope, id: id, aggregation: fmt.Sprintf("%T%+v", agg, agg)}
	key.id.name = strings.ToLower(id.name)
	p.mu.Lock()
	if st, ok := p.shared[key]; ok {
		p.mu.Unlock()
		return st
	}
	p.mu.Unlock()
	st := create()
	p.mu.Lock()
	if prev, ok := p.shared[key]; ok { // built concurrently by another meter call
		p.mu.Unlock()
		return prev
	}
	p.shared[key] = st
	p.mu.Unlock()
	p.addStream(scope, id, st)
	return st
}

// addStream registers a stream for collection under scope, warning when
// another stream of the same (case-insensitive) name disagrees with it.
func (p *pipeline) addStream(scope instrumentation.Scope, id streamIdentity, st any) {
	collect := st.(interface {
		Collect(*metricdata.Aggregation) int
	}).Collect
	p.mu.Lock()
	defer p.mu.Unlock()
	ss := p.byName[scope]
	if ss == nil {
		ss = &scopeStreams{scope: scope, identities: map[string]streamIdentity{}, gate: p.gateOf[scope]}
		p.byName[scope] = ss
		p.scopes = append(p.scopes, ss)
	}
	key := strings.ToLower(id.name)
	if prev, ok := ss.identities[key]; ok && prev != id {
		globallog.Warn(fmt.Sprintf("fastmeter: duplicate metric stream %q in scope %q: first registered as %s, now as %s; both streams are kept and exported, which the backend may reject or merge — rename one with a View",
			id.name, scope.Name, prev.describe(), id.describe()))
	} else if !ok {
		ss.identities[key] = id
	}
	ss.metrics = append(ss.metrics, &metricStream{name: id.name, description: id.description, unit: id.unit, kind: id.kind, collect: collect, stream: st})
}

func (id streamIdentity) describe() string {
	return fmt.Sprintf("{name %q, kind %v, unit %q, description %q, %s}", id.name, id.kind, id.unit, id.description, id.number)
}

func (p *pipeline) addCallback(e *callbackEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.callbacks = append(p.callbacks, e)
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

// produce runs the callbacks (see runCallbacks: with a context that can
// end, a callback that does not return in time is abandoned and the
// collection goes on without it), collects every stream into rm (reusing
// the slots it filled last time) and appends the producers' ScopeMetrics.
// Streams without points are left out. Waiting for the previous collection
// honours ctx.
func (p *pipeline) produce(ctx context.Context, rm *metricdata.ResourceMetrics, producers []Producer) error {
	if err := p.lockCollection(ctx); err != nil {
		rm.ScopeMetrics = rm.ScopeMetrics[:0]
		return &collectionAbandonedError{err: err}
	}
	defer func() { <-p.collecting }()

	p.mu.Lock()
	callbacks := p.enabledCallbacks() // decides which meters this collection skips
	scopes := append([]*scopeStreams(nil), p.scopes...)
	p.mu.Unlock()

	filter := p.settings.filter
	if filter != nil {
		callbacks = filter.beginCollection(p, scopes, callbacks)
	}
	errs, ended := runCallbacks(ctx, callbacks)
	if ended != nil {
		// Nothing is collected: the streams keep their data (a delta
		// stream hands it to the next collection) and rm holds none of
		// the previous collection's, so no caller can export it twice.
		rm.ScopeMetrics = rm.ScopeMetrics[:0]
		return &collectionAbandonedError{err: errors.Join(errs, ended)}
	}

	rm.Resource = p.res
	// Slots past `reusable` may hold a Producer's data from the previous
	// collection into this same ResourceMetrics: start those from zero.
	reusable := cap(rm.ScopeMetrics)
	if reusable > 0 && &rm.ScopeMetrics[:1][0] == p.lastScopes {
		reusable = p.lastOwned
	}
	scopeOut := rm.ScopeMetrics[:0]
	for _, ss := range scopes {
		if ss.gate.skipped() {
			continue // a disabled meter's streams: not exported, their state kept
		}
		p.mu.Lock()
		metrics := ss.metrics[:len(ss.metrics):len(ss.metrics)]
		p.mu.Unlock()
		scopeOut = growScopes(scopeOut, reusable)
		sm := &scopeOut[len(scopeOut)-1]
		sm.Scope = ss.scope
		out := sm.Metrics[:0]
		for _, ms := range metrics {
			if filter != nil && !filter.admit(ss.scope, ms) {
				continue
			}
			out = growMetrics(out)
			m := &out[len(out)-1]
			if n := ms.collect(&m.Data); n == 0 || (filter != nil && filter.keepPoints(ss.scope, ms, &m.Data, n) == 0) {
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
	owned := len(scopeOut)
	for _, pr := range producers {
		if err := ctx.Err(); err != nil {
			errs = errors.Join(errs, err)
			break
		}
		sm, err := filter.produce(ctx, pr)
		errs = errors.Join(errs, err)
		scopeOut = append(scopeOut, sm...)
	}
	rm.ScopeMetrics = scopeOut
	p.lastScopes, p.lastOwned = nil, owned
	if cap(scopeOut) > 0 {
		p.lastScopes = &scopeOut[:1][0]
	}
	return errs
}

// lockCollection waits for the previous collection of this pipeline to
// finish, or for ctx to end.
func (p *pipeline) lockCollection(ctx context.Context) error {
	select {
	case p.collecting <- struct{}{}:
		return nil
	default:
	}
	select {
	case p.collecting <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for this reader's previous collection: %w", ctx.Err())
	}
}

// collectionAbandonedError is produce's error when ctx ended before any
// stream was collected. A reader must not export after it: there is nothing
// new to send, and the streams still hold their data for the next collection.
type collectionAbandonedError struct{ err error }

func (e *collectionAbandonedError) Error() string {
	return "fastmeter: collection abandoned before any stream was read: " + e.err.Error()
}
func (e *collectionAbandonedError) Unwrap() error { return e.err }

// runCallback calls a user callback, turning a panic into an error so one
// broken callback cannot take the collection (and the other callbacks'
// data) down with it.
func runCallback(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			selfobs.Panicked()
			err = fmt.Errorf("fastmeter: a metric callback panicked: %v", r)
		}
	}()
	return fn(ctx)
}

// growScopes extends s by one slot, reusing the old slot's storage only
// below reusable.
func growScopes(s []metricdata.ScopeMetrics, reusable int) []metricdata.ScopeMetrics {
	n := len(s)
	if n < cap(s) {
		s = s[:n+1]
		if n >= reusable {
			s[n] = metricdata.ScopeMetrics{}
		}
		return s
	}
	return append(s, metricdata.ScopeMetrics{})
}

func growMetrics(s []metricdata.Metrics) []metricdata.Metrics {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	return append(s, metricdata.Metrics{})
}
