package aggregate

import (
	"context"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
)

// Bound records measurements for one attribute set chosen at bind time: the
// stream's attribute filter ran once, and the series is found once.
type Bound[N Number] interface {
	MeasureBound(ctx context.Context, value N)
}

// Binder is implemented by the synchronous streams.
type Binder[N Number] interface {
	Bind(attrs *attribute.Set) Bound[N]
}

// bound is the handle of one (stream, attribute set). On a cumulative stream
// the series is removed only by Finish, so the handle keeps it, checking
// after each update whether it was finished meanwhile: the stream's settle
// then moves the update to the set's fresh series and the handle keeps that
// one (finish.go). On a reclaiming stream the series may be retired while
// the handle is idle; the handle then enters it, sees it dead, and looks up
// a fresh one — the same protocol as an unbound writer, so no update is
// lost either way.
type bound[N Number, C any] struct {
	table   *seriesTable[C]
	attrs   attribute.Set // after the stream's attribute filter
	dropped []attribute.KeyValue
	series  atomic.Pointer[series[C]]
	update  func(ctx context.Context, se *series[C], value N, dropped []attribute.KeyValue)
	settle  func(se *series[C]) *series[C]
}

func newBound[N Number, C any](cfg *Config, t *seriesTable[C], attrs *attribute.Set,
	update func(context.Context, *series[C], N, []attribute.KeyValue),
	settle func(*series[C]) *series[C],
) *bound[N, C] {
	b := &bound[N, C]{table: t, update: update, settle: settle}
	b.attrs, b.dropped = cfg.filtered(attrs)
	return b
}

// MeasureBound records value. The series is found on the first measurement,
// not at bind time, so that a bound series exists (and counts toward the
// cardinality limit, past which the handle records into the overflow
// series) from its first measurement on, exactly as an unbound one.
func (b *bound[N, C]) MeasureBound(ctx context.Context, value N) {
	s := b.series.Load()
	if !b.table.reclaim {
		if s == nil {
			s = b.table.acquire(&b.attrs) // racing first uses get the same series
			b.series.Store(s)
		}
		b.update(ctx, s, value, b.dropped)
		if s.dead() { // finished: the update moves on, and so does the handle
			b.series.CompareAndSwap(s, b.settle(s))
		}
		return
	}
	if s == nil || !s.enter() {
		s = b.table.acquire(&b.attrs) // returned entered
		b.series.Store(s)
	}
	b.update(ctx, s, value, b.dropped)
	s.leave()
}

// DirectSum is implemented by sum streams.
type DirectSum[N Number] interface {
	// Direct reports whether the stream allows updating a series' cell in
	// place (cumulative, never reclaimed), and returns the stream's
	// exemplar configuration (nil: exemplars off), which the caller must
	// honour by taking the full path when a measurement could be sampled.
	Direct() (exemplars *ExemplarConfig, ok bool)
	// BindCell returns the cell of attrs' series (after the stream's
	// attribute filter), creating the series if needed; past the
	// cardinality limit, the overflow series' cell. The cell is the sum's
	// base word: an int64 in two's complement or a float64's IEEE-754 bits,
	// which the caller updates atomically; collection adds it to any
	// stripes. After every update the caller loads the series' lifecycle
	// word, DirectStateOffset bytes before the cell, and calls SettleCell
	// when DeadBit is set in it. Only valid when Direct reports ok.
	BindCell(attrs *attribute.Set) *atomic.Uint64
	// SettleCell is called by a handle whose cell's series was finished
	// (x.Finisher): it moves what the dead cell holds past its final value
	// (the handle's update, and any other late writer's) to the set's
	// fresh series and returns that series' cell, which the handle keeps.
	SettleCell(cell *atomic.Uint64) *atomic.Uint64
}

// DeadBit is the bit of a series' lifecycle word that says it was finished
// (finish.go).
const DeadBit = deadBit

// The lifecycle word sits at a fixed distance before a sum series' cell
// word, the same for int64 and float64 sums, so a handle keeps one pointer
// and its hot path one more load (of a word on the cell's cache line or the
// one before) rather than chasing a second pointer.
const (
	// directCellOffset is where the cell word lies in a sum series.
	directCellOffset = unsafe.Offsetof(series[sumCell[int64]]{}.cell) +
		unsafe.Offsetof(sumCell[int64]{}.value) +
		unsafe.Offsetof(stripedSum[int64]{}.base) +
		unsafe.Offsetof(atomicNumber[int64]{}.bits)
	// DirectStateOffset is how many bytes before the cell word BindCell
	// returns its series' lifecycle word lies.
	DirectStateOffset = directCellOffset - unsafe.Offsetof(series[sumCell[int64]]{}.acquired)
	floatCellOffset   = unsafe.Offsetof(series[sumCell[float64]]{}.cell) +
		unsafe.Offsetof(sumCell[float64]{}.value) +
		unsafe.Offsetof(stripedSum[float64]{}.base) +
		unsafe.Offsetof(atomicNumber[float64]{}.bits)
	floatStateOffset = floatCellOffset - unsafe.Offsetof(series[sumCell[float64]]{}.acquired)
)

// The float64 layout must match: a compile error (index out of range, or a
// negative uintptr constant) otherwise.
var _ = [1]struct{}{}[floatStateOffset-DirectStateOffset]
var _ = [1]struct{}{}[DirectStateOffset-floatStateOffset]
var _ = [1]struct{}{}[floatCellOffset-directCellOffset]
var _ = [1]struct{}{}[directCellOffset-floatCellOffset]

// Direct implements DirectSum.
func (s *sum[N]) Direct() (*ExemplarConfig, bool) {
	return s.cfg.Exemplars, !s.table.reclaim
}

// BindCell implements DirectSum.
func (s *sum[N]) BindCell(attrs *attribute.Set) *atomic.Uint64 {
	fset, _ := s.cfg.filtered(attrs)
	return &s.table.acquire(&fset).cell.value.base.bits
}

// SettleCell implements DirectSum.
func (s *sum[N]) SettleCell(cell *atomic.Uint64) *atomic.Uint64 {
	// The cell word is inside its series, directCellOffset bytes in.
	se := (*series[sumCell[N]])(unsafe.Add(unsafe.Pointer(cell), -int(directCellOffset)))
	return &settleSum(s.table, se).cell.value.base.bits
}

// SpanlessContextTypes returns the dynamic-type words of
// context.Background() and context.TODO(), whose measurements the
// trace-based exemplar filter can never sample. A caller compares a
// context's type word with them itself (see spanless) rather than calling a
// helper here: the compiler does not inline a call into another package from
// a generic method's body, and in a bound Add that call would cost more than
// the atomic update.
func SpanlessContextTypes() (background, todo unsafe.Pointer) {
	return backgroundCtxType, todoCtxType
}

// TraceBasedOnly reports whether cfg samples only measurements with a
// sampled span (or nothing at all).
func (cfg *ExemplarConfig) TraceBasedOnly() bool { return cfg == nil || cfg.TraceBased }
