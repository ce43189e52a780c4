package aggregate

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// lastValueCell is a synchronous gauge: the last recorded value. has is set
// after the first store so a collector racing the series' creation never
// reports a value that was not recorded.
type lastValueCell[N Number] struct {
	value atomicNumber[N]
	has   atomic.Bool
	ex    exemplarCell[N]
}

type lastValue[N Number] struct {
	cfg   Config
	table *seriesTable[lastValueCell[N]]
	collector
}

// NewLastValue returns a synchronous gauge stream.
func NewLastValue[N Number](cfg Config) Stream[N] {
	s := &lastValue[N]{cfg: cfg}
	s.lastNanos = cfg.nowNanos()
	s.table = newSeriesTable[lastValueCell[N]](&s.cfg, nil)
	return s
}

func (s *lastValue[N]) Measure(ctx context.Context, value N, attrs *attribute.Set) {
	var dropped []attribute.KeyValue
	if s.cfg.Filter != nil {
		var fset attribute.Set
		fset, dropped = s.cfg.filtered(attrs)
		attrs = &fset
	}
	se := s.table.acquire(attrs)
	s.update(ctx, se, value, dropped)
	s.table.release(se)
}

func (s *lastValue[N]) update(ctx context.Context, se *series[lastValueCell[N]], value N, dropped []attribute.KeyValue) {
	se.cell.value.store(value)
	if !se.cell.has.Load() {
		se.cell.has.Store(true)
	}
	if ex := s.cfg.Exemplars; ex != nil && !(ex.TraceBased && spanless(ctx)) && ex.admits(ctx) {
		se.cell.ex.offer(ctx, s.cfg.Exemplars, value, &se.attrs, dropped)
	}
}

// Bind returns a handle that records into attrs' series directly.
func (s *lastValue[N]) Bind(attrs *attribute.Set) Bound[N] {
	return newBound(&s.cfg, s.table, attrs, s.update)
}

func (s *lastValue[N]) Collect(dst *metricdata.Aggregation) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, _ := (*dst).(metricdata.Gauge[N])
	points := out.DataPoints[:0]
	nowNanos := s.cfg.nowNanos()
	now := unixTime(nowNanos)
	delta := s.cfg.Temporality == metricdata.DeltaTemporality
	start := unixTime(s.lastNanos)
	sweep(&s.cfg, s.table, !delta, func(se *series[lastValueCell[N]], final bool) bool {
		if final || !se.cell.has.Load() {
			return false
		}
		points = growPoints(points)
		p := &points[len(points)-1]
		p.Attributes = se.attrs
		p.Time = now
		p.Value = se.cell.value.load()
		if delta {
			p.StartTime = start
		} else {
			p.StartTime = unixTime(se.startNanos)
		}
		se.cell.ex.collect(s.cfg.Exemplars, &p.Exemplars)
		return true
	})
	s.lastNanos = nowNanos
	if len(points) == 0 {
		// Leave *dst alone: the caller's slot may hold another stream's
		// storage that the next collection reuses.
		return 0
	}
	out.DataPoints = points
	*dst = out
	return len(points)
}
