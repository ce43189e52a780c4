package fastmeter

import (
	"context"
	"math"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/fastmeter/fastmeter/internal/aggregate"
)

// The direct cell path. When a synchronous instrument feeds exactly one
// stream and that stream is a cumulative sum that never removes series, a
// series' cell outlives every handle to it, so the instrument (for the empty
// attribute set) and a BoundAdder (for its set) may keep a pointer to the
// cell and update it themselves: one atomic add, no stream call and no
// lookup. Exemplars allow it only where the decision needs no stream: off,
// or trace-based with a context that carries no span (context.Background()
// or TODO()); any other measurement takes the stream's full path, which
// samples it.
//
// The pointer is found on the first measurement, never at creation or bind
// time, so the series still appears with its first measurement and starts
// then, exactly as on the full path.
//
// An Add with attributes cannot keep a pointer (its set changes from call to
// call), but on the same streams it may find its series' cell itself
// (directSet): a lock-free probe and an attribute comparison, the
// update, and nothing else. A series it does not find (the first Add of a
// set, or one past the cardinality limit) takes the stream's path.

// attrDirect says when an attributed Add may take the direct lookup.
type attrDirect uint8

const (
	attrDirectOff      attrDirect = iota // never: no direct sum, or options cannot be read
	attrDirectAlways                     // exemplars are off: any context
	attrDirectSpanless                   // trace-based exemplars: a context without a span
)

func attrDirectFor(cellsOK, exemplarsOff bool) attrDirect {
	switch {
	case !cellsOK || !attrFastPath:
		return attrDirectOff
	case exemplarsOff:
		return attrDirectAlways
	default:
		return attrDirectSpanless
	}
}

// directSet is the attributed half of the direct path: for an Add whose
// single option is opt, it returns the option's attribute set when the
// instrument may look the series up and update it itself with cells.Add,
// one static call instead of the stream's Measure behind an interface. ok
// is false for every other call, which then takes the stream's path, as
// does a set cells.Add does not find. It calls nothing, so it inlines into
// the Add methods (the call to another package's generic code stays in
// them: a helper making it would not inline).
func (s *syncInstrument[N]) directSet(ctx context.Context, opt *metric.AddOption) (*attribute.Set, bool) {
	if m := s.attrDirect; m == attrDirectAlways || (m == attrDirectSpanless && spanless(ctx)) {
		w := words(unsafe.Pointer(opt))
		return (*attribute.Set)(w.data), w.itab == addOptionItab
	}
	return nil, false
}

// directSumOf returns the stream an instrument's direct path updates, or
// nil when the instrument has none; exemplarsOff reports that the stream
// samples no exemplars at all, so the path may ignore the context.
func directSumOf[N aggregate.Number](measures []aggregate.Measurer[N]) (d aggregate.DirectSum[N], exemplarsOff bool) {
	if len(measures) != 1 {
		return nil, false
	}
	d, ok := measures[0].(aggregate.DirectSum[N])
	if !ok {
		return nil, false
	}
	ex, ok := d.Direct()
	if !ok || !ex.TraceBasedOnly() {
		return nil, false
	}
	return d, ex == nil
}

// addFloatBits adds v to a float64 stored as IEEE-754 bits.
func addFloatBits(p *atomic.Uint64, v float64) {
	for {
		old := p.Load()
		if p.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

var backgroundCtxType, todoCtxType = aggregate.SpanlessContextTypes()

// spanless reports whether ctx is context.Background() or context.TODO(),
// which carry no span, by the interface's type word. It is written in this
// package, rather than called from aggregate, so that it inlines into the
// direct paths: the compiler does not inline a call into another package
// from a generic method's shaped body.
func spanless(ctx context.Context) bool {
	t := *(*unsafe.Pointer)(unsafe.Pointer(&ctx))
	return t == backgroundCtxType || t == todoCtxType
}
