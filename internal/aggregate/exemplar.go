package aggregate

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/fastmeter/fastmeter/internal/ratelimit"
)

// ExemplarConfig is a stream's exemplar setup. A stream whose filter can
// never pass (AlwaysOff) gets a nil *ExemplarConfig and pays nothing.
type ExemplarConfig struct {
	Filter   exemplar.Filter
	Provider exemplar.ReservoirProvider
	// Delta streams start a fresh reservoir each interval so exemplars
	// describe the interval they are exported with.
	Delta bool
	// Name labels errors from user-supplied reservoirs.
	Name string
	// TraceBased marks Filter as exemplar.TraceBasedFilter, which offer
	// evaluates inline: a context.Background() or context.TODO() carries no
	// span, so the common no-span case costs two pointer compares.
	TraceBased bool

	// panics rate-limits the reports of a panicking user reservoir: one
	// that panics in every Offer must not turn each measurement into an
	// otel.Handle call.
	panics ratelimit.Limiter
}

// The dynamic types of context.Background() and context.TODO(): a context of
// either type carries no span. Comparing the interface's type word is one
// pointer compare, where comparing the interface values would call into the
// runtime.
var (
	backgroundCtxType = ctxType(context.Background())
	todoCtxType       = ctxType(context.TODO())
)

func ctxType(ctx context.Context) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&ctx))[0]
}

// Each stream's update decides sampling inline, as
//
//	ex != nil && !(ex.TraceBased && spanless(ctx)) && ex.admits(ctx)
//
// so with exemplars off (ex nil), or the default trace-based filter and a
// context without a span, the cost is two or three compares and no call.

// spanless reports whether ctx is context.Background() or context.TODO(),
// which carry no span, by comparing the interface's type word.
func spanless(ctx context.Context) bool {
	t := (*[2]unsafe.Pointer)(unsafe.Pointer(&ctx))[0]
	return t == backgroundCtxType || t == todoCtxType
}

// admits applies the filter.
func (cfg *ExemplarConfig) admits(ctx context.Context) bool {
	if cfg.TraceBased {
		return trace.SpanContextFromContext(ctx).IsSampled()
	}
	return cfg.Filter(ctx)
}

// reservoirBox serialises access to one reservoir: custom reservoirs are not
// required to be safe for concurrent use, and the box makes a panicking one
// harmless.
type reservoirBox struct {
	mu  sync.Mutex
	res exemplar.Reservoir
	buf []exemplar.Exemplar
}

// exemplarCell is a series' exemplar state. Its reservoir is created on the
// first offer, so series that never see a sampled measurement cost one nil
// pointer and their collection does nothing extra.
type exemplarCell[N Number] struct {
	box atomic.Pointer[reservoirBox]
}

// offer hands a measurement the filter admitted (see ExemplarConfig.sample) to the series'
// reservoir, creating it on first use.
func (c *exemplarCell[N]) offer(ctx context.Context, cfg *ExemplarConfig, value N, attrs *attribute.Set, dropped []attribute.KeyValue) {
	box := c.box.Load()
	if box == nil {
		box = newReservoirBox(cfg, attrs)
		if box == nil {
			return
		}
		if !c.box.CompareAndSwap(nil, box) {
			box = c.box.Load()
			if box == nil {
				return
			}
		}
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	defer cfg.recoverReservoir("Offer")
	box.res.Offer(ctx, time.Now(), exemplar.NewValue(value), dropped)
}

func newReservoirBox(cfg *ExemplarConfig, attrs *attribute.Set) (box *reservoirBox) {
	defer cfg.recoverReservoir("provider")
	res := cfg.Provider(*attrs)
	if res == nil {
		return nil
	}
	return &reservoirBox{res: res}
}

// collect appends the series' exemplars to dst (reusing its storage).
func (c *exemplarCell[N]) collect(cfg *ExemplarConfig, dst *[]metricdata.Exemplar[N]) {
	out := (*dst)[:0]
	if cfg == nil {
		*dst = out
		return
	}
	var box *reservoirBox
	if cfg.Delta {
		box = c.box.Swap(nil)
	} else {
		box = c.box.Load()
	}
	if box == nil {
		*dst = out
		return
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	func() {
		defer cfg.recoverReservoir("Collect")
		box.buf = box.buf[:0]
		box.res.Collect(&box.buf)
	}()
	for _, e := range box.buf {
		out = append(out, metricdata.Exemplar[N]{
			FilteredAttributes: e.FilteredAttributes,
			Time:               e.Time,
			Value:              exemplarValue[N](e.Value),
			SpanID:             e.SpanID,
			TraceID:            e.TraceID,
		})
	}
	*dst = out
}

func exemplarValue[N Number](v exemplar.Value) N {
	var zero N
	switch any(zero).(type) {
	case int64:
		if v.Type() == exemplar.Float64ValueType {
			return N(int64(v.Float64()))
		}
		return N(v.Int64())
	default:
		if v.Type() == exemplar.Int64ValueType {
			return N(float64(v.Int64()))
		}
		return N(v.Float64())
	}
}

// recoverReservoir, deferred around a call into a user reservoir (or its
// provider), turns a panic there into a report through otel.Handle. Reports
// are rate-limited per stream like invalid measurements: the first panic is
// reported at once, later ones at most once per ratelimit.Interval with the
// count since the previous report. The caller loses the exemplar only; the
// measurement has been (or will be) aggregated regardless.
func (cfg *ExemplarConfig) recoverReservoir(op string) {
	r := recover()
	if r == nil {
		return
	}
	n, report := cfg.panics.Event(time.Now())
	if !report {
		return
	}
	otel.Handle(fmt.Errorf("fastmeter: exemplar reservoir of instrument %q panicked %d time(s) (latest: in %s: %v); those exemplars are dropped, the measurements are kept", cfg.Name, n, op, r))
}
