package fastmeter

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/sdk/instrumentation"

	"github.com/fastmeter/fastmeter/internal/aggregate"
	"github.com/fastmeter/fastmeter/internal/globallog"
)

// meter creates instruments for one instrumentation scope.
type meter struct {
	embedded.Meter

	scope instrumentation.Scope
	pipes []*pipeline

	mu sync.Mutex
	// instruments returns the same instrument for an identical
	// registration, so re-creating one (a common pattern) neither leaks
	// nor duplicates streams.
	instruments map[instrumentKey]registered
	// firstByName detects conflicting registrations of one name.
	firstByName map[string]instrumentKey

	// off says the MeterConfigurator disabled the meter; gates are its
	// switch as each pipeline sees it (meter_config.go). off changes only
	// under mu.
	off   atomic.Bool
	gates []*meterGate
}

// instrumentKey is an instrument's identity as the specification defines it
// for duplicate registration: the name compared case-insensitively, the
// kind, the unit and the number type. Registrations that differ only in the
// name's casing or in the description return the first-seen instrument, with
// its casing and description.
type instrumentKey struct {
	foldedName string
	unit       string
	kind       InstrumentKind
	number     string
}

// registered is a created instrument and the identity it was created with.
type registered struct {
	inst        any
	name        string
	description string
	err         error // what its creation returned; repeats return it too
}

var _ metric.Meter = (*meter)(nil)

func newMeter(scope instrumentation.Scope, pipes []*pipeline) *meter {
	return &meter{
		scope:       scope,
		pipes:       pipes,
		instruments: map[instrumentKey]registered{},
		firstByName: map[string]instrumentKey{},
	}
}

// instrumentRequest is one call to an instrument constructor.
type instrumentRequest struct {
	name, description, unit string
	kind                    InstrumentKind
	number                  string
	advisoryBounds          []float64
	// allowedKeys are the advisory attribute keys (x.WithDefaultAttributes);
	// nil when the option was not given.
	allowedKeys []attribute.Key
	// callbacks is how many callbacks an observable's options give: on a
	// repeated registration they are ignored, with a warning.
	callbacks int
}

// instrument returns the instrument for req, creating it with create on first
// use. Errors are returned in the cases and order of the official SDK, and
// only returned (never also handed to otel.Handle): a problem creating the
// instrument's streams (invalid advisory boundaries, which are then ignored,
// or an aggregation a view or reader cannot apply) is the error; only
// without one is the name (and, beyond the official SDK, the unit and
// description) validated. Either way the instrument works. A repeated
// registration returns the first one's instrument and error. Duplicate
// registrations are warned about on the global logger, as in the official
// SDK.
func instrument[T any](m *meter, req instrumentRequest, create func(spec instrumentSpec) (T, error)) (T, error) {
	// Invalid UTF-8 in the name, unit or description is repaired here, once,
	// and the instrument is what the repaired strings identify (see
	// internal/aggregate/utf8.go).
	name, nameErr := sanitizeInstrumentName(req.name)
	unit, unitErr := sanitizeUnit(name, req.unit)
	desc, descErr := sanitizeDescription(name, req.description)
	validation := errors.Join(nameErr, unitErr, descErr)

	k := instrumentKey{foldedName: strings.ToLower(name), unit: unit, kind: req.kind, number: req.number}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.instruments == nil { // a meter of a zero MeterProvider is made by newMeter too; this is defence
		m.instruments, m.firstByName = map[instrumentKey]registered{}, map[string]instrumentKey{}
	}
	if prev, ok := m.instruments[k]; ok {
		if prev.name != name || prev.description != desc {
			globallog.Warn(fmt.Sprintf("fastmeter: meter %q: instrument %q registered again as %q with description %q; "+
				"returning the first registration (name %q, description %q). To report a different description, set it with a View: "+
				"NewView(Instrument{Name: %q}, Stream{Description: ...})",
				m.scope.Name, prev.name, name, desc, prev.name, prev.description, prev.name))
		}
		if req.callbacks > 0 {
			globallog.Warn(fmt.Sprintf("fastmeter: meter %q: observable instrument %q created again with callbacks; the new callbacks are ignored "+
				"(use RegisterCallback and Registration.Unregister to manage callbacks)", m.scope.Name, name))
		}
		return prev.inst.(T), prev.err
	}
	if first, ok := m.firstByName[k.foldedName]; ok && first != k {
		globallog.Warn(fmt.Sprintf("fastmeter: meter %q: instrument %q registered with conflicting identities (first: kind %v, unit %q, %s; now: kind %v, unit %q, %s); "+
			"both are kept and both streams exported, which a backend may reject: rename one with a View, e.g. NewView(Instrument{Name: %q, Kind: %v}, Stream{Name: \"new_name\"})",
			m.scope.Name, name, first.kind, first.unit, first.number, k.kind, k.unit, k.number, name, k.kind))
	} else if !ok {
		m.firstByName[k.foldedName] = k
	}
	// Invalid advisory boundaries are the instrument's error whatever the
	// readers: checked once here, then ignored (every stream uses the
	// reader's or the default boundaries).
	bounds, boundsErr := req.advisoryBounds, error(nil)
	if bounds != nil {
		if verr := validateBounds(bounds); verr != nil {
			boundsErr = fmt.Errorf("fastmeter: instrument %q: advisory bucket boundaries ignored: %w", name, verr)
			bounds = nil
		}
	}
	spec := instrumentSpec{
		Instrument: Instrument{
			Name: name, Description: desc, Kind: req.kind, Unit: unit, Scope: m.scope,
		},
		number:         req.number,
		advisoryBounds: bounds,
		allowedKeys:    req.allowedKeys,
		repairs:        &aggregate.RepairReport{Instrument: name},
	}
	inst, streamsErr := create(spec)
	err := validation
	if createErr := joinErrors(boundsErr, streamsErr); createErr != nil {
		err = createErr
	}
	m.instruments[k] = registered{inst: inst, name: name, description: desc, err: err}
	return inst, err
}

// joinErrors is errors.Join that returns a single error as it is rather than
// wrapped in a join of one.
func joinErrors(errs ...error) error {
	var only error
	n := 0
	for _, e := range errs {
		if e != nil {
			only, n = e, n+1
		}
	}
	if n <= 1 {
		return only
	}
	return errors.Join(errs...)
}

func syncCreate[N aggregate.Number, T any](m *meter, wrap func(*syncInstrument[N]) T) func(instrumentSpec) (T, error) {
	return func(spec instrumentSpec) (T, error) {
		perPipe, err := buildStreams[N](m.pipes, m.scope, spec)
		s := newSyncInstrument(spec.Name, perPipe)
		s.off.Store(m.off.Load()) // m.mu is held: the meter's state cannot change meanwhile
		return wrap(s), err
	}
}

// newAdder sets up the add path of a Counter or UpDownCounter c (see
// internal/aggregate/add_path.go) before it is published.
func newAdder[N aggregate.Number, C interface {
	Init(measures []aggregate.Measurer[N], monotonic bool, optionItab unsafe.Pointer, rest aggregate.AddRest[N])
	SetEnabled(on bool)
	core() (*syncInstrument[N], bool)
	aggregate.AddRest[N]
}](c C) C {
	s, monotonic := c.core() // counters are monotonic
	itab := addOptionItab
	if !attrFastPath {
		itab = nil
	}
	c.Init(s.measures, monotonic, itab, c)
	s.path = c
	c.SetEnabled(!s.off.Load()) // the meter's state when it was created
	return c
}

func request(name, description, unit string, kind InstrumentKind, number string, allowedKeys []attribute.Key) instrumentRequest {
	return instrumentRequest{name: name, description: description, unit: unit, kind: kind, number: number, allowedKeys: allowedKeys}
}

func observableRequest(name, description, unit string, kind InstrumentKind, number string, allowedKeys []attribute.Key, callbacks int) instrumentRequest {
	r := request(name, description, unit, kind, number, allowedKeys)
	r.callbacks = callbacks
	return r
}

func histogramRequest(name, description, unit string, number string, bounds []float64, allowedKeys []attribute.Key) instrumentRequest {
	r := request(name, description, unit, InstrumentKindHistogram, number, allowedKeys)
	r.advisoryBounds = bounds
	return r
}

// Int64Counter returns the Counter named name, creating it on first use.
func (m *meter) Int64Counter(name string, options ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	c := metric.NewInt64CounterConfig(withoutNil(options)...)
	return instrument(m, request(name, c.Description(), c.Unit(), InstrumentKindCounter, "int64", defaultAttributeKeys(name, options)),
		syncCreate(m, func(s *syncInstrument[int64]) metric.Int64Counter {
			return newAdder(&int64Counter{syncInstrument: s})
		}))
}

// Int64UpDownCounter returns the UpDownCounter named name.
func (m *meter) Int64UpDownCounter(name string, options ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	c := metric.NewInt64UpDownCounterConfig(withoutNil(options)...)
	return instrument(m, request(name, c.Description(), c.Unit(), InstrumentKindUpDownCounter, "int64", defaultAttributeKeys(name, options)),
		syncCreate(m, func(s *syncInstrument[int64]) metric.Int64UpDownCounter {
			return newAdder(&int64UpDownCounter{syncInstrument: s})
		}))
}

// Int64Histogram returns the Histogram named name.
func (m *meter) Int64Histogram(name string, options ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	c := metric.NewInt64HistogramConfig(withoutNil(options)...)
	return instrument(m, histogramRequest(name, c.Description(), c.Unit(), "int64", c.ExplicitBucketBoundaries(), defaultAttributeKeys(name, options)),
		syncCreate(m, func(s *syncInstrument[int64]) metric.Int64Histogram { return &int64Histogram{syncInstrument: s} }))
}

// Int64Gauge returns the Gauge named name.
func (m *meter) Int64Gauge(name string, options ...metric.Int64GaugeOption) (metric.Int64Gauge, error) {
	c := metric.NewInt64GaugeConfig(withoutNil(options)...)
	return instrument(m, request(name, c.Description(), c.Unit(), InstrumentKindGauge, "int64", defaultAttributeKeys(name, options)),
		syncCreate(m, func(s *syncInstrument[int64]) metric.Int64Gauge { return &int64Gauge{syncInstrument: s} }))
}

// Float64Counter returns the Counter named name.
func (m *meter) Float64Counter(name string, options ...metric.Float64CounterOption) (metric.Float64Counter, error) {
	c := metric.NewFloat64CounterConfig(withoutNil(options)...)
	return instrument(m, request(name, c.Description(), c.Unit(), InstrumentKindCounter, "float64", defaultAttributeKeys(name, options)),
		syncCreate(m, func(s *syncInstrument[float64]) metric.Float64Counter {
			return newAdder(&float64Counter{syncInstrument: s})
		}))
}

// Float64UpDownCounter returns the UpDownCounter named name.
func (m *meter) Float64UpDownCounter(name string, options ...metric.Float64UpDownCounterOption) (metric.Float64UpDownCounter, error) {
	c := metric.NewFloat64UpDownCounterConfig(withoutNil(options)...)
	return instrument(m, request(name, c.Description(), c.Unit(), InstrumentKindUpDownCounter, "float64", defaultAttributeKeys(name, options)),
		syncCreate(m, func(s *syncInstrument[float64]) metric.Float64UpDownCounter {
			return newAdder(&float64UpDownCounter{syncInstrument: s})
		}))
}

// Float64Histogram returns the Histogram named name.
func (m *meter) Float64Histogram(name string, options ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	c := metric.NewFloat64HistogramConfig(withoutNil(options)...)
	return instrument(m, histogramRequest(name, c.Description(), c.Unit(), "float64", c.ExplicitBucketBoundaries(), defaultAttributeKeys(name, options)),
		syncCreate(m, func(s *syncInstrument[float64]) metric.Float64Histogram { return &float64Histogram{syncInstrument: s} }))
}

// Float64Gauge returns the Gauge named name.
func (m *meter) Float64Gauge(name string, options ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	c := metric.NewFloat64GaugeConfig(withoutNil(options)...)
	return instrument(m, request(name, c.Description(), c.Unit(), InstrumentKindGauge, "float64", defaultAttributeKeys(name, options)),
		syncCreate(m, func(s *syncInstrument[float64]) metric.Float64Gauge { return &float64Gauge{syncInstrument: s} }))
}

func int64ObservableCreate(m *meter, callbacks []metric.Int64Callback) func(instrumentSpec) (*int64Observable, error) {
	return func(spec instrumentSpec) (*int64Observable, error) {
		perPipe, err := buildStreams[int64](m.pipes, m.scope, spec)
		inst := &int64Observable{observable: newObservable(m, spec.Name, perPipe)}
		registerInt64Callbacks(inst.observable, callbacks)
		return inst, err
	}
}

func float64ObservableCreate(m *meter, callbacks []metric.Float64Callback) func(instrumentSpec) (*float64Observable, error) {
	return func(spec instrumentSpec) (*float64Observable, error) {
		perPipe, err := buildStreams[float64](m.pipes, m.scope, spec)
		inst := &float64Observable{observable: newObservable(m, spec.Name, perPipe)}
		registerFloat64Callbacks(inst.observable, callbacks)
		return inst, err
	}
}

// Int64ObservableCounter returns the ObservableCounter named name. Callbacks
// given here apply only when the instrument is first created; use
// RegisterCallback to add callbacks later.
func (m *meter) Int64ObservableCounter(name string, options ...metric.Int64ObservableCounterOption) (metric.Int64ObservableCounter, error) {
	c := metric.NewInt64ObservableCounterConfig(withoutNil(options)...)
	return instrument(m, observableRequest(name, c.Description(), c.Unit(), InstrumentKindObservableCounter, "int64", defaultAttributeKeys(name, options), len(c.Callbacks())), int64ObservableCreate(m, c.Callbacks()))
}

// Int64ObservableUpDownCounter returns the ObservableUpDownCounter named name.
func (m *meter) Int64ObservableUpDownCounter(name string, options ...metric.Int64ObservableUpDownCounterOption) (metric.Int64ObservableUpDownCounter, error) {
	c := metric.NewInt64ObservableUpDownCounterConfig(withoutNil(options)...)
	return instrument(m, observableRequest(name, c.Description(), c.Unit(), InstrumentKindObservableUpDownCounter, "int64", defaultAttributeKeys(name, options), len(c.Callbacks())), int64ObservableCreate(m, c.Callbacks()))
}

// Int64ObservableGauge returns the ObservableGauge named name.
func (m *meter) Int64ObservableGauge(name string, options ...metric.Int64ObservableGaugeOption) (metric.Int64ObservableGauge, error) {
	c := metric.NewInt64ObservableGaugeConfig(withoutNil(options)...)
	return instrument(m, observableRequest(name, c.Description(), c.Unit(), InstrumentKindObservableGauge, "int64", defaultAttributeKeys(name, options), len(c.Callbacks())), int64ObservableCreate(m, c.Callbacks()))
}

// Float64ObservableCounter returns the ObservableCounter named name.
func (m *meter) Float64ObservableCounter(name string, options ...metric.Float64ObservableCounterOption) (metric.Float64ObservableCounter, error) {
	c := metric.NewFloat64ObservableCounterConfig(withoutNil(options)...)
	return instrument(m, observableRequest(name, c.Description(), c.Unit(), InstrumentKindObservableCounter, "float64", defaultAttributeKeys(name, options), len(c.Callbacks())), float64ObservableCreate(m, c.Callbacks()))
}

// Float64ObservableUpDownCounter returns the ObservableUpDownCounter named name.
func (m *meter) Float64ObservableUpDownCounter(name string, options ...metric.Float64ObservableUpDownCounterOption) (metric.Float64ObservableUpDownCounter, error) {
	c := metric.NewFloat64ObservableUpDownCounterConfig(withoutNil(options)...)
	return instrument(m, observableRequest(name, c.Description(), c.Unit(), InstrumentKindObservableUpDownCounter, "float64", defaultAttributeKeys(name, options), len(c.Callbacks())), float64ObservableCreate(m, c.Callbacks()))
}

// Float64ObservableGauge returns the ObservableGauge named name.
func (m *meter) Float64ObservableGauge(name string, options ...metric.Float64ObservableGaugeOption) (metric.Float64ObservableGauge, error) {
	c := metric.NewFloat64ObservableGaugeConfig(withoutNil(options)...)
	return instrument(m, observableRequest(name, c.Description(), c.Unit(), InstrumentKindObservableGauge, "float64", defaultAttributeKeys(name, options), len(c.Callbacks())), float64ObservableCreate(m, c.Callbacks()))
}

// RegisterCallback registers f to observe the given observable instruments
// at every collection, until the returned Registration is unregistered.
func (m *meter) RegisterCallback(f metric.Callback, instruments ...metric.Observable) (metric.Registration, error) {
	return m.registerMultiCallback(f, instruments)
}
