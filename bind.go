package fastmeter

import (
	"context"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/fastmeter/fastmeter/internal/aggregate"
)

// Adder is the Add method shared by the API's Counters and UpDownCounters.
type Adder[N int64 | float64] interface {
	Add(ctx context.Context, incr N, options ...metric.AddOption)
}

// Recorder is the Record method shared by the API's Histograms and Gauges.
type Recorder[N int64 | float64] interface {
	Record(ctx context.Context, value N, options ...metric.RecordOption)
}

// BoundAdder adds to one instrument with one attribute set fixed at bind time.
// Create it with BindAdder; it is safe for concurrent use.
type BoundAdder[N int64 | float64] struct {
	// directSum is set when the instrument has a single cumulative sum
	// stream and exemplars can be decided from the context's type alone:
	// Add then updates the series' cell itself, one atomic add. The cell is
	// found on the first Add (directInt or directFloat, by N), so that a
	// handle creates its series when it records, as an unbound Add would: a
	// handle that never records exports nothing, and the series' start time
	// is its first measurement. With exemplars on (the trace-based default)
	// the direct path serves only contexts that carry no span; exemplarsOff
	// says whether it may ignore the context. After each update the handle
	// checks the series' state: a series finished meanwhile (x.Finisher)
	// hands the update on to the set's fresh series, whose cell the handle
	// then keeps (SettleCell).
	directSum aggregate.DirectSum[N]
	directInt atomic.Pointer[atomic.Uint64]
	// inst is the instrument (nil for a foreign one); next to directInt
	// because the direct path reads its off flag (a disabled meter).
	inst         *syncInstrument[N]
	directFloat  atomic.Pointer[atomic.Uint64]
	exemplarsOff bool
	isFloat      bool // N is float64
	attrs        attribute.Set

	handles   []aggregate.Bound[N]
	monotonic bool
	// fallback serves instruments fastmeter did not create.
	fallback Adder[N]
	opts     []metric.AddOption
}

// BoundRecorder records into one instrument with one attribute set fixed at
// bind time. Create it with BindRecorder; it is safe for concurrent use.
type BoundRecorder[N int64 | float64] struct {
	inst     *syncInstrument[N]
	handles  []aggregate.Bound[N]
	fallback Recorder[N]
	opts     []metric.RecordOption
}

// BindAdder binds a Counter or UpDownCounter to attrs (the specification's
// Development "Bind" operation): the returned handle's Add skips attribute
// processing and the series lookup, which makes it the fastest way to record
// a hot, fixed series. Views (attribute filters included), cardinality limits
// and exemplars apply exactly as for an unbound Add; a handle bound past the
// cardinality limit of a cumulative stream records into the overflow series.
//
// A handle stays valid when its series is finished (x.Finisher): an Add
// after the final collection re-creates the series, as an unbound Add would.
// The experimental x binders (the instruments' Bind methods) are built on
// these handles.
//
// It works with any implementation of the API: for an instrument fastmeter
// did not create, the handle calls its Add with a premade attribute option.
func BindAdder[N int64 | float64](instrument Adder[N], attrs attribute.Set) *BoundAdder[N] {
	b := &BoundAdder[N]{}
	b.init(instrument, attrs)
	return b
}

// init binds b in place, so that a bound API instrument (instrument_bind.go)
// can hold its handle by value: one load less on its Add.
func (b *BoundAdder[N]) init(instrument Adder[N], attrs attribute.Set) {
	switch c := instrument.(type) {
	case interface {
		core() (*syncInstrument[N], bool)
	}:
		b.inst, b.monotonic = c.core()
		b.handles = bindAll(b.inst, &attrs)
		if b.inst.directSum != nil {
			b.directSum, b.exemplarsOff, b.attrs = b.inst.directSum, b.inst.exemplarsOff, attrs
			var zero N
			_, b.isFloat = any(zero).(float64)
		}
	default:
		b.fallback = instrument
		b.opts = []metric.AddOption{metric.WithAttributeSet(attrs)}
	}
}

// Add adds incr to the bound series. As with Counter.Add, a negative increment
// to a Counter and a non-finite value are dropped and reported.
func (b *BoundAdder[N]) Add(ctx context.Context, incr N) {
	// The direct path of an int64 counter calls nothing: a bound Add is the
	// atomic add and three predictable branches. It takes non-negative
	// increments; anything else (an UpDownCounter's negative ones included)
	// goes the full way.
	if c := b.directInt.Load(); c != nil && incr >= 0 && (b.exemplarsOff || spanless(ctx)) {
		if b.inst.off.Load() { // a disabled meter: the no-op
			return
		}
		if addDirectInt(c, int64(incr)) {
			b.settle(c)
		}
		return
	}
	b.add(ctx, incr)
}

// addDirectInt adds v to an int64 direct cell and reports whether its series
// was finished meanwhile (the caller then settles). Not generic, so that it
// inlines wherever the direct path is written out.
func addDirectInt(c *atomic.Uint64, v int64) (finished bool) {
	c.Add(uint64(v))
	return finishedCell(c)
}

// finishedCell reports whether the series of a direct cell was finished:
// its lifecycle word lies aggregate.DirectStateOffset bytes before the cell.
func finishedCell(c *atomic.Uint64) bool {
	state := (*atomic.Uint64)(unsafe.Add(unsafe.Pointer(c), -int(aggregate.DirectStateOffset)))
	return state.Load()&aggregate.DeadBit != 0
}

// add is every Add but the int64 direct one: the first direct Add, the
// float64 direct path, the per-stream handles, and foreign instruments.
func (b *BoundAdder[N]) add(ctx context.Context, incr N) {
	if b.inst != nil && b.inst.off.Load() { // a disabled meter: the no-op
		return
	}
	if b.directSum != nil && incr >= 0 && incr-incr == 0 && (b.exemplarsOff || spanless(ctx)) {
		c := b.directFloat.Load()
		if c == nil { // the first Add (an int64 counter's later ones stay in Add)
			c = b.findCell()
		}
		if b.isFloat {
			addFloatBits(c, float64(incr))
		} else {
			c.Add(uint64(int64(incr)))
		}
		if finishedCell(c) {
			b.settle(c)
		}
		return
	}
	if b.fallback != nil {
		b.fallback.Add(ctx, incr, b.opts...)
		return
	}
	if len(b.handles) == 0 {
		return
	}
	if !validNumber(incr) {
		b.inst.bad.drop("non-finite value")
		return
	}
	if b.monotonic && incr < 0 {
		b.inst.bad.drop("negative increment to a Counter")
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	for _, h := range b.handles {
		h.MeasureBound(ctx, incr)
	}
}

// findCell finds (creating it if needed) the bound series' cell for the
// direct path. Goroutines racing here get the same series from the table.
func (b *BoundAdder[N]) findCell() *atomic.Uint64 {
	c := b.directSum.BindCell(&b.attrs)
	b.cellFor().Store(c)
	return c
}

// settle moves an update that landed in a finished series' cell to the
// set's fresh series and makes the handle keep that one. Racing handles
// settle the same dead cell; each moves what it finds, and the first
// replacement wins.
//
//go:noinline
func (b *BoundAdder[N]) settle(dead *atomic.Uint64) {
	b.cellFor().CompareAndSwap(dead, b.directSum.SettleCell(dead))
}

// cellFor is where the handle keeps its cell: directInt serves an int64
// counter's Add inline, directFloat the rest.
func (b *BoundAdder[N]) cellFor() *atomic.Pointer[atomic.Uint64] {
	if b.isFloat {
		return &b.directFloat
	}
	return &b.directInt
}

// BindRecorder binds a Histogram or Gauge to attrs; see BindAdder.
func BindRecorder[N int64 | float64](instrument Recorder[N], attrs attribute.Set) *BoundRecorder[N] {
	b := &BoundRecorder[N]{}
	b.init(instrument, attrs)
	return b
}

// init binds b in place; see BoundAdder.init.
func (b *BoundRecorder[N]) init(instrument Recorder[N], attrs attribute.Set) {
	switch c := instrument.(type) {
	case interface {
		core() (*syncInstrument[N], bool)
	}:
		b.inst, _ = c.core()
		b.handles = bindAll(b.inst, &attrs)
	default:
		b.fallback = instrument
		b.opts = []metric.RecordOption{metric.WithAttributeSet(attrs)}
	}
}

// Record records value into the bound series. Non-finite values are dropped
// and reported.
func (b *BoundRecorder[N]) Record(ctx context.Context, value N) {
	if b.fallback != nil {
		b.fallback.Record(ctx, value, b.opts...)
		return
	}
	if b.inst == nil || !b.inst.enabled() { // a zero handle, no streams, or a disabled meter
		return
	}
	if !validNumber(value) {
		b.inst.bad.drop("non-finite value")
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	for _, h := range b.handles {
		h.MeasureBound(ctx, value)
	}
}

// bindAll binds every stream of an instrument. Every synchronous stream is a
// Binder; the type switch keeps a future stream that is not one working
// through a small adapter rather than silently dropping it.
func bindAll[N aggregate.Number](inst *syncInstrument[N], attrs *attribute.Set) []aggregate.Bound[N] {
	handles := make([]aggregate.Bound[N], 0, len(inst.measures))
	for _, m := range inst.measures {
		if b, ok := m.(aggregate.Binder[N]); ok {
			handles = append(handles, b.Bind(attrs))
			continue
		}
		handles = append(handles, &unboundAdapter[N]{m: m, attrs: *attrs})
	}
	return handles
}

type unboundAdapter[N aggregate.Number] struct {
	m     aggregate.Measurer[N]
	attrs attribute.Set
}

func (u *unboundAdapter[N]) MeasureBound(ctx context.Context, v N) { u.m.Measure(ctx, v, &u.attrs) }
