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
// Add/Record → record → Measure on each stream → series cell update.
type syncInstrument[N aggregate.Number] struct {
	measures []aggregate.Measurer[N]
	only     aggregate.Measurer[N] // measures[0] when it is the only one
	bad      badInput

	// The direct cell path (direct_cell.go): directSum is the one stream
	// when it allows it, and emptyBits the empty set's cell, found by the
	// first Add without attributes; from then on such an Add on a
	// Counter or UpDownCounter is one atomic update.
	directSum    aggregate.DirectSum[N]
	exemplarsOff bool
	emptyBits    atomic.Pointer[atomic.Uint64]
	emptyPending atomic.Bool // directSum is set and emptyBits is not yet
	// cells is directSum's series, which an attributed Add looks up and
	// updates itself as attrDirect allows (direct_cell.go).
	cells      aggregate.SumCells[N]
	attrDirect attrDirect
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
	if s.directSum != nil {
		var ok bool
		s.cells, ok = s.directSum.Cells()
		s.attrDirect = attrDirectFor(ok, s.exemplarsOff)
	}
	s.emptyPending.Store(s.directSum != nil)
	return s
}

// directEmpty returns the empty set's cell for the direct path, or nil when
// the instrument has no direct path or ctx may need an exemplar.
func (s *syncInstrument[N]) directEmpty(ctx context.Context) *atomic.Uint64 {
	if p := s.emptyBits.Load(); p != nil && (s.exemplarsOff || spanless(ctx)) {
		return p
	}
	return nil
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

// addTarget is the fast path of the common Add: one stream, and no
// attributes or a single attribute option whose set can be read directly.
// It returns that stream (nil unless there is exactly one) and set, or a nil
// stream for any other call; the caller also sends a nil context the long
// way, which replaces it. It
// calls nothing, so it inlines into the Add methods, which then make the
// one interface call to the stream themselves: every call level saved is a
// frame set up and torn down per measurement.
func (s *syncInstrument[N]) addTarget(opts []metric.AddOption) (aggregate.Measurer[N], *attribute.Set) {
	if len(opts) == 0 {
		if s.emptyPending.Load() {
			return nil, nil // the first Add takes add, which finds the direct cell
		}
		return s.only, &emptySet
	}
	if set, ok := fastAddAttributes(opts); ok {
		return s.only, set
	}
	return nil, nil
}

// recordTarget is addTarget for Record calls.
func (s *syncInstrument[N]) recordTarget(opts []metric.RecordOption) (aggregate.Measurer[N], *attribute.Set) {
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

func (s *syncInstrument[N]) enabled() bool { return len(s.measures) > 0 }

// validNumber reports whether v is finite. v-v is 0 for every finite value
// and NaN for NaN and ±Inf; for int64 the compiler folds it to true.
func validNumber[N aggregate.Number](v N) bool {
	return v-v == 0
}

// add is the Counter/UpDownCounter path. Counters reject negative
// increments: a counter only grows, and accepting one would corrupt every
// rate computed downstream.
func (s *syncInstrument[N]) add(ctx context.Context, v N, monotonic bool, opts []metric.AddOption) {
	if len(s.measures) == 0 {
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
		if s.emptyPending.Load() {
			// The series exists now: later Adds may update its cell.
			s.emptyBits.Store(s.directSum.BindCell(&emptySet))
			s.emptyPending.Store(false)
		}
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
	if len(s.measures) == 0 {
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
	embedded.Int64Counter
	*syncInstrument[int64]
}

// Add records an increment; negative increments are dropped and reported.
func (c *int64Counter) Add(ctx context.Context, v int64, opts ...metric.AddOption) {
	switch {
	case v < 0: // dropped and reported by add
	case len(opts) == 1:
		if set, ok := c.directSet(ctx, &opts[0]); ok && c.cells.Add(set, v) {
			return
		}
	case len(opts) == 0:
		if p := c.directEmpty(ctx); p != nil {
			p.Add(uint64(v))
			return
		}
	}
	if m, set := c.addTarget(opts); m != nil && ctx != nil && v >= 0 {
		m.Measure(ctx, v, set)
		return
	}
	c.add(ctx, v, true, opts)
}

// Enabled reports whether any reader keeps this instrument's data.
func (c *int64Counter) Enabled(context.Context) bool { return c.enabled() }

type float64Counter struct {
	embedded.Float64Counter
	*syncInstrument[float64]
}

func (c *float64Counter) Add(ctx context.Context, v float64, opts ...metric.AddOption) {
	switch {
	case v-v != 0 || v < 0: // not finite, or negative: dropped and reported by add
	case len(opts) == 1:
		if set, ok := c.directSet(ctx, &opts[0]); ok && c.cells.Add(set, v) {
			return
		}
	case len(opts) == 0:
		if p := c.directEmpty(ctx); p != nil {
			addFloatBits(p, v)
			return
		}
	}
	if m, set := c.addTarget(opts); m != nil && ctx != nil && v-v == 0 && v >= 0 {
		m.Measure(ctx, v, set)
		return
	}
	c.add(ctx, v, true, opts)
}
func (c *float64Counter) Enabled(context.Context) bool { return c.enabled() }

type int64UpDownCounter struct {
	embedded.Int64UpDownCounter
	*syncInstrument[int64]
}

func (c *int64UpDownCounter) Add(ctx context.Context, v int64, opts ...metric.AddOption) {
	switch len(opts) {
	case 1:
		if set, ok := c.directSet(ctx, &opts[0]); ok && c.cells.Add(set, v) {
			return
		}
	case 0:
		if p := c.directEmpty(ctx); p != nil {
			p.Add(uint64(v)) // two's complement: adds a negative v too
			return
		}
	}
	if m, set := c.addTarget(opts); m != nil && ctx != nil {
		m.Measure(ctx, v, set)
		return
	}
	c.add(ctx, v, false, opts)
}
func (c *int64UpDownCounter) Enabled(context.Context) bool { return c.enabled() }

type float64UpDownCounter struct {
	embedded.Float64UpDownCounter
	*syncInstrument[float64]
}

func (c *float64UpDownCounter) Add(ctx context.Context, v float64, opts ...metric.AddOption) {
	switch {
	case v-v != 0: // not finite: dropped and reported by add
	case len(opts) == 1:
		if set, ok := c.directSet(ctx, &opts[0]); ok && c.cells.Add(set, v) {
			return
		}
	case len(opts) == 0:
		if p := c.directEmpty(ctx); p != nil {
			addFloatBits(p, v)
			return
		}
	}
	if m, set := c.addTarget(opts); m != nil && ctx != nil && v-v == 0 {
		m.Measure(ctx, v, set)
		return
	}
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
