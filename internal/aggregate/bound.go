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
// the series can never be removed, so the handle keeps it for good. On a
// reclaiming stream the series may be retired while the handle is idle; the
// handle then enters it, sees it dead, and looks up a fresh one — the same
// protocol as an unbound writer, so no update is lost.
type bound[N Number, C any] struct {
	table   *seriesTable[C]
	attrs   attribute.Set // after the stream's attribute filter
	dropped []attribute.KeyValue
	series  atomic.Pointer[series[C]]
	update  func(ctx context.Context, se *series[C], value N, dropped []attribute.KeyValue)
}

func newBound[N Number, C any](cfg *Config, t *seriesTable[C], attrs *attribute.Set,
	update func(context.Context, *series[C], N, []attribute.KeyValue),
) *bound[N, C] {
	b := &bound[N, C]{table: t, update: update}
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
	// stripes. Only valid when Direct reports ok.
	BindCell(attrs *attribute.Set) *atomic.Uint64
}

// Direct implements DirectSum.
func (s *sum[N]) Direct() (*ExemplarConfig, bool) {
	return s.cfg.Exemplars, !s.table.reclaim
}

// BindCell implements DirectSum.
func (s *sum[N]) BindCell(attrs *attribute.Set) *atomic.Uint64 {
	fset, _ := s.cfg.filtered(attrs)
	return &s.table.acquire(&fset).cell.value.base.bits
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
