package aggregate

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
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
}

var (
	backgroundCtx = context.Background()
	todoCtx       = context.TODO()
)

// admits applies the filter.
func (cfg *ExemplarConfig) admits(ctx context.Context) bool {
	if cfg.TraceBased {
		if ctx == backgroundCtx || ctx == todoCtx {
			return false
		}
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

func (c *exemplarCell[N]) offer(ctx context.Context, cfg *ExemplarConfig, value N, attrs *attribute.Set, dropped []attribute.KeyValue) {
	if !cfg.admits(ctx) {
		return
	}
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
	defer recoverReservoir(cfg.Name, "Offer")
	box.res.Offer(ctx, time.Now(), exemplar.NewValue(value), dropped)
}

func newReservoirBox(cfg *ExemplarConfig, attrs *attribute.Set) (box *reservoirBox) {
	defer recoverReservoir(cfg.Name, "provider")
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
		defer recoverReservoir(cfg.Name, "Collect")
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

func recoverReservoir(name, op string) {
	if r := recover(); r != nil {
		otel.Handle(fmt.Errorf("fastmeter: exemplar reservoir %s of instrument %q panicked: %v; the exemplar is dropped, the measurement is kept", op, name, r))
	}
}
