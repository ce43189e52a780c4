package fastmeter

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"

	"github.com/fastmeter/fastmeter/internal/aggregate"
)

var emptySet = *attribute.EmptySet()

// syncInstrument is the shared core of the synchronous instruments: the
// streams it feeds (one per reader × view) and its bad-input reporter.
// Record → record → Measure on each stream → series cell update. A
// Counter's or UpDownCounter's Add starts in its add path
// (internal/aggregate/add_path.go), which serves the common cases itself
// and hands the rest to add.
type syncInstrument[N aggregate.Number] struct {
	measures []aggregate.Measurer[N]
	only     aggregate.Measurer[N] // measures[0] when it is the only one
	// off says the instrument's meter is disabled (meter_config.go): every
	// measurement is dropped, as by the no-op meter. path is a Counter's or
	// UpDownCounter's add path, switched with it.
	off  atomic.Bool
	path interface{ SetEnabled(on bool) }
	bad  badInput

	// directSum is the one stream when a bound Add may update its series'
	// cells in place (direct_cell.go); exemplarsOff, that the stream
	// samples no exemplars.
	directSum    aggregate.DirectSum[N]
	exemplarsOff bool
}

func newSyncInstrument[N aggregate.Number](name string, perPipe [][]aggregate.Measurer[N]) *syncInstrument[N] {
	s := &syncInstrument[N]{bad: badInput{instrument: name}}
	for _, ms := range perPipe {
		s.measures = append(s.measures, ms...)
	}
	if len(s.measures) == 1 {
		s.only = s.measures[0]
	}
	s.directSum, s.exemplarsOff = directSumOf(s.measures)
	return s
}

func (s *syncInstrument[N]) record(ctx context.Context, v N, attrs *attribute.Set) {
	if ctx == nil {
		ctx = context.Background()
	}
	if s.only != nil { // one reader, one stream: the common case
		s.only.Measure(ctx, v, attrs)
		return
	}
	for _, m := range s.measures {
		m.Measure(ctx, v, attrs)
	}
}

// recordTarget is the fast path of the common Record: one stream, and no
// attributes or a single attribute option whose set can be read directly.
// It returns that stream (nil unless there is exactly one) and set, or a nil
// stream for any other call; the caller also sends a nil context the long
// way, which replaces it. It calls nothing, so it inlines into the Record
// methods, which then make the one interface call to the stream themselves:
// every call level saved is a frame set up and torn down per measurement.
func (s *syncInstrument[N]) recordTarget(opts []metric.RecordOption) (aggregate.Measurer[N], *attribute.Set) {
	if s.off.Load() {
		return nil, nil // recordValue drops it
	}
	if len(opts) == 0 {
		return s.only, &emptySet
	}
	if set, ok := fastRecordAttributes(opts); ok {
		return s.only, set
	}
	return nil, nil
}

// recordSlow takes the set by value so that only this path, not the fast
// one, pays for moving it to the heap.
func (s *syncInstrument[N]) recordSlow(ctx context.Context, v N, attrs attribute.Set) {
	s.record(ctx, v, &attrs)
}

// enabled is the instruments' Enabled: some reader keeps the data, and the
// meter is not disabled.
func (s *syncInstrument[N]) enabled() bool { return len(s.measures) > 0 && !s.off.Load() }

// validNumber reports whether v is finite. v-v is 0 for every finite value
// and NaN for NaN and ±Inf; for int64 the compiler folds it to true.
func validNumber[N aggregate.Number](v N) bool {
	return v-v == 0
}

// add is the Counter/UpDownCounter path. Counters reject negative
// increments: a counter only grows, and accepting one would corrupt every
// rate computed downstream.
func (s *syncInstrument[N]) add(ctx context.Context, v N, monotonic bool, opts []metric.AddOption) {
	if !s.enabled() {
		return
	}
	if !validNumber(v) {
		s.bad.drop("non-finite value")
		return
	}
	if monotonic && v < 0 {
		s.bad.drop("negative increment to a Counter")
		return
	}
	if len(opts) == 0 {
		s.record(ctx, v, &emptySet)
		return
	}
	if set, ok := fastAddAttributes(opts); ok {
		s.record(ctx, v, set)
		return
	}
	opts = withoutNil(opts)
	s.recordSlow(ctx, v, withRawAttributes(s.bad.instrument, metric.NewAddConfig(opts).Attributes(), opts))
}

// recordValue is the Histogram/Gauge path.
func (s *syncInstrument[N]) recordValue(ctx context.Context, v N, opts []metric.RecordOption) {
	if !s.enabled() {
		return
	}
	if !validNumber(v) {
		s.bad.drop("non-finite value")
		return
	}
	if len(opts) == 0 {
		s.record(ctx, v, &emptySet)
		return
	}
	if set, ok := fastRecordAttributes(opts); ok {
		s.record(ctx, v, set)
		return
	}
	opts = withoutNil(opts)
	s.recordSlow(ctx, v, withRawAttributes(s.bad.instrument, metric.NewRecordConfig(opts).Attributes(), opts))
}

type int64Counter struct {
	aggregate.Int64AddPath // first: its Add is the instrument's (add_path.go)
	embedded.Int64Counter
	*syncInstrument[int64]
}

// AddRest is the Add the add path does not serve itself.
func (c *int64Counter) AddRest(ctx context.Context, v int64, opts []metric.AddOption) {
	c.add(ctx, v, true, opts)
}

// Enabled reports whether any reader keeps this instrument's data.
func (c *int64Counter) Enabled(context.Context) bool { return c.enabled() }

type float64Counter struct {
	aggregate.Float64AddPath // first: its Add is the instrument's (add_path.go)
	embedded.Float64Counter
	*syncInstrument[float64]
}

// AddRest is the Add the add path does not serve itself.
func (c *float64Counter) AddRest(ctx context.Context, v float64, opts []metric.AddOption) {
	c.add(ctx, v, true, opts)
}

func (c *float64Counter) Enabled(context.Context) bool { return c.enabled() }

type int64UpDownCounter struct {
	aggregate.Int64AddPath // first: its Add is the instrument's (add_path.go)
	embedded.Int64UpDownCounter
	*syncInstrument[int64]
}

// AddRest is the Add the add path does not serve itself.
func (c *int64UpDownCounter) AddRest(ctx context.Context, v int64, opts []metric.AddOption) {
	c.add(ctx, v, false, opts)
}

func (c *int64UpDownCounter) Enabled(context.Context) bool { return c.enabled() }

type float64UpDownCounter struct {
	aggregate.Float64AddPath // first: its Add is the instrument's (add_path.go)
	embedded.Float64UpDownCounter
	*syncInstrument[float64]
}

// AddRest is the Add the add path does not serve itself.
func (c *float64UpDownCounter) AddRest(ctx context.Context, v float64, opts []metric.AddOption) {
	c.add(ctx, v, false, opts)
}

func (c *float64UpDownCounter) Enabled(context.Context) bool { return c.enabled() }

type int64Histogram struct {
	embedded.Int64Histogram
	*syncInstrument[int64]
}

func (h *int64Histogram) Record(ctx context.Context, v int64, opts ...metric.RecordOption) {
	if m, set := h.recordTarget(opts); m != nil && ctx != nil {
		m.Measure(ctx, v, set)
		return
	}
	h.recordValue(ctx, v, opts)
}
func (h *int64Histogram) Enabled(context.Context) bool { return h.enabled() }

type float64Histogram struct {
	embedded.Float64Histogram
	*syncInstrument[float64]
}

func (h *float64Histogram) Record(ctx context.Context, v float64, opts ...metric.RecordOption) {
	if m, set := h.recordTarget(opts); m != nil && ctx != nil && v-v == 0 {
		m.Measure(ctx, v, set)
		return
	}
	h.recordValue(ctx, v, opts)
}
func (h *float64Histogram) Enabled(context.Context) bool { return h.enabled() }

type int64Gauge struct {
	embedded.Int64Gauge
	*syncInstrument[int64]
}

func (g *int64Gauge) Record(ctx context.Context, v int64, opts ...metric.RecordOption) {
	if m, set := g.recordTarget(opts); m != nil && ctx != nil {
		m.Measure(ctx, v, set)
		return
	}
	g.recordValue(ctx, v, opts)
}
func (g *int64Gauge) Enabled(context.Context) bool { return g.enabled() }

type float64Gauge struct {
	embedded.Float64Gauge
	*syncInstrument[float64]
}

func (g *float64Gauge) Record(ctx context.Context, v float64, opts ...metric.RecordOption) {
	if m, set := g.recordTarget(opts); m != nil && ctx != nil && v-v == 0 {
		m.Measure(ctx, v, set)
		return
	}
	g.recordValue(ctx, v, opts)
}
func (g *float64Gauge) Enabled(context.Context) bool { return g.enabled() }

func (c *int64Counter) core() (*syncInstrument[int64], bool) { return c.syncInstrument, true }

func (c *float64Counter) core() (*syncInstrument[float64], bool) { return c.syncInstrument, true }

func (c *int64UpDownCounter) core() (*syncInstrument[int64], bool) { return c.syncInstrument, false }

func (c *float64UpDownCounter) core() (*syncInstrument[float64], bool) {
	return c.syncInstrument, false
}

func (c *int64Histogram) core() (*syncInstrument[int64], bool) { return c.syncInstrument, false }

func (c *float64Histogram) core() (*syncInstrument[float64], bool) { return c.syncInstrument, false }

func (c *int64Gauge) core() (*syncInstrument[int64], bool) { return c.syncInstrument, false }

func (c *float64Gauge) core() (*syncInstrument[float64], bool) { return c.syncInstrument, false }
