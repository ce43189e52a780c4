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
	Filter exemplar.Filter
	// Default, when set, is the specification's default reservoir the
	// stream uses, implemented by fastmeter itself (reservoir.go); Provider
	// is then ignored. Otherwise every series gets a reservoir from
	// Provider (a user's, through a view's reservoir selector), called
	// under a lock and with its panics recovered.
	Default  *DefaultReservoir
	Provider exemplar.ReservoirProvider
	// Delta streams start each interval with an empty reservoir so
	// exemplars describe the interval they are exported with; cumulative
	// ones keep reporting held exemplars until new offers replace them.
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

// reservoirBox serialises access to one user-supplied reservoir: custom
// reservoirs are not required to be safe for concurrent use, and the box
// makes a panicking one harmless.
type reservoirBox struct {
	mu  sync.Mutex
	res exemplar.Reservoir
	buf []exemplar.Exemplar
}

// exemplarStore is what a series holds once it has been offered a
// measurement: fastmeter's own default reservoir (reservoir.go), or for a
// stream with a user-supplied ReservoirProvider, the box around the
// reservoir it returned (then own is unused). Which one is fixed by the
// stream's ExemplarConfig. own is held by value: collection visits every
// series' store, and one pointer less to chase is one cache miss less.
type exemplarStore[N Number] struct {
	box *reservoirBox
	own reservoir[N]
}

// exemplarCell is a series' exemplar state. Its store is created on the
// first offer, so series that never see a sampled measurement cost one nil
// pointer and their collection does nothing extra.
type exemplarCell[N Number] struct {
	// box holds the series' store, of either kind (nil until the first
	// offer).
	box atomic.Pointer[exemplarStore[N]]
}

// offer hands a measurement the filter admitted (see ExemplarConfig.admits)
// to the series' reservoir, creating it on first use.
func (c *exemplarCell[N]) offer(ctx context.Context, cfg *ExemplarConfig, value N, attrs *attribute.Set, dropped []attribute.KeyValue) {
	c.offerBucket(ctx, cfg, value, -1, attrs, dropped)
}

// offerBucket is offer for an explicit histogram, which passes the bucket
// it already computed for value (-1: unknown) so an aligned default
// reservoir need not search the bounds again.
func (c *exemplarCell[N]) offerBucket(ctx context.Context, cfg *ExemplarConfig, value N, bucket int, attrs *attribute.Set, dropped []attribute.KeyValue) {
	st := c.box.Load()
	if st == nil {
		if st = c.create(cfg, attrs); st == nil {
			return
		}
	}
	if st.box == nil {
		st.own.offer(ctx, value, bucket, dropped)
		return
	}
	boxOffer(st.box, ctx, cfg, value, dropped)
}

// create makes the series' store on its first offer. Concurrent first
// offers race with a CAS; the losers use the winner's store.
func (c *exemplarCell[N]) create(cfg *ExemplarConfig, attrs *attribute.Set) *exemplarStore[N] {
	st := &exemplarStore[N]{}
	if cfg.Default != nil {
		st.own.init(cfg.Default)
	} else if st.box = newReservoirBox(cfg, attrs); st.box == nil {
		return nil
	}
	if !c.box.CompareAndSwap(nil, st) {
		return c.box.Load() // nil if a delta collection took it meanwhile
	}
	return st
}

func boxOffer[N Number](b *reservoirBox, ctx context.Context, cfg *ExemplarConfig, value N, dropped []attribute.KeyValue) {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer cfg.recoverReservoir("Offer")
	b.res.Offer(ctx, time.Now(), exemplar.NewValue(value), normalizedKVs(dropped)) // see attrnorm.go
}

func newReservoirBox(cfg *ExemplarConfig, attrs *attribute.Set) (box *reservoirBox) {
	defer cfg.recoverReservoir("provider")
	res := cfg.Provider(*attrs)
	if res == nil {
		return nil
	}
	return &reservoirBox{res: res}
}

// collect writes the series' exemplars into dst, reusing its storage.
func (c *exemplarCell[N]) collect(cfg *ExemplarConfig, dst *[]metricdata.Exemplar[N]) {
	if cfg == nil {
		*dst = (*dst)[:0]
		return
	}
	st := c.box.Load()
	if st != nil && st.box != nil && cfg.Delta {
		// A user reservoir cannot be told to forget what it holds: a
		// delta stream takes it out and the next offer creates a new one.
		st = c.box.Swap(nil)
	}
	switch {
	case st == nil:
		*dst = (*dst)[:0]
	case st.box == nil:
		// The default reservoir is reset in place, so delta streams do
		// not allocate one per series per interval.
		st.own.collect(dst, cfg.Delta)
	default:
		collectBox(cfg, st.box, dst)
	}
}

func collectBox[N Number](cfg *ExemplarConfig, box *reservoirBox, dst *[]metricdata.Exemplar[N]) {
	out := (*dst)[:0]
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
