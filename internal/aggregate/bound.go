package aggregate

import (
	"context"
	"sync/atomic"

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
	if !t.reclaim {
		// Counts toward the cardinality limit now; past it, the handle
		// records into the overflow series.
		b.series.Store(t.acquire(&b.attrs))
	}
	return b
}

func (b *bound[N, C]) MeasureBound(ctx context.Context, value N) {
	if !b.table.reclaim {
		b.update(ctx, b.series.Load(), value, b.dropped)
		return
	}
	s := b.series.Load()
	if s == nil || !s.enter() {
		s = b.table.acquire(&b.attrs) // returned entered
		b.series.Store(s)
	}
	b.update(ctx, s, value, b.dropped)
	s.leave()
}

// Cell is a cumulative sum's base word, which a bound handle may update
// directly: on a cumulative stream the series is never removed, so the cell
// outlives the handle, and collection adds the base to any stripes.
type Cell[N Number] = atomicNumber[N]

// Add adds v to the cell.
func (a *atomicNumber[N]) Add(v N) { a.add(v) }

// IntBits returns the cell's storage when it holds an int64 (two's
// complement, so adding uint64(v) adds v), for callers that want the add
// without generic dispatch; nil for float64 cells.
func (a *atomicNumber[N]) IntBits() *atomic.Uint64 {
	if isFloat[N]() {
		return nil
	}
	return &a.bits
}

// DirectSum is implemented by sum streams.
type DirectSum[N Number] interface {
	// BindCell returns the cell of attrs' series when the stream allows
	// updating it in place (cumulative, never reclaimed), and the
	// stream's exemplar configuration (nil: exemplars off), which the
	// caller must honour by taking the full path when a measurement could
	// be sampled.
	BindCell(attrs *attribute.Set) (cell *Cell[N], exemplars *ExemplarConfig, ok bool)
}

// BindCell implements DirectSum.
func (s *sum[N]) BindCell(attrs *attribute.Set) (*Cell[N], *ExemplarConfig, bool) {
	if s.table.reclaim {
		return nil, nil, false
	}
	fset, _ := s.cfg.filtered(attrs)
	se := s.table.acquire(&fset)
	return &se.cell.value.base, s.cfg.Exemplars, true
}

// Spanless reports whether a measurement made with ctx can never be sampled
// by the trace-based exemplar filter: ctx is context.Background() or
// context.TODO().
func Spanless(ctx context.Context) bool { return spanless(ctx) }

// TraceBasedOnly reports whether cfg samples only measurements with a
// sampled span (or nothing at all).
func (cfg *ExemplarConfig) TraceBasedOnly() bool { return cfg == nil || cfg.TraceBased }
