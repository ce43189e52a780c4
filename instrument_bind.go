package fastmeter

import (
	"context"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/x"

	"github.com/fastmeter/fastmeter/internal/aggregate"
)

// The experimental Bind and Finish interfaces of go.opentelemetry.io/otel/metric/x,
// implemented by every synchronous instrument on top of BindAdder and
// BindRecorder (bind.go) and the streams' Finish (internal/aggregate/finish.go).
//
// A bound instrument's Add or Record without options is its handle's; with
// attribute options the measurement's set is the bound attributes merged
// with the options' (an option's value wins for a key in both), recorded as
// an unbound measurement would be. A bound instrument stays valid after
// Finish of its set: its next measurement re-creates the series, as an
// unbound one would.

var (
	_ x.Int64CounterBinder         = (*int64Counter)(nil)
	_ x.Float64CounterBinder       = (*float64Counter)(nil)
	_ x.Int64UpDownCounterBinder   = (*int64UpDownCounter)(nil)
	_ x.Float64UpDownCounterBinder = (*float64UpDownCounter)(nil)
	_ x.Int64HistogramBinder       = (*int64Histogram)(nil)
	_ x.Float64HistogramBinder     = (*float64Histogram)(nil)
	_ x.Int64GaugeBinder           = (*int64Gauge)(nil)
	_ x.Float64GaugeBinder         = (*float64Gauge)(nil)
	_ x.Finisher                   = (*int64Counter)(nil)
	_ x.Finisher                   = (*float64Counter)(nil)
	_ x.Finisher                   = (*int64UpDownCounter)(nil)
	_ x.Finisher                   = (*float64UpDownCounter)(nil)
	_ x.Finisher                   = (*int64Histogram)(nil)
	_ x.Finisher                   = (*float64Histogram)(nil)
	_ x.Finisher                   = (*int64Gauge)(nil)
	_ x.Finisher                   = (*float64Gauge)(nil)
)

// Finish implements x.Finisher: the series of exactly attrs (in any order;
// for a repeated key the last value wins; no attributes is the series
// recorded without attributes) is reported by each reader's next collection
// one last time, then its state is released. A measurement made before that
// collection is part of the final value; one made after it starts a new
// series (on a cumulative stream, with a new start time). Through a view's
// attribute filter, attrs names the series its measurements go to. An
// unknown or already finished set, and a set whose measurements go to the
// cardinality-overflow series, are no-ops. Safe concurrently with
// measurement and collection; no update is lost.
func (s *syncInstrument[N]) Finish(_ context.Context, attrs ...attribute.KeyValue) {
	if !s.enabled() { // no streams, or a disabled meter (a no-op)
		return
	}
	set := newSetOf(attrs)
	for _, m := range s.measures {
		if f, ok := m.(aggregate.Finisher); ok {
			f.Finish(&set)
		}
	}
}

// boundAdd is the shared body of the bound Counters and UpDownCounters. The
// handle is held by value (bound in place by init, never copied).
type boundAdd[N int64 | float64] struct {
	handle BoundAdder[N]
	attrs  attribute.Set
}

func (b *boundAdd[N]) init(instrument Adder[N], attrs []attribute.KeyValue) {
	b.attrs = newSetOf(attrs)
	b.handle.init(instrument, b.attrs)
}

// addWith records a bound Add that also passed options.
func (b *boundAdd[N]) addWith(ctx context.Context, v N, opts []metric.AddOption) {
	inst := b.handle.inst
	if !inst.enabled() {
		return
	}
	opts = withoutNil(opts)
	extra := withRawAttributes(inst.bad.instrument, metric.NewAddConfig(opts).Attributes(), opts)
	set := mergeAttributes(&b.attrs, &extra)
	inst.add(ctx, v, b.handle.monotonic, []metric.AddOption{metric.WithAttributeSet(set)})
}

// boundRecord is the shared body of the bound Histograms and Gauges; see
// boundAdd.
type boundRecord[N int64 | float64] struct {
	handle BoundRecorder[N]
	attrs  attribute.Set
}

func (b *boundRecord[N]) init(instrument Recorder[N], attrs []attribute.KeyValue) {
	b.attrs = newSetOf(attrs)
	b.handle.init(instrument, b.attrs)
}

// recordWith records a bound Record that also passed options.
func (b *boundRecord[N]) recordWith(ctx context.Context, v N, opts []metric.RecordOption) {
	inst := b.handle.inst
	if !inst.enabled() {
		return
	}
	opts = withoutNil(opts)
	extra := withRawAttributes(inst.bad.instrument, metric.NewRecordConfig(opts).Attributes(), opts)
	set := mergeAttributes(&b.attrs, &extra)
	inst.recordValue(ctx, v, []metric.RecordOption{metric.WithAttributeSet(set)})
}

// newSetOf is attribute.NewSet(attrs...) without touching attrs, which
// NewSet sorts in place: the x interfaces let the caller keep and reuse the
// slice, and Finish must not modify it.
func newSetOf(attrs []attribute.KeyValue) attribute.Set {
	if len(attrs) < 2 {
		return attribute.NewSet(attrs...)
	}
	return attribute.NewSet(slices.Clone(attrs)...)
}

// mergeAttributes is bound ∪ extra; for a key in both, extra's value.
func mergeAttributes(bound, extra *attribute.Set) attribute.Set {
	if extra.Len() == 0 {
		return *bound
	}
	// NewSet keeps the last value of a repeated key.
	return attribute.NewSet(slices.Concat(bound.ToSlice(), extra.ToSlice())...)
}

// bindTo binds b, a new bound instrument, to instrument and attrs.
func bindTo[B interface{ init(I, []attribute.KeyValue) }, I any](b B, instrument I, attrs []attribute.KeyValue) B {
	b.init(instrument, attrs)
	return b
}

// Bind implements x.Int64CounterBinder. The returned counter's Add without
// options is a BoundAdder's.
func (c *int64Counter) Bind(attrs ...attribute.KeyValue) metric.Int64Counter {
	return bindTo(&boundInt64Counter{}, Adder[int64](c), attrs)
}

// Bind implements x.Float64CounterBinder.
func (c *float64Counter) Bind(attrs ...attribute.KeyValue) metric.Float64Counter {
	return bindTo(&boundFloat64Counter{}, Adder[float64](c), attrs)
}

// Bind implements x.Int64UpDownCounterBinder.
func (c *int64UpDownCounter) Bind(attrs ...attribute.KeyValue) metric.Int64UpDownCounter {
	return bindTo(&boundInt64UpDownCounter{}, Adder[int64](c), attrs)
}

// Bind implements x.Float64UpDownCounterBinder.
func (c *float64UpDownCounter) Bind(attrs ...attribute.KeyValue) metric.Float64UpDownCounter {
	return bindTo(&boundFloat64UpDownCounter{}, Adder[float64](c), attrs)
}

// Bind implements x.Int64HistogramBinder.
func (h *int64Histogram) Bind(attrs ...attribute.KeyValue) metric.Int64Histogram {
	return bindTo(&boundInt64Histogram{}, Recorder[int64](h), attrs)
}

// Bind implements x.Float64HistogramBinder.
func (h *float64Histogram) Bind(attrs ...attribute.KeyValue) metric.Float64Histogram {
	return bindTo(&boundFloat64Histogram{}, Recorder[float64](h), attrs)
}

// Bind implements x.Int64GaugeBinder.
func (g *int64Gauge) Bind(attrs ...attribute.KeyValue) metric.Int64Gauge {
	return bindTo(&boundInt64Gauge{}, Recorder[int64](g), attrs)
}

// Bind implements x.Float64GaugeBinder.
func (g *float64Gauge) Bind(attrs ...attribute.KeyValue) metric.Float64Gauge {
	return bindTo(&boundFloat64Gauge{}, Recorder[float64](g), attrs)
}

// Add is the bound Counters' and UpDownCounters' Add (the int64 Counter
// writes its common case out; see boundInt64Counter.Add).
func (b *boundAdd[N]) Add(ctx context.Context, v N, opts ...metric.AddOption) {
	if len(opts) == 0 {
		b.handle.Add(ctx, v)
		return
	}
	b.addWith(ctx, v, opts)
}

// Enabled reports whether any reader keeps the instrument's data.
func (b *boundAdd[N]) Enabled(context.Context) bool { return b.handle.inst.enabled() }

// Record is the bound Histograms' and Gauges' Record.
func (b *boundRecord[N]) Record(ctx context.Context, v N, opts ...metric.RecordOption) {
	if len(opts) == 0 {
		b.handle.Record(ctx, v)
		return
	}
	b.recordWith(ctx, v, opts)
}

// Enabled reports whether any reader keeps the instrument's data.
func (b *boundRecord[N]) Enabled(context.Context) bool { return b.handle.inst.enabled() }

// The bound instruments: the API's marker for each kind, and the shared
// body whose methods they promote.

type boundInt64Counter struct {
	embedded.Int64Counter
	boundAdd[int64]
}

// Add is boundAdd.Add with BoundAdder.Add's direct path written out: a
// promoted generic method and the call to a generic method do not inline,
// and the int64 Counter is the instrument a hot path binds.
func (c *boundInt64Counter) Add(ctx context.Context, v int64, opts ...metric.AddOption) {
	h := &c.handle
	if h.inst.off.Load() { // a disabled meter: the no-op (inst is never nil here: Bind made the handle)
		return
	}
	if d := h.directInt.Load(); d != nil && len(opts) == 0 && v >= 0 && (h.exemplarsOff || spanless(ctx)) {
		if addDirectInt(d, v) {
			h.settle(d)
		}
		return
	}
	c.boundAdd.Add(ctx, v, opts...)
}

type boundFloat64Counter struct {
	embedded.Float64Counter
	boundAdd[float64]
}

type boundInt64UpDownCounter struct {
	embedded.Int64UpDownCounter
	boundAdd[int64]
}

type boundFloat64UpDownCounter struct {
	embedded.Float64UpDownCounter
	boundAdd[float64]
}

type boundInt64Histogram struct {
	embedded.Int64Histogram
	boundRecord[int64]
}

type boundFloat64Histogram struct {
	embedded.Float64Histogram
	boundRecord[float64]
}

type boundInt64Gauge struct {
	embedded.Int64Gauge
	boundRecord[int64]
}

type boundFloat64Gauge struct {
	embedded.Float64Gauge
	boundRecord[float64]
}
