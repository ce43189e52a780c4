package fastmeter

import (
	"context"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/fastmeter/fastmeter/internal/aggregate"
)

// The direct cell path of bound handles. When a synchronous instrument
// feeds exactly one stream and that stream is a cumulative sum that never
// removes series, a series' cell outlives every handle to it, so a
// BoundAdder may keep a pointer to its series' cell and update it itself:
// one atomic add, no stream call and no lookup. Exemplars allow it only
// where the decision needs no stream: off, or trace-based with a context
// that carries no span (context.Background() or TODO()); any other
// measurement takes the stream's full path, which samples it.
//
// The pointer is found on the first measurement, never at bind time, so the
// series still appears with its first measurement and starts then, exactly
// as on the full path. Unbound Adds on the same streams have their own
// direct modes (internal/aggregate/add_path.go).

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
