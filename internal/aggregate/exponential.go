package aggregate

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/internal/exphist"
)

// exponentialCell is one series of a base-2 exponential histogram. The
// histogram itself (internal/exphist) is safe for concurrent Record and
// Collect, and series never share a lock.
type exponentialCell[N Number] struct {
	hist exphist.Histogram[N]
	ex   exemplarCell[N]
}

type exponential[N Number] struct {
	cfg   Config
	table *seriesTable[exponentialCell[N]]
	collector
}

// ExponentialConfig is the shape of an exponential histogram stream.
type ExponentialConfig = exphist.Config

// NewExponentialHistogram returns a base-2 exponential histogram stream.
// shape must be valid (see exphist.Config.Validate).
func NewExponentialHistogram[N Number](cfg Config, shape ExponentialConfig) Stream[N] {
	e := &exponential[N]{cfg: cfg}
	e.lastNanos = cfg.nowNanos()
	e.table = newSeriesTable(&e.cfg, func(c *exponentialCell[N]) {
		c.hist.Init(shape)
	})
	return e
}

func (e *exponential[N]) Measure(ctx context.Context, value N, attrs *attribute.Set) {
	var dropped []attribute.KeyValue
	if e.cfg.Filter != nil {
		var fset attribute.Set
		fset, dropped = e.cfg.filtered(attrs)
		attrs = &fset
	}
	se := e.table.acquire(attrs)
	e.update(ctx, se, value, dropped)
	e.table.release(se)
}

func (e *exponential[N]) update(ctx context.Context, se *series[exponentialCell[N]], value N, dropped []attribute.KeyValue) {
	se.cell.hist.Record(value)
	if ex := e.cfg.Exemplars; ex != nil && !(ex.TraceBased && spanless(ctx)) && ex.admits(ctx) {
		se.cell.ex.offer(ctx, e.cfg.Exemplars, value, &se.attrs, dropped)
	}
}

// Bind returns a handle that records into attrs' series directly.
func (e *exponential[N]) Bind(attrs *attribute.Set) Bound[N] {
	return newBound(&e.cfg, e.table, attrs, e.update)
}

func (e *exponential[N]) Collect(dst *metricdata.Aggregation) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out, _ := (*dst).(metricdata.ExponentialHistogram[N])
	out.Temporality = e.cfg.Temporality
	points := out.DataPoints[:0]
	nowNanos := e.cfg.nowNanos()
	now := unixTime(nowNanos)
	delta := e.cfg.Temporality == metricdata.DeltaTemporality
	start := unixTime(e.lastNanos)
	sweep(&e.cfg, e.table, !delta, func(se *series[exponentialCell[N]], final bool) bool {
		points = growPoints(points)
		p := &points[len(points)-1]
		if !se.cell.hist.Collect(p, delta) {
			points = points[:len(points)-1]
			return false
		}
		p.Attributes = se.attrs
		p.Time = now
		if delta {
			p.StartTime = start
		} else {
			p.StartTime = unixTime(se.startNanos)
		}
		se.cell.ex.collect(e.cfg.Exemplars, &p.Exemplars)
		return true
	})
	e.lastNanos = nowNanos
	if len(points) == 0 {
		return 0
	}
	out.DataPoints = points
	*dst = out
	return len(points)
}
