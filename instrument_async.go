package fastmeter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"

	"github.com/fastmeter/fastmeter/internal/aggregate"
	"github.com/fastmeter/fastmeter/internal/globallog"
)

// observable is the shared core of the asynchronous instruments. It keeps
// its streams per pipeline because callbacks run per reader collection:
// an observation made while reader i collects feeds only reader i's streams.
type observable[N aggregate.Number] struct {
	name    string
	meter   *meter
	perPipe [][]aggregate.Measurer[N]
	bad     badInput
}

func newObservable[N aggregate.Number](m *meter, name string, perPipe [][]aggregate.Measurer[N]) *observable[N] {
	return &observable[N]{name: name, meter: m, perPipe: perPipe, bad: badInput{instrument: name}}
}

func (o *observable[N]) hasStreams() bool {
	for _, ms := range o.perPipe {
		if len(ms) > 0 {
			return true
		}
	}
	return false
}

// baselineKeepers returns the KeepBaselines of the instrument's streams in
// pipeline pipe (see callbackEntry.keepBaselines).
func (o *observable[N]) baselineKeepers(pipe int) []func() {
	var keep []func()
	for _, m := range o.perPipe[pipe] {
		if s, ok := m.(interface{ KeepBaselines() }); ok {
			keep = append(keep, s.KeepBaselines)
		}
	}
	return keep
}

func (o *observable[N]) observe(pipe int, v N, opts []metric.ObserveOption) {
	if !validNumber(v) {
		o.bad.drop("non-finite value")
		return
	}
	attrs, ok := &emptySet, len(opts) == 0
	if !ok {
		attrs, ok = fastObserveAttributes(opts)
	}
	if !ok {
		opts = withoutNil(opts)
		set := withRawAttributes(o.name, metric.NewObserveConfig(opts).Attributes(), opts)
		attrs = &set
	}
	for _, m := range o.perPipe[pipe] {
		m.Measure(context.Background(), v, attrs)
	}
}

type int64Observable struct {
	metric.Int64Observable
	*observable[int64]
	embedded.Int64ObservableCounter
	embedded.Int64ObservableUpDownCounter
	embedded.Int64ObservableGauge
}

type float64Observable struct {
	metric.Float64Observable
	*observable[float64]
	embedded.Float64ObservableCounter
	embedded.Float64ObservableUpDownCounter
	embedded.Float64ObservableGauge
}

// int64Observer is what an instrument's own callback observes through; it
// belongs to one callback entry, whose run it may be told to drop
// observations of (see callbackEntry.admit).
type int64Observer struct {
	embedded.Int64Observer
	inst  *observable[int64]
	pipe  int
	entry *callbackEntry
}

func (o int64Observer) Observe(v int64, opts ...metric.ObserveOption) {
	ok, guarded := o.entry.admit()
	if !ok {
		return
	}
	if guarded {
		defer o.entry.gate.Unlock()
	}
	o.inst.observe(o.pipe, v, opts)
}

type float64Observer struct {
	embedded.Float64Observer
	inst  *observable[float64]
	pipe  int
	entry *callbackEntry
}

func (o float64Observer) Observe(v float64, opts ...metric.ObserveOption) {
	ok, guarded := o.entry.admit()
	if !ok {
		return
	}
	if guarded {
		defer o.entry.gate.Unlock()
	}
	o.inst.observe(o.pipe, v, opts)
}

// registerCallbacks attaches an instrument's own callbacks to every pipeline
// that has a stream for it; observer builds the instrument's observer for a
// callback's entry in a pipeline.
func registerCallbacks[N aggregate.Number, O any](inst *observable[N], callbacks []func(context.Context, O) error, observer func(pipe int, e *callbackEntry) O) {
	observes := fmt.Sprintf("instrument %q (meter %q)", inst.name, inst.meter.scope.Name)
	for pipe, p := range inst.meter.pipes {
		if len(inst.perPipe[pipe]) == 0 {
			continue
		}
		for _, cb := range callbacks {
			if cb != nil {
				e := &callbackEntry{observes: observes, keepBaselines: inst.baselineKeepers(pipe), feeds: inst.streamsIn(pipe), meter: inst.meter.gate(pipe)}
				obs := observer(pipe, e)
				e.fn = func(ctx context.Context) error { return cb(ctx, obs) }
				p.addCallback(e)
			}
		}
	}
}

func registerInt64Callbacks(inst *observable[int64], callbacks []metric.Int64Callback) {
	cbs := make([]func(context.Context, metric.Int64Observer) error, len(callbacks))
	for i, cb := range callbacks {
		cbs[i] = cb
	}
	registerCallbacks(inst, cbs, func(pipe int, e *callbackEntry) metric.Int64Observer {
		return int64Observer{inst: inst, pipe: pipe, entry: e}
	})
}

func registerFloat64Callbacks(inst *observable[float64], callbacks []metric.Float64Callback) {
	cbs := make([]func(context.Context, metric.Float64Observer) error, len(callbacks))
	for i, cb := range callbacks {
		cbs[i] = cb
	}
	registerCallbacks(inst, cbs, func(pipe int, e *callbackEntry) metric.Float64Observer {
		return float64Observer{inst: inst, pipe: pipe, entry: e}
	})
}

// multiObserver is what a Meter.RegisterCallback callback observes through:
// it accepts only the instruments the callback was registered with.
type multiObserver struct {
	embedded.Observer
	pipe    int
	int64s  map[*observable[int64]]struct{}
	float64 map[*observable[float64]]struct{}
	entry   *callbackEntry
}

func (o multiObserver) ObserveInt64(obsrv metric.Int64Observable, v int64, opts ...metric.ObserveOption) {
	inst, ok := obsrv.(*int64Observable)
	if !ok || inst == nil {
		globallog.Error(fmt.Errorf("fastmeter: ObserveInt64 called with an instrument (%T) that fastmeter did not create; observation dropped", obsrv), "failed to record")
		return
	}
	if _, registered := o.int64s[inst.observable]; !registered {
		// An instrument without a stream for this reader (its aggregation
		// is Drop, or a view dropped it) has nothing to record: silently,
		// as in the official SDK, whether or not it was registered.
		if len(inst.perPipe[o.pipe]) > 0 {
			globallog.Error(fmt.Errorf("fastmeter: ObserveInt64 for instrument %q, which is not registered with this callback; observation dropped", inst.name),
				"failed to record", "name", inst.name)
		}
		return
	}
	ok, guarded := o.entry.admit()
	if !ok {
		return
	}
	if guarded {
		defer o.entry.gate.Unlock()
	}
	inst.observe(o.pipe, v, opts)
}

func (o multiObserver) ObserveFloat64(obsrv metric.Float64Observable, v float64, opts ...metric.ObserveOption) {
	inst, ok := obsrv.(*float64Observable)
	if !ok || inst == nil {
		globallog.Error(fmt.Errorf("fastmeter: ObserveFloat64 called with an instrument (%T) that fastmeter did not create; observation dropped", obsrv), "failed to record")
		return
	}
	if _, registered := o.float64[inst.observable]; !registered {
		// An instrument without a stream for this reader (its aggregation
		// is Drop, or a view dropped it) has nothing to record: silently,
		// as in the official SDK, whether or not it was registered.
		if len(inst.perPipe[o.pipe]) > 0 {
			globallog.Error(fmt.Errorf("fastmeter: ObserveFloat64 for instrument %q, which is not registered with this callback; observation dropped", inst.name),
				"failed to record", "name", inst.name)
		}
		return
	}
	ok, guarded := o.entry.admit()
	if !ok {
		return
	}
	if guarded {
		defer o.entry.gate.Unlock()
	}
	inst.observe(o.pipe, v, opts)
}

// registration undoes a Meter.RegisterCallback.
type registration struct {
	embedded.Registration
	once    sync.Once
	entries map[*pipeline]*callbackEntry
}

// Unregister removes the callback from every reader. It is idempotent.
func (r *registration) Unregister() error {
	r.once.Do(func() {
		for p, e := range r.entries {
			p.removeCallback(e)
		}
	})
	return nil
}

// registerMultiCallback implements Meter.RegisterCallback.
func (m *meter) registerMultiCallback(f metric.Callback, instruments []metric.Observable) (metric.Registration, error) {
	if f == nil {
		return &registration{}, errors.New("fastmeter: RegisterCallback with a nil callback")
	}
	int64s := map[*observable[int64]]struct{}{}
	float64s := map[*observable[float64]]struct{}{}
	var errs error
	for _, inst := range instruments {
		switch o := inst.(type) {
		case *int64Observable:
			if o == nil {
				errs = errors.Join(errs, errors.New("fastmeter: RegisterCallback got a nil instrument; ignored"))
				continue
			}
			if o.meter != m {
				errs = errors.Join(errs, fmt.Errorf("fastmeter: instrument %q belongs to another meter; RegisterCallback ignores it", o.name))
				continue
			}
			if o.hasStreams() {
				int64s[o.observable] = struct{}{}
			}
		case *float64Observable:
			if o == nil {
				errs = errors.Join(errs, errors.New("fastmeter: RegisterCallback got a nil instrument; ignored"))
				continue
			}
			if o.meter != m {
				errs = errors.Join(errs, fmt.Errorf("fastmeter: instrument %q belongs to another meter; RegisterCallback ignores it", o.name))
				continue
			}
			if o.hasStreams() {
				float64s[o.observable] = struct{}{}
			}
		case nil:
			errs = errors.Join(errs, errors.New("fastmeter: RegisterCallback got a nil instrument; ignored"))
		default:
			// As in the official SDK, an instrument of another
			// implementation fails the whole registration: the callback
			// is not registered at all. Unlike it, the Registration
			// returned is not nil but one that does nothing, so a
			// deferred Unregister cannot panic.
			return &registration{}, fmt.Errorf("fastmeter: RegisterCallback got an instrument (%T) that fastmeter did not create; the callback is not registered", inst)
		}
	}
	reg := &registration{entries: map[*pipeline]*callbackEntry{}}
	if len(int64s) == 0 && len(float64s) == 0 {
		return reg, errs // nothing to observe: no callback is run
	}
	observes := multiCallbackObserves(m.scope.Name, int64s, float64s)
	for pipe, p := range m.pipes {
		e := &callbackEntry{observes: observes, meter: m.gate(pipe)}
		for o := range int64s {
			e.keepBaselines = append(e.keepBaselines, o.baselineKeepers(pipe)...)
			e.feeds = append(e.feeds, o.streamsIn(pipe)...)
		}
		for o := range float64s {
			e.keepBaselines = append(e.keepBaselines, o.baselineKeepers(pipe)...)
			e.feeds = append(e.feeds, o.streamsIn(pipe)...)
		}
		obs := multiObserver{pipe: pipe, int64s: int64s, float64: float64s, entry: e}
		e.fn = func(ctx context.Context) error { return f(ctx, obs) }
		p.addCallback(e)
		reg.entries[p] = e
	}
	return reg, errs
}

// multiCallbackObserves names a Meter.RegisterCallback callback's
// instruments for reports, sorted so reports are stable.
func multiCallbackObserves(meter string, int64s map[*observable[int64]]struct{}, float64s map[*observable[float64]]struct{}) string {
	var names []string
	for o := range int64s {
		names = append(names, strconv.Quote(o.name))
	}
	for o := range float64s {
		names = append(names, strconv.Quote(o.name))
	}
	slices.Sort(names)
	return fmt.Sprintf("instruments %s (meter %q, registered with RegisterCallback)", strings.Join(names, ", "), meter)
}
