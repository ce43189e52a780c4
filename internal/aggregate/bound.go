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
	// cardinality limit, the overflow series' cell. Only valid when Direct
	// reports ok.
	BindCell(attrs *attribute.Set) *DirectCell
	// SettleCell is called by a handle that found DeadBit in its cell's
	// State after its update: the series was finished. It moves what the
	// dead cell holds past its final value (the handle's update, and any
	// other late writer's) to the set's fresh series and returns that
	// series' cell, which the handle keeps.
	SettleCell(c *DirectCell) *DirectCell
}

// DirectCell is what a bound handle keeps of one series of a direct sum.
type DirectCell struct {
	// Value is the sum's base word: an int64 in two's complement or a
	// float64's IEEE-754 bits, which the handle updates atomically;
	// collection adds it to any stripes.
	Value *atomic.Uint64
	// State is the series' lifecycle word. The handle loads it after every
	// update of Value and calls SettleCell when DeadBit is set.
	State  *atomic.Uint64
	series unsafe.Pointer // *series[sumCell[N]] of the stream's N
}

// DeadBit is the bit of DirectCell.State that says the series was finished
// (finish.go).
const DeadBit = deadBit

// Direct implements DirectSum.
func (s *sum[N]) Direct() (*ExemplarConfig, bool) {
	return s.cfg.Exemplars, !s.table.reclaim
}

// BindCell implements DirectSum.
func (s *sum[N]) BindCell(attrs *attribute.Set) *DirectCell {
	fset, _ := s.cfg.filtered(attrs)
	return directCellOf(s.table.acquire(&fset))
}

// SettleCell implements DirectSum.
func (s *sum[N]) SettleCell(c *DirectCell) *DirectCell {
	return directCellOf(settleSum(s.table, (*series[sumCell[N]])(c.series)))
}

func directCellOf[N Number](se *series[sumCell[N]]) *DirectCell {
	return &DirectCell{Value: &se.cell.value.base.bits, State: &se.acquired, series: unsafe.Pointer(se)}
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
